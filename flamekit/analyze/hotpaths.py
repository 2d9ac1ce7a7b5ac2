"""Hot paths: the heaviest routes from a root down the call tree, and the critical path.

A *hot path* runs from a root to an *end node*: a node where descending into the heaviest child
would stop, because it has no children, or its heaviest child holds less than the node's own self
weight or less than ``threshold`` of the node's total. A path's weight is the total of its end
node: the samples that ran the whole path. The hot paths are the ``n`` heaviest such paths,
heaviest first; each shares its beginning with an earlier one and *branches off* after the deepest
frame they share. Their union is a subtree of the call tree, printed as an indented tree.

The *critical path* descends from the heaviest root into the heaviest child while that child
holds at least ``threshold`` of its parent's total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.idle import idle_weight
from ..core.model import Profile
from ..core.weights import node_samples, node_self, node_total
from ..display import JSONFields, ShowsAsHTML
from .naming import frame_labels


@dataclass(frozen=True)
class PathFrame(JSONFields):
    """One frame of a path with the weight of its call-tree node."""

    name: str
    file: str | None
    line: int | None
    total: int | float
    self: int | float
    samples: int
    label: str = ""  # display name (analyze.naming.frame_labels)


@dataclass(frozen=True)
class HotPath(JSONFields):
    """A root-to-end path; ``frames[:branch_depth]`` are shared with path ``branch_from``."""

    json_fields = "rank weight share branch_from branch_depth branch_frame frames"

    rank: int
    frames: list[PathFrame]
    weight: int | float  # total of the last frame's node
    share: float  # weight / profile total
    branch_from: int | None  # rank of the earlier path it leaves, None for the first
    branch_depth: int  # index in ``frames`` of its first frame of its own

    @property
    def branch_frame(self) -> str | None:
        """The frame where this path leaves an earlier one (None for the first path)."""
        return self.frames[self.branch_depth - 1].label if self.branch_depth else None


@dataclass(frozen=True)
class HotPaths(JSONFields, ShowsAsHTML):
    """The result of :func:`hot_paths` (``nodes[k]`` is the call-tree node of each frame)."""

    json_fields = "unit total idle threshold paths"

    unit: str
    total: int | float
    idle: int | float
    threshold: float
    paths: list[HotPath]
    nodes: list[list[int]]


def heaviest_child(profile: Profile) -> np.ndarray:
    """For each node the child with the largest total (ties: lowest id), else -1; the last slot
    (index -1 of an n+1 array) holds the heaviest root."""
    st = profile.stacks
    n = len(st)
    total = node_total(profile)
    out = np.full(n + 1, -1, dtype=np.int64)
    if n == 0:
        return out
    order = np.lexsort((np.arange(n), -total, st.parent))
    par = st.parent[order]
    first = np.r_[True, par[1:] != par[:-1]]
    out[par[first]] = order[first]  # parent -1 lands in the last slot: the heaviest root
    return out


def _goes_on(profile: Profile, heavy: np.ndarray, threshold: float) -> np.ndarray:
    """Whether the descent from each node goes on into its heaviest child."""
    n = len(profile.stacks)
    total = node_total(profile)
    h = heavy[:n]
    ht = np.where(h >= 0, total[np.maximum(h, 0)], 0)
    return (h >= 0) & (ht > 0) & (ht >= threshold * total) & (ht >= node_self(profile))


def _frame(profile: Profile, node: int, total, self_, samples) -> PathFrame:
    f = int(profile.stacks.frame[node])
    file = profile.frame_file(f) or None
    line = int(profile.frames.line[f]) or None
    name = profile.frame_name(f)
    return PathFrame(
        name,
        file,
        line,
        total[node].item(),
        self_[node].item(),
        int(samples[node]),
        label=frame_labels(profile)[f],
    )


def hot_paths(profile: Profile, n: int = 5, threshold: float = 0.0) -> HotPaths:
    """The ``n`` heaviest hot paths (see the module docstring); ``threshold`` is a fraction."""
    st = profile.stacks
    total, self_, samples = node_total(profile), node_self(profile), node_samples(profile)
    grand = profile.total_weight()
    heavy = heaviest_child(profile)
    cont = _goes_on(profile, heavy, threshold)
    ends = np.flatnonzero(~cont & (total > 0))
    ends = ends[np.lexsort((ends, -total[ends]))][:n]
    parent = st.parent
    path_of: dict[int, int] = {}
    paths: list[HotPath] = []
    node_lists: list[list[int]] = []
    for rank, end in enumerate(ends.tolist(), 1):
        nodes = []
        v = end
        while v >= 0:
            nodes.append(v)
            v = int(parent[v])
        nodes.reverse()
        shared = 0
        branch_from = None
        for k in range(len(nodes) - 1, -1, -1):
            if nodes[k] in path_of:
                shared, branch_from = k + 1, path_of[nodes[k]]
                break
        for node in nodes[shared:]:
            path_of[node] = rank
        weight = total[end].item()
        paths.append(
            HotPath(
                rank=rank,
                frames=[_frame(profile, x, total, self_, samples) for x in nodes],
                weight=weight,
                share=weight / grand if grand else 0.0,
                branch_from=branch_from,
                branch_depth=shared,
            )
        )
        node_lists.append(nodes)
    return HotPaths(profile.unit, grand, idle_weight(profile), threshold, paths, node_lists)


@dataclass(frozen=True)
class CriticalPath(JSONFields):
    """The frames of the critical path, root first."""

    json_fields = "unit total threshold frames"

    unit: str
    total: int | float
    threshold: float
    frames: list[PathFrame]
    nodes: list[int]


def critical_path(profile: Profile, threshold: float = 0.5) -> CriticalPath:
    """From the heaviest root, follow the heaviest child while it holds >= ``threshold`` of its
    parent's total (a fraction)."""
    total, self_, samples = node_total(profile), node_self(profile), node_samples(profile)
    heavy = heaviest_child(profile)
    nodes: list[int] = []
    v = int(heavy[-1])
    if v >= 0 and total[v] > 0:
        nodes.append(v)
        while True:
            c = int(heavy[v])
            if c < 0 or total[c] <= 0 or total[c] < threshold * total[v]:
                break
            nodes.append(c)
            v = c
    frames = [_frame(profile, x, total, self_, samples) for x in nodes]
    return CriticalPath(profile.unit, profile.total_weight(), threshold, frames, nodes)
