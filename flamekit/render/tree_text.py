"""Terminal reports for the tree-shaped analyses: hot paths and callers/callees.

Lines fit the terminal's width (80 columns by default; whole names when piped): weights
(time and samples for timed profiles, samples otherwise),
percent of the profile total and, when the profile has idle samples, the share of non-idle (CPU)
time; names are indented by depth (capped) and truncated in the middle. Runs of one frame calling
itself are shown once with a repeat count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import orjson

from ..analyze.calls import CallNode, Calls
from ..analyze.hotpaths import CriticalPath, HotPaths
from ..escape import escape_controls
from ..units import format_percent, format_weight, middle_truncate
from .terminal import fit_line

WIDTH = 80  # the default; the CLI passes the terminal's width (None when piped)
MAX_INDENT = 16


@dataclass(frozen=True)
class Row:
    parent: int  # index of the parent row, -1 for a root; parents come first
    name: str
    total: int | float
    samples: int
    marker: str = ""
    idle: bool = False


class Columns:
    """The number columns shared by every line of one report."""

    def __init__(self, unit: str, grand: float, idle: float) -> None:
        self.unit, self.grand, self.idle = unit, grand, idle
        self.timed = unit == "nanoseconds"

    def header(self, title: str) -> str:
        head = f"{'total':>11} {'%':>6}"
        if self.idle:
            head += f" {'cpu%':>6}"
        if self.timed:
            head += f" {'samples':>9}"
        return f"{head}  {title}"

    def cells(self, total: float, samples: int, is_idle: bool = False) -> str:
        out = f"{format_weight(total, self.unit):>11} {format_percent(total, self.grand):>6}"
        if self.idle:
            cpu = "" if is_idle else format_percent(total, self.grand - self.idle)
            out += f" {cpu:>6}"
        if self.timed:
            out += f" {samples:>9,}"
        return out

    def summary(self, count: int) -> str:
        text = f"total {format_weight(self.grand, self.unit)}"
        if self.timed or self.unit != "samples":
            text += f" in {count:,} samples"
        else:
            text += " samples"
        if self.idle:
            text += (
                f", idle {format_weight(self.idle, self.unit)} "
                f"({format_percent(self.idle, self.grand).strip()})"
            )
        return text


def tree_lines(rows: list[Row], cols: Columns, title: str, width: int | None = WIDTH) -> list[str]:
    """The rows as an indented tree (children in the given order), one line each."""
    children: list[list[int]] = [[] for _ in rows]
    roots = []
    for i, r in enumerate(rows):
        (children[r.parent] if r.parent >= 0 else roots).append(i)
    lines = [cols.header(title)]
    todo = [(i, 0) for i in reversed(roots)]
    while todo:
        i, depth = todo.pop()
        run = 1
        end = i
        while not rows[end].marker and len(children[end]) == 1:
            nxt = children[end][0]
            if rows[nxt].name != rows[i].name:
                break
            end, run = nxt, run + 1
        r = rows[i]
        prefix = cols.cells(r.total, r.samples, r.idle) + "  "
        indent = " " * min(depth, MAX_INDENT)
        label = escape_controls(r.name) + (f" ×{run}" if run > 1 else "")
        if depth > MAX_INDENT:
            label = f"[{depth}] {label}"
        marker = rows[end].marker
        if width is not None and len(prefix) + len(indent) + len(label) + len(marker) > width:
            label = middle_truncate(label, max(width - len(prefix) - len(indent) - len(marker), 1))
        lines.append(prefix + indent + label + marker)
        todo.extend((c, depth + 1) for c in reversed(children[end]))
    return lines


# -- hot paths -----------------------------------------------------------------------------
def render_hotpaths(
    result: HotPaths, name: str, samples: int, fmt: str = "text", width: int | None = WIDTH
) -> str:
    """Hot paths as an indented tree plus one line per path, or as JSON."""
    if fmt == "json":
        return orjson.dumps(result.to_dict()).decode() + "\n"
    cols = Columns(result.unit, result.total, result.idle)
    out = [fit_line(f"{name}: {cols.summary(samples)}", width)]
    if not result.paths:
        return "\n".join([*out, "no samples"]) + "\n"
    rows: list[Row] = []
    index: dict[int, int] = {}
    for path, nodes in zip(result.paths, result.nodes, strict=True):
        for k in range(path.branch_depth, len(nodes)):
            f = path.frames[k]
            parent = index[nodes[k - 1]] if k else -1
            index[nodes[k]] = len(rows)
            rows.append(Row(parent, f.label or f.name, f.total, f.samples, idle=f.name == "(idle)"))
        end = index[nodes[-1]]
        rows[end] = replace(rows[end], marker=f"  [#{path.rank}]")
    order = _heaviest_first(rows)
    out.extend(tree_lines(order, cols, "hot paths ([#n] ends path n)", width))
    out.append("")
    for p in result.paths:
        end = p.frames[-1]
        left = f"#{p.rank:<3}{format_percent(p.weight, result.total)} "
        left += f"{format_weight(p.weight, result.unit):>11}  "
        where = ""
        if p.branch_from is not None:
            where = f" (off #{p.branch_from} after {escape_controls(p.branch_frame)})"
        end_name = escape_controls(end.label or end.name)
        text = end_name + where
        if width is not None and len(left) + len(text) > width:
            room = max(width - len(left), 1)
            if len(end_name) <= room:
                text = end_name + middle_truncate(where, room - len(end_name))
            else:
                text = middle_truncate(end_name, room)
        out.append(left + text)
    return "\n".join(out) + "\n"


def _heaviest_first(rows: list[Row]) -> list[Row]:
    """The same tree with each node's children sorted heaviest first, parents still first."""
    children: list[list[int]] = [[] for _ in rows]
    roots = []
    for i, r in enumerate(rows):
        (children[r.parent] if r.parent >= 0 else roots).append(i)

    def key(i: int):
        return (-rows[i].total, i)

    out: list[Row] = []
    new_index: dict[int, int] = {}
    todo = sorted(roots, key=key, reverse=True)
    while todo:
        i = todo.pop()
        r = rows[i]
        new_index[i] = len(out)
        out.append(replace(r, parent=new_index[r.parent] if r.parent >= 0 else -1))
        todo.extend(sorted(children[i], key=key, reverse=True))
    return out


