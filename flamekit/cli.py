"""The ``flamekit`` command line: a thin shell of click commands over the library."""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .cli_options import ProfileLoader, profile_input, profiles_argument
from .errors import FlamekitError
from .render.colors import PALETTES as PALETTE_CHOICES

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="flamekit")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Import, analyze and render CPU profiles.

    Reads V8 .cpuprofile and Chrome traces, perf script text, py-spy outputs, speedscope JSON and
    folded stacks.
    """
    ctx.obj = {"debug": debug}


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
def info(profiles: tuple[str, ...], loader: ProfileLoader) -> None:
    """Describe a profile: format, unit, samples, duration, threads and top functions."""
    from .render.text import render_info

    profile = loader.load(profiles)
    click.echo(render_info(profile, ", ".join(profiles)), nl=False)


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many functions to list (0 for all).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def top(profiles: tuple[str, ...], loader: ProfileLoader, count: int, fmt: str) -> None:
    """List the functions with the most self time (or samples)."""
    from .render.text import render_top

    profile = loader.load(profiles)
    click.echo(render_top(profile, count or None, fmt), nl=False)


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(allow_dash=True),
    help="Output file ('-' for stdout); its extension picks the format.",
)
@click.option("--to", "to", default=None, help="Output format (folded, ...).")
def convert(profiles: tuple[str, ...], loader: ProfileLoader, output: str, to: str | None) -> None:
    """Convert a profile to another format."""
    from .output import write_output
    from .render.registry import output_for

    target = output_for(output, to)
    profile = loader.load(profiles)
    write_output(output, target.render(profile))


@cli.command(context_settings=CONTEXT)
@profiles_argument
@profile_input
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(allow_dash=True),
    help="Output file: .svg, or .html for a page around it ('-' for SVG on stdout).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["svg", "html"]), help="Output format (default: from -o)."
)
@click.option("--title", default=None, help="Title text (default: Flame Graph).")
@click.option("--subtitle", default="", help="Second title line.")
@click.option(
    "--width",
    type=click.IntRange(min=40),
    default=1200,
    show_default=True,
    help="Image width in pixels.",
)
@click.option(
    "--height",
    "frame_height",
    type=click.IntRange(min=2),
    default=16,
    show_default=True,
    help="Height of one frame in pixels.",
)
@click.option(
    "--fontsize",
    type=click.FloatRange(min=1),
    default=12,
    show_default=True,
    help="Font size in pixels.",
)
@click.option(
    "--fontwidth",
    "font_width",
    type=click.FloatRange(min=0.1),
    default=0.59,
    show_default=True,
    help="Average character width relative to the font size.",
)
@click.option(
    "--minwidth",
    default="0.1",
    show_default=True,
    help="Leave out frames narrower than this: pixels, or a percentage like 0.5%.",
)
@click.option("--countname", default=None, help="What a count is called (default: samples).")
@click.option(
    "--nametype",
    default="Function:",
    show_default=True,
    help="Label before a frame's name in the details bar.",
)
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
    help="Order siblings by time instead of by name (needs timestamped samples).",
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
    from .errors import UsageError
    from .output import write_output
    from .render.flame import FlameOptions, render_html, render_svg

    if fmt is None:
        lower = output.lower()
        if lower.endswith((".html", ".htm")):
            fmt = "html"
        elif output == "-" or lower.endswith(".svg"):
            fmt = "svg"
        else:
            raise UsageError(
                f"cannot tell the output format of {output!r}",
                hint="name it .svg or .html, or use --format",
            )
    opts = FlameOptions(js=not no_js, **options)
    profile = loader.load(profiles)
    render = render_html if fmt == "html" else render_svg
    write_output(output, render(profile, opts))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning flamekit errors into one-line messages."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("FLAMEKIT_DEBUG"))
    try:
        cli.main(args=args, prog_name="flamekit", standalone_mode=False)
    except FlamekitError as exc:
        if debug:
            raise
        click.echo(f"flamekit: error: {exc}", err=True)
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
