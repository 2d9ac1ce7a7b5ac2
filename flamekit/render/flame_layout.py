"""Flame graph geometry: which call-tree nodes are drawn, where, and what was left out.

Everything is computed with numpy one tree level at a time (see :mod:`flamekit.tree`), so deep
stacks cost no more than wide ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..core import tree
from ..core.model import Profile, Stacks
from ..core.tree import accumulate_down, preorder
from ..errors import UsageError

_MINWIDTH = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%|px)?\s*$")


@dataclass(frozen=True)
class MinWidth:
    """The narrowest frame drawn: ``value`` pixels, or ``value`` percent of the total."""

    value: float
    percent: bool

    @classmethod
    def parse(cls, text: str | float) -> MinWidth:
        if isinstance(text, (int, float)):
            return cls(float(text), False)
        m = _MINWIDTH.match(text)
        if not m:
            raise UsageError(
                f"--minwidth {text}: not a width",
                hint="give pixels like 0.1 or a percentage like 0.5%",
            )
        return cls(float(m.group(1)), m.group(2) == "%")

    def __str__(self) -> str:
        number = f"{self.value:g}"
        return f"{number}%" if self.percent else f"{number} px"


@dataclass(frozen=True, eq=False)
class FlameLayout:
    """The frames to draw, in depth-first order; index 0 is the synthetic 'all' frame.

    ``node`` maps each drawn frame to its call-tree node (-1 for 'all'); ``x0`` and ``total``
    are in weight units; ``end`` is the index of the last frame of each frame's subtree;
    ``parent`` is the index of the parent frame (-1 for 'all').

    A flame chart (:mod:`.flamechart`) draws a call-tree node once per uninterrupted run, so
    ``node`` may repeat; it also sets ``start``/``duration`` (ns, per frame), ``span`` (the width
    of the time axis in ns; ``x0`` is then relative to ``start[0]``) and ``samples`` (samples per
    frame). Geometry then comes from ``x0``/``duration`` over ``span``, amounts from ``total``;
    ``row`` (lanes of threads) places frames vertically instead of ``depth``.
    """

    node: np.ndarray
    depth: np.ndarray  # 0 for 'all'
    x0: np.ndarray
    total: np.ndarray
    self_weight: np.ndarray
    parent: np.ndarray
    end: np.ndarray
    grand_total: float
    max_depth: int
    omitted_frames: int
    omitted_weight: float
    start: np.ndarray | None = None
    duration: np.ndarray | None = None
    span: float = 0
    samples: np.ndarray | None = None
    row: np.ndarray | None = None  # where a frame goes vertically when not at its depth

    def __len__(self) -> int:
        return len(self.node)


def name_rank(profile: Profile) -> np.ndarray:
    """Per frame, its position when frames are sorted by (name, file, line)."""
    strings = profile.strings
    order = sorted(range(len(strings)), key=strings.__getitem__)
    string_rank = np.empty(len(strings), dtype=np.int64)
    string_rank[np.asarray(order, dtype=np.int64)] = np.arange(len(strings))
    fr = profile.frames
    frame_order = np.lexsort((fr.line, string_rank[fr.file], string_rank[fr.name]))
    rank = np.empty(len(fr), dtype=np.int64)
    rank[frame_order] = np.arange(len(fr))
    return rank


def layout(
    profile: Profile,
    self_weight: np.ndarray,
    *,
    plot_width: float,
    minwidth: MinWidth,
) -> FlameLayout:
    """Place every node whose total weight is at least ``minwidth``.

    ``self_weight`` is the weight whose leaf is each node; ``plot_width`` is the width in pixels
    that the whole profile spans; siblings are in name order. (A time-ordered flame chart is
    :func:`flamekit.render.flamechart.chart_layout`.)
    """
    stacks = profile.stacks
    total = tree.subtree_sums(stacks, self_weight)
    roots = stacks.parent < 0
    grand = total[roots].sum().item() if len(stacks) else 0
    if grand <= 0:
        raise UsageError("the profile has no samples with weight to draw")
    if minwidth.percent:
        threshold = grand * minwidth.value / 100.0
    else:
        threshold = minwidth.value * grand / plot_width
    positive = total > 0
    keep = positive & (total >= threshold)  # closed upwards: a parent weighs at least as much
    parent = stacks.parent
    safe_parent = np.maximum(parent, 0)
    # nodes whose parent is drawn (or roots): drawn themselves, or the outermost left out
    frontier = np.flatnonzero(positive & ((parent < 0) | keep[safe_parent]))
    kept_in_frontier = keep[frontier]
    omitted_weight = total[frontier[~kept_in_frontier]].sum().item()
    omitted_frames = int(np.count_nonzero(positive)) - int(np.count_nonzero(keep))

    # Offsets among siblings matter only where the parent is drawn: work on those nodes alone,
    # so a million-node profile costs little more than the few thousand frames that are drawn.
    fr_parent = parent[frontier]
    rank = name_rank(profile)
    fr_key = rank[stacks.frame[frontier]]
    # siblings by name, then node id: one int64 key sorted stably
    order = np.argsort((fr_parent.astype(np.int64) + 1) * (len(rank) + 1) + fr_key, kind="stable")
    v = total[frontier][order]
    cum = np.cumsum(v) - v
    grouped = fr_parent[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    cum -= np.repeat(cum[starts], np.diff(np.r_[starts, len(order)]))
    fr_offsets = np.empty(len(frontier), dtype=cum.dtype)
    fr_offsets[order] = cum

    # the drawn frames as a small tree of their own (ids ascending, so parents come first)
    kept = frontier[kept_in_frontier]
    k = len(kept)
    kept_parent = parent[kept]
    sub = Stacks(
        parent=np.where(kept_parent >= 0, np.searchsorted(kept, kept_parent), -1).astype(np.int32),
        frame=stacks.frame[kept],
        depth=stacks.depth[kept],
    )
    sub_key = fr_key[kept_in_frontier]
    offsets = fr_offsets[kept_in_frontier]
    x0 = accumulate_down(sub, offsets, root_base=0)
    tin, _ = preorder(sub, sub_key)
    in_order = np.argsort(tin, kind="stable")  # drawn frames in depth-first order
    position = np.empty(k, dtype=np.int64)
    position[in_order] = np.arange(1, k + 1)
    m = k + 1
    node = np.r_[-1, kept[in_order]].astype(np.int64)
    depth = np.r_[0, sub.depth[in_order] + 1].astype(np.int64)
    sub_parent = sub.parent[in_order]
    par = np.r_[-1, np.where(sub_parent >= 0, position[np.maximum(sub_parent, 0)], 0)]
    # frames are in preorder, so each subtree ends size - 1 frames after its first frame
    size = tree.subtree_sums(sub, np.ones(k, dtype=np.int64))
    end = np.r_[m - 1, np.arange(1, m) + size[in_order] - 1].astype(np.int64)
    x0 = x0[in_order]
    kept = kept[in_order]
    return FlameLayout(
        node=node,
        depth=depth,
        x0=np.r_[0, x0],
        total=np.r_[grand, total[kept]],
        self_weight=np.r_[0, self_weight[kept]],
        parent=par.astype(np.int64),
        end=end,
        grand_total=grand,
        max_depth=int(depth.max()),
        omitted_frames=omitted_frames,
        omitted_weight=omitted_weight,
    )
