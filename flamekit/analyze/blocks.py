"""Synchronous blocks: the long stretches in which a thread never went idle.

A *block* is a maximal run of consecutive non-idle samples on one thread with no gap longer than
``max_gap`` between them. A sample is idle when its leaf frame is idle (:mod:`flamekit.core.idle`:
kind :attr:`~flamekit.model.FrameKind.IDLE`, V8's ``(idle)``); a longer stretch that no sample
covers is idle too. That is the event loop's point of view: while a block runs, it cannot poll.

Choices worth knowing:

* V8's ``(program)`` samples (native VM work with no JavaScript on the stack) are *not* idle and
  do not end a block. The thread is busy and the loop is not polling while they run; they count
  in the ``native`` area of the block they fall in. A stretch of them alone is a block like any
  other, with ``(program)`` as its entry.
* Garbage collection is part of the block it interrupts (``gc`` area).
* A sample covers the time from its timestamp on for its weight where weights are times (V8:
  until the next sample, as DevTools counts it; py-spy chrometrace: the interval its stack was
  seen), else for one sampling interval. A *gap* is time covered by no sample; ``max_gap``
  defaults to twice the median sampling interval. So ticks V8 lost in a busy loop (its sampling
  thread starves on a busy machine: 5-15 ms in Node, up to 87 ms in a Chrome trace here) do
  not split a block, and the report notes them.
* A block starts at its first sample and ends where its last sample's coverage ends.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .. import defaults
from ..core.idle import idle_frames, idle_nodes
from ..core.model import FrameKind, Profile
from ..core.tree import children_csr, levels, preorder
from ..core.weights import function_table
from ..display import ShowsAsHTML
from ..errors import UsageError
from ..units import ms_of
from . import timeline
from .naming import function_label_of_frames, function_labels
from .timeline import median_interval

GroupBy = Literal["entry", "hot", "auto"]
# with group_by="auto", an entry holding more than this share of the blocked time makes the
# bubbles go by hottest function (one bubble per entry would be one giant circle)
DOMINANT_SHARE = 0.5

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

_AREA_OF_LABEL = {k.label: AREAS[int(AREA_OF_KIND[int(k)])] for k in FrameKind}

DEFAULT_THRESHOLD_NS = defaults.BLOCKS_THRESHOLD_NS


@dataclass(frozen=True)
class FrameRef:
    """One frame as the report shows it."""

    name: str
    file: str
    line: int
    kind: str
    label: str = ""  # display name, unique in the profile (analyze.naming)
    column: int = 0

    @property
    def area(self) -> str:
        """The code area (one of AREAS) of this frame's kind."""
        return _AREA_OF_LABEL[self.kind]

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label or self.name,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
        }


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
    stack: tuple[FrameRef, ...]  # the heaviest stack (root first, into the heaviest child)
    sample_ids: np.ndarray = field(repr=False)  # indices into profile.samples

    @property
    def end_ns(self) -> int:
        return self.start_ns + self.duration_ns

    def to_dict(self) -> dict:
        return {
            "thread": self.thread_label,
            "start_ms": ms_of(self.start_ns),
            "duration_ms": ms_of(self.duration_ns),
            "samples": self.samples,
            "entry": (self.entry.label or self.entry.name) if self.entry else None,
            "hottest": (self.hottest.label or self.hottest.name) if self.hottest else None,
            "areas": {a: round(self.areas[a], 4) for a in AREAS},
            "stack": [f.to_dict() for f in self.stack],
        }


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
class BlockReport(ShowsAsHTML):
    """Everything the blocks report shows."""

    blocks: list[Block]  # sorted by start
    below_threshold: int
    longest_ns: int  # the longest block including those below the threshold (0: none)
    threshold_ns: int
    max_gap_ns: int
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

    def to_dict(self) -> dict:
        """The stable JSON form: thresholds, profile length, blocks by start, the count below."""
        return {
            "threshold_ms": ms_of(self.threshold_ns),
            "profile_ms": ms_of(self.profile_ns),
            "blocks": [b.to_dict() for b in self.blocks],
            "below_threshold": self.below_threshold,
            "interval_ms": ms_of(self.interval_ns) if self.interval_ns > 0 else None,
            "max_gap_ms": ms_of(self.max_gap_ns),
            "idle_marker": self.idle_marker,
            "notes": list(self.notes),
        }


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
        idle_frame = idle_frames(profile)
        idle = idle_nodes(profile)
        entry = _outermost(profile, (kind == FrameKind.USER) | (kind == FrameKind.DEPENDENCY))
        real = (kind != FrameKind.SYNTHETIC) & ~idle_frame
        fallback = _outermost(profile, real)
        return idle, entry, fallback

    return profile.cached("blocks_node_facts", compute)


