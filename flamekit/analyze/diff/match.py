"""Which frames of BEFORE and AFTER are the same function."""

from __future__ import annotations

import re

import numpy as np

from ...core.model import Profile
from ..naming import unique_labels
from .results import DiffOptions

HEX = re.compile(r"0x[0-9a-fA-F]+")


def frame_columns(profile: Profile, options: DiffOptions):
    s = profile.strings
    fr = profile.frames
    names = [s[i] for i in fr.name.tolist()]
    if options.strip_hex:
        names = [HEX.sub("0x...", n) for n in names]
    files = [canonical_file(s[i]) for i in fr.file.tolist()]
    lines = fr.line.tolist() if options.match_lines else [0] * len(fr)
    own = fr.owns_line()
    places = [
        (int(line), int(col)) if o else (0, 0)
        for line, col, o in zip(fr.line.tolist(), fr.column.tolist(), own.tolist(), strict=True)
    ]
    return names, files, lines, places


def positional(cols) -> set[tuple[str, str]]:
    """(name, file) pairs that stand for several functions on one side (anonymous functions,
    two methods of one name): their own line and column are part of their identity."""
    out: set[tuple[str, str]] = set()
    for names, files, _lines, places in cols:
        seen: dict[tuple[str, str], tuple[int, int]] = {}
        for name, file, where in zip(names, files, places, strict=True):
            if where == (0, 0):
                continue
            first = seen.setdefault((name, file), where)
            if first != where:
                out.add((name, file))
    return out


def canonical_file(file: str) -> str:
    return file[len("file://") :] if file.startswith("file://") else file


def match_functions(before: Profile, after: Profile, options: DiffOptions):
    """Function ids for the frames of both sides, and each function's name and file."""
    cols = [frame_columns(p, options) for p in (before, after)]
    files_of: list[dict[str, set[str]]] = [{}, {}]
    for side, (names, files, _lines, _places) in enumerate(cols):
        for name, file in zip(names, files, strict=True):
            if file:
                files_of[side].setdefault(name, set()).add(file)
    # a file is part of the identity only when both sides know files for that name; a path
    # that is a suffix of the other side's (relative vs absolute) counts as the same file
    alias: dict[tuple[str, str], str] = {}
    for name in files_of[0].keys() & files_of[1].keys():
        fb, fa = files_of[0][name], files_of[1][name]
        for x in fb - fa:
            for y in fa - fb:
                if y.endswith("/" + x) or x.endswith("/" + y):
                    long = max(x, y, key=len)
                    alias[(name, x)] = alias[(name, y)] = long
    by_place = positional(cols)
    ids: dict[tuple, int] = {}
    rows: list[tuple[str, str, int, int]] = []
    out_files: list[str] = []
    result = []
    for names, files, lines, places in cols:
        func = np.empty(len(names), dtype=np.int64)
        for i, (name, file, line, where) in enumerate(
            zip(names, files, lines, places, strict=True)
        ):
            both = name in files_of[0] and name in files_of[1]
            key_file = alias.get((name, file), file) if both else ""
            if (name, file) not in by_place:
                where = (0, 0)
            key = (name, key_file, line, where)
            fid = ids.get(key)
            if fid is None:
                fid = ids[key] = len(rows)
                out_file = key_file or any_file(files_of, name)
                rows.append((name, out_file, *(where if where != (0, 0) else (line, 0))))
                out_files.append(out_file)
            func[i] = fid
        result.append(func)
    # display names: functions that share a name show their place (analyze.naming)
    return result[0], result[1], unique_labels(rows), out_files


def any_file(files_of, name: str) -> str:
    for side in files_of:
        if name in side and len(side[name]) == 1:
            return next(iter(side[name]))
    return ""
