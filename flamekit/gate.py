"""CI gates over a profile diff: fail when something grew significantly beyond a threshold."""

from __future__ import annotations

import math

from .analyze.diff import ProfileDiff
from .analyze.diff.fleet import welch
from .errors import UsageError


def check_gates(
    result: ProfileDiff, *, fail_on: float | None = None, fail_on_total: float | None = None
) -> list[str]:
    """Reasons the diff fails the requested checks (empty when it passes)."""
    failures = []
    if fail_on is not None:
        over = [
            f
            for f in result.functions()
            if f.total.significant and f.total.delta > fail_on and not f.idle
        ]
        over.sort(key=lambda f: -f.total.delta)
        for f in over[:3]:
            where = f" ({f.file})" if f.file else ""
            failures.append(
                f"{f.name}{where}: total share {f.total.before_pct:.1f}% -> "
                f"{f.total.after_pct:.1f}% (+{f.total.delta:.1f} points, p={f.total.p_value:.2g})"
                f" exceeds --fail-on {fail_on:g}"
            )
        if len(over) > 3:
            failures.append(f"and {len(over) - 3} more functions")
    if fail_on_total is not None:
        failures.extend(_total_gate(result, fail_on_total))
    return failures


def _total_gate(result: ProfileDiff, pct: float) -> list[str]:
    b, a = result.before, result.after
    if b.unit != a.unit:
        raise UsageError(
            f"--fail-on-total cannot compare a total in {b.unit} with one in {a.unit}",
            hint="compare profiles of the same kind",
        )
    if not b.total:
        return []
    if result.fleet:  # runs are the observations: Welch's test on each run's samples
        runs_b, runs_a = result.run_totals(samples=True)
        growth = (runs_a.mean() - runs_b.mean()) / runs_b.mean() * 100
        p = float(welch(runs_b[:, None], runs_a[:, None], result.options.alpha, 1)[1][0])
        if growth > pct and p < result.options.alpha:
            return [
                f"samples a run grew {growth:.1f}% (p={p:.2g}, Welch's t-test across runs), "
                f"more than --fail-on-total {pct:g}%"
            ]
        return []
    growth = (a.total - b.total) / b.total * 100
    # the totals' sample counts as Poisson rates: is the growth more than noise?
    cb, ca = float(b.samples), float(a.samples)
    p = math.erfc(abs(ca - cb) / math.sqrt(cb + ca) / math.sqrt(2)) if cb + ca else 1.0
    if growth > pct and p < result.options.alpha:
        return [f"total grew {growth:.1f}% (p={p:.2g}), more than --fail-on-total {pct:g}%"]
    return []
