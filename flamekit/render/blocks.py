"""The sync-block report as text, JSON, an interactive HTML page and a static SVG."""

from __future__ import annotations

import math

import numpy as np
import orjson

from ..analyze.blocks import (
    AREA_OF_KIND,
    AREAS,
    BlockGroup,
    BlockReport,
    FrameRef,
)
from ..analyze.naming import function_label_of_frames
from ..core.model import Profile
from ..escape import escape_controls
from ..units import format_duration_ns, middle_truncate, ms_of
from .colors import label_color
from .flame_layout import MinWidth, layout
from .packing import fit, pack_circles
from .terminal import fit_label, layout_width, wrap

WIDTH = 100
#: fill colour of each code area (bubbles, bars, mini flamegraph); fixed so reports compare
AREA_COLOURS = {
    "user": "#f28e2b",
    "dependency": "#4e79a7",
    "runtime": "#76b7b2",
    "native": "#b07aa1",
    "gc": "#e15759",
    "other": "#bab0ac",
}
MAX_BUBBLES = 100
MAX_FLAME_DEPTH = 400
MAX_STACK_IN_PAGE = 300


def dominant_area(areas: dict[str, float]) -> str:
    return max(AREAS, key=lambda a: (areas[a], -AREAS.index(a)))


def _areas_text(areas: dict[str, float], most: int = 3) -> str:
    ranked = sorted(AREAS, key=lambda a: (-areas[a], AREAS.index(a)))
    parts = [f"{a} {100 * areas[a]:.0f}%" for a in ranked[:most] if areas[a] >= 0.005]
    return ", ".join(parts)


def _label(ref: FrameRef | None) -> str:
    if ref is None:
        return "(none)"
    loc = ref.location
    if loc:
        loc = loc.rsplit("/", 1)[-1]
    label = ref.label or ref.name
    return f"{label} ({loc})" if loc and label == ref.name else label


def _start_text(ns: int) -> str:
    return "0 ms" if ns == 0 else format_duration_ns(ns)


def _gap_text(report: BlockReport) -> str:
    return f"max gap {format_duration_ns(report.max_gap_ns)}"


def _interval_text(report: BlockReport) -> str:
    if report.interval_ns <= 0:
        return "sampling interval not recorded"
    return f"sampling interval {format_duration_ns(report.interval_ns)}"


def summary_line(report: BlockReport) -> str:
    n = len(report.blocks)
    threshold = format_duration_ns(report.threshold_ns)
    return (
        f"{n} block{'s' if n != 1 else ''} of {threshold} or more "
        f"({report.below_threshold} shorter not shown) in a "
        f"{format_duration_ns(report.profile_ns)} profile; {_interval_text(report)}, "
        f"{_gap_text(report)}"
    )


def longest_first(report: BlockReport) -> list[int]:
    return sorted(
        range(len(report.blocks)),
        key=lambda i: (-report.blocks[i].duration_ns, report.blocks[i].start_ns),
    )


# -- text and JSON ---------------------------------------------------------------------------------


def render_text(report: BlockReport, width: int | None = 80) -> str:
    """The table of blocks, longest first, with the report's notes, in ``width`` columns (None:
    whole names); entry and hottest share what the numbers leave, locations giving way first."""
    out = wrap(summary_line(report), width)
    threads = len({b.thread for b in report.blocks}) > 1
    tw = min(max((len(b.thread_label) for b in report.blocks), default=6), 24)
    if report.blocks:
        order = longest_first(report)
        columns, cut = layout_width(width)
        most = 2 if columns >= 100 else 1
        areas = [_areas_text(report.blocks[i].areas, most) for i in order]
        numbers = 9 + 1 + 9 + 1 + 7 + 2 + (tw + 1 if threads else 0)
        entry_w, hottest_w = _name_columns(
            [_ref_parts(report.blocks[i].entry) for i in order],
            [_ref_parts(report.blocks[i].hottest) for i in order],
            columns - numbers - max(map(len, areas)) - 2,
        )
        head = f"{'start':>9} {'duration':>9} {'samples':>7}  "
        if threads:
            head += f"{'thread':<{tw}} "
        head += f"{'entry':<{entry_w}} {'hottest':<{hottest_w}} areas"
        out.append("")
        out.append(head)
        for i, area_text in zip(order, areas, strict=True):
            b = report.blocks[i]
            row = (
                f"{_start_text(b.start_ns):>9} {format_duration_ns(b.duration_ns):>9} "
                f"{b.samples:>7,}  "
            )
            if threads:
                row += f"{middle_truncate(escape_controls(b.thread_label), tw):<{tw}} "
            row += f"{fit_label(*_ref_parts(b.entry), entry_w, cut):<{entry_w}} "
            row += f"{fit_label(*_ref_parts(b.hottest), hottest_w, cut):<{hottest_w}} "
            out.append(row + area_text)
    for note in report.notes:
        out.extend(wrap(f"note: {note}", width))
    return "\n".join(out) + "\n"