# -- detection -------------------------------------------------------------------------------------


def require_times(profile: Profile, path: str) -> None:
    """Raise a clear error, naming ``path``, when ``profile`` has no sample timestamps."""
    timeline.require_times(profile, "the blocks report needs a profile with timestamps", path)


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
    measured = interval = median_interval(profile)
    notes: list[str] = []
    if interval <= 0:
        interval = timeline.FALLBACK_INTERVAL_NS
        if profile.meta.rows_are_intervals:
            notes.append(
                "the profile records when its stack changed, not each sample: it holds no "
                "sampling interval, and gaps are measured against 1 ms"
            )
        else:
            notes.append("the sampling interval is unknown; 1 ms is assumed")
    if max_gap_ns is None:
        max_gap_ns = 2 * interval
    elif max_gap_ns <= 0:
        raise UsageError("--max-gap must be positive")

    time = profile.samples.time
    thread = profile.samples.thread
    n = len(time)
    idle_node, _, _ = _node_facts(profile)
    order = np.lexsort((time, thread))
    t = time[order]
    th = thread[order]
    idle = idle_node[profile.samples.stack[order]] if n else np.zeros(0, dtype=bool)
    # what each sample covers: its weight where weights are times, else one interval; never
    # beyond the next sample of its thread
    if profile.unit == "nanoseconds":
        cover = profile.samples.weight[order].astype(np.int64)
    else:
        cover = np.full(n, interval, dtype=np.int64)
    end_t = t + cover
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = th[1:] == th[:-1]
    end_t[:-1] = np.where(same_next[:-1], np.minimum(end_t[:-1], t[1:]), end_t[:-1])

    busy_pos = np.flatnonzero(~idle)
    if len(busy_pos):
        bth = th[busy_pos]
        new = np.ones(len(busy_pos), dtype=bool)
        new[1:] = (
            (bth[1:] != bth[:-1])
            | (busy_pos[1:] != busy_pos[:-1] + 1)  # an idle sample in between
            | (t[busy_pos[1:]] - end_t[busy_pos[:-1]] > max_gap_ns)
        )
        first = busy_pos[new]
        last = np.r_[busy_pos[np.flatnonzero(new)[1:] - 1], busy_pos[-1]]
    else:
        first = last = np.zeros(0, dtype=np.int64)
    if profile.meta.period_ns and len(busy_pos):
        # samples standing for several ticks: the profiler's sampling thread fell behind
        long = cover[busy_pos] > 2 * max(profile.meta.period_ns, interval)
        if np.any(long):
            notes.append(
                f"the profiler missed ticks: {int(long.sum())} busy samples stand for more than "
                f"two sampling intervals (the longest {cover[busy_pos][long].max() / 1e6:.1f} "
                f"ms); their time is counted to the stack sampled before the gap"
            )

    profile_ns = int(profile.meta.duration_ns) or (int(end_t.max()) if n else 0)
    if profile.meta.duration_ns:
        np.minimum(end_t, max(profile_ns, int(t.max()) if n else 0), out=end_t)
    starts = t[first]
    durations = end_t[last] - starts

    keep = np.flatnonzero(durations >= threshold_ns)
    keep = keep[np.lexsort((th[first[keep]], starts[keep]))]
    blocks = _describe_all(profile, order, first[keep], last[keep], starts[keep], durations[keep])
    notes.extend(_coverage_notes(profile, t, end_t, th, first, durations))
    if not profile.meta.has_idle_marker:
        notes.append(
            f"{profile.meta.source_format} profiles do not mark idle time: only gaps of more "
            f"than {max_gap_ns / 1e6:.3g} ms without samples count as idle"
        )
    report = BlockReport(
        blocks=blocks,
        below_threshold=int(len(first) - len(keep)),
        longest_ns=int(durations.max()) if len(durations) else 0,
        threshold_ns=int(threshold_ns),
        max_gap_ns=max_gap_ns,
        interval_ns=int(measured),
        profile_ns=profile_ns,
        idle_marker=bool(profile.meta.has_idle_marker),
        notes=notes,
        group_by="entry" if group_by == "auto" else group_by,
        all_durations_ns=durations.astype(np.int64),
    )
    grouped = _with_groups(profile, report, report.group_by)
    if group_by == "auto":
        return _auto_groups(profile, grouped)
    return grouped


