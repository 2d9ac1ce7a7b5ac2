"""Folded stacks: ``frame;frame;...;leaf COUNT`` per line (FlameGraph's collapsed format)."""

from __future__ import annotations

import re
from collections.abc import Mapping
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


def parse_count(text: str, source: Source, lineno: int) -> float:
    """A folded count: a non-negative integer or decimal."""
    if _COUNT.match(text):
        return float(text) if "." in text else int(text)
    if text.startswith("-") and _COUNT.match(text[1:]):
        raise source.error(f"negative count {text!r}", line=lineno)
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


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a folded-stacks file; each line becomes one (aggregated) sample."""
    builder = ProfileBuilder("folded", unit="samples", name=source.stem)
    frame_ids: dict[str, int] = {}
    node_ids: dict[tuple[int, int], int] = {}
    stack = builder.stack
    thread = builder.thread()
    prev_frames: list[str] = []
    prev_nodes: list[int] = []
    for lineno, raw in enumerate(source.iter_lines(), 1):
        text = source.decode(raw, lineno)
        stack_text, count_text = split_line(text, source, lineno)
        count = parse_count(count_text, source, lineno)
        frames = stack_text.split(";")
        # reuse the path shared with the previous line (folded files are usually sorted)
        common = 0
        limit = min(len(frames), len(prev_frames))
        while common < limit and frames[common] == prev_frames[common]:
            common += 1
        nodes = prev_nodes[:common]
        node = nodes[-1] if nodes else -1
        for name in frames[common:]:
            fid = frame_ids.get(name)
            if fid is None:
                fid = builder.frame(name, kind=frame_kind(name))
                frame_ids[name] = fid
            key = (node, fid)
            found = node_ids.get(key)
            if found is None:
                found = stack(node, fid)
                node_ids[key] = found
            node = found
            nodes.append(node)
        prev_frames, prev_nodes = frames, nodes
        builder.sample(node, count, thread=thread)
    if builder.sample_count == 0:
        raise source.error("the file is empty", hint="expected lines of 'frame;frame;... count'")
    return builder.build()
