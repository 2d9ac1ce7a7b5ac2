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

import math
import re
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .. import defaults
from ..core.model import Profile
from ..core.tree import first_occurrence, levels, subtree_sums
from ..core.weights import node_self
from ..display import ShowsAsHTML
from ..errors import UsageError
from .naming import unique_labels

HEX = re.compile(r"0x[0-9a-fA-F]+")


@dataclass(frozen=True)
class DiffOptions:
    """How to match frames and what to compare (defaults in brackets).

    ``match_lines`` [False]: frames with different line numbers are different functions.
    ``strip_hex`` [False]: hex addresses (0x...) in names are masked before matching.
    ``absolute`` [False]: compare raw weights instead of each side's share of its own total.
    ``alpha`` [0.01]: family-wise significance level of the report.
    """

    match_lines: bool = False
    strip_hex: bool = False
    absolute: bool = False
    alpha: float = defaults.DIFF_ALPHA


@dataclass(frozen=True)
class SideSummary:
    """One side of the comparison as a whole."""

    total: int | float  # in ``unit``
    unit: str
    samples: int | float  # sample count the statistics use
    source_format: str


@dataclass(frozen=True)
class Change:
    """One quantity (self or total weight) compared between the sides.

    Shares and deltas are in percentage points: of each side's own total when normalized, of
    BEFORE's total when absolute. ``low``/``high`` bound the change in the share of *samples*
    (simultaneous interval at the report's ``alpha``); ``p_value`` is Bonferroni-adjusted.
    """

    before: int | float
    after: int | float
    before_pct: float
    after_pct: float
    delta: float
    low: float
    high: float
    p_value: float
    significant: bool

    @property
    def delta_weight(self) -> int | float:
        return self.after - self.before


@dataclass(frozen=True, eq=False)
class Changes:
    """Many :class:`Change` rows as columns (numpy arrays), for call trees of any size."""

    before: np.ndarray
    after: np.ndarray
    before_pct: np.ndarray
    after_pct: np.ndarray
    delta: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray

    def __len__(self) -> int:
        return len(self.delta)

    def __getitem__(self, i: int) -> Change:
        return Change(
            before=_py(self.before[i]),
            after=_py(self.after[i]),
            before_pct=float(self.before_pct[i]),
            after_pct=float(self.after_pct[i]),
            delta=float(self.delta[i]),
            low=float(self.low[i]),
            high=float(self.high[i]),
            p_value=float(self.p_value[i]),
            significant=bool(self.significant[i]),
        )


@dataclass(frozen=True)
class FunctionDiff:
    """A function matched across the sides, with its self and total compared."""

    name: str
    file: str | None
    self: Change
    total: Change

    @property
    def significant(self) -> bool:
        return self.self.significant or self.total.significant

    @property
    def p_value(self) -> float:
        return min(self.self.p_value, self.total.p_value)

    @property
    def magnitude(self) -> float:
        """The largest significant change in points (0 when none is significant)."""
        sig = [abs(c.delta) for c in (self.self, self.total) if c.significant]
        return max(sig, default=0.0)


@dataclass(frozen=True)
class TreeDiff:
    """The merged call tree of both sides (paths matched by function), one row per path."""

    parent: np.ndarray  # int64, -1 for roots, parent[i] < i
    func: np.ndarray  # int64 index into ProfileDiff.function_names/files
    depth: np.ndarray
    self_before: np.ndarray
    self_after: np.ndarray
    total_before: np.ndarray
    total_after: np.ndarray
    self_change: Changes
    total_change: Changes
    node_before: np.ndarray  # merged path of each BEFORE call-tree node
    node_after: np.ndarray  # merged path of each AFTER call-tree node


