"""What the V8 formats share: call frames, the node tree and sample timing.

Both ``.cpuprofile`` files and Chrome trace ``ProfileChunk`` events describe a V8 CPU profile:
a tree of nodes (each with a ``callFrame``) and a sequence of samples, each naming the node of
its leaf frame, with time deltas in microseconds. This module turns one such profile into one
thread of a :class:`~flamekit.builder.ProfileBuilder`. Nothing here recurses: the tree is walked
breadth first with an explicit queue, and the per-sample work is numpy. Functions taking
``where`` put it in front of their error messages ("" or e.g. "thread 12, profile 0x1: ").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import FrameKind
from ..sources import Source
from . import v8_bulk
from .v8_nodes import BAD_HITS, MAX_HITS, NO_SCRIPT, V8Nodes

if TYPE_CHECKING:
    from ..sourcemaps import LineMap, SourceMaps

ROOT_NAME = "(root)"
MISSING_FRAMES = "(missing frames)"  # the callers of nodes whose parent was lost
SPECIAL_KINDS = {
    "(program)": FrameKind.NATIVE,
    "(idle)": FrameKind.IDLE,
    "(garbage collector)": FrameKind.GC,
}
_NODE_MODULES = re.compile(r"[/\\]node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def frame_kind(name: str, url: str, script: bool = False) -> tuple[FrameKind, str]:
    """The kind of a V8 call frame and its module (the npm package of a dependency).

    ``script`` tells that the frame belongs to a script (a non-zero ``scriptId``): JavaScript
    without a URL (eval, injected scripts) is user code, not native code.
    """
    special = SPECIAL_KINDS.get(name)
    if special is not None and not url:
        return special, ""
    if not url:
        return (FrameKind.USER if script else FrameKind.NATIVE), ""
    found = _NODE_MODULES.search(url)
    if found:
        return FrameKind.DEPENDENCY, found.group(1).replace("\\", "/")
    if url.startswith("node:"):
        return FrameKind.RUNTIME, ""
    if url.startswith(("file:", "/", "http:", "https:")) or re.match(r"^[A-Za-z]:[/\\]", url):
        return FrameKind.USER, ""
    if not _SCHEME.match(url):
        # Node before 16 named its own modules without a scheme: "internal/timers.js", "events.js"
        return FrameKind.RUNTIME, ""
    # other schemes: chrome-extension:, webpack:, ... belong to the page's code
    return FrameKind.USER, ""


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value:
        return int(value)
    return default


MAX_US = (2**63 - 1) // 1000  # microseconds whose nanoseconds still fit in int64


def _hit_count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return BAD_HITS
    if value != value or not 0 <= value <= MAX_HITS or value != int(value):
        return BAD_HITS
    return int(value)


def check_time_us(value: float | None, what: str, source: Source, where: str) -> None:
    """A timestamp in microseconds whose nanoseconds fit in int64."""
    if value is not None and not -MAX_US <= value <= MAX_US:
        raise source.error(
            f"{where}'{what}' is {value!r}, beyond what 64-bit nanoseconds can hold",
            hint=f"times are microseconds, at most {MAX_US}",
        )


def add_nodes(table: V8Nodes, nodes: Any, source: Source, where: str) -> None:
    """Append a list of node objects (``.cpuprofile`` nodes or a chunk's ``cpuProfile.nodes``)."""
    if not isinstance(nodes, list):
        raise source.error(f"{where}'nodes' is not a list")
    if v8_bulk.add_nodes(table, nodes, _position_ticks):
        return
    index = table.index
    for k, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise source.error(f"{where}node {k} is not an object")
        nid = node.get("id")
        if not isinstance(nid, int) or isinstance(nid, bool):
            raise source.error(f"{where}node {k} has no integer 'id'")
        if not -(2**63) <= nid < 2**63:
            raise source.error(f"{where}node {k} has id {nid}, beyond 64 bits")
        if nid in index:
            raise source.error(f"{where}node id {nid} appears twice")
        call = node.get("callFrame")
        if not isinstance(call, dict):
            raise source.error(f"{where}node {nid} has no 'callFrame' object")
        name = call.get("functionName")
        url = call.get("url")
        name = name if isinstance(name, str) else ""
        url = url if isinstance(url, str) else ""
        line = _int(call.get("lineNumber"), -1) + 1  # V8 counts from 0, -1 for unknown
        column = _int(call.get("columnNumber"), -1) + 1
        script = call.get("scriptId") not in NO_SCRIPT
        index[nid] = len(table.ids)
        table.ids.append(nid)
        table.frame_of.append(table.frame_code((name, url, max(line, 0), max(column, 0), script)))
        table.hits.append(_hit_count(node.get("hitCount")))
        position = node.get("positionTicks")
        if isinstance(position, list) and position:
            table.ticks[len(table.ids) - 1] = _position_ticks(position)
        children = node.get("children")
        if children is not None and not isinstance(children, list):
            raise source.error(f"{where}node {nid} has 'children' that is not a list")
        table.children.append(children)
        table.parent.append(-1)
        par = node.get("parent")
        if par is not None and (not isinstance(par, int) or isinstance(par, bool)):
            raise source.error(f"{where}node {nid} has a non-integer 'parent'")
        table.parent_ids.append(par)


def _position_ticks(items: list) -> list[tuple[int, int]]:
    """(1-based line, ticks) pairs of a node's ``positionTicks``; malformed items are skipped."""
    out = []
    for item in items:
        if isinstance(item, dict):
            line, ticks = _int(item.get("line")), _int(item.get("ticks"))
            if ticks > 0:
                out.append((line, ticks))  # range-checked by the builder
    return out


def add_line_ticks(
    builder: ProfileBuilder,
    table: V8Nodes,
    tree: V8Tree,
    lines: np.ndarray | None = None,
    stacks: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> None:
    """Record where nodes spent their self time: per-sample ``lines`` (Chrome trace chunks,
    weighted by each sample's time) when given, else each node's ``positionTicks``."""
    if lines is not None and stacks is not None and weights is not None:
        if np.any(lines > 0):
            builder.add_line_ticks(stacks, lines, weights)
        return
    if not table.ticks:
        return
    ids = np.asarray(table.ids, dtype=np.int64)
    nodes, line_col, tick_col = [], [], []
    for i, pairs in table.ticks.items():
        pos = int(np.searchsorted(tree.sorted_ids, ids[i]))
        node = int(tree.node_of_sorted[pos])
        if node < 0:
            continue
        for line, ticks in pairs:
            nodes.append(node)
            line_col.append(line)
            tick_col.append(ticks)
    builder.add_line_ticks(nodes, line_col, tick_col)


def map_sources(
    table: V8Nodes, source_maps: SourceMaps | None, builder: ProfileBuilder
) -> LineMap | None:
    """Move the table's call frames and ``positionTicks`` lines to the original code their
    scripts' source maps name (nothing without ``source_maps``)."""
    if source_maps is None:
        return None
    frames = [table.frames[code] for code in table.frame_of]  # one per node, as mapped
    line_map = source_maps.map_frames(frames, builder.warn)
    table.frames.clear()
    table.frame_index.clear()
    table.frame_of[:] = map(table.frame_code, frames)
    mapped = [i for i in table.ticks if line_map.map_of[i] >= 0]
    if mapped:
        counts = [len(table.ticks[i]) for i in mapped]
        nodes = np.repeat(np.asarray(mapped, dtype=np.int64), counts)
        lines = np.fromiter((ln for i in mapped for ln, _ in table.ticks[i]), np.int64, len(nodes))
        new = iter(line_map.lines(nodes, lines).tolist())
        for i in mapped:
            table.ticks[i] = [(next(new), ticks) for _, ticks in table.ticks[i]]
    return line_map


def _node_indices(table: V8Nodes, ids: np.ndarray) -> np.ndarray:
    """Index into the node table of every node id (0 for ids not in it: their samples fail or
    go under MISSING_FRAMES before their lines matter)."""
    unique, inverse = np.unique(ids, return_inverse=True)
    index = table.index
    return np.asarray([index.get(int(u), 0) for u in unique], dtype=np.int64)[inverse]


def link_nodes(table: V8Nodes, source: Source, where: str) -> None:
    """Fill ``parent`` from ``children`` lists and ``parent`` ids, refusing contradictions."""
    if v8_bulk.link_nodes(table):
        return
    index = table.index
    parent = table.parent
    ids = table.ids
    for i, children in enumerate(table.children):
        if not children:
            continue
        for child in children:
            j = index.get(child) if isinstance(child, int) else None
            if j is None:
                raise source.error(
                    f"{where}node {ids[i]} lists child {child!r}, which is not in 'nodes'"
                )
            if parent[j] != -1:
                if parent[j] == i:
                    raise source.error(f"{where}node {ids[i]} lists child {child} twice")
                raise source.error(
                    f"{where}node {child} is listed as a child of both "
                    f"{ids[parent[j]]} and {ids[i]}"
                )
            if j == i:
                raise source.error(f"{where}node {child} lists itself as a child (a cycle)")
            parent[j] = i
    for j, par in enumerate(table.parent_ids):
        if par is None:
            continue
        i = index.get(par)
        if i is None and table.lenient:
            table.orphans.append(j)
            continue
        if i is None:
            raise source.error(f"{where}node {ids[j]} names parent {par}, which is not a node")
        if parent[j] != -1 and parent[j] != i:
            raise source.error(
                f"{where}node {ids[j]} names parent {par} but is a child of {ids[parent[j]]}"
            )
        if i == j:
            raise source.error(f"{where}node {par} is its own parent (a cycle)")
        parent[j] = i


@dataclass
class V8Tree:
    """The nodes of one profile mapped onto the builder's call tree."""

    sorted_ids: np.ndarray  # node ids, ascending
    node_of_sorted: np.ndarray  # builder stack node of sorted_ids[k] (-1 for the root)
    idle_seen: bool


def build_tree(builder: ProfileBuilder, table: V8Nodes, source: Source, where: str) -> V8Tree:
    """Add every node to the builder's call tree, breadth first (roots by index, then each
    node's children by index), without recursion: ``(root)`` is not a frame, its children are
    the tree's roots; a node's frame is made when first met in that order."""
    n = len(table.ids)
    if n == 0:
        raise source.error(f"{where}the profile has no nodes")
    parent = np.asarray(table.parent, dtype=np.int64)
    order, level = v8_bulk.breadth_first(parent)
    if len(order) != n:
        seen = np.zeros(n, dtype=bool)
        seen[order] = True
        stuck = int(np.flatnonzero(~seen)[0])
        raise source.error(
            f"{where}a cycle among the nodes (node {table.ids[stuck]} is not reachable from "
            "the root through 'children'/'parent')"
        )
    frames, codes = table.frames, np.asarray(table.frame_of, dtype=np.int64)
    roots = order[: int(np.count_nonzero(parent < 0))].tolist()
    skipped = [i for i in roots if frames[codes[i]][0] == ROOT_NAME and not frames[codes[i]][1]]
    keep = np.ones(n, dtype=bool)
    keep[skipped] = False
    drawn = order[keep[order]]
    missing = missing_node(builder) if table.orphans else -1
    frame_of, idle_seen = _add_frames(builder, frames, codes, drawn)
    if builder.node_count == 0 and len(roots) == 1 and not table.orphans:
        stack_of = _add_stacks_bulk(builder, parent, frame_of, drawn, level[keep[order]])
    else:
        stack_of = None
    if stack_of is None:
        stack_of = _add_stacks(builder, table, parent, frame_of, drawn, missing)
    ids = np.asarray(table.ids, dtype=np.int64)
    order_by_id = np.argsort(ids)  # ids are distinct: any sort gives the one order
    return V8Tree(ids[order_by_id], stack_of[order_by_id], idle_seen)


def _add_frames(
    builder: ProfileBuilder,
    frames: list[tuple[str, str, int, int, bool]],
    codes: np.ndarray,
    drawn: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """The builder frame of every node (``codes``: its index in ``frames``), frames made in the
    order the ``drawn`` nodes first meet them; and whether one of them is idle."""
    made = np.full(len(frames), -1, dtype=np.int64)
    idle_seen = False
    for code in v8_bulk.first_met(codes[drawn]).tolist():
        name, url, line, column, script = frames[code]
        kind, module = frame_kind(name, url, script)
        idle_seen = idle_seen or kind == FrameKind.IDLE
        made[code] = builder.frame(
            name or "(anonymous)",
            url,
            line=line,
            column=column,
            module=module,
            kind=kind,
            own_line=True,  # a callFrame's position is the function's own
        )
    return made[codes], idle_seen


def _add_stacks_bulk(
    builder: ProfileBuilder,
    parent: np.ndarray,
    frame_of: np.ndarray,
    drawn: np.ndarray,
    level: np.ndarray,
) -> np.ndarray | None:
    """Stack node of every node of a one-root tree added to an empty builder in one step, when
    no two siblings share a frame (so that every drawn node is a new call-tree node); else None.
    ``level``: each drawn node's depth in the V8 tree."""
    up = parent[drawn]
    if not v8_bulk.siblings_distinct(up, frame_of[drawn]):
        return None
    stack_of = np.full(len(parent), -1, dtype=np.int64)
    stack_of[drawn] = np.arange(len(drawn))
    up_stack = np.where(up >= 0, stack_of[np.maximum(up, 0)], -1)
    depth = level - level[0] if len(level) else level  # 1 less below an undrawn (root)
    builder.extend_stacks(up_stack, frame_of[drawn], depth)
    return stack_of


def _add_stacks(
    builder: ProfileBuilder,
    table: V8Nodes,
    parent: np.ndarray,
    frame_of: np.ndarray,
    drawn: np.ndarray,
    missing: int,
) -> np.ndarray:
    """Stack node of every node, added one at a time through the builder's memo (which merges
    siblings with one frame, and nodes of earlier threads)."""
    stack_of = [-1] * len(parent)
    orphan = set(table.orphans)
    parents = parent.tolist()
    stack = builder.stack
    for i, fid in zip(drawn.tolist(), frame_of[drawn].tolist(), strict=True):
        p = parents[i]
        up = missing if i in orphan else (-1 if p < 0 else stack_of[p])
        stack_of[i] = stack(up, fid)
    return np.asarray(stack_of, dtype=np.int64)


MISSING = -2


def missing_node(builder: ProfileBuilder) -> int:
    """The top-level node standing for frames a lossy trace does not have."""
    return builder.stack(-1, builder.frame(MISSING_FRAMES, kind=FrameKind.SYNTHETIC))


def sample_stacks(
    builder: ProfileBuilder,
    tree: V8Tree,
    samples: np.ndarray,
    source: Source,
    where: str,
    lenient: bool = False,
) -> np.ndarray:
    """Builder stack node of every sample, refusing node ids that are not in the tree (with
    ``lenient``, a lossy trace: such samples go under the MISSING_FRAMES node)."""
    if len(samples) == 0:
        return np.zeros(0, dtype=np.int64)
    ids = tree.sorted_ids
    lo, hi = int(ids[0]), int(ids[-1])
    if lo >= 0 and hi < 4 * len(ids) + 4096:
        # ids are small integers (V8 numbers nodes 1, 2, 3, ...): one gather through a table
        table = np.full(hi + 2, MISSING, dtype=np.int64)
        table[ids] = tree.node_of_sorted
        stacks = table[np.clip(samples, -1, hi + 1)]
        bad = stacks == MISSING
    else:
        pos = np.minimum(np.searchsorted(ids, samples), len(ids) - 1)
        stacks = tree.node_of_sorted[pos]
        bad = ids[pos] != samples
    if bad.any() and lenient:
        stacks = np.where(bad, missing_node(builder), stacks)
        bad[:] = False
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise source.error(
            f"{where}sample {k} names node {int(samples[k])}, which is not in 'nodes'"
        )
    if (stacks < 0).any():
        # samples of the (root) node itself: give them a frame so they stay counted
        root = builder.stack(-1, builder.frame(ROOT_NAME, kind=FrameKind.SYNTHETIC))
        stacks = np.where(stacks < 0, root, stacks)
    return stacks


def _warn_lost(builder, table: V8Nodes, tree: V8Tree, ids: np.ndarray, source, where) -> None:
    unknown = int(np.count_nonzero(~np.isin(ids, tree.sorted_ids)))
    if table.orphans or unknown:
        builder.warn(
            f"{source.name}: {where}trace chunks were lost: {len(table.orphans)} nodes whose "
            f"parent never arrived and {unknown} samples of nodes that never arrived are shown "
            f"under '{MISSING_FRAMES}'"
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and abs(value) < 2**64


def _json_kind(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "a boolean"
    if isinstance(value, int):
        return f"{value}, beyond 64 bits"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), "not a number")


def int_array(values: Any, source: Source, what: str) -> np.ndarray:
    """A JSON list of numbers as an int64 array (floats rounded), or an error naming ``what``."""
    if isinstance(values, np.ndarray):
        return values
    if not isinstance(values, list):
        raise source.error(f"'{what}' is not a list")
    try:
        arr = np.array(values)
    except (ValueError, TypeError, OverflowError):
        arr = np.zeros(0, dtype=object)
    if len(values) and (arr.ndim != 1 or arr.dtype.kind not in "iuf"):
        bad = (k for k, v in enumerate(values) if isinstance(v, bool) or not _is_number(v))
        k = next(bad, None)
        at = f" (entry {k} is {_json_kind(values[k])})" if k is not None else ""
        raise source.error(f"'{what}' must be a list of numbers{at}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise source.error(f"'{what}' holds a number that is not finite")
    if len(arr) and arr.dtype.kind in "iuf":
        big = np.flatnonzero(np.abs(arr.astype(np.float64)) > MAX_US)
        if len(big):
            k = int(big[0])
            raise source.error(
                f"'{what}' entry {k} is {values[k]!r}, too large", hint=f"at most {MAX_US}"
            )
    if arr.dtype.kind == "f":
        return np.rint(arr).astype(np.int64)
    return arr.astype(np.int64, copy=False)


@dataclass
class Timing:
    """Sample times and weights in nanoseconds, following the DevTools convention."""

    time_ns: np.ndarray  # since the profile's start
    weight_ns: np.ndarray
    period_ns: int
    negative_deltas: int


def sample_timing(start_us: float, end_us: float, deltas_us: np.ndarray) -> Timing:
    """Times and weights of samples from V8's time deltas (microseconds).

    Sample i happens at ``start + sum(deltas[0..i])``; a negative delta is clamped (the time does
    not run backwards and later samples keep their own times); each sample lasts until the next
    one and the last one until ``end``.
    """
    n = len(deltas_us)
    if n == 0:
        return Timing(np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0)
    negative = int(np.count_nonzero(deltas_us < 0))
    elapsed = np.cumsum(deltas_us, dtype=np.int64)
    if negative:
        np.maximum.accumulate(elapsed, out=elapsed)
    np.maximum(elapsed, 0, out=elapsed)
    elapsed *= 1000  # ns since start
    end_ns = max(round((end_us - start_us) * 1000), int(elapsed[-1]))
    weight = np.empty(n, dtype=np.int64)
    np.subtract(elapsed[1:], elapsed[:-1], out=weight[:-1])
    weight[-1] = end_ns - elapsed[-1]
    period = int(np.median(weight[:-1])) if n > 1 else int(weight[-1])
    return Timing(elapsed, weight, period, negative)


def load_thread(
    builder: ProfileBuilder,
    table: V8Nodes,
    samples: Sequence[int] | np.ndarray | None,
    deltas: Sequence[int] | np.ndarray | None,
    start_us: float | None,
    end_us: float | None,
    source: Source,
    where: str,
    *,
    thread: int,
    base_us: float | None = None,
    lines: Sequence[int] | np.ndarray | None = None,
    columns: Sequence[int] | np.ndarray | None = None,
    source_maps: SourceMaps | None = None,
) -> dict[str, Any]:
    """Import one V8 profile as ``thread``; returns facts for Meta (start, duration, period).

    ``lines``: the source line of each sample (Chrome trace chunks), else the nodes'
    ``positionTicks`` say where their self time went. ``source_maps``: move the frames to the
    original code first (``columns``, the samples' 1-based columns, then map their lines)."""
    line_map = map_sources(table, source_maps, builder)
    tree = build_tree(builder, table, source, where)
    facts: dict[str, Any] = {"idle": tree.idle_seen}
    if samples is not None and deltas is not None and (len(samples) or len(deltas)):
        times = _Times(samples, deltas, start_us, end_us, base_us)
        facts.update(
            _timed(builder, table, tree, source, where, times, thread, lines, columns, line_map)
        )
        return facts
    if samples is not None and len(samples) and deltas is None:
        raise source.error(f"{where}'samples' without 'timeDeltas'")
    facts.update(_hit_counts(builder, table, tree, source, where, start_us, end_us, thread))
    return facts


class _Times(NamedTuple):
    """A V8 profile's sample ids and time deltas (µs), and its start, end and base times."""

    samples: Sequence[int] | np.ndarray
    deltas: Sequence[int] | np.ndarray
    start_us: float | None
    end_us: float | None
    base_us: float | None


def _timed(builder, table, tree, source, where, t: _Times, thread, lines, columns, line_map):
    """Add the samples of a profile with samples and time deltas; facts for Meta."""
    samples, deltas, start_us, end_us, base_us = t
    ids = int_array(samples, source, "samples")
    dts = int_array(deltas, source, "timeDeltas")
    if len(dts) != len(ids):
        longer = "longer" if len(dts) > len(ids) else "shorter"
        raise source.error(
            f"{where}'timeDeltas' ({len(dts)} entries) is {longer} than 'samples' ({len(ids)})",
            hint="each sample needs exactly one time delta",
        )
    stacks = sample_stacks(builder, tree, ids, source, where, table.lenient)
    if table.lenient:
        _warn_lost(builder, table, tree, ids, source, where)
    check_time_us(start_us, "startTime", source, where)
    check_time_us(end_us, "endTime", source, where)
    check_time_us(base_us, "startTime", source, where)
    if float(np.abs(dts).sum(dtype=np.float64)) > MAX_US:
        raise source.error(
            f"{where}'timeDeltas' add up to more than 64-bit nanoseconds can hold",
            hint=f"the deltas are microseconds; together at most {MAX_US}",
        )
    start = float(start_us if start_us is not None else 0)
    end = float(end_us) if end_us is not None else start
    timing = sample_timing(start, end, dts)
    if timing.negative_deltas:
        builder.warn(
            f"{source.name}: {where}{timing.negative_deltas} negative time deltas clamped "
            "(a sample is never earlier than the one before it)"
        )
    offset = 0
    if base_us is not None:
        offset = round((start - base_us) * 1000)
    times = timing.time_ns
    if offset:
        times += offset
    line_arr = None
    if lines is not None and len(lines) == len(ids):
        line_arr = np.maximum(int_array(lines, source, "lines"), 0)
        if line_map is not None:
            cols = None
            if columns is not None and len(columns) == len(ids):
                cols = np.maximum(int_array(columns, source, "columns"), 0)
            line_arr = line_map.lines(_node_indices(table, ids), line_arr, cols)
    add_line_ticks(builder, table, tree, line_arr, stacks, timing.weight_ns)
    builder.add_samples(stacks, timing.weight_ns, times=times, threads=thread, copy=False)
    return {
        "start_ns": round(start * 1000),
        "duration_ns": int(timing.time_ns[-1] + timing.weight_ns[-1]),
        "period_ns": timing.period_ns,
        "timed": True,
    }


def _hit_counts(builder, table, tree, source, where, start_us, end_us, thread) -> dict[str, Any]:
    """Only hit counts: one aggregated sample per node, time estimated from the profile's
    length; facts for Meta."""
    hits = np.asarray(table.hits, dtype=np.int64)
    if np.any(hits == BAD_HITS):
        k = int(np.flatnonzero(hits == BAD_HITS)[0])
        raise source.error(
            f"{where}node {table.ids[k]} has a 'hitCount' that is not a whole number >= 0",
            hint="hit counts count samples: 0, 1, 2, ...",
        )
    check_time_us(start_us, "startTime", source, where)
    check_time_us(end_us, "endTime", source, where)
    total_hits = int(hits.sum())
    if total_hits == 0:
        return {"timed": False}
    duration_ns = 0
    if start_us is not None and end_us is not None and end_us > start_us:
        duration_ns = round((end_us - start_us) * 1000)
    period = duration_ns // total_hits if duration_ns else 0
    have = np.flatnonzero(hits)
    node_ids = np.asarray(table.ids, dtype=np.int64)[have]
    stacks = sample_stacks(builder, tree, node_ids, source, where)
    if period:
        builder.warn(
            f"{source.name}: the profile has no samples/timeDeltas, only hit counts: times are "
            f"estimates ({total_hits} hits spread evenly over "
            f"{duration_ns / 1e6:.1f} ms)"
        )
        weights = hits[have] * period
    else:
        builder.warn(
            f"{source.name}: the profile has no samples/timeDeltas and no duration: weights are "
            "hit counts, not times"
        )
        weights = hits[have]
    add_line_ticks(builder, table, tree)
    builder.add_samples(stacks, weights, threads=thread)
    return {
        "start_ns": round((start_us or 0) * 1000),
        "duration_ns": duration_ns,
        "period_ns": period,
        "timed": False,
        "estimated": True,
        "unit_samples": not period,
    }