def _auto_groups(profile: Profile, by_entry: BlockReport) -> BlockReport:
    """Bubbles by hottest function when one entry holds most of the blocked time and its
    blocks have more than one hottest function; else the report grouped by entry."""
    blocked = sum(g.total_ns for g in by_entry.groups)
    top = by_entry.groups[0] if by_entry.groups else None
    if top is None or top.total_ns <= DOMINANT_SHARE * blocked:
        return by_entry
    if len({by_entry.blocks[i].hottest_function for i in top.blocks}) < 2:
        return by_entry
    share = 100.0 * top.total_ns / blocked
    note = (
        f"one entry, {top.name}, holds {share:.0f}% of the blocked time: the bubbles are by "
        "hottest function (--group-by entry for one per entry)"
    )
    by_hot = dataclasses.replace(by_entry, group_by="hot", notes=[*by_entry.notes, note])
    return _with_groups(profile, by_hot, "hot")


def _coverage_notes(profile, t, end_t, th, first, durations) -> list[str]:
    """Say plainly when a thread never went idle: the whole thread is one block."""
    notes = []
    for thread in np.unique(th):
        mine = np.flatnonzero(th[first] == thread)
        if len(mine) != 1:
            continue
        on_thread = th == thread
        span = end_t[on_thread].max() - t[on_thread].min()
        if durations[mine[0]] < 0.9 * span:
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
        label=function_label_of_frames(profile)[frame],
        column=int(fr.column[frame]) if fr.owns_line()[frame] else 0,
    )


def _argmax_by(block: np.ndarray, key: np.ndarray, w: np.ndarray, nblocks: int) -> np.ndarray:
    """Per block, the key with the largest summed weight (ties: smallest key); -1 for none."""
    out = np.full(nblocks, -1, dtype=np.int64)
    valid = key >= 0
    if not np.any(valid):
        return out
    blk, k = block[valid], key[valid].astype(np.int64)
    combined = blk * (int(k.max()) + 1) + k
    uniq, inv = np.unique(combined, return_inverse=True)
    sums = np.bincount(inv, weights=w[valid])
    ublk = uniq // (int(k.max()) + 1)
    ukey = uniq % (int(k.max()) + 1)
    best = np.lexsort((ukey, -sums, ublk))
    firsts = best[np.r_[True, ublk[best][1:] != ublk[best][:-1]]]
    out[ublk[firsts]] = ukey[firsts]
    return out


def _heaviest_paths(profile: Profile, block, leaf, w, nblocks: int) -> list[np.ndarray]:
    """Per block, the heaviest stack: from the root, always into the child with most weight.

    All blocks descend together, one level per step. A child's weight in a block is a range sum
    over the block's samples sorted by their leaves' preorder index, so no per-block tree is
    built. Ties go to the older (smaller) node.
    """
    stacks = profile.stacks
    n = len(stacks)
    tin, tout = profile.cached("preorder", lambda: preorder(stacks))
    child_ids, start = profile.cached("children_csr", lambda: children_csr(stacks))
    span = n + 1
    key = block.astype(np.int64) * span + tin[leaf]
    order = np.argsort(key, kind="stable")
    skey = key[order]
    cum = np.r_[0.0, np.cumsum(w[order])]
    current = np.full(nblocks, -1, dtype=np.int64)  # -1: the virtual root above the roots
    active = np.arange(nblocks)
    step_blocks, step_nodes = [], []
    while len(active):
        slot = current[active] + 1
        counts = start[slot + 1] - start[slot]
        cand_block = np.repeat(active, counts)
        first = np.repeat(start[slot] - np.cumsum(np.r_[0, counts[:-1]]), counts)
        cand = child_ids[first + np.arange(len(cand_block))]
        lo = np.searchsorted(skey, cand_block * span + tin[cand], "left")
        hi = np.searchsorted(skey, cand_block * span + tout[cand], "right")
        weight = cum[hi] - cum[lo]
        ok = weight > 0
        cand_block, cand, weight = cand_block[ok], cand[ok], weight[ok]
        if len(cand) == 0:
            break
        best = np.lexsort((cand, -weight, cand_block))
        firsts = best[np.r_[True, cand_block[best][1:] != cand_block[best][:-1]]]
        active = cand_block[firsts]
        current[active] = cand[firsts]
        step_blocks.append(active)
        step_nodes.append(cand[firsts])
    if not step_blocks:
        return [np.zeros(0, dtype=np.int64) for _ in range(nblocks)]
    blocks = np.concatenate(step_blocks)
    nodes = np.concatenate(step_nodes)
    by_block = np.argsort(blocks, kind="stable")  # steps stay in order within a block
    bounds = np.searchsorted(blocks[by_block], np.arange(nblocks + 1))
    nodes = nodes[by_block]
    return [nodes[bounds[b] : bounds[b + 1]] for b in range(nblocks)]


