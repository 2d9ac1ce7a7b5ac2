"""Option decorators shared by every command that reads profiles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from .core.model import Profile
from .core.transforms import AREAS, GROUP_BY, TransformOptions, parse_time
from .errors import UsageError
from .importers import INPUT_FORMATS, ImportOption, import_options
from .output import OUTPUT_PATH


def _click_option(option: ImportOption) -> Callable:
    """The click option of an importer option; passed on only when given."""
    if option.is_flag:
        return click.option(option.flag, option.key, is_flag=True, default=None, help=option.help)
    return click.option(
        option.flag,
        option.key,
        default=None,
        multiple=option.multiple,
        metavar=option.metavar,
        help=option.help,
    )


# Importer-specific options, from the format table: (click decorator, keyword it produces).
IMPORT_OPTIONS: list[tuple[Callable, str]] = [(_click_option(o), o.key) for o in import_options()]


@dataclass
class ProfileLoader:
    """What the user asked for about reading inputs: format, importer options, transforms."""

    from_format: str | None = None
    import_options: dict[str, Any] = field(default_factory=dict)
    transforms: TransformOptions = field(default_factory=TransformOptions)

    def load(
        self, paths: tuple[str, ...] | list[str], *, report_weightless: bool = True
    ) -> Profile:
        """Import every path, merge them into one profile, print the importers' warnings and
        apply the transforms (in the order of :func:`flamekit.transforms.apply`); warn when no
        sample carries weight (``report_weightless``: commands that refuse such a profile
        themselves pass False)."""
        from . import load
        from .console import info, warn
        from .core.transforms import apply
        from .render.registry import WEIGHTLESS_HINT, weightless

        source_maps = None
        if self.import_options.get("source_maps") or self.import_options.get("source_map_dir"):
            from .sourcemaps import from_options  # only then: it is not light to import

            source_maps = from_options(self.import_options)  # one per command: maps read once
        profile = load(list(paths), from_format=self.from_format, **self.import_options)
        for message in profile.meta.warnings:
            warn(message)
        summary = source_maps.summary() if source_maps is not None else None
        if summary:
            info(summary)
        if self.transforms.any:
            before = len(profile.samples)
            profile = apply(profile, self.transforms)
            if before and not len(profile.samples):
                raise UsageError(
                    "no samples are left after " + self.transforms.describe(),
                    hint="check the patterns, thread names and times",
                )
        why = weightless(profile) if report_weightless else None
        if why:
            warn(f"{', '.join(paths)}: {why}, so there is nothing to show ({WEIGHTLESS_HINT})")
        return profile


def _time_option(name: str, dest: str, help: str) -> Callable:
    def convert(ctx, param, value):
        return None if value is None else parse_time(value, name)

    return click.option(name, dest, metavar="TIME", callback=convert, help=help)


# The transform options, outermost first in --help; applied in the order of transforms.apply.
TRANSFORM_OPTIONS: list[tuple[Callable, str]] = [
    (
        click.option(
            "--thread",
            "threads",
            multiple=True,
            metavar="NAME|TID",
            help="Keep only this thread (a name, glob pattern or tid; repeatable).",
        ),
        "threads",
    ),
    (
        _time_option(
            "--from-time", "from_ns", "Keep samples from this time on (e.g. 1.5s, 200ms)."
        ),
        "from_ns",
    ),
    (
        _time_option("--to-time", "to_ns", "Keep samples before this time (timestamped profiles)."),
        "to_ns",
    ),
    (click.option("--no-idle", is_flag=True, help="Drop idle samples."), "no_idle"),
    (
        click.option(
            "--exclude",
            multiple=True,
            metavar="REGEX",
            help="Drop samples with a frame matching REGEX (repeatable).",
        ),
        "exclude",
    ),
    (
        click.option(
            "--focus",
            metavar="REGEX",
            help="Keep only samples with a frame matching REGEX; stacks stay whole.",
        ),
        "focus",
    ),
    (
        click.option(
            "--focus-root",
            metavar="REGEX",
            help="Like --focus, re-rooted at the outermost matching frame.",
        ),
        "focus_root",
    ),
    (
        click.option(
            "--hide",
            multiple=True,
            metavar="REGEX",
            help="Remove frames matching REGEX; their time goes to the caller (repeatable).",
        ),
        "hide",
    ),
    (
        click.option(
            "--hide-area",
            multiple=True,
            type=click.Choice(tuple(AREAS)),
            help="Remove the frames of a code area; their time goes to the caller (repeatable).",
        ),
        "hide_area",
    ),
    (
        click.option(
            "--group-by",
            type=click.Choice(GROUP_BY),
            help="Replace frames by their function, file, module or package.",
        ),
        "group_by",
    ),
    (
        click.option(
            "--collapse-recursion",
            is_flag=True,
            help="Merge recursive calls, direct and indirect, into the outer call.",
        ),
        "collapse_recursion",
    ),
    (
        click.option(
            "--collapse-direct-recursion",
            is_flag=True,
            help="Merge only a function calling itself directly.",
        ),
        "collapse_direct_recursion",
    ),
    (
        click.option("--merge-threads", is_flag=True, help="Merge all threads into one."),
        "merge_threads",
    ),
    (
        click.option("--invert", is_flag=True, help="Turn stacks upside down (leaf first)."),
        "invert",
    ),
]


def profile_input(command: Callable | None = None, *, skip: tuple[str, ...] = ()) -> Callable:
    """Add ``--from``, the importer options and the transforms; pass a ``loader`` to the command.

    The transforms run after loading in a fixed order: --thread, --from-time/--to-time,
    --no-idle, --exclude, --focus, --focus-root, --hide, --hide-area, --group-by,
    --collapse-recursion, --merge-threads, --invert. ``@profile_input(skip=("group_by", ...))``
    leaves out the transforms (by keyword) that make no sense for a command or that it spells
    differently.
    """
    if command is None:
        return functools.partial(profile_input, skip=skip)
    transforms = [(d, key) for d, key in TRANSFORM_OPTIONS if key not in skip]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        loader = ProfileLoader(from_format=kwargs.pop("from_format"))
        for _decorator, key in IMPORT_OPTIONS:
            loader.import_options[key] = kwargs.pop(key)
        loader.import_options = {
            k: v for k, v in loader.import_options.items() if v is not None and v != ()
        }
        chosen = {key: kwargs.pop(key) for _decorator, key in transforms}
        for key in ("threads", "exclude", "hide", "hide_area"):
            if key in chosen:
                chosen[key] = tuple(chosen[key])
        loader.transforms = TransformOptions(**chosen)
        return command(*args, loader=loader, **kwargs)

    for decorator, _key in reversed(transforms):
        wrapper = decorator(wrapper)
    for decorator, _key in reversed(IMPORT_OPTIONS):
        wrapper = decorator(wrapper)
    return click.option(
        "--from",
        "from_format",
        type=click.Choice(INPUT_FORMATS),
        help="Input format (default: from the file's extension, else its content).",
    )(wrapper)


def format_option(*choices: str) -> Callable:
    """``--format`` (keyword ``fmt``) with ``choices``; the first is the default."""
    kind = click.Choice(choices)
    return click.option(
        "--format", "fmt", type=kind, default=choices[0], show_default=True, help="Output format."
    )


def count_option(default: int, help: str, *, least: int = 1) -> Callable:
    """``-n`` (keyword ``count``): how many rows, at least ``least``."""
    return click.option(
        "-n", "count", type=click.IntRange(min=least), default=default, show_default=True, help=help
    )


def output_option(help: str, *, default: str | None = None) -> Callable:
    """``-o``/``--output``: required unless it has a default ('-' is stdout)."""
    required = default is None
    return click.option(
        "-o", "--output", "output", required=required, default=default, type=OUTPUT_PATH, help=help
    )


# Inputs are checked when opened (flamekit.sources), so that a missing, unreadable or directory
# input is reported in the one-line error form with its name, like every other bad input.
INPUT_PATH = click.Path(allow_dash=True, readable=False)


def expand_paths(ctx, param, value: tuple[str, ...]) -> tuple[str, ...]:
    """Click callback: files, quoted globs, folders and @lists as the paths they stand for."""
    from .inputs import expand_inputs

    return tuple(expand_inputs(value))


def profiles_argument(command: Callable) -> Callable:
    """One or more profiles: paths ('-' for stdin), quoted globs, folders or @list files."""
    return click.argument(
        "profiles",
        nargs=-1,
        required=True,
        metavar="PROFILE...",
        type=INPUT_PATH,
        callback=expand_paths,
    )(command)


class Duration(click.ParamType):
    """A duration such as ``50ms``, ``0.3s`` or ``800us`` (a bare number is milliseconds)."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from .units import parse_duration_ns

        try:
            return parse_duration_ns(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
