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
    optional: bool = False  # left out of the summary when empty


def escape_markdown(text: str) -> str:
    """Text safe inside a GFM table cell: HTML and markdown syntax become literal characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.splitlines()) if text else text
    return _MD_SPECIAL.sub(r"\\\1", text)


def sections(result: ProfileDiff, top: int) -> list[Section]:
    """Top significant regressions and improvements, by self and by total, then the functions
    whose share moved while their time did not (others moved). Idle is never among them."""
    funcs = [f for f in result.functions() if not f.idle]
    out = []
    for basis in ("self", "total"):

        def rows(verdict: str, sign: int, b=basis) -> list[FunctionDiff]:
            chosen = [
                f
                for f in funcs
                if f.verdict(b) == verdict and (getattr(f, b).delta > 0) == (sign > 0)
            ]
            chosen.sort(key=lambda f: (-sign * getattr(f, b).delta, f.name))
            return chosen[:top]

        out.append(Section(f"Regressions by {basis}", basis, rows("regression", 1)))
        out.append(Section(f"Improvements by {basis}", basis, rows("improvement", -1)))
        if result.compares_time:
            rose = f"Share rose by {basis}, time did not (other functions shrank)"
            fell = f"Share fell by {basis}, time did not (other functions grew)"
            out.append(Section(rose, basis, rows("share", 1), optional=True))
            out.append(Section(fell, basis, rows("share", -1), optional=True))
    return [sec for sec in out if sec.rows or not sec.optional]


def describe_method(result: ProfileDiff, short: bool = False) -> str:
    """One sentence saying what is compared and how significance is judged."""
    alpha = result.options.alpha
    runs = f"{result.runs[0]} and {result.runs[1]} runs, each run one observation"
    if short:
        what = "shares of each side's total" if result.normalized else "raw weights"
        basis = f"Welch's t-test across {runs}" if result.fleet else "sample counts"
        return f"{what} compared; significance from {basis}, Bonferroni-adjusted, alpha {alpha:g}"
    if result.normalized:
        what = "normalized: each side as shares of its own total"
    else:
        what = "absolute: raw weights, shares are of BEFORE's total"
    if result.fleet:
        per = "share" if result.normalized else "weight"
        test = f"Welch's t-test on each run's {per} ({runs}), effect as Hedges' g"
    elif result.normalized:
        test = "two-proportion z-test on sample counts (variance from blocks of a run if larger)"
    else:
        test = "Poisson rate test on sample counts (variance from blocks of a run if larger)"
    return (
        f"{what}; significance: {test}, Bonferroni-adjusted, alpha {alpha:g} "
        f"([low, high] is the simultaneous {100 * (1 - alpha):g}% interval; a change is "
        "significant when it excludes 0)"
    )


def notes(result: ProfileDiff) -> list[str]:
    """Lines about the comparison as a whole: idle time, and totals far apart."""
    out = []
    for f in result.functions():
        if f.idle:
            c = f.total
            out.append(
                f"{f.name}: {c.before_pct:.1f}% → {c.after_pct:.1f}% of the total "
                f"({_interval(c)} points; idle time, not a change of any function)"
            )
    b, a = result.before, result.after
    if result.normalized and b.unit == a.unit and min(b.total, a.total) > 0:
        ratio = max(b.total, a.total) / min(b.total, a.total)
        if ratio > 2:
            more = "AFTER" if a.total > b.total else "BEFORE"
            out.append(
                f"totals differ {ratio:.1f}x ({more} ran longer): shares hide that; if both "
                "sides did the same work, compare raw weights with --absolute"
            )
    return out


def _interval(c: Change) -> str:
    return f"{c.delta:+.1f} [{c.low:+.1f}, {c.high:+.1f}]"


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
    if result.options.absolute:
        before = format_weight(c.before, result.before.unit)
        after = format_weight(c.after, result.after.unit)
    else:
        before, after = f"{c.before_pct:.1f}%", f"{c.after_pct:.1f}%"
    return [before, after, _interval(c), _weight_delta(result, c), _p(c.p_value)]


def _headers(result: ProfileDiff) -> list[str]:
    timed = result.before.unit == result.after.unit == "nanoseconds"
    change = "Δ time" if timed else "Δ samples"
    if result.fleet:
        change += "/run"
    if result.options.absolute:
        return ["before", "after", "Δ points of before [low, high]", change, "p"]
    return ["before", "after", "Δ share (points) [low, high]", change, "p"]


def _noise_note(result: ProfileDiff) -> str:
    funcs = [f for f in result.functions() if not f.idle]
    noisy = sum(1 for f in funcs if not f.significant and (f.self.delta != 0 or f.total.delta != 0))
    sig = sum(1 for f in funcs if f.significant)
    noise = "run-to-run noise" if result.fleet else "sampling noise"
    return (
        f"{sig} of {len(funcs)} functions changed significantly; "
        f"{noisy} more changed within {noise}."
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
    for line in notes(result):
        out += [escape_markdown(line), ""]
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
        *[line for note in notes(result) for line in wrap(note, width)],
        *wrap(describe_method(result), width),
    ]
    h = _headers(result)
    delta = "Δ points [low, high]" if result.options.absolute else "Δ share [low, high]"
    numbers = f"{h[0]:>10} {h[1]:>10} {delta:>21} {h[3]:>10} {'p':>6}  "
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
            out.append(f"{before:>10} {after:>10} {delta:>21} {dtime:>10} {p:>6}  {label}")
    out.append("")
    out.extend(wrap(_noise_note(result), width))
    return "\n".join(out) + "\n"


def render_json(result: ProfileDiff, **_) -> str:
    """One JSON object: both sides' totals and units, whether normalized, every function."""
    return orjson.dumps(result.to_dict()).decode() + "\n"
