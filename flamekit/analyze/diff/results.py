"""What a diff reports: options, both sides' summaries, and changes per function and path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import defaults


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
    effect: float | None = None  # Hedges' g of a fleet diff (runs as observations)

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
    effect: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.delta)

    def __getitem__(self, i: int) -> Change:
        return Change(
            before=py_value(self.before[i]),
            after=py_value(self.after[i]),
            before_pct=float(self.before_pct[i]),
            after_pct=float(self.after_pct[i]),
            delta=float(self.delta[i]),
            low=float(self.low[i]),
            high=float(self.high[i]),
            p_value=float(self.p_value[i]),
            significant=bool(self.significant[i]),
            effect=None if self.effect is None else float(self.effect[i]),
        )


@dataclass(frozen=True)
class FunctionDiff:
    """A function matched across the sides, with its self and total compared."""

    name: str
    file: str | None
    self: Change
    total: Change
    # the change in time (weight) beside a change in share: None when weights are compared
    # (absolute) or cannot be (different units)
    self_time: Change | None = None
    total_time: Change | None = None
    idle: bool = False  # an idle frame: reported on its own line, never as a change of code

    def time_change(self, basis: str) -> Change | None:
        return self.self_time if basis == "self" else self.total_time

    def verdict(self, basis: str) -> str:
        """``regression`` or ``improvement`` when the share changed significantly and the time
        moved the same way (or is not compared); ``share`` when only the share moved (its time
        did not change significantly, or changed the other way, because others moved);
        ``none`` when nothing changed significantly."""
        share = getattr(self, basis)
        if not share.significant:
            return "none"
        up = share.delta > 0
        time = self.time_change(basis)
        if time is not None and not (time.significant and (time.low > 0) == up):
            return "share"
        return "regression" if up else "improvement"

    def to_dict(self) -> dict:
        """The function's JSON row; ``ci_low``/``ci_high`` bound ``delta_total_pct``
        (``self_ci_*`` ``delta_self_pct``); in a fleet diff weights are means a run and
        ``effect_*`` Hedges' g."""
        row = {
            "name": self.name,
            "file": self.file,
            "idle": self.idle,
            "self_before": self.self.before,
            "self_after": self.self.after,
            "total_before": self.total.before,
            "total_after": self.total.after,
            "delta_self_pct": round(self.self.delta, 6),
            "delta_total_pct": round(self.total.delta, 6),
            "self_ci_low": round(self.self.low, 6),
            "self_ci_high": round(self.self.high, 6),
            "ci_low": round(self.total.low, 6),
            "ci_high": round(self.total.high, 6),
            "p_value": self.p_value,
            "significant": self.significant,
            "verdict": {"self": self.verdict("self"), "total": self.verdict("total")},
        }
        fleet = self.total.effect is not None
        row["effect_self"] = round(self.self.effect, 6) if fleet else None
        row["effect_total"] = round(self.total.effect, 6) if fleet else None
        row["time_significant"] = (
            None
            if self.self_time is None or self.total_time is None
            else {"self": self.self_time.significant, "total": self.total_time.significant}
        )
        return row

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


def py_value(value):
    return value.item() if hasattr(value, "item") else value


def function_order(f: FunctionDiff):
    biggest = max(abs(f.self.delta), abs(f.total.delta))
    return (not f.significant, -f.magnitude, -biggest, f.name, f.file or "")
