"""pprof's functions, mappings and locations, checked and turned into flamekit frames.

A location is an address in a mapping (a binary); once symbolized it has one line per function
it stands for, the innermost (inlined) first. Each line becomes a frame; a location without
lines becomes one native frame named by its address, as ``go tool pprof`` shows it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import FrameKind
from ..errors import InputError

Fail = Callable[[str], InputError]


class Strings:
    """The profile's string table with checked lookups."""

    def __init__(self, table: Sequence[str], fail: Fail) -> None:
        if not len(table):
            raise fail('the string table is empty (a pprof profile\'s first string is "")')
        if table[0] != "":
            raise fail(f'the string table starts with {table[0][:40]!r}, not with ""')
        self.table = list(table)
        self._fail = fail

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.table):
            raise self._fail(f"string index {index} is outside the string table")
        return self.table[index]

    def check(self, indices: np.ndarray, what: str) -> None:
        """Fail if any of ``indices`` is outside the table."""
        if len(indices) and (indices.min() < 0 or indices.max() >= len(self.table)):
            bad = int(indices[(indices < 0) | (indices >= len(self.table))][0])
            raise self._fail(f"{what} refers to string {bad}, outside the string table")

    def ids_of(self, text: str) -> np.ndarray:
        """Every index holding ``text`` (a table may repeat a string)."""
        return np.array([i for i, s in enumerate(self.table) if s == text], dtype=np.int64)


def _by_id(items, kind: str, fail: Fail) -> dict[int, object]:
    out: dict[int, object] = {}
    for item in items:
        if item.id == 0:
            raise fail(f"a {kind} has id 0, which pprof reserves")
        if item.id in out:
            raise fail(f"two {kind}s have id {item.id}")
        out[item.id] = item
    return out


def _function_keys(functions: dict, strings: Strings) -> dict[int, tuple[str, str, int]]:
    """(shown name, file, start line) per function id. A function is its name, system name,
    file and start line: where two differ only in their system name, those show it."""
    full = {
        fid: (strings[f.name], strings[f.system_name], strings[f.filename], int(f.start_line))
        for fid, f in functions.items()
    }
    seen: dict[tuple[str, str, int], set[str]] = {}
    for name, system, file, start in full.values():
        seen.setdefault((name or system, file, start), set()).add(system)
    keys = {}
    for fid, (name, system, file, start) in full.items():
        shown = name or system
        if len(seen[(shown, file, start)]) > 1 and system:
            shown = system
        if start < 0:
            raise strings._fail(f"function {shown[:60]!r} has start line {start}")
        keys[fid] = (shown, file, start)
    return keys


def location_frames(msg, strings: Strings, builder: ProfileBuilder, fail: Fail):
    """Sorted location ids and, per location (same order), its frame ids innermost first."""
    functions = _by_id(msg.function, "function", fail)
    mappings = _by_id(msg.mapping, "mapping", fail)
    keys = _function_keys(functions, strings)
    modules = {mid: strings[m.filename] for mid, m in mappings.items()}
    locations = sorted(_by_id(msg.location, "location", fail).items())
    frames: list[list[int]] = []
    for lid, loc in locations:
        module = ""
        if loc.mapping_id:
            if loc.mapping_id not in modules:
                raise fail(f"location {lid} refers to mapping {loc.mapping_id}, which is missing")
            module = modules[loc.mapping_id]
        ids = []
        for line in loc.line:
            key = keys.get(line.function_id)
            if key is None:
                raise fail(
                    f"location {lid} refers to function {line.function_id}, which is missing"
                )
            name, file, start = key
            # a column is the function's own where the writer gives one (V8: flamekit, Node)
            frame = builder.frame(
                name, file, line=start, column=int(line.column), module=module, own_line=True
            )
            ids.append(frame)
        if not ids:  # not symbolized: the address, in its binary
            name = f"0x{loc.address:x}"
            if module:
                name = f"{name} ({os.path.basename(module)})"
            ids.append(builder.frame(name, module=module, kind=FrameKind.NATIVE))
        frames.append(ids)
    return np.array([lid for lid, _ in locations], dtype=np.uint64), frames
