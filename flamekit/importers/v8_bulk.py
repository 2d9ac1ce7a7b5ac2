"""The V8 node table in bulk: columns, links and tree order without a Python step per node.

A node-heavy profile (deep recursion, many call paths) has tens of thousands of nodes; a Python
loop that checks, links and adds each one costs several times what parsing their JSON did. Here
every column is taken out of the parsed node objects by C-level passes (``map`` over ``dict.get``,
``zip``) whose types are checked once per column, and the links and the breadth-first order are
numpy. Each function returns False or None, leaving everything untouched, as soon as the input is
anything but the plain shape; the caller then runs the careful per-node code and its precise error
messages, so results and errors never depend on which path ran.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter, is_not, itemgetter
from typing import Any

import numpy as np
import orjson

from ..core.tree import has_repeats, stable_argsort
from .v8_nodes import BAD_HITS, MAX_HITS, NO_SCRIPT, V8Nodes

MAX_POSITION = 2**31 - 1
_ID = itemgetter("id")
_CALL_FRAME = itemgetter("callFrame")
_FRAME_FIELDS = itemgetter("functionName", "url", "lineNumber", "columnNumber", "scriptId")
# the same fields of a typed node record (flamekit.importers.v8_typed.Node)
_ID_FIELD = attrgetter("id")
_FRAME_FIELD = attrgetter("callFrame")
_HITS_FIELD = attrgetter("hitCount")
_CHILDREN_FIELD = attrgetter("children")
_PARENT_FIELD = attrgetter("parent")
_TICKS_FIELD = attrgetter("positionTicks")


def _column(items: list, key: str, default: Any = None) -> list:
    """``item.get(key, default)`` of every item (TypeError when one is not a dict)."""
    return list(map(dict.get, items, repeat(key), repeat(default)))


def _types(values: list) -> set[type]:
    return set(map(type, values))


def _int64(values: list) -> np.ndarray | None:
    """The list (of Python ints) as int64, or None when one does not fit."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return None


def _frame_row(raw: tuple) -> tuple[str, str, int, int, bool] | None:
    """A call frame's (name, url, line, column, script) as the per-node code makes it from
    (functionName, url, lineNumber, columnNumber, scriptId); None when a field is unusual."""
    name, url, line, column, script = raw
    if type(name) is not str or type(url) is not str:
        return None
    if type(line) is not int or type(column) is not int:
        return None
    if not (-1 <= line < MAX_POSITION and -1 <= column < MAX_POSITION):
        return None  # the per-node code names the frame whose position is out of range
    return name, url, max(line + 1, 0), max(column + 1, 0), script not in NO_SCRIPT


def _raw_frame_row(text: bytes) -> tuple[str, str, int, int, bool] | None:
    """:func:`_frame_row` of a call frame given as its JSON text."""
    try:
        return _frame_row(_FRAME_FIELDS(orjson.loads(text)))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None  # not JSON a plain parse takes, not an object, or a field missing


@dataclass(frozen=True, eq=False)
class _Frames:
    """The distinct call frames of some nodes: each one's row and first node, and per node
    the first node with its call frame."""

    rows: list[tuple[str, str, int, int, bool]]
    first: Collection[int]
    seen: list[int]


def _frames(keys: list, row_of: Callable) -> _Frames | None:
    """The nodes' call frames, from a hashable key per node (equal keys: equal call frames)
    and ``row_of`` that makes a key's row (None when it is unusual). Each distinct key is
    converted once."""
    first: dict = {}  # key -> the first node that has it
    try:
        seen = list(map(first.setdefault, keys, range(len(keys))))
    except TypeError:
        return None  # an unhashable field (list, object)
    rows = list(map(row_of, first))
    if None in rows:
        return None
    return _Frames(rows, first.values(), seen)


def _heads(nodes: list) -> tuple[list, list, list] | None:
    """(ids, call frames, hit counts) of every node, or None."""
    try:
        ids = list(map(_ID, nodes))
        calls = list(map(_CALL_FRAME, nodes))
    except (KeyError, TypeError):
        return None
    hits = _column(nodes, "hitCount", 0)
    if _types(ids) != {int} or not _types(hits) <= {int}:
        return None
    return ids, calls, hits


@dataclass(frozen=True, eq=False)
class _Columns:
    """The fields of some nodes, one list each (``ticks``: the (line, ticks) pairs of each
    node that has some, by position)."""

    ids: list
    frames: _Frames
    hits: list
    children: list
    parents: list
    ticks: dict[int, list[tuple[int, int]]]


