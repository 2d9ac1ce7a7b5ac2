"""Vectorized operations over the call tree (a prefix trie with parent[i] < i).

Nothing here recurses: work proceeds one depth level at a time, so trees 10,000+ levels deep
cost as much as wide ones with the same number of nodes.
"""

from __future__ import annotations

import numpy as np

from .model import Stacks


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for non-negative integers such as depths or
    parent ids: values that fit in 8 or 16 bits are sorted in that width, where numpy uses a
    radix sort; wider ones as ``value * n + index``, keys that are all distinct, so that the
    faster unstable sort gives the stable order (each several times faster on a million)."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    top, low = int(values.max()), int(values.min())
    if low >= 0 and top < 2**16:
        return np.argsort(values.astype(np.uint8 if top < 2**8 else np.uint16), kind="stable")
    if low >= 0 and (top + 1) * n < 2**63:
        return np.argsort(values.astype(np.int64) * n + np.arange(n, dtype=np.int64))
    return np.argsort(values, kind="stable")


def first_and_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``np.unique(keys, return_index=True, return_inverse=True)`` gives after the
    values: where each distinct key first occurs (in ascending key order) and each key's group.
    The keys are put in order by the unstable sort (several times faster than the stable one
    np.unique needs for first positions, which come from np.minimum.at here)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    groups = np.empty(n, dtype=np.intp)
    groups[order] = np.cumsum(starts) - 1
    first = np.full(int(np.count_nonzero(starts)), n, dtype=np.intp)
    np.minimum.at(first, groups, np.arange(n, dtype=np.intp))
    return first, groups


def has_repeats(keys: np.ndarray) -> bool:
    """Whether a value occurs twice in ``keys`` (a sort, cheaper than np.unique's hashing)."""
    ordered = np.sort(keys)
    return bool(np.any(ordered[1:] == ordered[:-1]))


def levels(stacks: Stacks) -> list[np.ndarray]:
    """Node ids grouped by depth, shallowest first (each group in ascending id order)."""
    return depth_groups(stacks.depth)


def depth_groups(depth: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by their (non-negative) ``depth`` value, smallest first, each group
    ascending."""
    if len(depth) == 0:
        return []
    order = stable_argsort(depth)
    counts = np.bincount(depth)
    return np.split(order, np.cumsum(counts)[:-1])


def subtree_sums(stacks: Stacks, values: np.ndarray) -> np.ndarray:
    """Each node's value plus the values of all its descendants."""
    total = np.array(values, dtype=np.result_type(values, np.int64), copy=True)
    parent = stacks.parent
    for level in reversed(levels(stacks)[1:]):
        np.add.at(total, parent[level], total[level])
    return total


def sibling_offsets(stacks: Stacks, values: np.ndarray, order_key: np.ndarray | None = None):
    """For each node, the sum of ``values`` over its siblings that come before it.

    Siblings are ordered by ``order_key`` (ties and ``None``: by node id). Roots are siblings of
    each other.
    """
    n = len(stacks.parent)
    if n == 0:
        return np.zeros(0, dtype=values.dtype)
    if order_key is None:
        order = np.lexsort((np.arange(n), stacks.parent))
    else:
        order = np.lexsort((np.arange(n), order_key, stacks.parent))
    v = values[order]
    cum = np.cumsum(v) - v  # exclusive prefix sum over the whole ordering
    parents = stacks.parent[order]
    starts = np.flatnonzero(np.r_[True, parents[1:] != parents[:-1]])
    group_base = np.repeat(cum[starts], np.diff(np.r_[starts, n]))
    out = np.empty(n, dtype=cum.dtype)
    out[order] = cum - group_base
    return out


def accumulate_down(stacks: Stacks, own: np.ndarray, root_base=0) -> np.ndarray:
    """x[node] = x[parent] + own[node] (roots: root_base + own[root]), level by level."""
    out = np.array(own, copy=True)
    parent = stacks.parent
    lv = levels(stacks)
    if lv:
        out[lv[0]] += root_base
    for level in lv[1:]:
        out[level] += out[parent[level]]
    return out


def preorder(stacks: Stacks, order_key: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Depth-first entry index ``tin`` and last-descendant index ``tout`` of every node.

    Node m is in the subtree of n exactly when ``tin[n] <= tin[m] <= tout[n]``.
    """
    n = len(stacks.parent)
    size = subtree_sums(stacks, np.ones(n, dtype=np.int64))
    offsets = sibling_offsets(stacks, size, order_key)
    tin = accumulate_down(stacks, offsets + 1, root_base=-1)
    return tin, tin + size - 1


def first_occurrence(stacks: Stacks, key: np.ndarray) -> np.ndarray:
    """True for nodes none of whose ancestors has the same ``key[frame]`` value.

    ``key`` maps frame ids to a group id (e.g. a function id); summing node totals over the
    first occurrences counts each sample once per group even under recursion.
    """
    n = len(stacks.parent)
    if n == 0:
        return np.zeros(0, dtype=bool)
    group = key[stacks.frame].astype(np.int64)
    tin, tout = preorder(stacks)
    order = np.lexsort((tin, group))
    span = n + 1
    shifted_tout = tout[order] + group[order] * span
    shifted_tin = tin[order] + group[order] * span
    running = np.maximum.accumulate(shifted_tout)
    prev = np.r_[-1, running[:-1]]
    out = np.empty(n, dtype=bool)
    out[order] = prev < shifted_tin
    return out


def ancestors_or_self(stacks: Stacks, node: int) -> list[int]:
    """The path from the root to ``node`` as node ids."""
    out = []
    parent = stacks.parent
    while node >= 0:
        out.append(node)
        node = int(parent[node])
    out.reverse()
    return out


def children_csr(stacks: Stacks, order_key: np.ndarray | None = None):
    """Children of every node as CSR arrays ``(child_ids, start)``.

    The children of node n are ``child_ids[start[n + 1]:start[n + 2]]``; the roots are
    ``child_ids[start[0]:start[1]]`` (slot 0 stands for the virtual root). Children are ordered
    by ``order_key`` when given, else by id.
    """
    n = len(stacks.parent)
    keys = (np.arange(n),) if order_key is None else (np.arange(n), order_key)
    child_ids = np.lexsort((*keys, stacks.parent))
    counts = np.bincount(stacks.parent + 1, minlength=n + 1)
    start = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return child_ids, start


def iter_preorder(stacks: Stacks, order_key: np.ndarray | None = None):
    """Yield ``(node, depth)`` in depth-first order without recursion."""
    child_ids, start = children_csr(stacks, order_key)
    child_list = child_ids.tolist()
    start_list = start.tolist()
    todo = list(reversed(child_list[start_list[0] : start_list[1]]))
    depth = stacks.depth.tolist()
    while todo:
        node = todo.pop()
        yield node, depth[node]
        a, b = start_list[node + 1], start_list[node + 2]
        if b > a:
            todo.extend(reversed(child_list[a:b]))
