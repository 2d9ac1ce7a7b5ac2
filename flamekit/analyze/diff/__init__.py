"""Comparing two profiles: matched functions and call paths, changes in share, significance.

Frames of BEFORE and AFTER are matched by function: the name (hex addresses optionally masked)
and the file when both sides know it, ignoring line numbers unless asked. Each change is tested
on sample *counts* (not nanoseconds): by default a two-proportion z-test on each side's share of
its own samples; with ``absolute=True`` a test of equal Poisson rates on the raw counts. Samples
of one run are not independent (a descheduled process is sampled in the same place many times),
so when a run's samples are in order, each side's variance is the larger of the binomial one and
the one seen between 20 consecutive blocks of the run (batch means). All the
tests of one report are corrected together (Bonferroni), so ``alpha`` bounds the chance that
anything it calls significant is sampling noise, and a change is significant exactly when its
simultaneous confidence interval excludes zero.
"""

from __future__ import annotations

import numpy as np

from ...core.idle import idle_frames
from ...core.model import Profile
from ...core.tree import subtree_sums
from ...core.weights import int_if_exact
from ...display import ShowsAsHTML
from ...errors import UsageError
from .fleet import MIN_RUNS, TEST_NAME, fleet_changes, run_count
from .match import HEX, match_functions
from .merge_tree import TrieShape, merge_tries
from .results import (
    Change,
    Changes,
    DiffOptions,
    FunctionDiff,
    SideSummary,
    TreeDiff,
    function_order,
)
from .sampling import (
    batch_variance,
    function_counts,
    function_sums,
    make_side,
    sampling_interval,
    summary,
)
from .stats import compare_groups


