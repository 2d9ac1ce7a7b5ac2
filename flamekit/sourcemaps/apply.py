"""V8 call frames moved to the original code their scripts' source maps name, at import time.

A V8 call frame carries its function's own position (where the function starts in the
generated script); that position is looked up in the script's map, giving the original file,
line and column, and the original name where the map has one for a named function (a minified
``p`` becomes ``sortHeavy``). Frames of one original function so become one function. The lines
of line-level time (``positionTicks``, a trace's per-sample lines) map too: a sample's exact
position where a trace gives its column, else the function's own line as the function does and
any other line through the first mapping on it; kept only when it lands in the function's
original file. Frames no map covers keep their generated position.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from ..errors import UsageError
from .locate import Found, find_map, script_path
from .mapfile import MapError, SourceMap, parse

Frame = tuple[str, str, int, int, bool]  # name, url, 1-based line, 1-based column, script


@dataclass
class LineMap:
    """How the lines of each node's function map (by index into the node table)."""

    maps: list[SourceMap]
    map_of: np.ndarray  # index into maps, -1 where the function was not mapped
    source_of: np.ndarray  # the function's original source (index into its map's sources)
    own_line: np.ndarray  # the function's generated line (1-based)
    original_line: np.ndarray  # the function's original line (1-based)

    def lines(
        self, nodes: np.ndarray, lines: np.ndarray, columns: np.ndarray | None = None
    ) -> np.ndarray:
        """Original lines of generated 1-based ``lines`` run by the functions of ``nodes``;
        0 where a line has no mapping in the function's original file. With 1-based
        ``columns`` (a trace's samples; 0 for none) the position itself is mapped, else the
        first mapping on the line (minified code puts a whole function on one line)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        out = np.asarray(lines, dtype=np.int64).copy()
        which = self.map_of[nodes]
        for k, smap in enumerate(self.maps):
            sel = np.flatnonzero(which == k)
            if not len(sel):
                continue
            node, line = nodes[sel], out[sel]
            seg = smap.first_on_line(line - 1)
            if columns is not None:
                col = np.asarray(columns, dtype=np.int64)[sel]
                at = smap.find(line - 1, np.maximum(col - 1, 0))
                seg = np.where((col > 0) & (at >= 0), at, seg)
            safe = np.maximum(seg, 0)
            same_file = (seg >= 0) & (smap.source[safe] == self.source_of[node])
            mapped = np.where(same_file, smap.original_line[safe] + 1, 0)
            own = line == self.own_line[node]
            if columns is not None:
                own &= ~((col > 0) & (at >= 0))  # an exact position beats the function's line
            mapped = np.where(own, self.original_line[node], mapped)
            out[sel] = np.where(line > 0, mapped, 0)
        return out


@dataclass
class SourceMaps:
    """The source-map settings of one command and the maps it has read, each read once."""

    dirs: tuple[str, ...] = ()
    frames: int = 0  # script frames seen since the last summary
    mapped: int = 0  # of which mapped
    used: set[int] = field(default_factory=set)  # maps that mapped a frame since the summary
    failed: dict[str, str] = field(default_factory=dict)  # map -> why it could not be used
    new_failures: int = 0  # of which since the last summary
    _by_script: dict[str, SourceMap | None] = field(default_factory=dict, repr=False)
    _by_map: dict[tuple[str, str], SourceMap | None] = field(default_factory=dict, repr=False)

    def map_of(self, url: str, warn: Callable[[str], None]) -> SourceMap | None:
        """The parsed map of a script URL (None without a usable one); failures warn once."""
        if url in self._by_script:
            return self._by_script[url]
        found = find_map(url, self.dirs)
        smap = None if found is None else self._read(found, url, warn)
        self._by_script[url] = smap
        return smap

    def _read(self, found: Found, url: str, warn: Callable[[str], None]) -> SourceMap | None:
        key = (found.path or found.label, found.map_url)
        if key in self._by_map:
            return self._by_map[key]
        smap = None
        try:
            if found.missing:
                raise MapError(found.missing)
            data = found.inline
            if data is None:
                with open(found.path or "", "rb") as fh:
                    data = fh.read()
            try:
                doc = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise MapError(f"not valid JSON ({exc})") from None
            smap = parse(doc, found.map_url)
        except (OSError, MapError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if found.label not in self.failed:
                self.failed[found.label] = why
                self.new_failures += 1
                warn(
                    f"source map {found.label}: {why}; the frames of {url} keep their "
                    "generated positions"
                )
        self._by_map[key] = smap
        return smap

    def map_frames(self, frames: list[Frame], warn: Callable[[str], None]) -> LineMap:
        """Rewrite ``frames`` (a V8 node table's call frames) in place to original positions."""
        n = len(frames)
        lm = LineMap(
            [],
            np.full(n, -1, np.int64),
            np.full(n, -1, np.int64),
            np.zeros(n, np.int64),
            np.zeros(n, np.int64),
        )
        by_url: dict[str, list[int]] = {}
        for i, frame in enumerate(frames):
            if frame[1] and frame[2] > 0:
                by_url.setdefault(frame[1], []).append(i)
        for url, indices in by_url.items():
            smap = self.map_of(url, warn)
            if smap is None and not _may_have_map(url):
                continue
            idx = np.asarray(indices, dtype=np.int64)
            line = np.fromiter((frames[i][2] for i in indices), np.int64, len(idx))
            column = np.fromiter((frames[i][3] for i in indices), np.int64, len(idx))
            self.frames += _distinct(line, column)
            if smap is not None:
                self.mapped += self._map_script(frames, idx, line, column, smap, url, lm)
        return lm

    def _map_script(
        self,
        frames: list[Frame],
        idx: np.ndarray,
        line: np.ndarray,
        column: np.ndarray,
        smap: SourceMap,
        url: str,
        lm: LineMap,
    ) -> int:
        """Map the frames ``idx`` (at 1-based ``line``, ``column``) of one script; returns how
        many distinct frames mapped."""
        gen_column = np.maximum(column - 1, 0)
        seg = smap.find(line - 1, gen_column)
        hit = seg >= 0
        if not hit.any():
            return 0
        self.used.add(id(smap))
        seg, idx, line = seg[hit], idx[hit], line[hit]
        named = smap.just_before(line - 1, gen_column[hit])
        # a named function takes the original name the map gives its name; an anonymous one
        # stays anonymous (the name at its own position is a parameter's)
        name_ids = np.where(named >= 0, smap.name[np.maximum(named, 0)], -1).tolist()
        source = smap.source[seg]
        original_line = smap.original_line[seg] + 1
        lm.map_of[idx] = len(lm.maps)
        lm.maps.append(smap)
        lm.source_of[idx] = source
        lm.own_line[idx] = line
        lm.original_line[idx] = original_line
        as_path = script_path(url) == url  # a path-named script keeps paths, not file:// URLs
        files = [_as_path(s) if as_path else s for s in smap.sources]
        names = smap.names
        columns = (smap.original_column[seg] + 1).tolist()
        for i, src, oline, ocol, n in zip(
            idx.tolist(), source.tolist(), original_line.tolist(), columns, name_ids, strict=True
        ):
            name, _url, _line, _col, script = frames[i]
            new_name = names[n] if name and n >= 0 and names[n] else name
            frames[i] = (new_name, files[src], oline, ocol, script)
        return _distinct(line, column[hit])

    def summary(self) -> str:
        """One line on what was mapped since the last summary."""
        if not self.frames and not self.new_failures:
            return (
                "source maps: no script frames to map (source maps apply to V8 profiles: "
                ".cpuprofile files and Chrome traces)"
            )
        maps = len(self.used)
        line = (
            f"source maps: {self.mapped} of {self.frames} script frames mapped from "
            f"{maps} map{'s' if maps != 1 else ''}"
        )
        if self.new_failures:
            line += f"; {self.new_failures} could not be used"
        self.frames = self.mapped = self.new_failures = 0
        self.used = set()
        return line


def _distinct(line: np.ndarray, column: np.ndarray) -> int:
    """How many distinct positions (one per function of a script)."""
    return len(np.unique((line << 32) | column))


def _may_have_map(url: str) -> bool:
    """A script a map could be looked for (a file or web URL, not Node's own modules)."""
    return script_path(url) is not None or url.startswith(("http://", "https://"))


def _as_path(url: str) -> str:
    path = script_path(url) if url.startswith("file:") else None
    return path if path is not None else url


def from_options(options: Any) -> SourceMaps | None:
    """The :class:`SourceMaps` an importer's options ask for (``source_maps``, and the
    directories of ``source_map_dir``, which imply it), None when they ask for none."""
    if not hasattr(options, "get"):
        return None
    value = options.get("source_maps")
    if isinstance(value, SourceMaps):
        return value
    dirs = options.get("source_map_dir") or ()
    dirs = (dirs,) if isinstance(dirs, str | os.PathLike) else tuple(dirs)
    if not (value or dirs):
        return None
    for folder in dirs:
        if not os.path.isdir(folder):
            raise UsageError(
                f"--source-map-dir {os.fspath(folder)}: no such directory",
                hint="give a directory holding the scripts or their .map files",
            )
    maps = SourceMaps(dirs=tuple(os.fspath(d) for d in dirs))
    if hasattr(options, "__setitem__"):
        options["source_maps"] = maps  # the other inputs of one load share it
    return maps
