"""Differential flame graphs: one side's shape, coloured by the change between the sides.

Widths come from AFTER (BEFORE with ``negate``); each frame is red when its call path takes a
larger share in AFTER, blue when smaller, with intensity scaled to the largest significant change
drawn, and white when the change is within sampling noise. Call paths that exist only on the
side not drawn are summed up in the subtitle, so they are never silently lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..analyze.diff import Changes, ProfileDiff, TreeDiff
from ..core.builder import ProfileBuilder, validate
from ..core.model import Profile, Samples, Stacks
from ..errors import UsageError
from ..units import format_weight
from .diff_report import describe_method
from .flame import FlameOptions, render_html, render_svg

NO_CHANGE = "#ffffff"
LEGEND = (
    ("more in after", "#ff3f3f"),
    ("less in after", "#3f3fff"),
    ("no significant change", NO_CHANGE),
)
FLOOR = 0.15  # the faintest colour a significant change gets, so it never looks white
EXTRA_CSS = "svg.flamekit .fk-frames > g > rect { stroke: #c0c0c0; stroke-width: 0.5; }"


_RED = np.array([f"#ff{f:02x}{f:02x}" for f in range(256)], dtype=object)
_BLUE = np.array([f"#{f:02x}{f:02x}ff" for f in range(256)], dtype=object)


def node_colors(changes: Changes, drawn: np.ndarray) -> list[str]:
    """A ``#rrggbb`` per merged call path: red for growth, blue for shrinkage, white when not
    significant; intensity relative to the largest significant change among ``drawn`` paths."""
    sig = changes.significant & (changes.delta != 0)
    largest = float(np.abs(changes.delta[sig & drawn]).max(initial=0.0))
    out = np.full(len(changes), NO_CHANGE, dtype=object)
    if largest <= 0:
        return out.tolist()
    t = FLOOR + (1 - FLOOR) * np.minimum(1.0, np.abs(changes.delta) / largest)
    fade = np.rint(255 * (1 - t)).astype(np.int64)
    up = sig & (changes.delta > 0)
    down = sig & (changes.delta < 0)
    out[up] = _RED[fade[up]]
    out[down] = _BLUE[fade[down]]
    return out.tolist()


def _drawn_profile(result: ProfileDiff, tree: TreeDiff, negate: bool) -> Profile:
    """The drawn side's samples re-rooted on the merged call tree (node ids = merged path ids)."""
    side = result.before_profile if negate else result.after_profile
    mapping = tree.node_before if negate else tree.node_after
    builder = ProfileBuilder(side.meta.source_format, unit=side.unit, name=side.meta.name)
    frames = np.array(
        [
            builder.frame(name, file)
            for name, file in zip(result.function_names, result.function_files, strict=True)
        ],
        dtype=np.int64,
    )
    base = builder.build(period_ns=side.meta.period_ns, duration_ns=side.meta.duration_ns)
    n = len(side.samples)
    profile = base.replace(
        stacks=Stacks(
            parent=tree.parent.astype(np.int32),
            frame=frames[tree.func].astype(np.int32),
            depth=tree.depth.astype(np.int32),
        ),
        samples=Samples(
            stack=mapping[side.samples.stack].astype(np.int32),
            weight=side.samples.weight,
            thread=np.zeros(n, dtype=np.int32),
            time=side.samples.time,
        ),
    )
    validate(profile)
    return profile


class _Column(Sequence):
    """Tooltip texts made on demand: the renderer asks only for the frames it draws."""

    def __init__(self, n: int, make: Callable[[int], str]) -> None:
        self._n = n
        self._make = make

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(self._n))]
        return self._make(int(i))


