"""Plain-text, JSON and CSV reports for the terminal: info and top."""

from __future__ import annotations

import csv
import io

import numpy as np
import orjson

from ..analyze.weights import FunctionStat, idle_weight, top_functions
from ..model import Profile
from ..transforms import idle_frames
from ..units import format_duration_ns, format_percent, format_weight, middle_truncate

WIDTH = 80


def _location(stat: FunctionStat) -> str:
    if not stat.file:
        return ""
    if not stat.line:
        return stat.file
    return f"{stat.file}:{stat.line}" + (f":{stat.column}" if stat.column else "")


def _row_label(stat: FunctionStat) -> str:
    """The function's display name, with its full location unless the name already has it."""
    label = stat.label or stat.name
    loc = _location(stat)
    return f"{label} ({loc})" if loc and label == stat.name else label


def render_info(profile: Profile, source_name: str) -> str:
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
    out = [f"{key + ':':<13}{value}" for key, value in rows]
    out.append("")
    out.append("top functions by self " + ("time:" if meta.unit == "nanoseconds" else "samples:"))
    out.extend(_table(profile, top_functions(profile, 5), total))
    for warning in meta.warnings:
        out.append(f"warning: {warning}")
    return "\n".join(out) + "\n"


def _table(profile: Profile, stats: list[FunctionStat], total: float) -> list[str]:
    """Self and total per function; with idle samples present, also self as a share of the
    non-idle (CPU) total."""
    unit = profile.unit
    idle = idle_weight(profile)
    idle_names = {profile.frame_name(int(f)) for f in np.flatnonzero(idle_frames(profile))}
    cpu_head = f" {'cpu%':>6}" if idle else ""
    head = f"{'self':>10} {'self%':>6}{cpu_head} {'total':>10} {'total%':>6}  function"
    lines = [head]
    name_width = WIDTH - len(head) + len("function")
    for s in stats:
        label = _row_label(s)
        cpu = ""
        if idle:
            share = "" if s.name in idle_names else format_percent(s.self, total - idle)
            cpu = f" {share:>6}"
        lines.append(
            f"{format_weight(s.self, unit):>10} {format_percent(s.self, total):>6}{cpu} "
            f"{format_weight(s.total, unit):>10} {format_percent(s.total, total):>6}  "
            f"{middle_truncate(label, name_width)}"
        )
    return lines


def render_top(profile: Profile, n: int | None, fmt: str, by: str = "function") -> str:
    """The heaviest functions (``by="line"``: source lines) by self weight as a table, JSON
    object or CSV."""
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
    lines = [middle_truncate(summary, WIDTH)]
    idle = idle_weight(profile)
    if idle:
        lines.append(
            f"idle {format_weight(idle, profile.unit)} ({format_percent(idle, total).strip()}), "
            f"CPU {format_weight(total - idle, profile.unit)} (cpu% is the share of CPU time)"
        )
    return "\n".join([*lines, *_table(profile, stats, total)]) + "\n"
