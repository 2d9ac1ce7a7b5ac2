"""Building new call trees from old ones, vectorized: the machinery under transforms and calls.

A transform describes the tree it wants as a rewrite of the old nodes (which old nodes survive, what
each survivor's new parent and frame are, and which old node every dropped node folds into); the
functions here merge the siblings that became identical, drop nodes no sample reaches and number
the result so that ``parent[i] < i`` holds. Work proceeds one depth level at a time, never by
recursion.
"""

from __future__ import annotations

import numpy as np

from .model import Stacks
from .tree import depth_groups, levels, subtree_sums


def down(stacks: Stacks, init: np.ndarray, step) -> np.ndarray:
    """Fill ``out`` from the roots down: roots get ``init``, others ``step(out[parent], idx)``.

    ``step`` receives the parents' values and the node ids of one level and returns the level's
    values; it lets a value depend on the ancestors without recursion.
    """
    out = np.array(init, copy=True)
    lv = levels(stacks)
    parent = stacks.parent
    for level in lv[1:]:
        out[level] = step(out[parent[level]], level)
    return out


def nearest_marked(stacks: Stacks, marked: np.ndarray, *, outermost: bool = False) -> np.ndarray:
    """For every node, the nearest (or the outermost) marked ancestor-or-self, else -1."""
    n = len(stacks.parent)
    ids = np.arange(n, dtype=np.int64)
    init = np.where(marked, ids, -1)
    if outermost:
        return down(stacks, init, lambda up, idx: np.where(up >= 0, up, init[idx]))
    return down(stacks, init, lambda up, idx: np.where(marked[idx], idx, up))


def reached(stacks: Stacks, sample_stack: np.ndarray) -> np.ndarray:
    """True for the nodes on the path of at least one of the given sample leaves."""
    count = np.bincount(sample_stack, minlength=len(stacks.parent))
    return subtree_sums(stacks, count) > 0


class _Levels:
    """A trie made one depth at a time: new nodes of one parent and frame are one node."""

    def __init__(self, nframes: int) -> None:
        self.span = np.int64(nframes)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.next_id = 0

    def add(self, parent: np.ndarray, frame: np.ndarray, depth: int) -> np.ndarray:
        """Add a level of (new parent, frame) pairs; the new node of each pair."""
        key = (parent + 1) * self.span + frame
        uniq, inv = np.unique(key, return_inverse=True)
        depths = np.full(len(uniq), depth, dtype=np.int32)
        self.parts.append((uniq // self.span - 1, uniq % self.span, depths))
        ids = self.next_id + inv
        self.next_id += len(uniq)
        return ids

    def stacks(self) -> Stacks:
        columns = [np.concatenate(col).astype(np.int32) for col in zip(*self.parts, strict=True)]
        columns = columns or [np.zeros(0, dtype=np.int32) for _ in range(3)]
        return Stacks(parent=columns[0], frame=columns[1], depth=columns[2])


def build(
    new_depth: np.ndarray,
    new_parent: np.ndarray,
    new_frame: np.ndarray,
    real: np.ndarray,
    alias: np.ndarray,
    nframes: int,
) -> tuple[Stacks, np.ndarray]:
    """Make a canonical trie from a rewrite of ``n`` old nodes.

    ``real[i]``: old node i becomes a node at depth ``new_depth[i]`` whose parent is the new node of
    old node ``new_parent[i]`` (-1 for a root; that node must be real with depth one less) and
    whose frame is ``new_frame[i]``. Real nodes that end up with the same parent and frame merge.
    Other nodes fold into the node of old node ``alias[i]`` (which must be real) or vanish (-1).

    Returns the new stacks and the old-to-new node map (-1 where a node vanished).
    """
    n = len(real)
    canon = np.full(n, -1, dtype=np.int64)
    real_ids = np.flatnonzero(real)
    trie = _Levels(nframes)
    for depth, group in enumerate(depth_groups(new_depth[real_ids])):
        if len(group):
            idx = real_ids[group]
            par_old = new_parent[idx]
            par = np.where(par_old >= 0, canon[np.maximum(par_old, 0)], -1)
            canon[idx] = trie.add(par, new_frame[idx], depth)
    folded = ~real & (alias >= 0)
    canon[folded] = canon[alias[folded]]
    return trie.stacks(), canon


def prune(stacks: Stacks, keep: np.ndarray) -> tuple[Stacks, np.ndarray]:
    """Keep the nodes in ``keep`` (closed under ancestors), renumbered in order; returns the map."""
    new_id = np.cumsum(keep, dtype=np.int64) - 1
    new_id[~keep] = -1
    par = stacks.parent[keep]
    out = Stacks(
        parent=np.where(par >= 0, new_id[np.maximum(par, 0)], -1).astype(np.int32),
        frame=stacks.frame[keep],
        depth=stacks.depth[keep],
    )
    return out, new_id


def inverted(
    stacks: Stacks, leaves: np.ndarray, frame_of: np.ndarray | None = None
) -> tuple[Stacks, np.ndarray]:
    """The trie of the paths leaf-to-root of the old nodes ``leaves`` (distinct ids).

    Returns the new stacks and, aligned with ``leaves``, the new node standing for each whole
    reversed path (its last frame is the old root). ``frame_of`` replaces the old nodes' frames.
    The new trie has one node per distinct reversed prefix, so deep stacks with samples at many
    depths make it large.
    """
    frame = stacks.frame if frame_of is None else frame_of
    nframes = int(frame.max()) + 1 if len(frame) else 1
    cur_old = np.array(leaves, dtype=np.int64, copy=True)
    cur_new = np.full(len(cur_old), -1, dtype=np.int64)
    active = np.arange(len(cur_old))
    trie = _Levels(nframes)
    depth = 0
    while len(active):
        old = cur_old[active]
        cur_new[active] = trie.add(cur_new[active], frame[old], depth)
        depth += 1
        up = stacks.parent[old]
        cur_old[active] = up
        active = active[up >= 0]
    return trie.stacks(), cur_new
