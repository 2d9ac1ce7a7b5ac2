"""``flamekit diff``: compare two profiles (or two sets of merged runs)."""

from __future__ import annotations

from collections.abc import Callable

import click

from . import defaults
from .cli_options import (
    INPUT_PATH,
    ProfileLoader,
    expand_paths,
    output_option,
    profile_input,
)
from .errors import CheckFailed, UsageError
from .render.terminal import terminal_width

PATH = INPUT_PATH


def _gate_option(name: str, when: str) -> Callable:
    """A CI gate: exit 1 when ``when`` (PCT is the option's value)."""
    return click.option(
        name, type=click.FloatRange(min=0), default=None, metavar="PCT", help=f"Exit 1 when {when}."
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("pair", nargs=-1, metavar="BEFORE AFTER", type=PATH)
@click.option(
    "--before",
    "before_paths",
    multiple=True,
    type=PATH,
    callback=expand_paths,
    help="A BEFORE profile; repeat to merge several runs (instead of the BEFORE argument).",
)
@click.option(
    "--after",
    "after_paths",
    multiple=True,
    type=PATH,
    callback=expand_paths,
    help="An AFTER profile; repeat to merge several runs (instead of the AFTER argument).",
)
@profile_input
@output_option(
    "Write here: .svg/.html (differential flamegraph; the summary still goes to stdout), "
    ".md, .json or .txt (the summary). Default: stdout.",
    default="-",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default=None,
    help="Summary format (default: from -o's extension, else text).",
)
@click.option(
    "-n",
    "--top",
    "top",
    type=click.IntRange(min=1),
    default=defaults.DIFF_TOP,
    show_default=True,
    help="Rows per table of the summary.",
)
@click.option("--match-lines", is_flag=True, help="Frames on different lines are different.")
@click.option(
    "--strip-hex", is_flag=True, help="Mask hex addresses (0x...) in names before matching."
)
@click.option(
    "--absolute",
    is_flag=True,
    help="Compare raw weights (runs did the same work) instead of shares of each side's total.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=defaults.DIFF_ALPHA,
    show_default=True,
    help="Significance level for the whole report (p-values are Bonferroni-adjusted).",
)
@click.option(
    "--color-by",
    type=click.Choice(["self", "total"]),
    default="self",
    show_default=True,
    help="Flamegraph colour from the change in self or in total.",
)
@click.option("--negate", is_flag=True, help="Flamegraph: draw BEFORE's shape instead of AFTER's.")
@click.option("--title", default=None, help="Flamegraph title.")
@_gate_option("--fail-on", "a function's total share grew significantly by more than PCT points")
@_gate_option("--fail-on-total", "the raw total grew significantly by more than PCT percent")
def diff(
    pair: tuple[str, ...],
    before_paths: tuple[str, ...],
    after_paths: tuple[str, ...],
    loader: ProfileLoader,
    output: str,
    fmt: str | None,
    top: int,
    match_lines: bool,
    strip_hex: bool,
    absolute: bool,
    alpha: float,
    color_by: str,
    negate: bool,
    title: str | None,
    fail_on: float | None,
    fail_on_total: float | None,
) -> None:
    """Compare BEFORE with AFTER: what got slower or faster, and whether it is more than noise.

    Each side is one profile (the two arguments) or several runs (repeat --before and --after,
    or give them globs, folders or @lists). Sides may be of different formats. By default each
    side is scaled to its own total, so shares are compared; --absolute compares raw weights.
    With 3 or more runs a side, each run is one observation (Welch's t-test across runs);
    otherwise changes are tested on sample counts. Only significant changes are called
    regressions or improvements, and only when the time moved with the share.

    Exit status: 0, or 1 when a --fail-on/--fail-on-total check fails, 2 for bad input.
    """
    from .analyze.diff import DiffOptions, diff_profiles, diff_runs
    from .analyze.diff.fleet import MIN_RUNS
    from .console import warn
    from .gate import check_gates
    from .output import write_output

    befores, afters = _sides(pair, before_paths, after_paths)
    picture, summary_fmt, summary_dest = _destinations(output, fmt)
    options = DiffOptions(
        match_lines=match_lines, strip_hex=strip_hex, absolute=absolute, alpha=alpha
    )
    if min(len(befores), len(afters)) >= MIN_RUNS:  # runs are the observations
        result = diff_runs(
            [loader.load([p]) for p in befores], [loader.load([p]) for p in afters], options
        )
    else:
        result = diff_profiles(loader.load(befores), loader.load(afters), options)
    for message in result.warnings:
        warn(message)
    names = {"before_name": _side_name(befores), "after_name": _side_name(afters)}
    if picture:
        drawing = {"color_by": color_by, "negate": negate, "title": title}
        write_output(output, picture.render(result, **names, **drawing))
    width = terminal_width() if summary_dest == "-" else None
    summary = summary_fmt.render(result, **names, top=top, width=width)
    write_output(summary_dest, summary)
    failures = check_gates(result, fail_on=fail_on, fail_on_total=fail_on_total)
    if failures:
        raise CheckFailed("; ".join(failures))


def _side_name(paths: list[str]) -> str:
    """The inputs of one side: all of them when few, else the first two and a count."""
    if len(paths) <= 3:
        return ", ".join(paths)
    return f"{paths[0]}, {paths[1]} and {len(paths) - 2} more ({len(paths)} runs)"


def _sides(pair, before_paths, after_paths) -> tuple[list[str], list[str]]:
    if pair and (before_paths or after_paths):
        raise UsageError(
            "give BEFORE AFTER as two arguments or with --before/--after, not both",
            hint="repeat --before and --after to merge several runs per side",
        )
    if pair:
        if len(pair) != 2:
            raise UsageError(
                f"diff takes two profiles, BEFORE and AFTER, not {len(pair)}",
                hint="repeat --before and --after to merge several runs per side",
            )
        from .inputs import expand_inputs

        return expand_inputs(pair[:1]), expand_inputs(pair[1:])
    if not before_paths or not after_paths:
        raise UsageError("diff needs a BEFORE and an AFTER profile", hint="see flamekit diff -h")
    return list(before_paths), list(after_paths)


SUMMARIES = ("markdown", "json", "text")


def _destinations(output: str, fmt: str | None):
    """(picture output or None, summary output, where the summary goes)."""
    from .render.registry import by_extension, resolve

    picture = by_extension(output, "diff", ("svg", "html"))  # none for '-'
    if picture is not None:
        return picture, resolve("-", fmt, "diff", stdout="text", choices=SUMMARIES), "-"
    return None, resolve(output, fmt, "diff", stdout="text", choices=SUMMARIES), output
