"""Folded-stacks output: one ``frame;...;leaf COUNT`` line per stack, sorted byte-wise."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import numpy as np

from ..analyze.naming import placed_frame_labels
from ..core.model import Profile
from ..core.tree import iter_preorder
from ..core.weights import node_self


def format_count(value: int | float) -> str:
    """Integers as integers; fractional counts in their shortest exact form."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def frame_texts(profile: Profile, places: bool = False) -> list[str]:
    """Each frame as a folded file names it: its name, or with ``places`` its name and place
    (``(anonymous) app.js:39``, see :func:`~flamekit.analyze.naming.placed_frame_labels`)."""
    if places:
        return placed_frame_labels(profile)
    return [profile.strings[i] for i in profile.frames.name.tolist()]


def folded_stacks(profile: Profile, places: bool = False) -> Iterator[tuple[str, int | float]]:
    """``(stack text, self weight)`` for every node with self weight, in depth-first order."""
    self_w = node_self(profile)
    has_self = (self_w > 0).tolist()
    values = self_w.tolist()
    names = frame_texts(profile, places)
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


MATRIX_CELLS = 16_000_000  # more path cells than this are walked node by node instead


def _stack_texts(profile: Profile, places: bool = False) -> tuple[list[bytes], list]:
    """Encoded stack texts and self weights of the nodes with self weight.

    The frame names of all those paths are gathered one depth level at a time into one flat
    array (path after path), so that Python only joins names; paths with more frames in all
    than MATRIX_CELLS are walked in depth-first order instead.
    """
    self_w = node_self(profile)
    nodes = np.flatnonzero(self_w > 0)
    st = profile.stacks
    depth = st.depth[nodes].astype(np.int64)
    total = int(depth.sum()) + len(nodes)
    if total > MATRIX_CELLS:
        texts, values = [], []
        for text, value in folded_stacks(profile, places):
            texts.append(text.encode("utf-8", "surrogatepass"))
            values.append(value)
        return texts, values
    names = np.empty(len(profile.frames), dtype=object)
    names[:] = [text.encode("utf-8", "surrogatepass") for text in frame_texts(profile, places)]
    flat = np.zeros(total, dtype=np.int32)
    pos = np.cumsum(depth + 1) - 1  # where each path's leaf goes; its root is depth earlier
    cur = nodes.astype(np.int64)
    while len(cur):
        flat[pos] = st.frame[cur]
        cur = st.parent[cur].astype(np.int64)
        pos -= 1
        alive = cur >= 0
        cur, pos = cur[alive], pos[alive]
    cells = iter(names[flat].tolist())  # frame names, path after path, root first
    del flat
    join = b";".join
    texts = [join(islice(cells, d + 1)) for d in depth.tolist()]
    return texts, self_w[nodes].tolist()


def render_folded(profile: Profile, places: bool = False) -> bytes:
    """The whole folded file as stackcollapse scripts write it: one line per distinct stack
    text (frames that differ only in file or module print alike and are summed), sorted
    byte-wise by the stack text. With ``places`` each frame with a file is written
    ``name file:line`` so that functions of one name stay apart."""
    texts, values = _stack_texts(profile, places)
    totals: dict[bytes, int | float] = {}
    for key, value in zip(texts, values, strict=True):
        totals[key] = totals.get(key, 0) + value
    del texts, values
    if not totals:
        return b""
    keys = sorted(totals)
    counts = "\n".join(map(format_count, map(totals.__getitem__, keys))).encode().split(b"\n")
    return b"\n".join(map(b" ".join, zip(keys, counts, strict=True))) + b"\n"


__all__ = ["folded_lines", "folded_stacks", "format_count", "render_folded"]
