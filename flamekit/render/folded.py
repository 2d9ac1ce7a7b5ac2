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


def render_folded(profile: Profile) -> bytes:
    """The whole folded file as stackcollapse scripts write it: one line per distinct stack
    text (frames that differ only in file or module print alike and are summed), sorted
    byte-wise by the stack text."""
    totals: dict[bytes, int | float] = {}
    for text, value in folded_stacks(profile):
        key = text.encode("utf-8", "surrogatepass")
        totals[key] = totals.get(key, 0) + value
    if not totals:
        return b""
    return b"".join(
        key + b" " + format_count(totals[key]).encode() + b"\n" for key in sorted(totals)
    )


__all__ = ["folded_lines", "folded_stacks", "format_count", "render_folded"]
