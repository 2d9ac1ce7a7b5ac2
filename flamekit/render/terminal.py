"""Fitting text tables to a terminal: its width, and labels shortened the way a reader wants.

A label is a name and, often, where it is (``hashItems (file:///srv/app/server.js:51)``). When
it is too long, the location gives way first, from its folders (``…/app/server.js:51``), then
as a whole; the name is cut (in the middle) only when it does not fit even alone.
"""

from __future__ import annotations

import os
import sys
import textwrap
from typing import TextIO

from ..escape import escape_controls
from ..units import middle_truncate

DEFAULT_WIDTH = 80  # a terminal that does not say how wide it is


def terminal_width(stream: TextIO | None = None) -> int | None:
    """Columns to fit: ``COLUMNS``, else the width of the terminal ``stream`` (stdout) is, else
    None for output that is not a terminal (piped output keeps whole names)."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = stream if stream is not None else sys.stdout
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        pass
    return None


def shorten_location(location: str, room: int) -> str:
    """``location`` in at most ``room`` characters: without its ``file://`` scheme, then with
    leading folders replaced by ``…``; '' when not even the last part fits."""
    if len(location) <= room:
        return location
    path = location.removeprefix("file://")
    if len(path) <= room:
        return path
    parts = path.split("/")
    for keep in range(len(parts) - 1, 0, -1):
        candidate = "…/" + "/".join(parts[-keep:])
        if len(candidate) <= room:
            return candidate
    return ""


def layout_width(width: int | None) -> tuple[int, bool]:
    """The columns to lay a table out in and whether names may be cut: a terminal's width, or
    for piped output (None) 80 columns with whole names (a name longer than its column runs on,
    so a script reading the output gets every name whole)."""
    return (DEFAULT_WIDTH, False) if width is None else (width, True)


def fit_label(name: str, location: str, room: int | None, cut: bool = True) -> str:
    """``name (location)`` in ``room`` characters (None: no limit), shortening the location
    first and cutting the name only when the name alone does not fit (and ``cut``). Control
    characters in either are shown escaped."""
    name, location = escape_controls(name), escape_controls(location)
    full = f"{name} ({location})" if location else name
    if room is None or len(full) <= room:
        return full
    if location:
        short = shorten_location(location, room - len(name) - 3)
        if short:
            return f"{name} ({short})"
    if len(name) <= room or not cut:
        return name
    return middle_truncate(name, max(room, 1))


def fit_line(text: str, width: int | None) -> str:
    """A line cut (in the middle) to ``width``; whole when piped (None); control characters
    shown escaped."""
    text = escape_controls(text)
    return text if width is None else middle_truncate(text, width)


def wrap(text: str, width: int | None, indent: str = "") -> list[str]:
    """A paragraph as lines of at most ``width`` (piped: 80) characters."""
    return textwrap.wrap(
        escape_controls(text),
        width or DEFAULT_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=width is not None,
    ) or [indent]
