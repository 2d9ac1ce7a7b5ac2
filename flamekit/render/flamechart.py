"""Flame chart geometry: time on the x axis, one rectangle per uninterrupted run of a frame.

The samples of one thread are sorted by time. Each sample covers its weight when weights are
nanoseconds (else the sampling interval), never beyond the next sample; a shortfall of up to one
interval before the next sample is closed (timer jitter), a longer one stays empty. Idle samples
(a frame of kind ``IDLE`` on the stack) are not drawn, so idle time is empty too.

At every depth, consecutive samples whose ancestor at that depth is the same call-tree node, with
no empty time between them, merge into one rectangle from the first sample's start to the last
sample's end. Everything is computed one depth level at a time over runs of identical samples.
"""

from __future__ import annotations

import numpy as np

from ..analyze.blocks import _GENERIC_HINT, TIMESTAMP_HINTS, median_interval
from ..errors import UsageError
from ..model import FrameKind, Profile, Stacks
from ..tree import levels, preorder, subtree_sums
from .flame_layout import FlameLayout, MinWidth

#: sampling interval assumed when a profile gives none (a single sample, no period)
FALLBACK_INTERVAL_NS = 1_000_000


def require_times(profile: Profile) -> None:
    """Refuse, in one line naming the profiler options that record times, an untimed profile."""
    if profile.has_times:
        return
    fmt = profile.meta.source_format
    raise UsageError(
        f"--flamechart needs timestamped samples and this {fmt} profile has none",
        hint=TIMESTAMP_HINTS.get(fmt, _GENERIC_HINT),
    )


def single_thread(profile: Profile) -> int:
    """The one thread that has samples; several threads need ``--thread``."""
    present = np.unique(profile.samples.thread)
    if len(present) <= 1:
        return int(present[0]) if len(present) else 0
    strings = profile.strings
    threads = profile.threads
    labels = []
    for t in present.tolist()[:8]:
        name = strings[threads.name[t]] or "thread"
        tid = int(threads.tid[t])
        labels.append(f"{name} ({tid})" if tid >= 0 else name)
    more = ", ..." if len(present) > 8 else ""
    raise UsageError(
        f"--flamechart draws one thread and this profile has {len(present)}: "
        f"{', '.join(labels)}{more}",
        hint="choose one with --thread NAME or --thread TID",
    )


def idle_nodes(profile: Profile) -> np.ndarray:
    """True for call-tree nodes with an idle frame on their path."""
    stacks = profile.stacks
    idle = (profile.frames.kind == FrameKind.IDLE)[stacks.frame]
    for level in levels(stacks)[1:]:
        idle[level] |= idle[stacks.parent[level]]
    return idle


