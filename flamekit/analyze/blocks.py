"""Synchronous blocks: the long stretches in which a thread never went idle.

A *block* is a maximal run of consecutive non-idle samples on one thread in which no two
neighbouring samples are further apart than ``max_gap``. A sample is idle when its stack holds a
frame of kind :attr:`~flamekit.model.FrameKind.IDLE` (V8's ``(idle)``); a stretch with no samples
at all is idle too. That is the event loop's point of view: while a block runs, it cannot poll.

Choices worth knowing:

* V8's ``(program)`` samples (native VM work with no JavaScript on the stack) are *not* idle and
  do not end a block. The thread is busy and the loop is not polling while they run; they count
  in the ``native`` area of the block they fall in. A stretch of them alone is a block like any
  other, with ``(program)`` as its entry.
* Garbage collection is part of the block it interrupts (``gc`` area).
* ``max_gap`` defaults to twice the median sampling interval where the format does not mark idle
  time (a stretch without samples is then the only sign of idleness). Where it does (V8), the
  default is no limit: V8 samples idle time as ``(idle)``, so a stretch without samples is ticks
  the profiler lost, not idleness. Its sampling thread starves on a busy machine; recordings here
  lost up to 13 ms (Node) and 87 ms (Chrome) of ticks in the middle of one busy loop. The report
  says how many such stretches it bridged; ``max_gap`` set explicitly applies to every format.
* Each sample stands for the instant it was taken; a block is taken to start half an interval
  before its first sample and to end half an interval after its last (never beyond its idle
  neighbours), so its duration is ``last - first + interval`` for regular sampling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..errors import InputError, UsageError
from ..model import FrameKind, Profile, Stacks
from ..tree import children_csr, levels, subtree_sums
from .weights import function_table

GroupBy = Literal["entry", "hot"]

AREAS = ("user", "dependency", "runtime", "native", "gc", "other")
_AREA_OF_KIND = {
    FrameKind.USER: "user",
    FrameKind.DEPENDENCY: "dependency",
    FrameKind.RUNTIME: "runtime",
    FrameKind.NATIVE: "native",
    FrameKind.KERNEL: "native",
    FrameKind.JIT: "native",
    FrameKind.GC: "gc",
}
#: area index (into AREAS) of every FrameKind value
AREA_OF_KIND = np.array(
    [AREAS.index(_AREA_OF_KIND.get(FrameKind(k), "other")) for k in range(len(FrameKind))],
    dtype=np.int64,
)

DEFAULT_THRESHOLD_NS = 10_000_000

_RECORD = (
    "record a timestamped profile: node --cpu-prof, a Chrome performance trace, "
    "py-spy record --format chrometrace, or perf record followed by perf script"
)
#: what to do instead, by the source format of a profile without timestamps
TIMESTAMP_HINTS = {
    "folded": "folded stacks carry no times; " + _RECORD,
    "pyspy": "py-spy's raw format carries no times; record with py-spy record --format chrometrace",
    "speedscope": "sampled speedscope profiles (such as py-spy --format speedscope) carry no "
    "times; " + _RECORD,
    "perf": "this perf script output has no time field; run perf script without -F, or with -F "
    "including time",
}
_GENERIC_HINT = _RECORD


@dataclass(frozen=True)
class FrameRef:
    """One frame as the report shows it."""

    name: str
    file: str
    line: int
    kind: str

    @property
    def area(self) -> str:
        """The code area (one of AREAS) of this frame's kind."""
        return AREAS[int(AREA_OF_KIND[int(FrameKind[self.kind.upper()])])]

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "line": self.line, "kind": self.kind}


@dataclass(frozen=True, eq=False)
class Block:
    """One synchronous block at or over the threshold."""

    thread: int
    thread_label: str
    start_ns: int
    duration_ns: int
    samples: int
    entry: FrameRef | None
    entry_function: int  # function id (see weights.function_table), -1 when there is none
    hottest: FrameRef | None
    hottest_function: int
    areas: dict[str, float]  # share of the block's weight per code area, summing to 1
    stack: tuple[FrameRef, ...]  # the heaviest stack, root first
    sample_ids: np.ndarray = field(repr=False)  # indices into profile.samples

    @property
    def end_ns(self) -> int:
        return self.start_ns + self.duration_ns


@dataclass(frozen=True)
class BlockGroup:
    """The blocks that share an entry (or a hottest) function: one bubble of the report."""

    key: int  # function id, -1 for blocks without one
    name: str
    location: str
    blocks: tuple[int, ...]  # indices into BlockReport.blocks
    total_ns: int
    area_ns: dict[str, float]  # blocked time per code area

    @property
    def count(self) -> int:
        return len(self.blocks)

    @property
    def area(self) -> str:
        """The code area holding most of the group's time."""
        return max(AREAS, key=lambda a: (self.area_ns[a], -AREAS.index(a)))


