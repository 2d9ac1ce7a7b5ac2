"""Fleet diffs: with 3 or more runs a side, each run is one observation.

Runs differ more than the samples of one run do (another machine, another warm-up, another
neighbour on the core), so with several runs a side the honest test is across runs: each run's
share of its own samples per function (or its sample count with ``absolute``), compared with
Welch's t-test (unequal variances), Bonferroni-adjusted across the report. The interval is
Welch's at the adjusted level, so a change is significant exactly when it excludes zero; the
effect size is Hedges' g (the change in pooled standard deviations, small-sample corrected).
"""

from __future__ import annotations

import numpy as np

from .results import Changes
from .sampling import Side, function_counts

MIN_RUNS = 3  # runs a side needs for the across-runs test; fewer fall back to the sample test
TEST_NAME = "welch-t"


def run_count(runs: np.ndarray | None) -> int:
    return 0 if runs is None or not len(runs) else int(runs.max()) + 1


def per_run(side: Side, runs: np.ndarray, nfunc: int, column: np.ndarray):
    """Self and total of ``column`` (a value per sample row) per run and function, and each
    run's total: arrays ``(runs, nfunc)``, ``(runs, nfunc)`` and ``(runs,)``."""
    p = side.profile
    n = len(p.stacks)
    nruns = run_count(runs)
    selfs = np.zeros((nruns, nfunc))
    totals = np.zeros((nruns, nfunc))
    run_totals = np.zeros(nruns)
    order = np.argsort(runs, kind="stable")
    bounds = np.searchsorted(runs[order], np.arange(nruns + 1))
    for r in range(nruns):
        rows = order[bounds[r] : bounds[r + 1]]
        per_node = np.bincount(p.samples.stack[rows], weights=column[rows], minlength=n)
        selfs[r], totals[r] = function_counts(side, per_node, nfunc)
        run_totals[r] = per_node.sum()
    return selfs, totals, run_totals


def welch(xb: np.ndarray, xa: np.ndarray, alpha: float, tests: int):
    """Welch's test of mean(xa) - mean(xb) per column: difference, Bonferroni-adjusted p,
    the simultaneous interval at ``alpha`` over ``tests`` tests, and Hedges' g."""
    from scipy import stats

    nb, na = len(xb), len(xa)
    mb, ma = xb.mean(axis=0), xa.mean(axis=0)
    vb, va = xb.var(axis=0, ddof=1), xa.var(axis=0, ddof=1)
    diff = ma - mb
    se2 = vb / nb + va / na
    se = np.sqrt(se2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / ((vb / nb) ** 2 / (nb - 1) + (va / na) ** 2 / (na - 1))
        t = diff / se
    spread = se > 0
    p = np.where(diff == 0, 1.0, 0.0)  # no spread at all: any change is certain
    p[spread] = 2 * stats.t.sf(np.abs(t[spread]), df[spread])
    p = np.minimum(1.0, p * max(tests, 1))
    crit = np.zeros(len(diff))
    crit[spread] = stats.t.ppf(1 - alpha / (2 * max(tests, 1)), df[spread])
    half = crit * se
    pooled = np.sqrt(((nb - 1) * vb + (na - 1) * va) / max(nb + na - 2, 1))
    correction = 1 - 3 / (4 * (nb + na) - 9)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(pooled > 0, diff / pooled * correction, np.where(diff == 0, 0.0, np.inf))
    return diff, p, diff - half, diff + half, np.sign(g) * np.minimum(np.abs(g), 1e9)


def fleet_changes(
    sides: tuple[Side, Side],
    runs: tuple[np.ndarray, np.ndarray],
    nfunc: int,
    *,
    absolute: bool,
    alpha: float,
) -> tuple[list[Changes], list[Changes]]:
    """(self, total) changes in each run's share of its samples (``absolute``: in its sample
    count, as points of BEFORE's mean run), and (self, total) changes in sample count a run,
    each family tested together. Sample counts, not nanoseconds, are what runs are compared
    on: a descheduled profiler gives one sample the time it was away. ``before``/``after``
    are the mean weight a run."""
    counts = [per_run(s, r, nfunc, s.row_count) for s, r in zip(sides, runs, strict=True)]
    weights = [
        per_run(s, r, nfunc, np.asarray(s.profile.samples.weight, dtype=np.float64))
        for s, r in zip(sides, runs, strict=True)
    ]
    (cs_b, ct_b, run_b), (cs_a, ct_a, run_a) = counts
    (ws_b, wt_b, _), (ws_a, wt_a, _) = weights
    present = (wt_b.sum(axis=0) > 0) | (wt_a.sum(axis=0) > 0)
    tests = 2 * int(present.sum())

    def changes(xb, xa, shown_b, shown_a, points) -> Changes:
        diff, p, low, high, g = welch(xb, xa, alpha, tests)
        return Changes(
            before=shown_b.mean(axis=0),
            after=shown_a.mean(axis=0),
            before_pct=xb.mean(axis=0) * points,
            after_pct=xa.mean(axis=0) * points,
            delta=diff * points,
            low=low * points,
            high=high * points,
            p_value=np.where(present, p, 1.0),
            significant=present & ((low > 0) | (high < 0)),
            effect=g,
        )

    mean_b = float(run_b.mean())
    to_points = 100 / mean_b if mean_b else 0.0
    pairs = ((cs_b, cs_a, ws_b, ws_a), (ct_b, ct_a, wt_b, wt_a))
    in_counts = [changes(*pair, to_points) for pair in pairs]
    if absolute:
        return in_counts, in_counts
    share_b = 1 / np.where(run_b > 0, run_b, 1)[:, None]
    share_a = 1 / np.where(run_a > 0, run_a, 1)[:, None]
    shares = [changes(xb * share_b, xa * share_a, wb, wa, 100.0) for xb, xa, wb, wa in pairs]
    return shares, in_counts