def _ref_parts(ref: FrameRef | None) -> tuple[str, str]:
    """A frame's display name and the last part of its location, for a table cell (no
    location where the display name already says where, as for anonymous functions)."""
    if ref is None:
        return "(none)", ""
    label = ref.label or ref.name
    if label != ref.name or not ref.location:
        return label, ""
    return label, ref.location.rsplit("/", 1)[-1]


def _name_columns(
    entries: list[tuple[str, str]], hottest: list[tuple[str, str]], room: int
) -> tuple[int, int]:
    """Widths of the entry and hottest columns: whole labels when they fit in ``room``, else
    the room shared out, each column at least as wide as its longest name where it can be."""
    want = [max(len(fit_label(n, loc, None)) for n, loc in col) for col in (entries, hottest)]
    want = [max(w, len(h)) for w, h in zip(want, ("entry", "hottest"), strict=True)]
    if sum(want) + 1 <= room:
        return want[0], want[1]
    room = max(room - 1, 2)
    names = [max(len(n) for n, _ in col) for col in (entries, hottest)]
    names = [max(n, len(h)) for n, h in zip(names, ("entry", "hottest"), strict=True)]
    if sum(names) >= room:  # not even the names fit: share in proportion to them
        first = max(1, min(room - 1, round(room * names[0] / sum(names))))
        return first, room - first
    extra = room - sum(names)  # the names fit: what is left goes to the locations
    first = names[0] + round(extra * (want[0] - names[0]) / (sum(want) - sum(names)))
    return first, room - first


def render_json(report: BlockReport) -> bytes:
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"


# -- figures shared by the HTML and SVG outputs ----------------------------------------------------


