"""Option decorators shared by every command that reads profiles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from .importers import INPUT_FORMATS
from .model import Profile


def _flag(name: str, help: str) -> tuple[Callable, str]:
    """An on/off importer option that is passed on only when given."""
    return click.option(f"--{name}", name, is_flag=True, default=None, help=help), name


# Importer-specific options: (click decorator, keyword it produces). Importers' issues add theirs.
IMPORT_OPTIONS: list[tuple[Callable, str]] = [
    # perf script input, named as in FlameGraph's stackcollapse-perf.pl
    _flag("pid", "perf: root frame is comm-PID."),
    _flag("tid", "perf: root frame is comm-PID/TID."),
    _flag("kernel", "perf: mark kernel frames with _[k]."),
    _flag("jit", "perf: mark frames from /tmp/perf-PID.map with _[j]."),
    _flag("all", "perf: both --kernel and --jit."),
    _flag("addrs", "perf: show unknown frames as [module <address>]."),
    (
        click.option(
            "--event-filter",
            "event_filter",
            metavar="EVENT",
            default=None,
            help="perf: keep only samples of EVENT (default: the first event type seen).",
        ),
        "event_filter",
    ),
]


@dataclass
class ProfileLoader:
    """What the user asked for about reading inputs: format, importer options."""

    from_format: str | None = None
    import_options: dict[str, Any] = field(default_factory=dict)

    def load(self, paths: tuple[str, ...] | list[str]) -> Profile:
        """Import every path and merge them into one profile; print the importers' warnings."""
        from . import load
        from .console import warn

        profile = load(list(paths), from_format=self.from_format, **self.import_options)
        for message in profile.meta.warnings:
            warn(message)
        return profile


def profile_input(command: Callable) -> Callable:
    """Add ``--from`` and the importer options; pass a ``loader`` to the command."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        loader = ProfileLoader(from_format=kwargs.pop("from_format"))
        for _decorator, key in IMPORT_OPTIONS:
            loader.import_options[key] = kwargs.pop(key)
        loader.import_options = {k: v for k, v in loader.import_options.items() if v is not None}
        return command(*args, loader=loader, **kwargs)

    for decorator, _key in reversed(IMPORT_OPTIONS):
        wrapper = decorator(wrapper)
    return click.option(
        "--from",
        "from_format",
        type=click.Choice(INPUT_FORMATS),
        help="Input format (default: from the file's extension, else its content).",
    )(wrapper)


def profiles_argument(command: Callable) -> Callable:
    """One or more profile paths ('-' for stdin)."""
    return click.argument(
        "profiles",
        nargs=-1,
        required=True,
        metavar="PROFILE...",
        type=click.Path(allow_dash=True, dir_okay=False),
    )(command)