def _sample_spans(profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(order, start, end) of the samples in time order, and their weights in that order."""
    samples = profile.samples
    order = np.argsort(samples.time, kind="stable")
    start = samples.time[order].astype(np.int64)
    weight = samples.weight[order]
    n = len(order)
    interval = median_interval(profile)
    if interval <= 0:
        interval = FALLBACK_INTERVAL_NS
    if profile.unit == "nanoseconds":
        cover = weight.astype(np.int64)
    else:
        cover = np.full(n, interval, dtype=np.int64)
    end = start + cover
    if n > 1:
        nxt = start[1:]
        # never past the next sample; close a shortfall of at most one interval (jitter)
        end[:-1] = np.where(nxt - end[:-1] <= interval, nxt, np.minimum(end[:-1], nxt))
    return order, start, end, weight


def chart_layout(
    profile: Profile,
    *,
    plot_width: float,
    minwidth: MinWidth,
) -> FlameLayout:
    """Rectangles of a time-ordered flame chart of ``profile`` (one thread, with timestamps).

    The result is a :class:`FlameLayout` whose frames are rectangles in depth-first order (index
    0 is 'all', spanning the whole recording): ``node`` is each rectangle's call-tree node,
    ``total``/``self_weight`` its sample weight, ``start``/``duration`` its time span (ns) and
    ``x0`` its start relative to the left edge.
    """
    require_times(profile)
    single_thread(profile)
    stacks = profile.stacks
    order, start, end, weight = _sample_spans(profile)
    grand = weight.sum().item()
    if grand <= 0:
        raise UsageError("the profile has no samples with weight to draw")
    leaf_all = profile.samples.stack[order].astype(np.int64)
    # the axis runs from the profile's start (times count from it) to its end
    origin = min(0, int(start.min()))
    span_end = max(int(end.max()), int(profile.meta.duration_ns or 0))
    span = max(span_end - origin, 1)
    if minwidth.percent:
        threshold = span * minwidth.value / 100.0
    else:
        threshold = minwidth.value * span / plot_width

    # drop idle samples: their time stays empty
    busy = ~idle_nodes(profile)[leaf_all] if len(stacks) else np.zeros(len(order), dtype=bool)
    leaf = leaf_all[busy]
    s, e, w = start[busy], end[busy], weight[busy]
    n = len(leaf)
    if n:
        # runs of samples with the same leaf and no empty time between them act as one sample
        joined = np.zeros(n, dtype=bool)
        joined[1:] = (leaf[1:] == leaf[:-1]) & (s[1:] == e[:-1])
        first = np.flatnonzero(~joined)
        last = np.r_[first[1:] - 1, n - 1]
        cw = np.r_[0, np.cumsum(w)]
        leaf = leaf[first]
        w = cw[last + 1] - cw[first]
        count = (last - first + 1).astype(np.int64)
        s, e = s[first], e[last]
    else:
        count = np.zeros(0, dtype=np.int64)
    m = len(leaf)
    contiguous = np.zeros(m, dtype=bool)
    contiguous[1:] = s[1:] == e[:-1]
    dep = stacks.depth[leaf].astype(np.int64) if m else np.zeros(0, dtype=np.int64)
    max_d = int(dep.max()) if m else -1
    cum_w = np.r_[0, np.cumsum(w)]
    cum_n = np.r_[0, np.cumsum(count)]

    # top-down, one depth at a time, over the runs inside the rectangles kept one level up: a
    # rectangle is never wider than its parent, so what --minwidth drops is never looked into
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
        begins[1:] = ~((cand[1:] == cand[:-1] + 1) & (anc[1:] == anc[:-1]) & contiguous[cand[1:]])
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

    def cat(i, dtype=np.int64):
        return (
            np.concatenate([p[i] for p in parts]).astype(dtype)
            if parts
            else np.zeros(0, dtype=dtype)
        )

    node, first_run, last_run = cat(0), cat(1), cat(2)
    total, nsamples, rparent = cat(3, weight.dtype), cat(4), cat(5)
    self_weight = cat(6, weight.dtype)
    depth = np.concatenate(
        [np.full(len(p[0]), d + 1, dtype=np.int64) for d, p in enumerate(parts)]
        or [np.zeros(0, dtype=np.int64)]
    )
    rstart, rend = s[first_run], e[last_run]
    r = len(node)
    safe = np.maximum(rparent, 0)

    # depth-first order: by start, then depth (children start within their parent)
    kept = np.lexsort((depth, rstart))
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
    chart_start = np.r_[origin, rstart[kept]].astype(np.int64)
    chart_duration = np.r_[span, (rend - rstart)[kept]].astype(np.int64)
    all_samples = len(order)
    return FlameLayout(
        node=np.r_[-1, node[kept]].astype(np.int64),
        depth=np.r_[0, depth[kept]].astype(np.int64),
        x0=(chart_start - origin).astype(np.int64),
        total=np.r_[grand, total[kept]],
        self_weight=np.r_[0, self_weight[kept]],
        parent=par,
        end=end,
        grand_total=grand,
        max_depth=int(tree.depth.max()) if k + 1 else 0,
        omitted_frames=omitted_frames,
        omitted_weight=omitted_weight,
        start=chart_start,
        duration=chart_duration,
        span=span,
        samples=np.r_[all_samples, nsamples[kept]].astype(np.int64),
    )
