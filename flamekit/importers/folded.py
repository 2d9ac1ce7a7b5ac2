"""Folded stacks: ``frame;frame;...;leaf COUNT`` per line (FlameGraph's collapsed format)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..builder import ProfileBuilder
from ..model import FrameKind, Profile
from ..sources import Source

_LINE = re.compile(rb"^[^\s;][^\n]*?\s(\d+(?:\.\d*)?)\r?\n?$")
_COUNT = re.compile(r"^\d+(?:\.\d*)?$")
_ANNOTATIONS = {"_[k]": FrameKind.KERNEL, "_[j]": FrameKind.JIT}


def sniff(head: bytes) -> bool:
    """Most of the first complete lines end in a space and a count."""
    lines = [ln for ln in head.split(b"\n")[:-1][:50] if ln.strip()]
    if not lines:
        lines = [head] if head.strip() else []
    if not lines:
        return False
    good = sum(1 for ln in lines if _LINE.match(ln + b"\n"))
    return good >= max(1, len(lines) * 3 // 4)


def frame_kind(name: str) -> FrameKind:
    """Kind from FlameGraph's annotation suffixes (``_[k]`` kernel, ``_[j]`` JIT)."""
    if name.endswith("]") and len(name) > 4:
        return _ANNOTATIONS.get(name[-4:], FrameKind.UNKNOWN)
    return FrameKind.UNKNOWN


def parse_count(text: str, source: Source, lineno: int) -> int | float:
    """A folded count: a non-negative integer or decimal."""
    if _COUNT.match(text):
        return float(text) if "." in text else int(text)
    if text.startswith("-") and _COUNT.match(text[1:]):
        raise source.error(f"negative count {text!r}", line=lineno)
    if text.endswith((")", "]")):
        # the line ends with a frame such as 'main (app.py:9)' or 'sym_[k]'
        raise source.error(
            "line has no count",
            line=lineno,
            hint="each line must end with a space and a sample count",
        )
    raise source.error(
        f"count {text!r} is not a number",
        line=lineno,
        hint="each line must end with a space and a sample count",
    )


def split_line(text: str, source: Source, lineno: int) -> tuple[str, str]:
    """Split a folded line into its stack and its count text."""
    body = text.rstrip("\r\n")
    if not body.strip():
        raise source.error(
            "blank line",
            line=lineno,
            hint="folded files have one 'stack count' per line, with no blank lines",
        )
    parts = body.rsplit(None, 1)
    if len(parts) < 2:
        raise source.error(
            "line has no count",
            line=lineno,
            hint="each line must end with a space and a sample count",
        )
    return parts[0], parts[1]


class PathCache:
    """Call-tree nodes for successive stacks, reusing the path shared with the previous one.

    Folded files are usually sorted, so consecutive lines share long prefixes; only the frames
    after the shared prefix are looked up. ``frame_id`` turns a frame's text into a frame id.
    """

    def __init__(self, builder: ProfileBuilder, frame_id: Callable[[str], int]) -> None:
        self._builder = builder
        self._frame_id = frame_id
        self._frame_ids: dict[str, int] = {}
        self._node_ids: dict[tuple[int, int], int] = {}
        self._prev_frames: list[str] = []
        self._prev_nodes: list[int] = []

    def node(self, frames: list[str]) -> int:
        """The node of the path ``frames`` (root first); -1 for an empty path."""
        prev_frames = self._prev_frames
        common = 0
        limit = min(len(frames), len(prev_frames))
        while common < limit and frames[common] == prev_frames[common]:
            common += 1
        nodes = self._prev_nodes[:common]
        node = nodes[-1] if nodes else -1
        frame_ids = self._frame_ids
        node_ids = self._node_ids
        for text in frames[common:]:
            fid = frame_ids.get(text)
            if fid is None:
                fid = self._frame_id(text)
                frame_ids[text] = fid
            key = (node, fid)
            found = node_ids.get(key)
            if found is None:
                found = self._builder.stack(node, fid)
                node_ids[key] = found
            node = found
            nodes.append(node)
        self._prev_frames, self._prev_nodes = frames, nodes
        return node


def iter_stack_lines(source: Source) -> Iterator[tuple[int, str, int | float]]:
    """``(line number, stack text, count)`` for every line of a folded-style file."""
    for lineno, raw in enumerate(source.iter_lines(), 1):
        text = source.decode(raw, lineno)
        stack_text, count_text = split_line(text, source, lineno)
        yield lineno, stack_text, parse_count(count_text, source, lineno)


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a folded-stacks file; each line becomes one (aggregated) sample."""
    builder = ProfileBuilder("folded", unit="samples", name=source.stem)
    paths = PathCache(builder, lambda name: builder.frame(name, kind=frame_kind(name)))
    thread = builder.thread()
    for _lineno, stack_text, count in iter_stack_lines(source):
        builder.sample(paths.node(stack_text.split(";")), count, thread=thread)
    if builder.sample_count == 0:
        raise source.error("the file is empty", hint="expected lines of 'frame;frame;... count'")
    return builder.build()