def _details(result: ProfileDiff, tree: TreeDiff, color_by: str) -> dict[str, Sequence[str]]:
    """Tooltip fields of every merged path: before, after, change and significance."""
    unit_b, unit_a = result.before.unit, result.after.unit
    cs, ct = tree.self_change, tree.total_change
    basis = cs if color_by == "self" else ct

    def before(i: int) -> str:
        return (
            f"total {ct.before_pct[i]:.2f}% ({format_weight(tree.total_before[i], unit_b)}), "
            f"self {cs.before_pct[i]:.2f}%"
        )

    def after(i: int) -> str:
        return (
            f"total {ct.after_pct[i]:.2f}% ({format_weight(tree.total_after[i], unit_a)}), "
            f"self {cs.after_pct[i]:.2f}%"
        )

    def change(i: int) -> str:
        return f"total {ct.delta[i]:+.2f} points, self {cs.delta[i]:+.2f} points"

    def significance(i: int) -> str:
        verdict = "significant" if basis.significant[i] else "within noise"
        p = basis.p_value[i]
        p_text = "p<0.001" if p < 0.001 else f"p={p:.3f}"
        return f"{color_by} change {verdict} ({p_text})"

    n = len(tree.parent)
    return {
        "before": _Column(n, before),
        "after": _Column(n, after),
        "change": _Column(n, change),
        "significance": _Column(n, significance),
    }


def _missing_summary(result: ProfileDiff, tree: TreeDiff, negate: bool) -> str:
    """Call paths of the side not drawn that have no place in the drawn shape."""
    drawn_total = tree.total_before if negate else tree.total_after
    other_total = tree.total_after if negate else tree.total_before
    other = "after" if negate else "before"
    gone = (drawn_total == 0) & (other_total > 0)
    parent_drawn = np.ones(len(gone), dtype=bool)
    has_parent = tree.parent >= 0
    parent_drawn[has_parent] = drawn_total[tree.parent[has_parent]] > 0
    tops = np.flatnonzero(gone & parent_drawn)
    if not len(tops):
        return f"no call path only in {other}"
    summary = result.after if negate else result.before
    share = float(other_total[tops].sum()) / float(summary.total) * 100 if summary.total else 0.0
    biggest = tops[np.argsort(-other_total[tops], kind="stable")[:3]]
    names = ", ".join(result.function_names[int(tree.func[i])] for i in biggest)
    return (
        f"{len(tops)} call path{'s' if len(tops) != 1 else ''} only in {other} "
        f"({share:.2f}% of {other}; largest: {names}) not drawn"
    )


def render_diff_flamegraph(
    result: ProfileDiff,
    *,
    fmt: str = "svg",
    color_by: str = "self",
    negate: bool = False,
    title: str | None = None,
    before_name: str = "before",
    after_name: str = "after",
    options: FlameOptions | None = None,
) -> str:
    """A differential flame graph as SVG or HTML text."""
    if color_by not in ("self", "total"):
        raise UsageError(f"--color-by {color_by}: choose self or total")
    tree = result.tree()
    drawn = _drawn_profile(result, tree, negate)
    if not len(drawn.samples) or not drawn.total_weight():
        side = "BEFORE" if negate else "AFTER"
        raise UsageError(f"{side} has no samples: there is nothing to draw")
    drawn_total = tree.total_before if negate else tree.total_after
    changes = tree.self_change if color_by == "self" else tree.total_change
    shape = "before" if negate else "after"
    mode = "normalized shares" if result.normalized else "absolute weights"
    subtitle = f"{mode}; widths: {shape}; colour: change in {color_by}; " + _missing_summary(
        result, tree, negate
    )
    opts = (options or FlameOptions()).with_(
        title=title
        if title is not None
        else f"Differential Flame Graph: {before_name} → {after_name}",
        subtitle=subtitle,
        notes=describe_method(result, short=True),
        node_colors=node_colors(changes, drawn_total > 0),
        node_details=_details(result, tree, color_by),
        legend=LEGEND,
        bgcolors="grey",
        extra_css=EXTRA_CSS,
    )
    if fmt == "html":
        return render_html(drawn, opts)
    return render_svg(drawn, opts)


def diff_svg(result: ProfileDiff, **options) -> str:
    """The differential flame graph as SVG (options of :func:`render_diff_flamegraph`)."""
    return render_diff_flamegraph(result, fmt="svg", **options)


def diff_html(result: ProfileDiff, **options) -> str:
    """The differential flame graph in an HTML page."""
    return render_diff_flamegraph(result, fmt="html", **options)