def _nice_step(span_ms: float, target: int = 8) -> float:
    raw = max(span_ms / target, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _tick_label(ms: float, step: float) -> str:
    if step >= 1000:
        return f"{ms / 1000:g} s"
    return f"{ms:g} ms"


def timeline_figure(report: BlockReport, width: float = 960.0) -> dict:
    """Lanes per thread with one bar per block at its true time and length."""
    lane_h, top = 22.0, 6.0
    threads: list[str] = []
    for b in sorted(report.blocks, key=lambda b: b.thread):
        if b.thread_label not in threads:
            threads.append(b.thread_label)
    if not threads:
        threads = [""]
    gutter = 120.0 if any(threads) else 0.0  # room for the thread names left of the lanes
    span = width - gutter
    total = max(report.profile_ns, 1)
    scale = span / total
    bars = []
    for i, b in enumerate(report.blocks):
        lane = threads.index(b.thread_label)
        bars.append(
            {
                "index": i,
                "x": round(gutter + b.start_ns * scale, 3),
                "w": round(max(b.duration_ns * scale, 1.0), 3),
                "y": top + lane * lane_h + 2,
                "h": lane_h - 4,
                "colour": AREA_COLOURS[dominant_area(b.areas)],
                "title": (
                    f"{_label(b.entry)}: {format_duration_ns(b.duration_ns)} at "
                    f"{format_duration_ns(b.start_ns)}"
                ),
            }
        )
    step = _nice_step(report.profile_ns / 1e6)
    ticks = []
    v = 0.0
    while v <= report.profile_ns / 1e6 + 1e-9:
        ticks.append({"x": round(gutter + v * 1e6 * scale, 3), "label": _tick_label(v, step)})
        v = round(v + step, 9)
    height = top + len(threads) * lane_h + 22
    lanes = [
        {
            "label": middle_truncate(t, 16),
            "full_label": t,
            "y": top + k * lane_h,
            "h": lane_h,
            "text_y": top + k * lane_h + lane_h / 2,
        }
        for k, t in enumerate(threads)
    ]
    return {
        "width": width,
        "height": height,
        "gutter": gutter,
        "span": span,
        "axis_y": top + len(threads) * lane_h,
        "lanes": lanes,
        "bars": bars,
        "ticks": ticks,
    }


def _fit_text(text: str, px: float, font: float) -> str:
    chars = int(px / (0.6 * font))
    if chars < 3:
        return ""
    return middle_truncate(text, chars)


def _fit_detail(group: BlockGroup, px: float, font: float) -> str:
    """The longest of 'N blocks · total', 'N × total', 'total' that fits ``px``."""
    total = format_duration_ns(group.total_ns)
    plural = "s" if group.count != 1 else ""
    for text in (f"{group.count} block{plural} · {total}", f"{group.count} × {total}", total):
        if len(text) * 0.6 * font <= px:
            return text
    return ""


def bubble_figure(report: BlockReport, width: float = 640.0, height: float = 440.0) -> dict:
    """One circle per group, area proportional to its blocked time, packed without overlaps."""
    groups = report.groups[:MAX_BUBBLES]
    radii = [math.sqrt(g.total_ns) for g in groups]
    pad = 0.04 * max(radii) if radii else 0.0
    packed = fit(pack_circles(radii, pad), width, height, margin=6)
    bubbles = []
    for k, g in enumerate(groups):
        r = float(packed.r[k])
        label = g.name
        detail = f"{g.count} block{'s' if g.count != 1 else ''} · {format_duration_ns(g.total_ns)}"
        font = max(min(r / 4, 16), 9)
        bubbles.append(
            {
                "index": k,
                "cx": round(float(packed.x[k]), 2),
                "cy": round(float(packed.y[k]), 2),
                "r": round(r, 2),
                "area": g.area,
                "colour": AREA_COLOURS[g.area],
                "ink": label_color(AREA_COLOURS[g.area]),
                "label": label,
                "detail": detail,
                "title": f"{label} {g.location}: {detail}".replace("  ", " "),
                "text": _fit_text(label, 1.8 * r, font) if r >= 14 else "",
                "detail_text": _fit_detail(g, 1.7 * r, font * 0.8) if r >= 22 else "",
                "font": round(font, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "bubbles": bubbles,
        "hidden": max(len(report.groups) - len(groups), 0),
    }


def legend() -> list[dict]:
    return [{"area": a, "colour": AREA_COLOURS[a]} for a in AREAS]


# -- data for the page's script --------------------------------------------------------------------


class _Names:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.ids: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        i = self.ids.get(text)
        if i is None:
            i = self.ids[text] = len(self.items)
            self.items.append(text)
        return i


def mini_flame(profile: Profile, group: BlockGroup, report: BlockReport, names: _Names) -> dict:
    """An icicle of the group's merged samples: rows of [x, width, depth, name, area, loc, %].

    The geometry comes from the flame graph's own layout (siblings alphabetical, frames narrower
    than 1/600 of the width left out).
    """
    ids = np.concatenate([report.blocks[i].sample_ids for i in group.blocks])
    weights = profile.samples.weight[ids].astype(np.float64)
    if not weights.sum():
        weights = np.ones(len(ids))
    own = np.bincount(profile.samples.stack[ids], weights=weights, minlength=len(profile.stacks))
    lay = layout(profile, own, plot_width=600.0, minwidth=MinWidth(1.0, False))
    grand = float(lay.grand_total)
    frames = lay.node[1:]
    depth = lay.depth[1:] - 1
    shown = depth < MAX_FLAME_DEPTH
    labels = function_label_of_frames(profile)
    rows = []
    for k in np.flatnonzero(shown).tolist():
        f = int(profile.stacks.frame[frames[k]])
        file = profile.frame_file(f)
        line = int(profile.frames.line[f])
        loc = f"{file}:{line}" if file and line else file
        total = float(lay.total[k + 1])
        rows.append(
            [
                round(float(lay.x0[k + 1]) / grand, 6),
                round(total / grand, 6),
                int(depth[k]),
                names(labels[f]),
                int(AREA_OF_KIND[profile.frames.kind[f]]),
                names(loc),
                round(100 * total / grand, 2),
            ]
        )
    return {
        "rows": rows,
        "depth": int(depth[shown].max()) + 1 if np.any(shown) else 0,
        "truncated": bool(not np.all(shown)),
    }


def page_data(profile: Profile, report: BlockReport, bubbles: dict) -> dict:
    """Everything the page's script needs, names interned into one table."""
    names = _Names()
    frames: dict[FrameRef, list[int]] = {}

    def frame(f: FrameRef | None):
        if f is None:
            return None
        found = frames.get(f)
        if found is None:
            found = frames[f] = [
                names(f.label or f.name),
                names(f.location),
                AREAS.index(f.area),
            ]
        return found

    blocks = []
    for b in report.blocks:
        stack = b.stack[-MAX_STACK_IN_PAGE:]
        blocks.append(
            {
                "thread": b.thread_label,
                "start": ms_of(b.start_ns),
                "duration": ms_of(b.duration_ns),
                "samples": b.samples,
                "entry": frame(b.entry),
                "hottest": frame(b.hottest),
                "areas": [round(b.areas[a], 4) for a in AREAS],
                "stack": [frame(f) for f in stack],
                "stackOmitted": len(b.stack) - len(stack),
            }
        )
    groups = []
    for k, g in enumerate(report.groups[: len(bubbles["bubbles"])]):
        groups.append(
            {
                "name": g.name,
                "location": g.location,
                "blocks": list(g.blocks),
                "total": ms_of(g.total_ns),
                "flame": mini_flame(profile, g, report, names),
                "bubble": k,
            }
        )
    return {
        "areas": list(AREAS),
        "colours": [AREA_COLOURS[a] for a in AREAS],
        "inks": [label_color(AREA_COLOURS[a]) for a in AREAS],
        "names": names.items,
        "blocks": blocks,
        "groups": groups,
        "groupBy": report.group_by,
    }


def table_rows(report: BlockReport, limit: int = 50) -> list[dict]:
    rows = []
    for i in longest_first(report)[:limit]:
        b = report.blocks[i]
        rows.append(
            {
                "index": i,
                "start": format_duration_ns(b.start_ns),
                "duration": format_duration_ns(b.duration_ns),
                "samples": f"{b.samples:,}",
                "thread": b.thread_label,
                "entry": (b.entry.label or b.entry.name) if b.entry else "(none)",
                "entry_location": b.entry.location if b.entry else "",
                "hottest": (b.hottest.label or b.hottest.name) if b.hottest else "",
                "hottest_location": b.hottest.location if b.hottest else "",
                "areas": _areas_text(b.areas),
                "colour": AREA_COLOURS[dominant_area(b.areas)],
            }
        )
    return rows


def _context(report: BlockReport, title: str) -> dict:
    return {
        "title": title,
        "summary": summary_line(report),
        "notes": report.notes,
        "timeline": timeline_figure(report),
        "bubbles": bubble_figure(report),
        "legend": legend(),
        "group_by": "entry function" if report.group_by == "entry" else "hottest function",
        "threshold": format_duration_ns(report.threshold_ns),
    }


def render_html(profile: Profile, report: BlockReport, title: str) -> str:
    """The interactive, self-contained report page."""
    from ..resources import inline_script, inline_style, render_template

    context = _context(report, title)
    return render_template(
        "blocks.html.j2",
        **context,
        table=table_rows(report),
        more_rows=max(len(report.blocks) - 50, 0),
        data=page_data(profile, report, context["bubbles"]),
        script=inline_script("blocks.js"),
        style=inline_style("blocks.css"),
    )


def render_svg(report: BlockReport, title: str) -> str:
    """A static picture of the bubbles and the timeline, for embedding."""
    from ..resources import render_template

    context = _context(report, title)
    return render_template("blocks.svg.j2", **context, table=svg_table(report))


SVG_TABLE_ROWS = 10
# the static picture's table: (heading, x, anchor, characters) per column
SVG_COLUMNS = (
    ("start", 72, "end", 9),
    ("duration", 142, "end", 9),
    ("samples", 202, "end", 7),
    ("entry", 216, "start", 44),
    ("hottest", 530, "start", 36),
    ("areas", 790, "start", 26),
)


def svg_table(report: BlockReport) -> dict:
    """The longest blocks as rows of cells cut to their columns, for the static SVG."""
    rows = []
    for i in longest_first(report)[:SVG_TABLE_ROWS]:
        b = report.blocks[i]
        cells = [
            _start_text(b.start_ns),
            format_duration_ns(b.duration_ns),
            f"{b.samples:,}",
            _label(b.entry),
            _label(b.hottest) if b.hottest else "",
            _areas_text(b.areas, 2),
        ]
        rows.append(
            {
                "colour": AREA_COLOURS[dominant_area(b.areas)],
                "cells": [
                    (fit_label(text, "", chars), x, anchor)
                    for text, (_, x, anchor, chars) in zip(cells, SVG_COLUMNS, strict=True)
                ],
            }
        )
    return {
        "columns": [(head, x, anchor) for head, x, anchor, _ in SVG_COLUMNS],
        "rows": rows,
        "more": max(len(report.blocks) - SVG_TABLE_ROWS, 0),
    }


# The report's outputs, as the output registry calls them: (report, profile=, title=, width=).


def html_output(report: BlockReport, *, profile: Profile, title: str, **_) -> str:
    return render_html(profile, report, title)


def svg_output(report: BlockReport, *, title: str, **_) -> str:
    return render_svg(report, title)


def json_output(report: BlockReport, **_) -> bytes:
    return render_json(report)


def text_output(report: BlockReport, *, width: int | None = None, **_) -> str:
    return render_text(report, width)