@dataclass(frozen=True, eq=False)
class BlockReport:
    """Everything the blocks report shows."""

    blocks: list[Block]  # sorted by start
    below_threshold: int
    longest_ns: int  # the longest block including those below the threshold (0: none)
    threshold_ns: int
    max_gap_ns: int | None  # None: no limit (the profile marks idle time)
    interval_ns: int
    profile_ns: int
    idle_marker: bool
    notes: list[str]
    group_by: GroupBy = "entry"
    groups: list[BlockGroup] = field(default_factory=list)  # by total time, longest first
    all_durations_ns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def count_over(self, limit_ns: int) -> int:
        """How many blocks (reported or not) last longer than ``limit_ns``."""
        return int(np.count_nonzero(self.all_durations_ns > limit_ns))


# -- per-node facts, computed once per profile ---------------------------------------------------


def _outermost(profile: Profile, mask_of_frame: np.ndarray) -> np.ndarray:
    """For every call-tree node, the outermost node on its path whose frame is in the mask."""
    stacks = profile.stacks
    n = len(stacks)
    own = np.where(mask_of_frame[stacks.frame], np.arange(n), -1)
    out = own.copy()
    parent = stacks.parent
    for level in levels(stacks)[1:]:
        inherited = out[parent[level]]
        out[level] = np.where(inherited >= 0, inherited, own[level])
    return out


