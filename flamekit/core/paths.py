"""A call tree from many root-first frame paths at once, with numpy doing the per-frame work.

The paths come as one flat array of frame ids and the length of each path. They are sorted
(frame ids compared in order, a path before its extensions), so that each one shares its longest
common prefix with the one before it; the frames after that prefix become new nodes, numbered
path after path. That is the tree, node order included, that adding the sorted paths one frame
at a time gives.

A new path's first new node hangs below the node at depth ``shared - 1`` of its path, which the
nearest earlier path that shares less made: the previous smaller value of the shared lengths,
one short loop over paths (not frames).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class PathTree(NamedTuple):
    """Nodes (parent, frame, depth), in order, and the leaf node of each path (-1: empty)."""

    parent: np.ndarray
    frame: np.ndarray
    depth: np.ndarray
    leaf: np.ndarray


def path_tree(frames: np.ndarray, lengths: np.ndarray) -> PathTree:
    """The call tree of the paths ``frames`` (flat, root first) of ``lengths`` frames each."""
    frames = np.asarray(frames, dtype=np.int32)
    lengths = np.asarray(lengths, dtype=np.int64)
    order = lexicographic_order(frames, lengths)
    sorted_frames, length, start = _in_order(frames, lengths, order)
    cell = _cell_type(len(frames))
    depth = np.arange(len(sorted_frames), dtype=cell)
    depth -= np.repeat(start.astype(cell), length)
    shared = _shared_prefixes(sorted_frames, length, start, depth)
    count = length - shared
    first = np.cumsum(count) - count  # id of each path's first new node
    is_new = depth >= np.repeat(shared.astype(np.int32), length)
    node_frame = sorted_frames[is_new]
    del sorted_frames
    node_depth = depth[is_new]
    del depth, is_new
    parent = np.arange(-1, len(node_frame) - 1, dtype=np.int32)  # below the node before it...
    # ...except a path's first new node, and the leaf of a path that made no node: they are
    # found at depth shared - 1 on the path that made that node
    earlier = np.array(_previous_smaller(shared.tolist()), dtype=np.int64)
    up = np.where(shared > 0, first[earlier] + shared - 1 - shared[earlier], -1)
    made = count > 0
    parent[first[made]] = up[made]
    leaf = np.empty(len(length), dtype=np.int32)
    leaf[order] = np.where(made, first + count - 1, up)
    return PathTree(parent, node_frame, node_depth, leaf)


def lexicographic_order(frames: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices of the paths in sorted order (stable): each path as the big-endian bytes of its
    frame ids, compared as bytes, sorts as its tuple of ids would."""
    width = 2 if len(frames) == 0 or frames.max() < 1 << 16 else 4
    blob = frames.astype(">u2" if width == 2 else ">u4").tobytes()
    ends = np.cumsum(lengths) * width
    keys = list(map(blob.__getitem__, map(slice, (ends - lengths * width).tolist(), ends.tolist())))
    del blob
    return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)


def _in_order(frames: np.ndarray, lengths: np.ndarray, order: np.ndarray):
    """The paths' frames in ``order``, with their lengths and starts in that order."""
    old_start = np.cumsum(lengths) - lengths
    length = lengths[order]
    start = np.cumsum(length) - length
    gather = np.repeat(old_start[order] - start, length)
    gather += np.arange(len(gather))
    return frames[gather], length, start


def _shared_prefixes(frames, length, start, depth) -> np.ndarray:
    """How many frames each path (in sorted order) shares with the one before it."""
    n = len(length)
    shared = np.zeros(n, dtype=np.int64)
    if n < 2 or len(frames) == 0:
        return shared
    # a frame of a path is compared with the one at its depth on the path before, if any
    comparable = depth < np.repeat(np.r_[0, length[:-1]].astype(np.int32), length)
    above = np.repeat(np.r_[0, start[:-1]].astype(_cell_type(len(frames))), length)
    above += depth  # within the text before the frame, where not comparable
    differs = frames != frames[above]
    del above
    differs |= ~comparable
    del comparable
    at = np.where(differs, depth, np.int32(len(frames)))  # the depths where a path differs
    nonempty = np.flatnonzero(length > 0)
    shared[nonempty] = np.minimum(np.minimum.reduceat(at, start[nonempty]), length[nonempty])
    return shared


def _cell_type(cells: int) -> type:
    """The integer type for positions among ``cells`` path frames."""
    return np.int32 if cells < 1 << 31 else np.int64


def _previous_smaller(values: list[int]) -> list[int]:
    """For each position, the last earlier position holding a smaller value (0 if none; it
    is only asked for where there is one)."""
    out = [0] * len(values)
    stack: list[int] = []
    pop, push = stack.pop, stack.append
    for i, value in enumerate(values):
        while stack and values[stack[-1]] >= value:
            pop()
        if stack:
            out[i] = stack[-1]
        push(i)
    return out
