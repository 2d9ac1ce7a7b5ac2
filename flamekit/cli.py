"""The ``flamekit`` command line: a thin shell of click commands over the library."""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Callable, Iterable

import click

from . import __version__, defaults
from .cli_options import (
    DURATION,
    INPUT_PATH,
    ProfileLoader,
    count_option,
    format_option,
    output_option,
    profile_input,
    profiles_argument,
)
from .core.transforms import GROUP_BY
from .errors import FlamekitError
from .output import write_text
from .render.colors import PALETTES as PALETTE_CHOICES
from .render.terminal import terminal_width

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="flamekit")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Import, analyze and render CPU profiles.

    Reads V8 .cpuprofile and Chrome traces, perf script text, py-spy outputs, speedscope JSON,
    folded stacks and pprof.

    Every command that reads a profile takes the same transforms, applied after loading in this
    order: --thread, --from-time/--to-time, --no-idle, --exclude, --focus, --focus-root, --hide,
    --hide-area, --group-by, --collapse-recursion, --merge-threads, --invert.
    """
    ctx.obj = {"debug": debug}


def _settings(settings: Iterable[defaults.Setting]) -> Callable:
    """The click options of shared settings (see :mod:`flamekit.defaults`), in order."""

    def add(command: Callable) -> Callable:
        for s in reversed(list(settings)):
            kind, default = None, s.default
            if isinstance(default, int):
                kind = click.IntRange(min=s.low)
            elif isinstance(default, float):
                kind = click.FloatRange(min=s.low)  # which reads 12 as 12.0
                default = int(default) if default.is_integer() else default  # help: 12
            command = click.option(
                s.flag, s.key, type=kind, default=default, show_default=True, help=s.help
            )(command)
        return command

    return add


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
def info(profiles: tuple[str, ...], loader: ProfileLoader) -> None:
    """Describe a profile: format, unit, samples, duration, threads and top functions."""
    from .render.text import render_info

    profile = loader.load(profiles)
    write_text(render_info(profile, ", ".join(profiles), terminal_width()))


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@count_option(20, "How many functions to list (0 for all).", least=0)
@format_option("table", "json", "csv")
@click.option(
    "--by",
    type=click.Choice((*GROUP_BY, "line")),
    default="function",
    show_default=True,
    help="What to list: functions, whole files, modules or packages, or source lines.",
)
def top(profiles: tuple[str, ...], loader: ProfileLoader, count: int, fmt: str, by: str) -> None:
    """List the functions (or files, modules, packages, lines) with the most self time (or
    samples)."""
    from .core.transforms import group_by
    from .render.text import render_top

    profile = loader.load(profiles)
    if by not in ("function", "line"):
        profile = group_by(profile, by)
    if by == "line" and profile.meta.lines_dropped_by:
        from .console import warn

        warn(
            f"{_source_name(profile, profiles)}: {profile.meta.lines_dropped_by} dropped the "
            "source lines of the profile; rows show functions without lines "
            "(run without it for line times)"
        )
    write_text(render_top(profile, count or None, fmt, terminal_width(), by))


def _source_name(profile, profiles: tuple[str, ...]) -> str:
    return profile.meta.name or ", ".join(profiles)


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@count_option(5, "How many hot paths to show.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="A path also ends where its heaviest callee holds less than this % of it.",
)
@click.option(
    "--critical",
    is_flag=True,
    help="Show only the critical path (heaviest callee while it holds >= --threshold %, "
    "default 50).",
)
@format_option("text", "json")
def hotpaths(
    profiles: tuple[str, ...],
    loader: ProfileLoader,
    count: int,
    threshold: float,
    critical: bool,
    fmt: str,
) -> None:
    """Print the heaviest paths from the root as an indented tree with times and percentages."""
    from .analyze.hotpaths import critical_path, hot_paths
    from .render.tree_text import render_critical, render_hotpaths

    profile = loader.load(profiles)
    name = _source_name(profile, profiles)
    if critical:
        share = threshold / 100 if threshold else 0.5
        result = critical_path(profile, share)
        text = render_critical(result, name, profile.sample_count(), fmt, terminal_width())
        write_text(text)
        return
    result = hot_paths(profile, count, threshold / 100)
    text = render_hotpaths(result, name, profile.sample_count(), fmt, terminal_width())
    write_text(text)


@cli.command(context_settings=CONTEXT)
@click.argument("profile_path", metavar="PROFILE", type=INPUT_PATH)
@click.argument("pattern", metavar="FUNCTION_REGEX")
@profile_input
@click.option(
    "--min-share",
    type=click.FloatRange(0, 100),
    default=1.0,
    show_default=True,
    help="Leave out tree entries under this % of the function's total (text output).",
)
@format_option("text", "json")
def calls(
    profile_path: str, pattern: str, loader: ProfileLoader, min_share: float, fmt: str
) -> None:
    """Show who calls the functions matching FUNCTION_REGEX and what they call, with weights.

    Each sample is counted once, at the outermost call, so recursion is not double counted.
    """
    from .analyze.calls import calls as sandwich
    from .render.tree_text import render_calls

    profile = loader.load((profile_path,))
    result = sandwich(profile, pattern)
    name = _source_name(profile, (profile_path,))
    text = render_calls(
        result, name, profile.sample_count(), fmt, min_share / 100, terminal_width()
    )
    write_text(text)


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@output_option("Output file ('-' for stdout); its extension picks the format.")
@click.option("--to", "to", default=None, help="Output format (folded, ...).")
@click.option(
    "--places",
    is_flag=True,
    help="Folded output: write frames as 'name file:line' so same-named functions stay apart.",
)
def convert(
    profiles: tuple[str, ...], loader: ProfileLoader, output: str, to: str | None, places: bool
) -> None:
    """Convert a profile to another format."""
    from .output import write_output
    from .render.registry import output_for, require_weight

    target = output_for(output, to)
    if places and "places" not in target.flags:
        from .errors import UsageError

        raise UsageError("--places is an option of folded output", hint="add --to folded")
    profile = loader.load(profiles, report_weightless=False)
    require_weight(profile, ", ".join(profiles))
    write_output(output, target.render(profile, **({"places": True} if places else {})))


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@output_option("Output file: .svg, or .html for a page around it ('-' for SVG on stdout).")
@click.option(
    "--format", "fmt", type=click.Choice(["svg", "html"]), help="Output format (default: from -o)."
)
@click.option(
    "--title",
    default=None,
    help="Title text (default: the kind of graph, the file(s), total and samples).",
)
@click.option("--subtitle", default="", help="Second title line.")
@_settings(defaults.FLAME.values())
@click.option("--countname", default=None, help="What a count is called (default: samples).")
@click.option("--notes", default="", help="Text shown under the graph and kept in its <desc>.")
@click.option(
    "--colors",
    default=None,
    type=click.Choice(PALETTE_CHOICES),
    help="Palette (default: 'kind' when the format knows frame kinds, else 'hot').",
)
@click.option("--bgcolors", default=None, help="Background: yellow, blue, green, grey or #rrggbb.")
@click.option("--inverted", is_flag=True, help="Icicle graph: roots at the top.")
@click.option("--reverse", is_flag=True, help="Reverse the stacks: leaf functions at the root.")
@click.option(
    "--flamechart",
    is_flag=True,
    help="Flame chart: time on the x axis, one rectangle per uninterrupted run of a frame, "
    "idle time left empty, one lane per thread (needs timestamps).",
)
@click.option(
    "--no-js",
    "no_js",
    is_flag=True,
    help="Leave out the scripts: a static image with a tooltip per frame.",
)
def flame(
    profiles: tuple[str, ...],
    loader: ProfileLoader,
    output: str,
    fmt: str | None,
    no_js: bool,
    **options,
) -> None:
    """Draw an interactive flame graph (SVG, or HTML with -o FILE.html)."""
    from .output import write_output
    from .render.flame import FlameOptions
    from .render.registry import require_weight, resolve

    target = resolve(output, fmt, stdout="svg", choices=("svg", "html"))
    opts = FlameOptions(js=not no_js, **options)
    profile = loader.load(profiles, report_weightless=False)
    require_weight(profile, ", ".join(profiles))
    write_output(output, target.render(profile, options=opts))


# Transforms that would fake idle time (dropping samples leaves holes), mix threads, turn stacks
# around, or clash with the command's own --group-by.
BLOCKS_SKIPPED_TRANSFORMS = (
    "no_idle",
    "exclude",
    "focus",
    "focus_root",
    "group_by",
    "merge_threads",
    "invert",
)


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input(skip=BLOCKS_SKIPPED_TRANSFORMS)
@output_option(
    "Report file: .html (interactive), .svg (static), .json or .txt; '-' for stdout.",
    default="-",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html", "svg"]),
    default=None,
    help="Report format (default: from the output's extension; text on stdout).",
)
@click.option(
    "--threshold",
    type=DURATION,
    default=f"{defaults.BLOCKS_THRESHOLD_NS // 1_000_000}ms",
    show_default=True,
    help="Report blocks at least this long; shorter ones are only counted.",
)
@click.option(
    "--max-gap",
    type=DURATION,
    default=None,
    help="Longest stretch covered by no sample inside a block (default: 2x the median "
    "sampling interval).",
)
@click.option(
    "--group-by",
    type=click.Choice(["auto", "entry", "hot"]),
    default="auto",
    show_default=True,
    help="One bubble per entry function (what the loop called) or per hottest function; "
    "auto: by entry, unless one entry holds most of the blocked time.",
)
@click.option(
    "--fail-over",
    type=DURATION,
    default=None,
    help="Exit with status 1 if any block is longer than this (e.g. 100ms).",
)
def blocks(
    profiles: tuple[str, ...],
    loader: ProfileLoader,
    output: str,
    fmt: str | None,
    threshold: int,
    max_gap: int | None,
    group_by: str,
    fail_over: int | None,
) -> None:
    """Find the synchronous blocks that kept a thread (the event loop) busy.

    A block is a run of non-idle samples on one thread; a stretch without samples longer than
    --max-gap also ends one. Needs a profile with timestamps (node --cpu-prof, Chrome traces,
    perf script, py-spy --format chrometrace, evented speedscope). DURATION values take ns, us,
    ms or s (default ms).
    """
    from .analyze.blocks import find_blocks, require_times
    from .errors import CheckFailed
    from .output import write_output
    from .render.registry import resolve
    from .units import format_duration_ns

    target = resolve(output, fmt, "blocks", stdout="text", noun="report")
    profile = loader.load(profiles)
    require_times(profile, ", ".join(profiles))
    report = find_blocks(
        profile,
        threshold_ns=threshold,
        max_gap_ns=max_gap,
        group_by=group_by,  # type: ignore[arg-type]
    )
    title = ", ".join(os.path.basename(p) if p != "-" else "stdin" for p in profiles)
    width = terminal_width() if output == "-" else None
    write_output(output, target.render(report, profile=profile, title=title, width=width))
    if fail_over is not None and report.count_over(fail_over):
        worst = max(report.blocks, key=lambda b: b.duration_ns, default=None)
        where = ""
        if worst is not None and worst.duration_ns == report.longest_ns:
            name = (worst.entry.label or worst.entry.name) if worst.entry else "(no entry)"
            where = f" at {format_duration_ns(worst.start_ns)} in {name}"
        count = report.count_over(fail_over)
        raise CheckFailed(
            f"{count} block{'s' if count != 1 else ''} longer than "
            f"{format_duration_ns(fail_over)}: the longest ran "
            f"{format_duration_ns(report.longest_ns)}{where}"
        )


from .cli_diff import diff  # noqa: E402
from .cli_merge import merge  # noqa: E402

cli.add_command(diff)
cli.add_command(merge)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning flamekit errors into one-line messages."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("FLAMEKIT_DEBUG"))
    # One command, then exit: collect cycles less often than the interpreter's default (every
    # 700 allocations), which otherwise walks the young objects again and again while a big
    # profile's names and frames are made (~3% of a 100 MB import); and leave the objects the
    # imports made out of every collection (they live until the exit), which saves about 9 ms
    # of a 106 MB flame graph. Library use is unchanged.
    gc.set_threshold(100_000, 50, 100)
    gc.freeze()
    from .output import exit_cleanly_on_termination

    exit_cleanly_on_termination()
    if not debug:  # numbers are checked where they enter; library warnings are not the user's
        warnings.simplefilter("ignore")
    try:
        cli.main(args=args, prog_name="flamekit", standalone_mode=False)
    except FlamekitError as exc:
        if debug:
            raise
        from .escape import escape_controls

        click.echo(f"flamekit: error: {escape_controls(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("flamekit: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(141 - 128)
    except KeyboardInterrupt:
        click.echo("flamekit: interrupted", err=True)
        sys.exit(130)
    except MemoryError:
        click.echo("flamekit: error: out of memory", err=True)
        sys.exit(1)
    except OSError as exc:
        if debug:
            raise
        click.echo(f"flamekit: error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(2)
