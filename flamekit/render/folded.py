"""Folded-stacks output: one ``frame;...;leaf COUNT`` line per stack, sorted byte-wise."""

from __future__ import annotations

from collections.abc import Iterator

from ..analyze.weights import node_self
from ..model import Profile
from ..tree import iter_preorder


def format_count(value: int | float) -> str:
    """Integers as integers; fractional counts in their shortest exact form."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def folded_lines(profile: Profile) -> Iterator[str]:
    """Unsorted ``stack count`` lines (without newline) for every node with self weight."""
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
            yield f"{';'.join(path)} {format_count(values[node])}"


def render_folded(profile: Profile) -> bytes:
    """The whole folded file, lines sorted byte-wise as stackcollapse scripts sort them."""
    lines = sorted(line.encode("utf-8", "surrogatepass") for line in folded_lines(profile))
    if not lines:
        return b""
    return b"\n".join(lines) + b"\n"


__all__ = ["folded_lines", "format_count", "render_folded"]
