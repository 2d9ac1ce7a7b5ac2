"""Summaries of a profile diff: plain text, GitHub-flavoured markdown and JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from ..analyze.diff import Change, FunctionDiff, ProfileDiff
from ..escape import markdown_code
from ..units import format_weight
from .terminal import fit_label, fit_line, layout_width, wrap

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


@dataclass(frozen=True)
class Section:
    title: str
    basis: str  # "self" or "total"
    rows: list[FunctionDiff]


def escape_markdown(text: str) -> str:
    """Text safe inside a GFM table cell: HTML and markdown syntax become literal characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.splitlines()) if text else text
    return _MD_SPECIAL.sub(r"\\\1", text)


def sections(result: ProfileDiff, top: int) -> list[Section]:
    """Top significant regressions and improvements, by self and by total."""
    funcs = result.functions()
    out = []
    for basis in ("self", "total"):
        sig = [f for f in funcs if getattr(f, basis).significant]
        up = sorted(
            (f for f in sig if getattr(f, basis).delta > 0),
            key=lambda f, b=basis: (-getattr(f, b).delta, f.name),
        )
        down = sorted(
            (f for f in sig if getattr(f, basis).delta < 0),
            key=lambda f, b=basis: (getattr(f, b).delta, f.name),
        )
        out.append(Section(f"Regressions by {basis}", basis, up[:top]))
        out.append(Section(f"Improvements by {basis}", basis, down[:top]))
    return out


def describe_method(result: ProfileDiff, short: bool = False) -> str:
    """One sentence saying what is compared and how significance is judged."""
    alpha = result.options.alpha
    if short:
        what = "shares of each side's total" if result.normalized else "raw weights"
        return (
            f"{what} compared; significance from sample counts, Bonferroni-adjusted, "
            f"alpha {alpha:g}"
        )
    if result.normalized:
        what = "normalized: each side as shares of its own total"
        test = "two-proportion z-test on sample counts (variance from blocks of a run if larger)"
    else:
        what = "absolute: raw weights, shares are of BEFORE's total"
        test = "Poisson rate test on sample counts (variance from blocks of a run if larger)"
    return (
        f"{what}; significance: {test}, Bonferroni-adjusted, alpha {alpha:g} "
        f"(± is the simultaneous {100 * (1 - alpha):g}% interval)"
    )


def _total_change(result: ProfileDiff) -> str:
    b, a = result.before, result.after
    if b.unit != a.unit or not b.total:
        return "n/a"
    return f"{(a.total - b.total) / b.total * 100:+.1f}%"


def _side_label(total, unit: str, samples) -> str:
    text = format_weight(total, unit)
    if unit == "nanoseconds":
        text += f" ({format_weight(samples, 'samples')} samples)"
    else:
        text += " samples"
    return text


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _weight_delta(result: ProfileDiff, c: Change) -> str:
    b, a = result.before, result.after
    if b.unit != a.unit:
        return "n/a"
    d = c.delta_weight
    sign = "+" if d > 0 else "-" if d < 0 else ""
    return sign + format_weight(abs(d), b.unit)


def _cells(result: ProfileDiff, f: FunctionDiff, basis: str) -> list[str]:
    c: Change = getattr(f, basis)
    ci = (c.high - c.low) / 2
    if result.options.absolute:
        before = format_weight(c.before, result.before.unit)
        after = format_weight(c.after, result.after.unit)
    else:
        before, after = f"{c.before_pct:.1f}%", f"{c.after_pct:.1f}%"
    return [
        before,
        after,
        f"{c.delta:+.1f} ±{ci:.1f}",
        _weight_delta(result, c),
        _p(c.p_value),
    ]


def _headers(result: ProfileDiff) -> list[str]:
    timed = result.before.unit == result.after.unit == "nanoseconds"
    change = "Δ time" if timed else "Δ samples"
    if result.options.absolute:
        return ["before", "after", "Δ points of before", change, "p"]
    return ["before", "after", "Δ share (points)", change, "p"]


def _noise_note(result: ProfileDiff) -> str:
    funcs = result.functions()
    noisy = sum(1 for f in funcs if not f.significant and (f.self.delta != 0 or f.total.delta != 0))
    sig = sum(1 for f in funcs if f.significant)
    return (
        f"{sig} of {len(funcs)} functions changed significantly; "
        f"{noisy} more changed within sampling noise."
    )


def render_markdown(
    result: ProfileDiff, before_name: str, after_name: str, top: int = 10, **_
) -> str:
    """A PR comment: totals, method, then top regressions and improvements as tables."""
    b, a = result.before, result.after
    out = [
        f"### flamekit diff: {markdown_code(before_name, in_table=False)} → "
        f"{markdown_code(after_name, in_table=False)}",
        "",
        f"_{escape_markdown(describe_method(result))}._",
        "",
        "| | before | after | change |",
        "|---|---:|---:|---:|",
        f"| total | {_side_label(b.total, b.unit, b.samples)} | "
        f"{_side_label(a.total, a.unit, a.samples)} | {_total_change(result)} |",
        "",
    ]
    head = ["function", "file", *_headers(result)]
    for sec in sections(result, top):
        out.append(f"#### {sec.title}")
        out.append("")
        if not sec.rows:
            out.append(f"_No significant {sec.title.lower()}._")
            out.append("")
            continue
        out.append("| " + " | ".join(head) + " |")
        out.append("|---|---|" + "---:|" * (len(head) - 2))
        for f in sec.rows:
            cells = [markdown_code(f.name), markdown_code(f.file or "")]
            cells += _cells(result, f, sec.basis)
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out.append(escape_markdown(_noise_note(result)))
    return "\n".join(out) + "\n"


def render_text(
    result: ProfileDiff,
    before_name: str,
    after_name: str,
    top: int = 10,
    width: int | None = 80,
) -> str:
    """The same summary for a terminal, in ``width`` columns (None: whole names, one line for
    each paragraph)."""
    b, a = result.before, result.after
    out = [
        fit_line(f"before: {before_name}: {_side_label(b.total, b.unit, b.samples)}", width),
        fit_line(f"after:  {after_name}: {_side_label(a.total, a.unit, a.samples)}", width),
        fit_line(f"total change: {_total_change(result)}", width),
        *wrap(describe_method(result), width),
    ]
    h = _headers(result)
    numbers = f"{h[0]:>10} {h[1]:>10} {'Δ points':>13} {h[3]:>10} {'p':>6}  "
    head = numbers + "function"
    columns, cut = layout_width(width)
    name_width = max(columns - len(numbers), 1)
    for sec in sections(result, top):
        out.append("")
        out.append(f"{sec.title}:")
        if not sec.rows:
            out.append("  none significant")
            continue
        out.append(head)
        for f in sec.rows:
            before, after, delta, dtime, p = _cells(result, f, sec.basis)
            label = fit_label(f.name, f.file or "", name_width, cut)
            out.append(f"{before:>10} {after:>10} {delta:>13} {dtime:>10} {p:>6}  {label}")
    out.append("")
    out.extend(wrap(_noise_note(result), width))
    return "\n".join(out) + "\n"


def render_json(result: ProfileDiff, **_) -> str:
    """One JSON object: both sides' totals and units, whether normalized, every function."""
    return orjson.dumps(result.to_dict()).decode() + "\n"