@dataclass
class _Side:
    profile: Profile
    func_of_frame: np.ndarray
    weight_self: np.ndarray  # per node
    count_self: np.ndarray  # per node
    row_count: np.ndarray  # samples each row stands for
    blocks: list[np.ndarray]  # row indices of consecutive stretches of the run (may be empty)
    firsts: np.ndarray  # nodes none of whose ancestors is the same function

    def block_node_counts(self):
        """Per block: (sample count per call-tree node, the block's sample count)."""
        n = len(self.profile.stacks)
        stack = self.profile.samples.stack
        for rows in self.blocks:
            counts = np.bincount(stack[rows], weights=self.row_count[rows], minlength=n)
            yield counts, float(counts.sum())


class ProfileDiff(ShowsAsHTML):
    """BEFORE and AFTER matched; :meth:`functions` and :meth:`tree` hold the comparisons."""

    def __init__(self, before: Profile, after: Profile, options: DiffOptions | None = None):
        self.options = options or DiffOptions()
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
        keys_b, keys_a, self.function_names, self.function_files = _match_functions(
            before, after, self.options
        )
        self.warnings: list[str] = []
        interval = _sampling_interval(before, after)
        self._before = _side(before, keys_b, interval, self.warnings)
        self._after = _side(after, keys_a, interval, self.warnings)
        self.before = _summary(self._before)
        self.after = _summary(self._after)
        self._functions: list[FunctionDiff] | None = None
        self._tree: TreeDiff | None = None

    @property
    def normalized(self) -> bool:
        return not self.options.absolute

    @property
    def before_profile(self) -> Profile:
        return self._before.profile

    @property
    def after_profile(self) -> Profile:
        return self._after.profile

    # -- functions ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Both sides' totals and units, whether normalized, and every function compared."""
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
            "functions": [
                {
                    "name": f.name,
                    "file": f.file,
                    "self_before": f.self.before,
                    "self_after": f.self.after,
                    "total_before": f.total.before,
                    "total_after": f.total.after,
                    "delta_self_pct": round(f.self.delta, 6),
                    "delta_total_pct": round(f.total.delta, 6),
                    "p_value": f.p_value,
                    "significant": f.significant,
                }
                for f in self.functions()
            ],
        }

    def functions(self) -> list[FunctionDiff]:
        """Every function present on either side, largest significant change first."""
        if self._functions is None:
            nfunc = len(self.function_names)
            sides = (self._before, self._after)
            cols = [_function_sums(side, nfunc) for side in sides]
            (sw_b, tw_b, sc_b, tc_b), (sw_a, tw_a, sc_a, tc_a) = cols
            (vs_b, vt_b), (vs_a, vt_a) = [
                _batch_variance(side, lambda c, side=side: _function_counts(side, c, nfunc))
                for side in sides
            ]
            changes = self._compare(
                [(sw_b, sw_a, sc_b, sc_a, vs_b, vs_a), (tw_b, tw_a, tc_b, tc_a, vt_b, vt_a)]
            )
            selfs, totals = changes
            present = np.flatnonzero((np.asarray(tw_b) > 0) | (np.asarray(tw_a) > 0))
            out = [
                FunctionDiff(
                    self.function_names[i], self.function_files[i] or None, selfs[i], totals[i]
                )
                for i in present.tolist()
            ]
            out.sort(key=_function_order)
            self._functions = out
        return self._functions

    # -- call tree ---------------------------------------------------------------------------
    def tree(self) -> TreeDiff:
        """The call paths of both sides merged, with self and total compared per path."""
        if self._tree is None:
            self._tree = self._build_tree()
        return self._tree

    def _build_tree(self) -> TreeDiff:
        sides = (self._before, self._after)
        parent, func, depth, maps = _merge_tries(sides, len(self.function_names))
        n = len(parent)
        cols = []
        shape = _TrieShape(parent, depth)
        for side, mapping in zip(sides, maps, strict=True):
            sw = np.bincount(mapping, weights=side.weight_self, minlength=n)
            sc = np.bincount(mapping, weights=side.count_self, minlength=n)
            tw = subtree_sums(shape, sw)
            tc = subtree_sums(shape, sc)

            def per_node(counts, mapping=mapping):
                merged = np.bincount(mapping, weights=counts, minlength=n)
                return merged, subtree_sums(shape, merged)

            vs, vt = _batch_variance(side, per_node)
            cols.append((_like(sw, side), _like(tw, side), sc, tc, vs, vt))
        (sw_b, tw_b, sc_b, tc_b, vs_b, vt_b), (sw_a, tw_a, sc_a, tc_a, vs_a, vt_a) = cols
        self_change, total_change = self._compare(
            [(sw_b, sw_a, sc_b, sc_a, vs_b, vs_a), (tw_b, tw_a, tc_b, tc_a, vt_b, vt_a)]
        )
        return TreeDiff(
            parent, func, depth, sw_b, sw_a, tw_b, tw_a, self_change, total_change, *maps
        )

    # -- statistics --------------------------------------------------------------------------
    def _compare(self, groups) -> list[Changes]:
        """Changes for (weight, count, block-variance) columns of BEFORE and AFTER, in groups.

        Every test of the groups counts towards the Bonferroni correction, so a change is
        significant exactly when its simultaneous interval excludes zero.
        """
        nb = float(self.before.samples)
        na = float(self.after.samples)
        tb = float(self.before.total)
        ta = float(self.after.total)
        raw = []
        for wb, wa, cb, ca, vb, va in groups:
            cb = np.asarray(cb, dtype=np.float64)
            ca = np.asarray(ca, dtype=np.float64)
            pct_b = _pct(wb, tb)
            pct_a = _pct(wa, tb if self.options.absolute else ta)
            if self.options.absolute:
                center, se, testable = _rate_difference(cb, ca, nb, na, vb, va)
            else:
                center, se, testable = _proportion_difference(cb, ca, nb, na, vb, va)
            raw.append((wb, wa, pct_b, pct_a, center, se, testable))
        m = max(1, sum(int(t.sum()) for *_, t in raw))
        alpha = self.options.alpha
        zcrit = NormalDist().inv_cdf(1 - alpha / (2 * m))
        out = []
        for wb, wa, pct_b, pct_a, center, se, testable in raw:
            p = np.ones(len(center))
            ok = testable & (se > 0)
            p[ok] = np.minimum(1.0, m * _erfc_p(center[ok] / se[ok]))
            delta = pct_a - pct_b
            half = zcrit * se
            sig = ok & (np.abs(center) > half)
            changes = Changes(
                np.asarray(wb),
                np.asarray(wa),
                pct_b,
                pct_a,
                delta,
                center - half,
                center + half,
                p,
                sig,
            )
            out.append(changes)
        return out