def add_nodes(
    table: V8Nodes, nodes: list, position_ticks: Callable[[list], list[tuple[int, int]]]
) -> bool:
    """Append plain node objects to ``table`` as the per-node code would (``position_ticks``
    reads a node's non-empty ``positionTicks`` list); False (and the table unchanged) when any
    node is unusual."""
    heads = _heads(nodes) if len(nodes) else None
    if heads is None:
        return False
    ids, calls, hits = heads
    try:
        keys = list(map(_FRAME_FIELDS, calls))
    except (KeyError, TypeError):
        return False  # not a plain call frame
    frames = _frames(keys, _frame_row)
    if frames is None:
        return False
    children = _column(nodes, "children")
    parents = _column(nodes, "parent")
    if not _types(children) <= {list, type(None)} or not _types(parents) <= {int, type(None)}:
        return False
    ticks = _column(nodes, "positionTicks")
    found = {
        k: position_ticks(ticks[k])
        for k in compress(range(len(nodes)), ticks)
        if isinstance(ticks[k], list)
    }
    return _add_columns(table, _Columns(ids, frames, hits, children, parents, found))


def _record_ticks(items: list) -> list[tuple[int, int]]:
    """What ``v8._position_ticks`` makes of the same entries, from typed records."""
    return [(t.line, t.ticks) for t in items if t.ticks > 0]


def add_decoded(table: V8Nodes, nodes: list) -> bool:
    """:func:`add_nodes` for the node records of :mod:`.v8_typed` (their call frames as raw
    JSON text): the same table whenever :func:`add_nodes` would take the plain objects the text
    holds, else False (and the table unchanged)."""
    if not nodes:
        return False
    ids = list(map(_ID_FIELD, nodes))
    hits = list(map(_HITS_FIELD, nodes))
    frames = _frames(list(map(bytes, map(_FRAME_FIELD, nodes))), _raw_frame_row)
    if frames is None:
        return False
    ticks = list(map(_TICKS_FIELD, nodes))
    found = {k: _record_ticks(ticks[k]) for k in compress(range(len(nodes)), ticks)}
    columns = _Columns(
        ids, frames, hits, list(map(_CHILDREN_FIELD, nodes)), list(map(_PARENT_FIELD, nodes)), found
    )
    return _add_columns(table, columns)


def _add_columns(table: V8Nodes, cols: _Columns) -> bool:
    """Append checked node columns and their call frames to ``table``; False (and the table
    unchanged) when ids repeat or a number is out of range."""
    n = len(cols.ids)
    id_arr, hit_arr = _int64(cols.ids), _int64(cols.hits)
    base = len(table.ids)
    index = dict(zip(cols.ids, range(base, base + n), strict=True))
    if (
        id_arr is None
        or hit_arr is None
        or len(index) != n
        or not index.keys().isdisjoint(table.index.keys())  # views: the smaller is walked
    ):
        return False
    bad_hits = (hit_arr < 0) | (hit_arr > MAX_HITS)
    frames = cols.frames
    code_of = dict(zip(frames.first, map(table.frame_code, frames.rows), strict=True))
    table.ids.extend(cols.ids)
    table.frame_of.extend(map(code_of.__getitem__, frames.seen))
    hits = np.where(bad_hits, BAD_HITS, hit_arr).tolist() if bad_hits.any() else cols.hits
    table.hits.extend(hits)
    table.children.extend(cols.children)
    table.parent.extend(repeat(-1, n))
    table.parent_ids.extend(cols.parents)
    table.index.update(index)
    for k, pairs in cols.ticks.items():
        table.ticks[base + k] = pairs
    return True