def _describe_all(profile, order, first, last, starts, durations) -> list[Block]:
    """Entry, hottest frame, areas and heaviest stack of every block, in one vectorized pass."""
    nb = len(first)
    if nb == 0:
        return []
    _, entry_node, fallback_node = _node_facts(profile)
    functions = function_table(profile).of_frame
    stacks = profile.stacks
    counts = last - first + 1
    block = np.repeat(np.arange(nb), counts)
    pos = np.repeat(first - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
    ids = order[pos]
    leaf = profile.samples.stack[ids]
    w = profile.samples.weight[ids].astype(np.float64)
    wsum = np.bincount(block, weights=w, minlength=nb)
    if np.any(wsum <= 0):  # weightless samples: count them instead
        unweighted = (wsum <= 0)[block]
        w = np.where(unweighted, 1.0, w)
        wsum = np.bincount(block, weights=w, minlength=nb)
    leaf_frame = stacks.frame[leaf]

    entries = entry_node[leaf]
    has_entry = np.bincount(block, weights=(entries >= 0), minlength=nb) > 0
    entries = np.where(has_entry[block], entries, fallback_node[leaf])
    entry_frame = np.where(entries >= 0, stacks.frame[np.maximum(entries, 0)], -1)
    entry_fn_of_sample = np.where(entries >= 0, functions[np.maximum(entry_frame, 0)], -1)
    entry_fn = _argmax_by(block, entry_fn_of_sample, w, nb)
    pick = (entry_fn_of_sample == entry_fn[block]) & (entry_fn_of_sample >= 0)
    entry_frame = _argmax_by(block, np.where(pick, entry_frame, -1), w, nb)

    leaf_fn = functions[leaf_frame]
    hot_fn = _argmax_by(block, leaf_fn, w, nb)
    hot_frame = _argmax_by(block, np.where(leaf_fn == hot_fn[block], leaf_frame, -1), w, nb)

    area_w = np.bincount(
        block * len(AREAS) + AREA_OF_KIND[profile.frames.kind[leaf_frame]],
        weights=w,
        minlength=nb * len(AREAS),
    ).reshape(nb, len(AREAS))
    shares = area_w / wsum[:, None]

    paths = _heaviest_paths(profile, block, leaf, w, nb)
    sample_starts = np.r_[0, np.cumsum(counts)[:-1]]
    threads = profile.samples.thread[ids[sample_starts]]
    refs: dict[int, FrameRef] = {}

    def ref(frame: int) -> FrameRef | None:
        if frame < 0:
            return None
        found = refs.get(frame)
        if found is None:
            found = refs[frame] = _frame_ref(profile, frame)
        return found

    out = []
    for i in range(nb):
        th = int(threads[i])
        out.append(
            Block(
                thread=th,
                thread_label=profile.thread_label(th) or f"thread {th}",
                start_ns=int(starts[i]),
                duration_ns=int(durations[i]),
                samples=int(counts[i]),
                entry=ref(int(entry_frame[i])),
                entry_function=int(entry_fn[i]),
                hottest=ref(int(hot_frame[i])),
                hottest_function=int(hot_fn[i]),
                areas={a: float(shares[i, k]) for k, a in enumerate(AREAS)},
                stack=tuple(ref(int(f)) for f in stacks.frame[paths[i]]),
                sample_ids=ids[sample_starts[i] : sample_starts[i] + counts[i]],
            )
        )
    return out


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
            name = function_labels(profile)[key]
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
