"""Both call trees merged by path of matched functions, level by level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.tree import levels


@dataclass(frozen=True)
class TrieShape:
    parent: np.ndarray
    depth: np.ndarray


def merge_tries(sides, nfunc: int):
    """Merge both call trees by path of function ids, level by level (no recursion)."""
    maps = [np.full(len(s.profile.stacks), -1, dtype=np.int64) for s in sides]
    side_levels = [levels(s.profile.stacks) for s in sides]
    parents: list[np.ndarray] = []
    funcs: list[np.ndarray] = []
    depths: list[np.ndarray] = []
    next_id = 0
    for depth in range(max((len(lv) for lv in side_levels), default=0)):
        keys = []
        for side, lv, mapping in zip(sides, side_levels, maps, strict=True):
            if depth >= len(lv):
                keys.append(np.zeros(0, dtype=np.int64))
                continue
            nodes = lv[depth]
            st = side.profile.stacks
            par = st.parent[nodes]
            merged_parent = np.where(par >= 0, mapping[np.maximum(par, 0)], -1)
            keys.append((merged_parent + 1) * nfunc + side.func_of_frame[st.frame[nodes]])
        uniq, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        start = 0
        for lv, key, mapping in zip(side_levels, keys, maps, strict=True):
            if len(key):
                mapping[lv[depth]] = next_id + inverse[start : start + len(key)]
            start += len(key)
        parents.append(uniq // nfunc - 1)
        funcs.append(uniq % nfunc)
        depths.append(np.full(len(uniq), depth, dtype=np.int64))
        next_id += len(uniq)
    if not parents:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, maps
    return np.concatenate(parents), np.concatenate(funcs), np.concatenate(depths), maps