def diff_profiles(
    before: Profile, after: Profile, options: DiffOptions | None = None
) -> ProfileDiff:
    """Match BEFORE and AFTER and prepare their comparison."""
    return ProfileDiff(before, after, options)


# -- matching -------------------------------------------------------------------------------


def _frame_columns(profile: Profile, options: DiffOptions):
    s = profile.strings
    fr = profile.frames
    names = [s[i] for i in fr.name.tolist()]
    if options.strip_hex:
        names = [HEX.sub("0x...", n) for n in names]
    files = [_canonical_file(s[i]) for i in fr.file.tolist()]
    lines = fr.line.tolist() if options.match_lines else [0] * len(fr)
    own = fr.owns_line()
    places = [
        (int(line), int(col)) if o else (0, 0)
        for line, col, o in zip(fr.line.tolist(), fr.column.tolist(), own.tolist(), strict=True)
    ]
    return names, files, lines, places


def _positional(cols) -> set[tuple[str, str]]:
    """(name, file) pairs that stand for several functions on one side (anonymous functions,
    two methods of one name): their own line and column are part of their identity."""
    out: set[tuple[str, str]] = set()
    for names, files, _lines, places in cols:
        seen: dict[tuple[str, str], tuple[int, int]] = {}
        for name, file, where in zip(names, files, places, strict=True):
            if where == (0, 0):
                continue
            first = seen.setdefault((name, file), where)
            if first != where:
                out.add((name, file))
    return out


