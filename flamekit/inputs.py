"""Many inputs: files, quoted globs, folders (recursive) and ``@list.txt`` files, as paths.

Every command that reads profiles expands its arguments here, so that thousands of inputs can be
named without a shell's argument limit. Expansion is deterministic: glob matches and folder
contents are sorted, and a path named twice is read twice (as a shell would pass it).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

from .errors import InputError

GLOB_CHARS = frozenset("*?[")


def expand_inputs(args: Iterable[str]) -> list[str]:
    """The input paths ``args`` stand for, in order.

    - ``-`` (standard input) and existing files stay as given;
    - ``@FILE`` is replaced by the paths FILE lists, one a line (blank lines and lines starting
      with ``#`` skipped), each expanded in turn;
    - a folder stands for every regular file under it (recursively, hidden ones skipped);
    - a pattern with ``*``, ``?`` or ``[`` (``**`` for any depth) that is not a file stands for
      the files it matches and those under the folders it matches;
    - URLs (``scheme://...``) stay as given, for readers that open them.
    """
    out: list[str] = []
    for arg in args:
        out.extend(_expand_one(arg, depth=0))
    return out


def _expand_one(arg: str, depth: int) -> list[str]:
    if arg == "-" or "://" in arg:
        return [arg]
    if arg.startswith("@") and not os.path.exists(arg):
        return _expand_list(arg[1:], depth)
    if os.path.isdir(arg):
        return _folder_files(arg)
    if os.path.lexists(arg) or not GLOB_CHARS & set(arg):
        return [arg]  # a missing file is reported by the reader, with its name
    matches: list[str] = []
    for match in sorted(glob.glob(arg, recursive=True)):
        matches.extend(_folder_files(match) if os.path.isdir(match) else [match])
    if not matches:
        raise InputError(arg, "matches no file", hint="check the pattern, or quote it")
    return list(dict.fromkeys(matches))  # '**' matches a folder and what is in it


def _expand_list(list_path: str, depth: int) -> list[str]:
    if depth > 8:
        raise InputError(list_path, "@lists nest too deeply", hint="list paths, not @lists")
    try:
        with open(list_path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InputError(
            list_path, f"cannot read the list: {exc.strerror or exc}", hint="check the @FILE path"
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            list_path, "the list is not UTF-8 text", hint="write one path a line"
        ) from None
    out: list[str] = []
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            out.extend(_expand_one(entry, depth + 1))
    if not out:
        raise InputError(list_path, "the list names no input", hint="write one path a line")
    return out


def _folder_files(folder: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.startswith(".") and os.path.isfile(path):
                found.append(path)
    if not found:
        raise InputError(
            folder, "is a directory with no file in it", hint="name files or a pattern"
        )
    return found
