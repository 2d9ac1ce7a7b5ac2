"""One source map, parsed once: its resolved sources, names and sorted segments.

Lookups follow the reference consumers (``@jridgewell/trace-mapping``, ``source-map``): the
segment at the greatest column at or before the asked one on the same generated line (the
first of equal columns when one is exactly at it), none when that segment has no source.
``sourceRoot`` is put before each source and sources resolve against the map's own URL; an
index map's ``sections`` are flattened, each cut where the next one starts.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import numpy as np

from ..core.builder import MAX_POSITION
from .vlq import MappingsError, Segments, decode

MAX_SECTION_DEPTH = 8


class MapError(ValueError):
    """A map that cannot be used (bad JSON shape, bad VLQ, a source index out of range)."""


@dataclass(frozen=True)
class SourceMap:
    """Segments sorted by generated (line, column), with resolved sources."""

    sources: list[str]
    names: list[str]
    key: np.ndarray  # generated line << 32 | column, ascending
    source: np.ndarray
    original_line: np.ndarray  # 0-based
    original_column: np.ndarray  # 0-based
    name: np.ndarray  # -1 for none

    def find(self, line: np.ndarray, column: np.ndarray) -> np.ndarray:
        """Segment index for each 0-based (line, column), -1 where nothing maps."""
        line = np.asarray(line, dtype=np.int64)
        column = np.asarray(column, dtype=np.int64)
        if not len(self.key):
            return np.full(len(line), -1, dtype=np.int64)
        query = (line << 32) | column
        below = np.searchsorted(self.key, query, side="right") - 1
        safe = np.maximum(below, 0)
        exact = (below >= 0) & (self.key[safe] == query)
        index = np.where(exact, np.searchsorted(self.key, query, side="left"), below)
        safe = np.maximum(index, 0)
        ok = (index >= 0) & (line >= 0) & (column >= 0)
        ok &= ((self.key[safe] >> 32) == line) & (self.source[safe] >= 0)
        return np.where(ok, index, -1)

    def just_before(self, line: np.ndarray, column: np.ndarray) -> np.ndarray:
        """The last segment strictly before each 0-based (line, column) on its line, -1 for
        none: where a function's name is, the function's position being just after it (the
        parameters of an arrow function, the '(' of any other)."""
        line = np.asarray(line, dtype=np.int64)
        column = np.asarray(column, dtype=np.int64)
        if not len(self.key):
            return np.full(len(line), -1, dtype=np.int64)
        index = np.searchsorted(self.key, (line << 32) | column, side="left") - 1
        ok = (index >= 0) & ((self.key[np.maximum(index, 0)] >> 32) == line)
        return np.where(ok, index, -1)

    def first_on_line(self, line: np.ndarray) -> np.ndarray:
        """The first segment with a source on each 0-based generated line, -1 for none."""
        line = np.asarray(line, dtype=np.int64)
        with_source = np.flatnonzero(self.source >= 0)
        if not len(with_source):
            return np.full(len(line), -1, dtype=np.int64)
        keys = self.key[with_source]
        pos = np.minimum(np.searchsorted(keys, line << 32, side="left"), len(keys) - 1)
        ok = (keys[pos] >> 32) == line
        return np.where(ok, with_source[pos], -1)


def _resolver(map_url: str, source_root: Any):
    """Resolve a ``sources`` entry as the reference does: ``sourceRoot + '/'`` in front, then
    against the directory of the map's URL."""
    prefix = f"{source_root}/" if isinstance(source_root, str) and source_root else ""
    base = map_url

    def resolve(entry: Any) -> str:
        text = prefix + (entry if isinstance(entry, str) else "")
        return _normalize(urljoin(base, text)) if base else _normalize(text)

    return resolve


def _normalize(url: str) -> str:
    """Remove '.' and '..' segments and doubled slashes from a URL's path."""
    parts = urlsplit(url)
    path = parts.path
    if not path:
        return url
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if path.endswith("/") and not norm.endswith("/"):
        norm += "/"
    if norm == ".":
        norm = ""
    return urlunsplit(parts._replace(path=norm))


