"""What kind of Python code a file name stands for: the application, a dependency or the stdlib."""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from ..core.model import FrameKind

_STDLIB_DIR = re.compile(r"[/\\]lib[/\\](?:python\d+(?:\.\d+)?t?|pypy\d*(?:\.\d+)?)[/\\]", re.I)
_WINDOWS_STDLIB = re.compile(r"^[A-Za-z]:[/\\].*[/\\]Lib[/\\]")
_PACKAGES = re.compile(r"[/\\](?:site|dist)-packages[/\\]")
_SOURCE = re.compile(r"\.(?:py|pyw|pyx|pxd|pyi)$")
_STDLIB_NAMES = frozenset(sys.stdlib_module_names)


@lru_cache(maxsize=65536)
def python_kind(file: str) -> FrameKind:
    """USER for the application, DEPENDENCY for site-packages, RUNTIME for the stdlib.

    Full paths are told apart by their folders. py-spy's shortened names (``threading.py``,
    ``jinja2/environment.py``) keep only the part below the import path: a name whose top-level
    module belongs to the standard library is RUNTIME, any other is taken to be USER, since a
    shortened name no longer says whether it came from site-packages. Files that are not Python
    source (``ceval.c``, ``libc.so.6``) are NATIVE; an empty file name is UNKNOWN.
    """
    if not file:
        return FrameKind.UNKNOWN
    if file.startswith("<"):
        return FrameKind.RUNTIME if file.startswith("<frozen ") else FrameKind.USER
    if _PACKAGES.search(file):
        return FrameKind.DEPENDENCY
    if _STDLIB_DIR.search(file) or _WINDOWS_STDLIB.match(file):
        return FrameKind.RUNTIME
    if not _SOURCE.search(file):
        return FrameKind.NATIVE
    if file.startswith(("/", "\\")) or (len(file) > 2 and file[1] == ":"):
        return FrameKind.USER
    top = re.split(r"[/\\]", file, maxsplit=1)[0]
    top = _SOURCE.sub("", top)
    return FrameKind.RUNTIME if top in _STDLIB_NAMES else FrameKind.USER