def _id_lookup(ids: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A function from wanted (distinct) ids to their index in ``ids`` and whether each was
    found: a table gather when the ids are small non-negative numbers (V8 numbers its nodes
    1, 2, 3, ...), else a binary search."""
    n = len(ids)
    low, high = int(ids.min()), int(ids.max())
    if low >= 0 and high < 4 * n + 4096:
        where = np.full(high + 2, -1, dtype=np.int64)  # the last slot: any id out of range
        where[ids] = np.arange(n)

        def gather(wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            at = where[np.where((wanted >= 0) & (wanted <= high), wanted, high + 1)]
            return at, at >= 0

        return gather
    order = np.argsort(ids)  # ids are distinct: any sort gives the one order
    sorted_ids = ids[order]

    def search(wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.minimum(np.searchsorted(sorted_ids, wanted), n - 1)
        return order[pos], sorted_ids[pos] == wanted

    return search


def _flat_children(kid_lists: list) -> tuple[np.ndarray, np.ndarray] | None:
    """(how many children each node lists, all of them in order) or None when one is not an
    integer of 64 bits."""
    if type(None) in _types(kid_lists):
        kid_lists = [k if k is not None else () for k in kid_lists]
    counts = np.fromiter(map(len, kid_lists), dtype=np.int64, count=len(kid_lists))
    flat = list(chain.from_iterable(kid_lists))
    if flat and _types(flat) != {int}:
        return None
    kids = _int64(flat)
    return None if kids is None else (counts, kids)


def _parents_from_ids(table: V8Nodes, lookup, parent: np.ndarray) -> list[int] | None:
    """Fill ``parent`` from the nodes' ``parent`` ids (Chrome trace nodes); the orphans (lenient
    tables) or None when a link is broken or contradicts the children lists."""
    n = len(parent)
    if table.parent_ids.count(None) == n:
        return []
    has = np.fromiter(map(is_not, table.parent_ids, repeat(None)), dtype=bool, count=n)
    pids = _int64(list(compress(table.parent_ids, has)))
    if pids is None:
        return None
    nodes = np.flatnonzero(has)
    up, found = lookup(pids)
    orphans: list[int] = []
    if not found.all():
        if not table.lenient:
            return None
        orphans = nodes[~found].tolist()
        nodes, up = nodes[found], up[found]
    if np.any(up == nodes) or np.any((parent[nodes] != -1) & (parent[nodes] != up)):
        return None
    parent[nodes] = up
    return orphans


def link_nodes(table: V8Nodes) -> bool:
    """Fill ``table.parent`` from the children lists and parent ids; False (table unchanged)
    when any link is broken or contradictory."""
    n = len(table.ids)
    if n == 0 or set(table.parent) != {-1}:
        return False
    lookup = _id_lookup(np.array(table.ids, dtype=np.int64))
    flat = _flat_children(table.children)
    if flat is None:
        return False
    counts, kids = flat
    parent = np.full(n, -1, dtype=np.int64)
    if len(kids):
        child, found = lookup(kids)
        owner = np.repeat(np.arange(n), counts)
        if not found.all() or np.any(child == owner) or np.bincount(child, minlength=n).max() > 1:
            return False
        parent[child] = owner
    orphans = _parents_from_ids(table, lookup, parent)
    if orphans is None:
        return False
    table.parent[:] = parent.tolist()
    table.orphans.extend(orphans)
    return True


def breadth_first(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nodes in breadth-first order (roots by index, then each node's children by index)
    and each one's depth. Nodes on a cycle are not reachable from a root and left out. A wide
    level takes a few numpy steps, a narrow one (deep recursion) a short Python loop."""
    n = len(parent)
    by_parent = stable_argsort(parent + 1)  # roots first, then children grouped by parent
    rooted = int(np.count_nonzero(parent < 0))
    grouped = by_parent[rooted:]
    bounds = np.searchsorted(parent[grouped], np.arange(n + 1))
    kids, edges = grouped.tolist(), bounds.tolist()
    order: list[int] = []
    sizes: list[int] = []
    current = by_parent[:rooted].tolist()
    while current:
        order.extend(current)
        sizes.append(len(current))
        if len(current) < 64:
            after: list[int] = []
            for i in current:
                after.extend(kids[edges[i] : edges[i + 1]])
            current = after
            continue
        at = np.asarray(current)
        first = bounds[at]
        count = bounds[at + 1] - first
        total = int(count.sum())
        skip = np.repeat(first - (np.cumsum(count) - count), count)
        current = grouped[skip + np.arange(total)].tolist()
    return np.asarray(order, dtype=np.int64), np.repeat(np.arange(len(sizes)), sizes)


def first_met(codes: np.ndarray) -> np.ndarray:
    """The distinct values of ``codes`` (small non-negative integers) in the order they first
    occur."""
    if len(codes) == 0:
        return codes[:0]
    first = np.full(int(codes.max()) + 1, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    met = np.flatnonzero(first < len(codes))
    return met[np.argsort(first[met])]


def siblings_distinct(parent: np.ndarray, frame: np.ndarray) -> bool:
    """No two children of one node have the same frame (so no nodes merge in the builder)."""
    return not has_repeats((parent + 1) * (int(frame.max(initial=0)) + 1) + frame)
