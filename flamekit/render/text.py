"""Plain-text, JSON and CSV reports for the terminal: info and top."""

from __future__ import annotations

import csv
import io

import numpy as np
import orjson

from ..analyze.weights import FunctionStat, top_functions
from ..core.idle import idle_frames, idle_weight
from ..core.model import Profile
from ..escape import escape_controls
from ..units import format_duration_ns, format_percent, format_weight
from .terminal import fit_label, fit_line, layout_width

WIDTH = 80  # the default; the CLI passes the terminal's width (None when piped)


def _location(stat: FunctionStat) -> str:
    if not stat.file:
        return ""
    if not stat.line:
        return stat.file
    # the column is in the display label where two functions share a line
    return f"{stat.file}:{stat.line}"


def render_info(profile: Profile, source_name: str, width: int | None = WIDTH) -> str:
    """A short description of the profile and its five heaviest functions."""
    meta = profile.meta
    total = profile.total_weight()
    nsamples = profile.sample_count()
    rows = [
        ("file", source_name),
        ("format", meta.source_format),
        ("unit", meta.unit),
        ("samples", f"{nsamples:,}"),
        ("total", format_weight(total, meta.unit)),
    ]
    if meta.duration_ns:
        rows.append(("duration", format_duration_ns(meta.duration_ns)))
    if meta.period_ns:
        rows.append(("interval", format_duration_ns(meta.period_ns)))
    rows.append(("timestamps", "yes" if profile.has_times else "no"))
    nthreads = len(profile.threads)
    used = np.unique(profile.samples.thread) if nsamples else np.zeros(0, dtype=np.int32)
    labels = [profile.thread_label(int(t)) for t in used[:6]]
    more = f", … {len(used) - 6} more" if len(used) > 6 else ""
    rows.append(
        ("threads", f"{nthreads}" + (f" ({', '.join(labels)}{more})" if any(labels) else ""))
    )
    rows.append(("frames", f"{len(profile.frames):,}"))
    rows.append(("stack nodes", f"{len(profile.stacks):,}"))
    out = [fit_line(f"{key + ':':<13}{value}", width) for key, value in rows]
    out.append("")
    out.append("top functions by self " + ("time:" if meta.unit == "nanoseconds" else "samples:"))
    out.extend(_table(profile, top_functions(profile, 5), total, width))
    for warning in meta.warnings:
        out.append(f"warning: {escape_controls(warning)}")
    return "\n".join(out) + "\n"


def _table(
    profile: Profile,
    stats: list[FunctionStat],
    total: float,
    width: int | None,
    by: str = "function",
) -> list[str]:
    """Self and total per function (or file, module, package: ``by`` names the column); with
    idle samples present, also self as a share of the non-idle (CPU) total."""
    unit = profile.unit
    idle = idle_weight(profile)
    idle_names = {profile.frame_name(int(f)) for f in np.flatnonzero(idle_frames(profile))}
    cpu_head = f" {'cpu%':>6}" if idle else ""
    numbers = f"{'self':>10} {'self%':>6}{cpu_head} {'total':>10} {'total%':>6}  "
    lines = [numbers + by]
    columns, cut = layout_width(width)
    name_width = max(columns - len(numbers), 1)
    for s in stats:
        label = s.label or s.name
        label = fit_label(label, _location(s) if label == s.name else "", name_width, cut)
        cpu = ""
        if idle:
            share = "" if s.name in idle_names else format_percent(s.self, total - idle)
            cpu = f" {share:>6}"
        lines.append(
            f"{format_weight(s.self, unit):>10} {format_percent(s.self, total):>6}{cpu} "
            f"{format_weight(s.total, unit):>10} {format_percent(s.total, total):>6}  "
            f"{label}"
        )
    return lines


def render_top(
    profile: Profile, n: int | None, fmt: str, width: int | None = WIDTH, by: str = "function"
) -> str:
    """The heaviest functions (or files, modules, packages, source lines: ``by``) by self
    weight as a table fitting ``width`` columns (None: whole names), JSON object or CSV."""
    if by == "line":
        from ..analyze.lines import top_lines

        stats = top_lines(profile, n)
    else:
        stats = top_functions(profile, n)
    total = profile.total_weight()
    if fmt == "json":
        doc = {
            "unit": profile.unit,
            "total": total,
            ("lines" if by == "line" else "functions"): [s.to_dict() for s in stats],
        }
        return orjson.dumps(doc).decode() + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["name", "file", "line", "self", "total", "column", "label"])
        for s in stats:
            writer.writerow(
                [s.name, s.file or "", s.line or "", s.self, s.total, s.column or "", s.label]
            )
        return buf.getvalue()
    summary = (
        f"{profile.meta.name or profile.meta.source_format}: {profile.sample_count():,} samples, "
        f"total {format_weight(total, profile.unit)}"
    )
    lines = [fit_line(summary, width)]
    idle = idle_weight(profile)
    if idle:
        lines.append(
            fit_line(
                f"idle {format_weight(idle, profile.unit)} "
                f"({format_percent(idle, total).strip()}), "
                f"CPU {format_weight(total - idle, profile.unit)} (cpu% is the share of CPU time)",
                width,
            )
        )
    return "\n".join([*lines, *_table(profile, stats, total, width, by)]) + "\n"