# -- callers and callees -------------------------------------------------------------------
def _call_rows(nodes: list[CallNode], floor: float) -> tuple[list[Row], int]:
    rows: list[Row] = []
    index: dict[int, int] = {}
    hidden = 0
    for i, n in enumerate(nodes):
        if n.total < floor or (n.parent >= 0 and n.parent not in index):
            hidden += 1
            continue
        index[i] = len(rows)
        parent = index[n.parent] if n.parent >= 0 else -1
        rows.append(Row(parent, n.label or n.name, n.total, n.samples, idle=n.name == "(idle)"))
    return rows, hidden


def render_calls(
    result: Calls,
    name: str,
    samples: int,
    fmt: str,
    min_share: float,
    width: int | None = WIDTH,
) -> str:
    """Callers and callees trees; nodes under ``min_share`` of the function's total are left
    out (their number is given)."""
    if fmt == "json":
        return orjson.dumps(result.to_dict()).decode() + "\n"
    cols = Columns(result.unit, result.profile_total, result.idle)
    unit = result.unit
    funcs = ", ".join(result.functions)
    out = [
        fit_line(f"{name}: {cols.summary(samples)}", width),
        fit_line(f"functions matching {result.pattern!r}: {funcs}", width),
        fit_line(
            f"total {format_weight(result.total, unit)} "
            f"({format_percent(result.total, result.profile_total).strip()}), "
            f"self {format_weight(result.self, unit)} "
            f"({format_percent(result.self, result.profile_total).strip()}), "
            f"{result.samples:,} samples",
            width,
        ),
    ]
    floor = min_share * result.total
    for title, nodes in (
        ("callers (the function, then who called it)", result.callers),
        ("callees (what it called)", result.callees),
    ):
        rows, hidden = _call_rows(nodes, floor)
        out.append("")
        out.extend(tree_lines(rows, cols, title, width))
        if hidden:
            out.append(f"({hidden:,} entries under {min_share:.1%} of the function not shown)")
    return "\n".join(out) + "\n"


def render_critical(
    result: CriticalPath, name: str, samples: int, fmt: str = "text", width: int | None = WIDTH
) -> str:
    """The critical path, one frame a line, as text or JSON."""
    if fmt == "json":
        return orjson.dumps(result.to_dict()).decode() + "\n"
    cols = Columns(result.unit, result.total, 0)
    out = [fit_line(f"{name}: {cols.summary(samples)}", width)]
    rows = [
        Row(i - 1, f.label or f.name, f.total, f.samples, idle=f.name == "(idle)")
        for i, f in enumerate(result.frames)
    ]
    title = f"critical path (heaviest callee while it holds >= {result.threshold:.0%})"
    out.extend(tree_lines(rows, cols, title, width))
    return "\n".join(out) + "\n"