class ProfileDiff(ShowsAsHTML):
    """BEFORE and AFTER matched; :meth:`functions` and :meth:`tree` hold the comparisons."""

    def __init__(
        self,
        before: Profile,
        after: Profile,
        options: DiffOptions | None = None,
        runs: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self.options = options or DiffOptions()
        self._runs = runs
        self.runs = (run_count(runs[0]), run_count(runs[1])) if runs else (1, 1)
        if not 0 < self.options.alpha < 1:
            raise UsageError(f"--alpha must be between 0 and 1, not {self.options.alpha}")
        if self.options.absolute and before.unit != after.unit:
            raise UsageError(
                f"cannot compare absolute weights in {before.unit} with {after.unit}",
                hint="drop --absolute to compare shares of each side's total",
            )
        for label, p in (("BEFORE", before), ("AFTER", after)):
            if not len(p.samples) or not p.total_weight():
                raise UsageError(
                    f"{label} ({p.meta.name or p.meta.source_format}) has no samples: "
                    "nothing to compare",
                    hint="check the file, or the --focus/--exclude/--thread options",
                )
        keys_b, keys_a, self.function_names, self.function_files = match_functions(
            before, after, self.options
        )
        self.warnings: list[str] = []
        interval = sampling_interval(before, after)
        self._before = make_side(before, keys_b, interval, self.warnings)
        self._after = make_side(after, keys_a, interval, self.warnings)
        self.before = summary(self._before)
        self.after = summary(self._after)
        self._functions: list[FunctionDiff] | None = None
        self._tree: TreeDiff | None = None

    @property
    def normalized(self) -> bool:
        return not self.options.absolute

    @property
    def fleet(self) -> bool:
        """Whether runs are the observations (3 or more a side), not samples."""
        return min(self.runs) >= MIN_RUNS

    @property
    def test(self) -> str:
        """The test used: ``welch-t`` (runs), ``two-proportion-z`` or ``poisson-rate``."""
        if self.fleet:
            return TEST_NAME
        return "poisson-rate" if self.options.absolute else "two-proportion-z"

    def run_totals(self, samples: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Each run's total weight (or sample count), per side (one run a side unless runs
        were given)."""
        out = []
        for side, runs in zip((self._before, self._after), self._runs or (None, None), strict=True):
            weight = np.asarray(side.profile.samples.weight, dtype=np.float64)
            if samples:
                weight = side.row_count
            if runs is None:
                out.append(np.array([weight.sum()]))
            else:
                out.append(np.bincount(runs, weights=weight, minlength=run_count(runs)))
        return out[0], out[1]

    @property
    def compares_time(self) -> bool:
        """Whether a change in share is shown beside a change in time."""
        return self.normalized and self.before.unit == self.after.unit

    @property
    def before_profile(self) -> Profile:
        return self._before.profile

    @property
    def after_profile(self) -> Profile:
        return self._after.profile

    # -- functions ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Both sides' totals and units, whether normalized, the test, and every function."""
        return {
            "before": {
                "total": self.before.total,
                "unit": self.before.unit,
                "samples": self.before.samples,
            },
            "after": {
                "total": self.after.total,
                "unit": self.after.unit,
                "samples": self.after.samples,
            },
            "normalized": self.normalized,
            "test": self.test,
            "alpha": self.options.alpha,
            "runs": {"before": self.runs[0], "after": self.runs[1]},
            "functions": [f.to_dict() for f in self.functions()],
        }

    def functions(self) -> list[FunctionDiff]:
        """Every function present on either side, largest significant change first."""
        if self._functions is None:
            nfunc = len(self.function_names)
            sums = [function_sums(s, nfunc) for s in (self._before, self._after)]
            tw_b, tw_a = (s[1] for s in sums)
            if self.fleet:
                shares, times = fleet_changes(
                    (self._before, self._after),
                    self._runs,
                    nfunc,
                    absolute=self.options.absolute,
                    alpha=self.options.alpha,
                )
            else:
                shares, times = self._sample_changes(nfunc, sums)
            selfs, totals = shares
            time_self, time_total = times if self.compares_time else (None, None)
            idle = self._idle_functions(nfunc)
            present = np.flatnonzero((np.asarray(tw_b) > 0) | (np.asarray(tw_a) > 0))
            out = [
                FunctionDiff(
                    self.function_names[i],
                    self.function_files[i] or None,
                    selfs[i],
                    totals[i],
                    None if time_self is None else time_self[i],
                    None if time_total is None else time_total[i],
                    bool(idle[i]),
                )
                for i in present.tolist()
            ]
            out.sort(key=function_order)
            self._functions = out
        return self._functions

    def _sample_changes(self, nfunc: int, sums):
        """(self, total) changes tested on sample counts, and the same as changes in time;
        ``sums``: each side's :func:`.sampling.function_sums`."""
        sides = (self._before, self._after)
        (sw_b, tw_b, sc_b, tc_b), (sw_a, tw_a, sc_a, tc_a) = sums
        (vs_b, vt_b), (vs_a, vt_a) = [
            batch_variance(side, lambda c, side=side: function_counts(side, c, nfunc))
            for side in sides
        ]
        groups = [(sw_b, sw_a, sc_b, sc_a, vs_b, vs_a), (tw_b, tw_a, tc_b, tc_a, vt_b, vt_a)]
        shares = self._compare(groups)
        times = self._compare(groups, absolute=True) if self.compares_time else None
        return shares, times

    def _idle_functions(self, nfunc: int) -> np.ndarray:
        idle = np.zeros(nfunc, dtype=bool)
        for side in (self._before, self._after):
            idle[side.func_of_frame[idle_frames(side.profile)]] = True
        return idle

    # -- call tree ---------------------------------------------------------------------------
    def tree(self) -> TreeDiff:
        """The call paths of both sides merged, with self and total compared per path."""
        if self._tree is None:
            self._tree = self._build_tree()
        return self._tree

    def _build_tree(self) -> TreeDiff:
        sides = (self._before, self._after)
        parent, func, depth, maps = merge_tries(sides, len(self.function_names))
        n = len(parent)
        cols = []
        shape = TrieShape(parent, depth)
        for side, mapping in zip(sides, maps, strict=True):
            sw = np.bincount(mapping, weights=side.weight_self, minlength=n)
            sc = np.bincount(mapping, weights=side.count_self, minlength=n)
            tw = subtree_sums(shape, sw)
            tc = subtree_sums(shape, sc)

            def per_node(counts, mapping=mapping):
                merged = np.bincount(mapping, weights=counts, minlength=n)
                return merged, subtree_sums(shape, merged)

            vs, vt = batch_variance(side, per_node)
            like = side.profile.samples.weight
            cols.append((int_if_exact(sw, like), int_if_exact(tw, like), sc, tc, vs, vt))
        (sw_b, tw_b, sc_b, tc_b, vs_b, vt_b), (sw_a, tw_a, sc_a, tc_a, vs_a, vt_a) = cols
        self_change, total_change = self._compare(
            [(sw_b, sw_a, sc_b, sc_a, vs_b, vs_a), (tw_b, tw_a, tc_b, tc_a, vt_b, vt_a)]
        )
        return TreeDiff(
            parent, func, depth, sw_b, sw_a, tw_b, tw_a, self_change, total_change, *maps
        )

    # -- statistics --------------------------------------------------------------------------
    def _compare(self, groups, absolute: bool | None = None) -> list[Changes]:
        """Changes for (weight, count, block-variance) columns of BEFORE and AFTER, in groups,
        tested together (:func:`.stats.compare_groups`); ``absolute`` overrides the option."""
        return compare_groups(
            groups,
            samples=(float(self.before.samples), float(self.after.samples)),
            totals=(float(self.before.total), float(self.after.total)),
            absolute=self.options.absolute if absolute is None else absolute,
            alpha=self.options.alpha,
        )


def diff_profiles(
    before: Profile,
    after: Profile,
    options: DiffOptions | None = None,
    runs: tuple[np.ndarray, np.ndarray] | None = None,
) -> ProfileDiff:
    """Match BEFORE and AFTER and prepare their comparison. ``runs``: the run (0, 1, ...) each
    sample row of either side came from; with 3 or more runs a side, runs are compared."""
    return ProfileDiff(before, after, options, runs)


def diff_runs(
    befores: list[Profile], afters: list[Profile], options: DiffOptions | None = None
) -> ProfileDiff:
    """Compare runs: each side's runs merged (one thread per input thread), remembering which
    run each sample came from, so that 3 or more runs a side are tested across runs."""
    from ...merge import merge_profiles

    sides = []
    for runs in (befores, afters):
        merged = merge_profiles(runs)
        ids = np.repeat(np.arange(len(runs)), [len(p.samples) for p in runs])
        sides.append((merged, ids))
    (before, runs_b), (after, runs_a) = sides
    return ProfileDiff(before, after, options, (runs_b, runs_a))


__all__ = [
    "HEX",
    "Change",
    "Changes",
    "DiffOptions",
    "FunctionDiff",
    "ProfileDiff",
    "SideSummary",
    "TreeDiff",
    "diff_profiles",
    "diff_runs",
]