def _node_facts(profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(idle, entry node, fallback entry node) per call-tree node."""

    def compute():
        kind = profile.frames.kind
        idle_frame = kind == FrameKind.IDLE
        idle = _outermost(profile, idle_frame) >= 0
        entry = _outermost(profile, (kind == FrameKind.USER) | (kind == FrameKind.DEPENDENCY))
        real = (kind != FrameKind.SYNTHETIC) & ~idle_frame
        fallback = _outermost(profile, real)
        return idle, entry, fallback

    return profile.cached("blocks_node_facts", compute)


# -- detection -------------------------------------------------------------------------------------


def require_times(profile: Profile, path: str) -> None:
    """Raise a clear error when ``profile`` has no sample timestamps."""
    if profile.has_times:
        return
    fmt = profile.meta.source_format
    hint = TIMESTAMP_HINTS.get(fmt, _GENERIC_HINT)
    raise InputError(
        path,
        f"the blocks report needs a profile with timestamps and this {fmt} profile has none",
        hint=hint,
    )


def median_interval(profile: Profile) -> int:
    """The median time between consecutive samples of a thread (ns), or the nominal period."""
    time = profile.samples.time
    if time is None or len(time) < 2:
        return int(profile.meta.period_ns)
    thread = profile.samples.thread
    order = np.lexsort((time, thread))
    t = time[order]
    th = thread[order]
    diff = np.diff(t)
    same = th[1:] == th[:-1]
    diffs = diff[same & (diff > 0)]
    if len(diffs) == 0:
        return int(profile.meta.period_ns)
    return int(np.median(diffs))


def default_max_gap(profile: Profile, interval: int) -> int | None:
    """Twice the sampling interval; no limit (None) where the profile marks idle time."""
    if profile.meta.has_idle_marker:
        return None
    return 2 * interval


def find_blocks(
    profile: Profile,
    *,
    threshold_ns: int = DEFAULT_THRESHOLD_NS,
    max_gap_ns: int | None = None,
    group_by: GroupBy = "entry",
) -> BlockReport:
    """Find the synchronous blocks of a timestamped profile (see the module docstring)."""
    if profile.samples.time is None:
        raise UsageError("the blocks report needs a profile with timestamps")
    if threshold_ns < 0:
        raise UsageError("--threshold must not be negative")
    interval = median_interval(profile)
    notes: list[str] = []
    if interval <= 0:
        interval = 1_000_000
        notes.append("the sampling interval is unknown; 1 ms is assumed")
    if max_gap_ns is None:
        max_gap_ns = default_max_gap(profile, interval)
    elif max_gap_ns <= 0:
        raise UsageError("--max-gap must be positive")
    limit = np.iinfo(np.int64).max if max_gap_ns is None else max_gap_ns

    time = profile.samples.time
    thread = profile.samples.thread
    n = len(time)
    idle_node, _, _ = _node_facts(profile)
    order = np.lexsort((time, thread))
    t = time[order]
    th = thread[order]
    idle = idle_node[profile.samples.stack[order]] if n else np.zeros(0, dtype=bool)

    busy_pos = np.flatnonzero(~idle)
    if len(busy_pos):
        bt = t[busy_pos]
        bth = th[busy_pos]
        new = np.ones(len(busy_pos), dtype=bool)
        new[1:] = (
            (bth[1:] != bth[:-1])
            | (busy_pos[1:] != busy_pos[:-1] + 1)  # an idle sample in between
            | (bt[1:] - bt[:-1] > limit)
        )
        first = busy_pos[new]
        last = np.r_[busy_pos[np.flatnonzero(new)[1:] - 1], busy_pos[-1]]
    else:
        first = last = np.zeros(0, dtype=np.int64)
    if len(busy_pos) > 1:
        inside = ~new[1:] & (bt[1:] - bt[:-1] > 2 * interval)
        if np.any(inside):
            longest = int((bt[1:] - bt[:-1])[inside].max())
            notes.append(
                f"the profiler lost ticks: {int(inside.sum())} stretches without samples "
                f"(the longest {longest / 1e6:.1f} ms) inside busy runs were bridged, since the "
                f"thread never reported idle there (--max-gap sets the limit)"
            )

    half = interval // 2
    # neighbours on the same thread bound how far a block can extend
    prev_t = np.where((first > 0) & (th[np.maximum(first - 1, 0)] == th[first]), t[first - 1], -1)
    nxt = np.minimum(last + 1, n - 1)
    next_t = np.where((last + 1 < n) & (th[nxt] == th[last]), t[nxt], -1)
    lead = np.where(prev_t >= 0, np.minimum(half, (t[first] - prev_t) // 2), half)
    trail = np.where(next_t >= 0, np.minimum(half, (next_t - t[last]) // 2), half)
    starts = np.maximum(t[first] - lead, 0)
    ends = t[last] + trail
    durations = ends - starts

    profile_ns = int(profile.meta.duration_ns) or (int(t.max()) + interval if n else 0)
    keep = np.flatnonzero(durations >= threshold_ns)
    keep = keep[np.lexsort((th[first[keep]], starts[keep]))]
    blocks = [
        _describe(profile, order[first[i] : last[i] + 1], int(starts[i]), int(durations[i]))
        for i in keep
    ]
    notes.extend(_coverage_notes(profile, t, th, first, durations, interval))
    if not profile.meta.has_idle_marker:
        notes.append(
            f"{profile.meta.source_format} profiles do not mark idle time: only gaps of more "
            f"than {limit / 1e6:.3g} ms without samples count as idle"
        )
    report = BlockReport(
        blocks=blocks,
        below_threshold=int(len(first) - len(keep)),
        longest_ns=int(durations.max()) if len(durations) else 0,
        threshold_ns=int(threshold_ns),
        max_gap_ns=max_gap_ns,
        interval_ns=int(interval),
        profile_ns=profile_ns,
        idle_marker=bool(profile.meta.has_idle_marker),
        notes=notes,
        group_by=group_by,
        all_durations_ns=durations.astype(np.int64),
    )
    return _with_groups(profile, report, group_by)


def _coverage_notes(profile, t, th, first, durations, interval) -> list[str]:
    """Say plainly when a thread never went idle: the whole thread is one block."""
    notes = []
    for thread in np.unique(th):
        mine = np.flatnonzero(th[first] == thread)
        if len(mine) != 1:
            continue
        span = t[th == thread]
        if durations[mine[0]] < 0.9 * (span[-1] - span[0] + interval):
            continue
        label = profile.thread_label(int(thread)) or f"thread {int(thread)}"
        notes.append(
            f"{label} never went idle: its whole recording "
            f"({durations[mine[0]] / 1e6:.1f} ms) is one synchronous block"
        )
    return notes


def _frame_ref(profile: Profile, frame: int) -> FrameRef:
    fr = profile.frames
    return FrameRef(
        name=profile.strings[fr.name[frame]],
        file=profile.strings[fr.file[frame]],
        line=int(fr.line[frame]),
        kind=FrameKind(int(fr.kind[frame])).label,
    )


def _heaviest(weights: np.ndarray, keys: np.ndarray) -> int:
    """The key with the largest summed weight (ties: the smallest key); -1 when all keys are -1."""
    valid = keys >= 0
    if not np.any(valid):
        return -1
    uniq, inv = np.unique(keys[valid], return_inverse=True)
    sums = np.bincount(inv, weights=weights[valid].astype(np.float64))
    return int(uniq[int(np.argmax(sums))])


def _describe(profile: Profile, ids: np.ndarray, start: int, duration: int) -> Block:
    """Entry, hottest frame, areas and heaviest stack of the samples ``ids``."""
    _, entry_node, fallback_node = _node_facts(profile)
    functions = function_table(profile).of_frame
    stacks = profile.stacks
    leaf = profile.samples.stack[ids]
    w = profile.samples.weight[ids].astype(np.float64)
    if not w.sum():
        w = np.ones(len(ids))
    leaf_frame = stacks.frame[leaf]

    entries = entry_node[leaf]
    if not np.any(entries >= 0):
        entries = fallback_node[leaf]
    entry_nodes_fn = np.where(entries >= 0, functions[stacks.frame[np.maximum(entries, 0)]], -1)
    entry_fn = _heaviest(w, entry_nodes_fn)
    entry = None
    if entry_fn >= 0:
        # the frame of that function that carries most weight (lines differ between sites)
        pick = entry_nodes_fn == entry_fn
        entry = _frame_ref(profile, _heaviest(w[pick], stacks.frame[entries[pick]]))

    hot_fn = _heaviest(w, functions[leaf_frame])
    pick = functions[leaf_frame] == hot_fn
    hottest = _frame_ref(profile, _heaviest(w[pick], leaf_frame[pick]))

    area_w = np.bincount(
        AREA_OF_KIND[profile.frames.kind[leaf_frame]], weights=w, minlength=len(AREAS)
    )
    areas = {a: float(area_w[i] / area_w.sum()) for i, a in enumerate(AREAS)}

    tree = local_tree(profile, ids)
    stack = tuple(_frame_ref(profile, int(f)) for f in tree.heaviest_path_frames())
    th = int(profile.samples.thread[ids[0]])
    return Block(
        thread=th,
        thread_label=profile.thread_label(th) or f"thread {th}",
        start_ns=start,
        duration_ns=duration,
        samples=len(ids),
        entry=entry,
        entry_function=entry_fn,
        hottest=hottest,
        hottest_function=hot_fn,
        areas=areas,
        stack=stack,
        sample_ids=ids,
    )


def _with_groups(profile: Profile, report: BlockReport, group_by: GroupBy) -> BlockReport:
    table = function_table(profile)
    by_key: dict[int, list[int]] = {}
    for i, b in enumerate(report.blocks):
        key = b.entry_function if group_by == "entry" else b.hottest_function
        by_key.setdefault(key, []).append(i)
    groups = []
    for key, members in by_key.items():
        first = report.blocks[members[0]]
        ref = first.entry if group_by == "entry" else first.hottest
        if key >= 0:
            name = profile.strings[table.name[key]]
            file = profile.strings[table.file[key]]
            line = int(table.line[key])
            location = f"{file}:{line}" if file and line else file
        else:
            name, location = "(no entry)", ""
        if ref is not None and key >= 0:
            location = ref.location or location
        total = sum(report.blocks[i].duration_ns for i in members)
        area_ns = {
            a: float(sum(report.blocks[i].areas[a] * report.blocks[i].duration_ns for i in members))
            for a in AREAS
        }
        groups.append(BlockGroup(key, name, location, tuple(members), int(total), area_ns))
    groups.sort(key=lambda g: (-g.total_ns, g.name, g.location, g.key))
    return dataclasses.replace(report, groups=groups)


# -- the merged call tree of a set of samples ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LocalTree:
    """The part of the call tree that a set of samples touches, with their weights."""

    nodes: np.ndarray  # global node ids, ascending (so parent < child holds locally too)
    stacks: Stacks  # local trie: parent indices are local
    self_weight: np.ndarray
    total_weight: np.ndarray

    def heaviest_path(self) -> list[int]:
        """Local node ids from a root down, always following the heaviest child."""
        child_ids, start = children_csr(self.stacks)
        path: list[int] = []
        slot = 0  # the virtual root's children
        while True:
            kids = child_ids[start[slot] : start[slot + 1]]
            if len(kids) == 0:
                return path
            totals = self.total_weight[kids]
            best = int(kids[int(np.argmax(totals))])
            if totals.max() <= 0:
                return path
            path.append(best)
            slot = best + 1

    def heaviest_path_frames(self) -> list[int]:
        return [int(self.stacks.frame[i]) for i in self.heaviest_path()]


def local_tree(profile: Profile, sample_ids: np.ndarray) -> LocalTree:
    """The merged call tree of the samples ``sample_ids`` (no recursion; cost ~ its size)."""
    parent_list = profile.cached("parent_list", lambda: profile.stacks.parent.tolist())
    leaves = profile.samples.stack[sample_ids]
    seen: set[int] = set()
    for leaf in np.unique(leaves).tolist():
        node = leaf
        while node >= 0 and node not in seen:
            seen.add(node)
            node = parent_list[node]
    nodes = np.array(sorted(seen), dtype=np.int64)
    gparent = profile.stacks.parent[nodes]
    lparent = np.where(gparent >= 0, np.searchsorted(nodes, np.maximum(gparent, 0)), -1)
    stacks = Stacks(
        parent=lparent.astype(np.int32),
        frame=profile.stacks.frame[nodes],
        depth=profile.stacks.depth[nodes],
    )
    w = profile.samples.weight[sample_ids].astype(np.float64)
    self_w = np.bincount(np.searchsorted(nodes, leaves), weights=w, minlength=len(nodes))
    total = subtree_sums(stacks, self_w).astype(np.float64)
    return LocalTree(nodes, stacks, self_w, total)
