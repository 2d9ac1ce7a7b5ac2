"""Results as HTML tables for notebooks (``_repr_html_``), with human units (ms, s, shares).

Each function takes a result object of :mod:`flamekit.analyze` and returns HTML made by
``renderers/result_table.html.j2`` (autoescaped: names are data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .units import format_percent, format_weight

if TYPE_CHECKING:
    from .analyze.blocks import BlockReport
    from .analyze.calls import Calls
    from .analyze.diff import ProfileDiff
    from .analyze.hotpaths import HotPaths
    from .analyze.weights import FunctionStat


@dataclass
class Table:
    caption: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)


def render_tables(tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    from .resources import jinja_environment

    template = jinja_environment().get_template("result_table.html.j2")
    return template.render(tables=tables, notes=list(notes))


def _where(name: str, file: str | None, line: int | None) -> str:
    if not file:
        return name
    return f"{name} ({file}:{line})" if line else f"{name} ({file})"


def top_html(stats: Sequence[FunctionStat], unit: str, total: float, by: str) -> str:
    table = Table(f"top {len(stats)} by self", ["self", "self %", "total", "total %", by])
    for s in stats:
        table.rows.append(
            [
                format_weight(s.self, unit),
                format_percent(s.self, total).strip(),
                format_weight(s.total, unit),
                format_percent(s.total, total).strip(),
                _where(s.name, s.file, s.line),
            ]
        )
    return render_tables([table])


def hot_paths_html(result: HotPaths) -> str:
    tables = []
    for p in result.paths:
        table = Table(
            f"hot path #{p.rank}: {format_weight(p.weight, result.unit)} "
            f"({format_percent(p.weight, result.total).strip()})",
            ["total", "%", "samples", "frame"],
        )
        for depth, f in enumerate(p.frames):
            table.rows.append(
                [
                    format_weight(f.total, result.unit),
                    format_percent(f.total, result.total).strip(),
                    f"{f.samples:,}",
                    " " * depth + f.name,
                ]
            )
        tables.append(table)
    return render_tables(tables, [] if result.paths else ["no samples"])


def calls_html(result: Calls) -> str:
    tables = []
    for title, nodes in (("callers", result.callers), ("callees", result.callees)):
        table = Table(title, ["total", "%", "self", "samples", "function"])
        for node in nodes:
            table.rows.append(
                [
                    format_weight(node.total, result.unit),
                    format_percent(node.total, result.profile_total).strip(),
                    format_weight(node.self, result.unit),
                    f"{node.samples:,}",
                    " " * node.depth + _where(node.name, node.file, None),
                ]
            )
        tables.append(table)
    unit = result.unit
    head = (
        f"functions matching {result.pattern!r}: {', '.join(result.functions)}; total "
        f"{format_weight(result.total, unit)}, self {format_weight(result.self, unit)}"
    )
    return render_tables(tables, [head])


def diff_html(result: ProfileDiff, top: int = 10) -> str:
    from .render.diff_report import _cells, _headers, describe_method, sections

    h = _headers(result)
    tables = []
    for sec in sections(result, top):
        table = Table(sec.title, [h[0], h[1], "Δ points", h[3], "p", "function"])
        for f in sec.rows:
            table.rows.append([*_cells(result, f, sec.basis), _where(f.name, f.file, None)])
        tables.append(table)
    return render_tables(tables, [describe_method(result)])


def blocks_html(report: BlockReport) -> str:
    from .render.blocks import _areas_text, _start_text, longest_first, summary_line
    from .units import format_duration_ns

    table = Table("blocks, longest first", ["start", "duration", "samples", "areas", "entry"])
    for i in longest_first(report):
        b = report.blocks[i]
        entry = _where(b.entry.name, b.entry.location, None) if b.entry else "(none)"
        table.rows.append(
            [
                _start_text(b.start_ns),
                format_duration_ns(b.duration_ns),
                f"{b.samples:,}",
                _areas_text(b.areas, 2),
                entry,
            ]
        )
    return render_tables([table], [summary_line(report), *report.notes])


class TopFunctions(list):
    """The list :meth:`flamekit.Profile.top` returns: FunctionStat items, shown as a table."""

    def __init__(self, stats, unit: str, total: float, by: str = "function") -> None:
        super().__init__(stats)
        self.unit, self.total, self.by = unit, total, by

    def to_dict(self) -> dict:
        return {
            "unit": self.unit,
            "total": self.total,
            "by": self.by,
            "functions": [s.to_dict() for s in self],
        }

    def _repr_html_(self) -> str:
        return top_html(self, self.unit, self.total, self.by)


def install() -> None:
    """Register the HTML view of each analysis result (see :mod:`flamekit.display`)."""
    from .display import HTML_VIEWS

    HTML_VIEWS.update(
        HotPaths=hot_paths_html, Calls=calls_html, ProfileDiff=diff_html, BlockReport=blocks_html
    )