def parse(doc: Any, map_url: str) -> SourceMap:
    """A parsed map from its JSON document; ``map_url`` is where the map lives (for sources)."""
    parts = _flatten(doc, map_url, 0)
    sources: list[str] = []
    names: list[str] = []
    columns: list[list[np.ndarray]] = [[] for _ in range(6)]
    for seg, srcs, nms in parts:
        base_s, base_n = len(sources), len(names)
        sources.extend(srcs)
        names.extend(nms)
        cols = (
            seg.line,
            seg.column,
            np.where(seg.source >= 0, seg.source + base_s, -1),
            seg.original_line,
            seg.original_column,
            np.where(seg.name >= 0, seg.name + base_n, -1),
        )
        for acc, col in zip(columns, cols, strict=True):
            acc.append(col)
    line, column, source, oline, ocol, name = (
        np.concatenate(c) if c else np.zeros(0, np.int64) for c in columns
    )
    key = (line << 32) | column
    order = np.argsort(key, kind="stable")  # unsorted lines are sorted, as the reference does
    return SourceMap(
        sources, names, key[order], source[order], oline[order], ocol[order], name[order]
    )


def _flatten(doc: Any, map_url: str, depth: int) -> list[tuple[Segments, list[str], list[str]]]:
    if not isinstance(doc, dict):
        raise MapError("the map is not a JSON object")
    if "sections" in doc:
        return _sections(doc, map_url, depth)
    mappings = doc.get("mappings")
    sources = doc.get("sources")
    if not isinstance(mappings, str):
        raise MapError("the map has no 'mappings' string")
    if not isinstance(sources, list):
        raise MapError("the map has no 'sources' list")
    names = doc.get("names") or []
    if not isinstance(names, list):
        raise MapError("'names' is not a list")
    try:
        seg = decode(mappings)
    except MappingsError as exc:
        raise MapError(f"bad 'mappings': {exc}") from None
    _check_ranges(seg, len(sources), len(names))
    resolve = _resolver(map_url, doc.get("sourceRoot"))
    resolved = [resolve(s) for s in sources]
    return [(seg, resolved, [n if isinstance(n, str) else "" for n in names])]


def _check_ranges(seg: Segments, nsources: int, nnames: int) -> None:
    if not len(seg):
        return
    if int(seg.source.max()) >= nsources:
        raise MapError(
            f"a segment names source {int(seg.source.max())}, but 'sources' has {nsources}"
        )
    if int(seg.name.max()) >= nnames:
        raise MapError(f"a segment names name {int(seg.name.max())}, but 'names' has {nnames}")
    has = seg.source >= 0
    low = min(
        int(seg.column.min()),
        int(seg.source[has].min(initial=0)),
        int(seg.original_line[has].min(initial=0)),
        int(seg.original_column[has].min(initial=0)),
        int(seg.name[seg.name != -1].min(initial=0)),
    )
    if low < 0:
        raise MapError("a segment has a negative position or index")
    high = max(
        int(seg.line.max()),
        int(seg.column.max()),
        int(seg.original_line.max()),
        int(seg.original_column.max()),
    )
    if high >= MAX_POSITION:  # stored 1-based, at most MAX_POSITION
        raise MapError(f"a segment has position {high}, beyond {MAX_POSITION - 1}")


def _sections(doc: dict, map_url: str, depth: int) -> list[tuple[Segments, list[str], list[str]]]:
    if depth >= MAX_SECTION_DEPTH:
        raise MapError("index maps nested too deeply")
    sections = doc.get("sections")
    if not isinstance(sections, list):
        raise MapError("'sections' is not a list")
    offsets = []
    for k, section in enumerate(sections):
        offset = section.get("offset") if isinstance(section, dict) else None
        line = offset.get("line") if isinstance(offset, dict) else None
        column = offset.get("column") if isinstance(offset, dict) else None
        whole = (isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, column))
        if not all(whole):
            raise MapError(f"section {k} has no 'offset' with whole 'line' and 'column'")
        if "map" not in section:
            raise MapError(f"section {k} has no 'map' (sections by 'url' are not supported)")
        offsets.append((line, column))
    out = []
    for k, section in enumerate(sections):
        line0, col0 = offsets[k]
        stop = offsets[k + 1] if k + 1 < len(offsets) else None
        for seg, srcs, nms in _flatten(section["map"], map_url, depth + 1):
            out.append((_shift(seg, line0, col0, stop), srcs, nms))
    return out


def _shift(seg: Segments, line0: int, col0: int, stop: tuple[int, int] | None) -> Segments:
    """A section's segments moved by its offset (the column only on its first line) and cut
    where the next section starts."""
    line = seg.line + line0
    column = seg.column + np.where(seg.line == 0, col0, 0)
    keep = np.ones(len(line), dtype=bool)
    if stop is not None:
        keep = (line < stop[0]) | ((line == stop[0]) & (column < stop[1]))
    return Segments(
        line[keep],
        column[keep],
        seg.source[keep],
        seg.original_line[keep],
        seg.original_column[keep],
        seg.name[keep],
    )