def _canonical_file(file: str) -> str:
    return file[len("file://") :] if file.startswith("file://") else file


def _match_functions(before: Profile, after: Profile, options: DiffOptions):
    """Function ids for the frames of both sides, and each function's name and file."""
    cols = [_frame_columns(p, options) for p in (before, after)]
    files_of: list[dict[str, set[str]]] = [{}, {}]
    for side, (names, files, _lines, _places) in enumerate(cols):
        for name, file in zip(names, files, strict=True):
            if file:
                files_of[side].setdefault(name, set()).add(file)
    # a file is part of the identity only when both sides know files for that name; a path
    # that is a suffix of the other side's (relative vs absolute) counts as the same file
    alias: dict[tuple[str, str], str] = {}
    for name in files_of[0].keys() & files_of[1].keys():
        fb, fa = files_of[0][name], files_of[1][name]
        for x in fb - fa:
            for y in fa - fb:
                if y.endswith("/" + x) or x.endswith("/" + y):
                    long = max(x, y, key=len)
                    alias[(name, x)] = alias[(name, y)] = long
    positional = _positional(cols)
    ids: dict[tuple, int] = {}
    rows: list[tuple[str, str, int, int]] = []
    out_files: list[str] = []
    result = []
    for names, files, lines, places in cols:
        func = np.empty(len(names), dtype=np.int64)
        for i, (name, file, line, where) in enumerate(
            zip(names, files, lines, places, strict=True)
        ):
            both = name in files_of[0] and name in files_of[1]
            key_file = alias.get((name, file), file) if both else ""
            if (name, file) not in positional:
                where = (0, 0)
            key = (name, key_file, line, where)
            fid = ids.get(key)
            if fid is None:
                fid = ids[key] = len(rows)
                out_file = key_file or _any_file(files_of, name)
                rows.append((name, out_file, *(where if where != (0, 0) else (line, 0))))
                out_files.append(out_file)
            func[i] = fid
        result.append(func)
    # display names: functions that share a name show their place (analyze.naming)
    return result[0], result[1], unique_labels(rows), out_files


def _any_file(files_of, name: str) -> str:
    for side in files_of:
        if name in side and len(side[name]) == 1:
            return next(iter(side[name]))
    return ""


def rows_are_samples(profile: Profile) -> bool:
    """Whether each sample row of a timed profile is one sample taken by a profiler.

    Profiles that record stack changes (evented speedscope, py-spy chrometrace) hold the
    intervals between them instead: consecutive samples with the same stack are one row.
    """
    return not (profile.meta.rows_are_intervals and profile.has_times)


def _sampling_interval(before: Profile, after: Profile) -> float:
    """The sampling interval (ns) to estimate sample counts of a side that has none."""
    for p in (before, after):
        if p.unit == "nanoseconds" and rows_are_samples(p) and len(p.samples):
            return float(p.total_weight()) / len(p.samples)
    for p in (before, after):
        if p.meta.period_ns:
            return float(p.meta.period_ns)
    return 1e6  # 1 ms, V8's default


BLOCKS = 20  # consecutive stretches a run is cut into to see how much its shares wander
MIN_BLOCK = 25  # samples per block at least


