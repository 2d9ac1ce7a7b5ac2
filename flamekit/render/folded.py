"""Folded-stacks output: one ``frame;...;leaf COUNT`` line per stack, sorted byte-wise."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import numpy as np

from ..analyze.weights import node_self
from ..model import Profile
from ..tree import iter_preorder


def format_count(value: int | float) -> str:
    """Integers as integers; fractional counts in their shortest exact form."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def folded_stacks(profile: Profile) -> Iterator[tuple[str, int | float]]:
    """``(stack text, self weight)`` for every node with self weight, in depth-first order."""
    self_w = node_self(profile)
    has_self = (self_w > 0).tolist()
    values = self_w.tolist()
    names = [profile.strings[i] for i in profile.frames.name.tolist()]
    frame_of = profile.stacks.frame.tolist()
    path: list[str] = []
    for node, depth in iter_preorder(profile.stacks):
        del path[depth:]
        path.append(names[frame_of[node]])
        if has_self[node]:
            yield ";".join(path), values[node]


def folded_lines(profile: Profile) -> Iterator[str]:
    """Unsorted ``stack count`` lines (without newline) for every node with self weight."""
    for text, value in folded_stacks(profile):
        yield f"{text} {format_count(value)}"


MATRIX_CELLS = 8_000_000  # path matrices larger than this are walked node by node instead


def _stack_texts(profile: Profile) -> tuple[list[bytes], list]:
    """Encoded stack texts and self weights of the nodes with self weight.

    The frames of all those paths are gathered one depth level at a time into a matrix, so that
    Python only joins names; trees too deep and wide for that are walked in depth-first order.
    """
    self_w = node_self(profile)
    nodes = np.flatnonzero(self_w > 0)
    st = profile.stacks
    depth = st.depth[nodes].astype(np.int64)
    width = int(depth.max()) + 1 if len(nodes) else 0
    if len(nodes) * width > MATRIX_CELLS:
        texts, values = [], []
        for text, value in folded_stacks(profile):
            texts.append(text.encode("utf-8", "surrogatepass"))
            values.append(value)
        return texts, values
    names = [profile.strings[i].encode("utf-8", "surrogatepass") for i in profile.frames.name]
    matrix = np.zeros((len(nodes), width), dtype=np.int32)
    rows = np.arange(len(nodes))
    cur = nodes.astype(np.int64)
    col = depth.copy()
    while len(rows):
        matrix[rows, col] = st.frame[cur]
        cur = st.parent[cur].astype(np.int64)
        col -= 1
        alive = cur >= 0
        rows, cur, col = rows[alive], cur[alive], col[alive]
    cells = iter(matrix[np.arange(width) <= depth[:, None]].tolist())  # the paths, row by row
    del matrix
    join = b";".join
    get = names.__getitem__
    texts = [join(map(get, islice(cells, d + 1))) for d in depth.tolist()]
    return texts, self_w[nodes].tolist()


def render_folded(profile: Profile) -> bytes:
    """The whole folded file as stackcollapse scripts write it: one line per distinct stack
    text (frames that differ only in file or module print alike and are summed), sorted
    byte-wise by the stack text."""
    texts, values = _stack_texts(profile)
    totals: dict[bytes, int | float] = {}
    for key, value in zip(texts, values, strict=True):
        totals[key] = totals.get(key, 0) + value
    if not totals:
        return b""
    return b"".join(
        key + b" " + format_count(totals[key]).encode() + b"\n" for key in sorted(totals)
    )


__all__ = ["folded_lines", "folded_stacks", "format_count", "render_folded"]
