"""Flame chart geometry: time on the x axis, one rectangle per uninterrupted run of a frame.

The samples of one thread are sorted by time. Each sample covers its weight when weights are
nanoseconds (else the sampling interval), never beyond the next sample; a shortfall of up to one
interval before the next sample is closed (timer jitter), a longer one stays empty. Idle samples
(a frame of kind ``IDLE`` on the stack) are not drawn, so idle time is empty too.

At every depth, consecutive samples whose ancestor at that depth is the same call-tree node, with
no empty time between them, merge into one rectangle from the first sample's start to the last
sample's end. Everything is computed one depth level at a time over runs of identical samples.

Several threads are drawn as lanes stacked one above the other, each under a root frame named
after its thread that spans the thread's busy time; ``--thread`` draws one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from ..analyze import timeline
from ..analyze.timeline import TICK_SPACING_PX, time_ticks  # noqa: F401  (still importable from here)
from ..core.idle import idle_nodes
from ..core.model import FrameKind, Frames, Profile, Stacks
from ..core.tree import preorder, stable_argsort, subtree_sums
from ..errors import UsageError
from .flame_layout import FlameLayout, MinWidth


def require_times(profile: Profile) -> None:
    """Refuse, in one line naming the profiler options that record times, an untimed profile."""
    timeline.require_times(profile, "--flamechart needs timestamped samples")


def thread_label(profile: Profile, thread: int) -> str:
    """How a lane is labelled: the thread's name and its id."""
    threads = profile.threads
    name = profile.strings[threads.name[thread]] if thread < len(threads) else ""
    tid = int(threads.tid[thread]) if thread < len(threads) else -1
    if not name:
        return f"thread {tid}" if tid >= 0 else f"thread #{thread}"
    return f"{name} ({tid})" if tid >= 0 else name


def with_thread_roots(profile: Profile) -> Profile:
    """The profile with one synthetic root frame per thread that has samples, so that the call
    tree of each thread is separate (a node used by two threads is copied under each root)."""
    stacks = profile.stacks
    samples = profile.samples
    present = np.unique(samples.thread).astype(np.int64)
    n = max(len(stacks), 1)
    # (thread, node) keys of every node some thread's sample passes through, deepest level first
    leaves = np.unique(samples.thread.astype(np.int64) * n + samples.stack)
    leaf_depth = stacks.depth[leaves % n]
    by_depth = stable_argsort(leaf_depth)
    leaves, leaf_depth = leaves[by_depth], leaf_depth[by_depth]
    max_depth = int(leaf_depth.max()) if len(leaves) else -1
    bounds = np.searchsorted(leaf_depth, np.arange(max_depth + 2))
    carry = np.zeros(0, dtype=np.int64)
    found = []
    for d in range(max_depth, -1, -1):
        here = np.unique(np.r_[leaves[bounds[d] : bounds[d + 1]], carry])
        found.append(here)
        node = here % n
        carry = (here - node) + stacks.parent[node]
    keys = np.unique(np.concatenate(found)) if found else leaves
    node = keys % n
    thread = keys // n
    lane = np.searchsorted(present, thread)
    order = np.lexsort((keys, stacks.depth[node]))  # parents before children
    new_id = np.empty(len(keys), dtype=np.int64)
    new_id[order] = len(present) + np.arange(len(keys))
    parent_node = stacks.parent[node]
    parent_key = thread * n + np.maximum(parent_node, 0)
    parent_id = np.where(parent_node >= 0, new_id[np.searchsorted(keys, parent_key)], lane)
    strings = list(profile.strings)
    fr = profile.frames
    root_names = [thread_label(profile, int(t)) for t in present.tolist()]
    name_ids = np.arange(len(strings), len(strings) + len(present), dtype=np.int32)
    strings.extend(root_names)
    first_new = len(fr)
    zeros = np.zeros(len(present), dtype=np.int32)
    frames = Frames(
        name=np.r_[fr.name, name_ids].astype(np.int32),
        file=np.r_[fr.file, zeros].astype(np.int32),
        module=np.r_[fr.module, zeros].astype(np.int32),
        line=np.r_[fr.line, zeros].astype(np.int32),
        column=np.r_[fr.column, zeros].astype(np.int32),
        kind=np.r_[fr.kind, np.full(len(present), FrameKind.SYNTHETIC)].astype(np.uint8),
        own_line=None if fr.own_line is None else np.r_[fr.own_line, np.zeros(len(present), bool)],
    )
    size = len(present) + len(keys)
    parent = np.full(size, -1, dtype=np.int32)
    frame = np.empty(size, dtype=np.int32)
    depth = np.zeros(size, dtype=np.int32)
    frame[: len(present)] = first_new + np.arange(len(present))
    parent[new_id] = parent_id
    frame[new_id] = stacks.frame[node]
    depth[new_id] = stacks.depth[node] + 1
    sample_key = samples.thread.astype(np.int64) * n + samples.stack
    stack = new_id[np.searchsorted(keys, sample_key)].astype(np.int32)
    return profile.replace(
        strings=tuple(strings),
        frames=frames,
        stacks=Stacks(parent=parent, frame=frame, depth=depth),
        samples=replace(samples, stack=stack),
    )