def _side(profile: Profile, func_of_frame: np.ndarray, interval: float, warnings) -> _Side:
    weights = node_self(profile)
    n = len(profile.stacks)
    sample_weight = np.asarray(profile.samples.weight, dtype=np.float64)
    if profile.unit == "samples":
        row_count = sample_weight
    elif rows_are_samples(profile):  # each row is one sample, whatever its duration
        row_count = np.ones(len(sample_weight))
    else:
        row_count = sample_weight / interval
        warnings.append(
            f"{profile.meta.name or profile.meta.source_format}: intervals, not samples; "
            f"sample counts estimated at one per {interval / 1e6:.3g} ms"
        )
    counts = np.bincount(profile.samples.stack, weights=row_count, minlength=n)
    firsts = first_occurrence(profile.stacks, func_of_frame)
    blocks = _blocks(profile, row_count)
    return _Side(profile, func_of_frame, weights, counts, row_count, blocks, firsts)


def _blocks(profile: Profile, row_count: np.ndarray) -> list[np.ndarray]:
    """Rows cut into consecutive blocks of about equal sample count, in the order they were
    sampled (by thread, then time); none when the rows have no order (aggregated stacks)."""
    ordered = profile.has_times or profile.meta.samples_ordered
    total = float(row_count.sum())
    nblocks = min(BLOCKS, int(total // MIN_BLOCK))
    if not ordered or nblocks < 5 or not len(row_count):
        return []
    time = profile.samples.time
    keys = (np.arange(len(row_count)), profile.samples.thread)
    if time is not None:
        keys = (np.arange(len(row_count)), time, profile.samples.thread)
    order = np.lexsort(keys)
    position = np.cumsum(row_count[order]) - row_count[order] / 2
    block = np.minimum((position / total * nblocks).astype(np.int64), nblocks - 1)
    return [order[block == b] for b in range(nblocks)]


def _batch_variance(side: _Side, columns):
    """Variance of each share from the spread between blocks (batch means), for every column
    ``columns(node_counts)`` returns; ``(None, ...)`` when the run has no blocks."""
    sums = sq = None
    nblocks = 0
    for counts, block_total in side.block_node_counts():
        if not block_total:
            continue
        shares = [np.asarray(c, dtype=np.float64) / block_total for c in columns(counts)]
        if sums is None:
            sums = [np.zeros_like(x) for x in shares]
            sq = [np.zeros_like(x) for x in shares]
        for i, x in enumerate(shares):
            sums[i] += x
            sq[i] += x * x
        nblocks += 1
    if sums is None or nblocks < 2:
        return (None, None)
    out = []
    for total, total_sq in zip(sums, sq, strict=True):
        mean = total / nblocks
        var = np.maximum(total_sq / nblocks - mean * mean, 0) * nblocks / (nblocks - 1)
        out.append(var / nblocks)
    return tuple(out)


def _summary(side: _Side) -> SideSummary:
    p = side.profile
    count = round(float(side.count_self.sum()), 6)
    return SideSummary(
        total=p.total_weight(),
        unit=p.unit,
        samples=int(count) if count.is_integer() else count,
        source_format=p.meta.source_format,
    )


def _function_counts(side: _Side, node_counts: np.ndarray, nfunc: int):
    """(self, total) per function from a count per call-tree node."""
    p = side.profile
    func_of_node = side.func_of_frame[p.stacks.frame]
    firsts = side.firsts
    total = subtree_sums(p.stacks, node_counts)
    fs = np.bincount(func_of_node, weights=node_counts, minlength=nfunc)
    ft = np.bincount(func_of_node[firsts], weights=total[firsts], minlength=nfunc)
    return fs, ft


def _function_sums(side: _Side, nfunc: int):
    """Self and total per function: weights, then sample counts."""
    sw, tw = _function_counts(side, side.weight_self, nfunc)
    sc, tc = _function_counts(side, side.count_self, nfunc)
    return _like(sw, side), _like(tw, side), sc, tc


def _like(values: np.ndarray, side: _Side) -> np.ndarray:
    if np.issubdtype(side.profile.samples.weight.dtype, np.integer):
        return np.rint(values).astype(np.int64)
    return values


@dataclass(frozen=True)
class _TrieShape:
    parent: np.ndarray
    depth: np.ndarray


def _merge_tries(sides, nfunc: int):
    """Merge both call trees by path of function ids, level by level (no recursion)."""
    maps = [np.full(len(s.profile.stacks), -1, dtype=np.int64) for s in sides]
    side_levels = [levels(s.profile.stacks) for s in sides]
    parents: list[np.ndarray] = []
    funcs: list[np.ndarray] = []
    depths: list[np.ndarray] = []
    next_id = 0
    for depth in range(max((len(lv) for lv in side_levels), default=0)):
        keys = []
        for side, lv, mapping in zip(sides, side_levels, maps, strict=True):
            if depth >= len(lv):
                keys.append(np.zeros(0, dtype=np.int64))
                continue
            nodes = lv[depth]
            st = side.profile.stacks
            par = st.parent[nodes]
            merged_parent = np.where(par >= 0, mapping[np.maximum(par, 0)], -1)
            keys.append((merged_parent + 1) * nfunc + side.func_of_frame[st.frame[nodes]])
        uniq, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        start = 0
        for lv, key, mapping in zip(side_levels, keys, maps, strict=True):
            if len(key):
                mapping[lv[depth]] = next_id + inverse[start : start + len(key)]
            start += len(key)
        parents.append(uniq // nfunc - 1)
        funcs.append(uniq % nfunc)
        depths.append(np.full(len(uniq), depth, dtype=np.int64))
        next_id += len(uniq)
    if not parents:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, maps
    return np.concatenate(parents), np.concatenate(funcs), np.concatenate(depths), maps


# -- statistics -----------------------------------------------------------------------------


def _pct(values, total: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return v / total * 100 if total else np.zeros_like(v)


def _erfc_p(z: np.ndarray) -> np.ndarray:
    return np.array([math.erfc(abs(x) / math.sqrt(2)) for x in z.tolist()])


def _proportion_difference(cb, ca, nb: float, na: float, vb=None, va=None):
    """Change in the share of samples, in points, with its standard error.

    Each side's variance is the binomial one (Agresti–Caffo: one success and one failure added,
    which keeps small counts honest) or, when larger, the one seen between consecutive blocks of
    the run (``vb``/``va``): samples of a run are not independent (a descheduled process is
    sampled in the same place again and again), and blocks show how much shares really wander.
    """
    pb = (cb + 1) / (nb + 2)
    pa = (ca + 1) / (na + 2)
    var_b = pb * (1 - pb) / (nb + 2)
    var_a = pa * (1 - pa) / (na + 2)
    if vb is not None:
        var_b = np.maximum(var_b, vb)
    if va is not None:
        var_a = np.maximum(var_a, va)
    se = np.sqrt(var_b + var_a) * 100
    testable = (cb + ca > 0) & ~((cb == nb) & (ca == na))
    return (pa - pb) * 100, se, testable


def _rate_difference(cb, ca, nb: float, na: float, vb=None, va=None):
    """Change in sample count as points of BEFORE's samples, with its standard error, treating
    both counts as Poisson (the same sampling rate on both sides), or as overdispersed as the
    blocks of each run show (``vb``/``va``: variances of the share, scaled here to counts)."""
    if not nb:
        zero = np.zeros(len(cb))
        return zero, zero, np.zeros(len(cb), dtype=bool)
    var_b = cb + 0.5
    var_a = ca + 0.5
    if vb is not None:
        var_b = np.maximum(var_b, vb * nb * nb)
    if va is not None:
        var_a = np.maximum(var_a, va * na * na)
    se = np.sqrt(var_b + var_a) / nb * 100
    return (ca - cb) / nb * 100, se, cb + ca > 0


def _py(value):
    return value.item() if hasattr(value, "item") else value


def _function_order(f: FunctionDiff):
    biggest = max(abs(f.self.delta), abs(f.total.delta))
    return (not f.significant, -f.magnitude, -biggest, f.name, f.file or "")