def _sample_spans(profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(order, start, end) of the samples by thread and time, and their weights in that order."""
    samples = profile.samples
    order = np.lexsort((samples.time, samples.thread))
    start = samples.time[order].astype(np.int64)
    weight = samples.weight[order]
    n = len(order)
    thread = samples.thread[order]
    interval = timeline.thread_intervals(thread, start, profile.meta.period_ns)
    cover = weight.astype(np.int64) if profile.unit == "nanoseconds" else interval
    end = start + cover
    if n > 1:
        nxt = start[1:]
        same = thread[1:] == thread[:-1]
        interval = interval[:-1]
        # never past the next sample; close a shortfall of at most one interval (jitter)
        closed = np.where(nxt - end[:-1] <= interval, nxt, np.minimum(end[:-1], nxt))
        end[:-1] = np.where(same, closed, end[:-1])
    return order, start, end, weight


class _Runs(NamedTuple):
    """Busy samples by thread and time, with runs of one leaf and no gap joined into one."""

    leaf: np.ndarray  # call-tree node of each run
    start: np.ndarray
    end: np.ndarray
    weight: np.ndarray
    count: np.ndarray  # samples in each run
    thread: np.ndarray


def _busy_runs(profile: Profile, order, start, end, weight) -> _Runs:
    """The non-idle samples (idle time stays empty), consecutive ones of one leaf joined."""
    stacks = profile.stacks
    leaf_all = profile.samples.stack[order].astype(np.int64)
    busy = ~idle_nodes(profile)[leaf_all] if len(stacks) else np.zeros(len(order), dtype=bool)
    leaf = leaf_all[busy]
    s, e, w = start[busy], end[busy], weight[busy]
    th = profile.samples.thread[order][busy]
    n = len(leaf)
    if not n:
        return _Runs(leaf, s, e, w, np.zeros(0, dtype=np.int64), th)
    # runs of samples with the same leaf and no empty time between them act as one sample
    joined = np.zeros(n, dtype=bool)
    joined[1:] = (leaf[1:] == leaf[:-1]) & (s[1:] == e[:-1])
    first = np.flatnonzero(~joined)
    last = np.r_[first[1:] - 1, n - 1]
    cw = np.r_[0, np.cumsum(w)]
    count = (last - first + 1).astype(np.int64)
    return _Runs(leaf[first], s[first], e[last], cw[last + 1] - cw[first], count, th[first])


class _Rectangles(NamedTuple):
    """Rectangles per depth: (node, first run, last run, total, samples, parent, self)."""

    parts: list[tuple[np.ndarray, ...]]
    omitted_frames: int
    omitted_weight: int | float


def _rectangles(stacks: Stacks, runs: _Runs, lanes: bool, threshold: float) -> _Rectangles:
    """Top-down, one depth at a time, over the runs inside the rectangles kept one level up: a
    rectangle is never wider than its parent, so what --minwidth drops is never looked into."""
    leaf, s, e, w = runs.leaf, runs.start, runs.end, runs.weight
    m = len(leaf)
    contiguous = np.zeros(m, dtype=bool)
    contiguous[1:] = s[1:] == e[:-1]
    # a lane's root frame spans the thread's busy time, gaps included
    root_joins = np.zeros(m, dtype=bool)
    root_joins[1:] = runs.thread[1:] == runs.thread[:-1] if lanes else contiguous[1:]
    dep = stacks.depth[leaf].astype(np.int64) if m else np.zeros(0, dtype=np.int64)
    max_d = int(dep.max()) if m else -1
    cum_w = np.r_[0, np.cumsum(w)]
    cum_n = np.r_[0, np.cumsum(runs.count)]
    tin, _ = preorder(stacks)
    leaf_tin = tin[leaf] if m else np.zeros(0, dtype=np.int64)
    by_tin = np.lexsort((tin, stacks.depth))
    level_nodes = np.split(by_tin, np.cumsum(np.bincount(stacks.depth))[:-1]) if m else []
    cand = np.arange(m)
    parts: list[tuple[np.ndarray, ...]] = []
    child_sum = np.zeros(0, dtype=w.dtype)
    omitted_frames = 0
    omitted_weight = 0
    offset = 0
    for d in range(max_d + 1):
        if not len(cand):
            break
        nodes_d = level_nodes[d]
        anc = nodes_d[np.searchsorted(tin[nodes_d], leaf_tin[cand], side="right") - 1]
        begins = np.ones(len(cand), dtype=bool)
        joins = contiguous if d else root_joins
        begins[1:] = ~((cand[1:] == cand[:-1] + 1) & (anc[1:] == anc[:-1]) & joins[cand[1:]])
        at = np.flatnonzero(begins)
        f = cand[at]
        lst = cand[np.r_[at[1:] - 1, len(cand) - 1]]
        tot = cum_w[lst + 1] - cum_w[f]
        dur = e[lst] - s[f]
        if d:
            # the parent (kept, one level up) holds the rectangle's first run
            prev_first = parts[-1][1]
            par = np.searchsorted(prev_first, f, side="right") - 1
            np.add.at(child_sum, par, tot)
            par = par + offset - len(prev_first)
        else:
            par = np.full(len(f), -1, dtype=np.int64)
        keep = (dur >= threshold) & (dur > 0)
        omitted_frames += int(len(f) - keep.sum())
        omitted_weight += tot[~keep].sum().item()
        if d:
            parts[-1] = (*parts[-1][:-1], parts[-1][-1] - child_sum)
        f, lst, tot, par = f[keep], lst[keep], tot[keep], par[keep]
        cn = cum_n[lst + 1] - cum_n[f]
        parts.append((anc[at][keep], f, lst, tot, cn, par, tot.copy()))
        child_sum = np.zeros(len(f), dtype=tot.dtype)
        offset += len(f)
        # the runs inside the kept rectangles that go deeper
        sizes = lst - f + 1
        inside = np.repeat(f - np.r_[0, np.cumsum(sizes)[:-1]], sizes) + np.arange(sizes.sum())
        cand = inside[dep[inside] > d]
    return _Rectangles(parts, omitted_frames, omitted_weight)


class _Axis(NamedTuple):
    origin: int  # the time at the left edge
    span: int  # the time across the chart
    grand: int | float  # the weight of every sample
    samples: int  # every sample, idle ones included
    dtype: np.dtype  # of the weights


def _depth_first(rects: _Rectangles, runs: _Runs, lanes: bool, axis: _Axis) -> FlameLayout:
    """The rectangles in depth-first order (by lane, start, then depth: children start within
    their parent) under 'all', each lane's rows on top of the one before it."""
    parts = rects.parts

    def cat(i, dtype=np.int64):
        return (
            np.concatenate([p[i] for p in parts]).astype(dtype)
            if parts
            else np.zeros(0, dtype=dtype)
        )

    node, first_run, last_run = cat(0), cat(1), cat(2)
    total, nsamples, rparent = cat(3, axis.dtype), cat(4), cat(5)
    self_weight = cat(6, axis.dtype)
    depth = np.concatenate(
        [np.full(len(p[0]), d + 1, dtype=np.int64) for d, p in enumerate(parts)]
        or [np.zeros(0, dtype=np.int64)]
    )
    th = runs.thread
    rstart, rend = runs.start[first_run], runs.end[last_run]
    r = len(node)
    safe = np.maximum(rparent, 0)
    present = np.unique(th)
    lane = np.searchsorted(present, th[first_run]) if lanes else np.zeros(r, dtype=np.int64)
    kept = np.lexsort((depth, rstart, lane))
    lane_depth = np.zeros(len(present) + 1, dtype=np.int64)
    if r:
        np.maximum.at(lane_depth, lane + 1, depth)
    row = np.cumsum(lane_depth)[lane] + depth
    k = len(kept)
    position = np.full(r, -1, dtype=np.int64)
    position[kept] = np.arange(1, k + 1)
    par = np.r_[-1, np.where(rparent[kept] >= 0, position[safe[kept]], 0)].astype(np.int64)
    tree = Stacks(
        parent=np.where(par >= 0, par, -1).astype(np.int32),
        frame=np.zeros(k + 1, dtype=np.int32),
        depth=np.r_[0, depth[kept]].astype(np.int32),
    )
    # 'all' is the root of every rectangle at depth 1
    tree.parent[0] = -1
    size = subtree_sums(tree, np.ones(k + 1, dtype=np.int64))
    end = (np.arange(k + 1) + size - 1).astype(np.int64)
    chart_start = np.r_[axis.origin, rstart[kept]].astype(np.int64)
    chart_duration = np.r_[axis.span, (rend - rstart)[kept]].astype(np.int64)
    rows = np.r_[0, row[kept]].astype(np.int64)
    return FlameLayout(
        node=np.r_[-1, node[kept]].astype(np.int64),
        depth=np.r_[0, depth[kept]].astype(np.int64),
        x0=(chart_start - axis.origin).astype(np.int64),
        total=np.r_[axis.grand, total[kept]],
        self_weight=np.r_[0, self_weight[kept]],
        parent=par,
        end=end,
        grand_total=axis.grand,
        max_depth=int(rows.max()),
        omitted_frames=rects.omitted_frames,
        omitted_weight=rects.omitted_weight,
        start=chart_start,
        duration=chart_duration,
        span=axis.span,
        samples=np.r_[axis.samples, nsamples[kept]].astype(np.int64),
        row=rows,
    )


def chart_layout(
    profile: Profile,
    *,
    plot_width: float,
    minwidth: MinWidth,
) -> tuple[Profile, FlameLayout]:
    """The profile drawn and the rectangles of a time-ordered flame chart of ``profile``.

    With several threads, each gets a lane: a synthetic root frame named after the thread (see
    :func:`with_thread_roots`, whose result is the profile drawn), spanning the thread's first
    to last busy sample, with its calls above it; ``row`` says where each frame goes vertically.

    The result is a :class:`FlameLayout` whose frames are rectangles in depth-first order (index
    0 is 'all', spanning the whole recording): ``node`` is each rectangle's call-tree node,
    ``total``/``self_weight`` its sample weight, ``start``/``duration`` its time span (ns) and
    ``x0`` its start relative to the left edge.
    """
    require_times(profile)
    lanes = len(np.unique(profile.samples.thread)) > 1
    if lanes:
        profile = with_thread_roots(profile)
    order, start, end, weight = _sample_spans(profile)
    grand = weight.sum().item()
    if grand <= 0:
        raise UsageError("the profile has no samples with weight to draw")
    # the axis runs from the profile's start (times count from it) to its end
    origin = min(0, int(start.min()))
    span_end = max(int(end.max()), int(profile.meta.duration_ns or 0))
    span = max(span_end - origin, 1)
    if minwidth.percent:
        threshold = span * minwidth.value / 100.0
    else:
        threshold = minwidth.value * span / plot_width
    runs = _busy_runs(profile, order, start, end, weight)
    rects = _rectangles(profile.stacks, runs, lanes, threshold)
    axis = _Axis(origin, span, grand, len(order), weight.dtype)
    return profile, _depth_first(rects, runs, lanes, axis)
