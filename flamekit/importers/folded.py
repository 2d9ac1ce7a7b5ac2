"""Folded stacks: ``frame;frame;...;leaf COUNT`` per line (FlameGraph's collapsed format)."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import EMPTY_STACK, FrameKind, Profile
from ..sources import Source
from . import parallel
from .folded_fast import load_fast

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


_UNKNOWN = FrameKind.UNKNOWN


def frame_kind(name: str) -> FrameKind:
    """Kind from FlameGraph's annotation suffixes (``_[k]`` kernel, ``_[j]`` JIT)."""
    if name[-1:] == "]" and len(name) > 4:
        return _ANNOTATIONS.get(name[-4:], _UNKNOWN)
    return _UNKNOWN


MAX_COUNT = 2**63 - 1


def parse_count(text: str, source: Source, lineno: int) -> int | float:
    """A folded count: a non-negative integer or decimal, at most 2**63 - 1."""
    if _COUNT.match(text):
        digits = len(text.split(".")[0].lstrip("0"))
        value = float(text) if "." in text else int(text) if digits <= 19 else MAX_COUNT + 1
        if digits > 19 or value > MAX_COUNT:
            raise source.error(
                f"count {text[:40]!r} is too large",
                line=lineno,
                hint="a count is at most 2**63 - 1",
            )
        return value
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


# flamegraph.pl reads bytes: its \s is ASCII whitespace, so a name may end in U+00A0
_STACK_AND_COUNT = re.compile(r"(.*)[ \t\f\v](\S+)", re.S)


def split_line(text: str, source: Source, lineno: int) -> tuple[str, str]:
    """Split a folded line into its stack and its count text."""
    body = text.rstrip("\r\n")
    if not body.strip():
        raise source.error(
            "blank line",
            line=lineno,
            hint="folded files have one 'stack count' per line, with no blank lines",
        )
    # as flamegraph.pl reads it: the count is the last field after one whitespace character,
    # and all before that character is the stack (so a frame may be or end in a space)
    m = _STACK_AND_COUNT.fullmatch(body.rstrip(" \t"))
    if m is None:
        raise source.error(
            "line has no count",
            line=lineno,
            hint="each line must end with a space and a sample count",
        )
    return m.group(1), m.group(2)


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


def _shared_frames(a: bytes, b: bytes) -> tuple[int, int]:
    """How many leading frames the stacks ``a`` and ``b`` share, and where ``a``'s next begins.

    The first differing byte is found by XOR-ing the two stacks as big integers (C speed).
    """
    n = min(len(a), len(b))
    diff = int.from_bytes(a[:n], "big") ^ int.from_bytes(b[:n], "big")
    at = n - (diff.bit_length() + 7) // 8  # index of the first differing byte, or n
    shared = a.count(b";", 0, at)
    start = a.rfind(b";", 0, at) + 1  # the frame that holds the difference begins here
    if at == n:  # one stack is a prefix of the other: the last frame is shared if complete
        a_end = len(a) == n or a[n] == 59  # ord(";")
        b_end = len(b) == n or b[n] == 59
        if a_end and b_end and n:
            shared += 1
            start = n + 1
    return shared, start


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a folded-stacks file; each line becomes one (aggregated) sample.

    Clean files go through the vectorized importer (:mod:`.folded_fast`); anything unusual is
    read line by line, which also gives the precise error messages.
    """
    builder = ProfileBuilder("folded", unit="samples", name=source.stem)
    profile = load_fast(source, builder, frame_kind, jobs=parallel.jobs_wanted(options))
    if profile is not None:
        return profile
    return load_lines(source)


def load_lines(source: Source) -> Profile:
    """Import a folded file line by line.

    Only the frames after the part a line shares with the line before are looked at, so
    sorted files (as stackcollapse writes them) cost time in proportion to their call tree.
    """
    builder = ProfileBuilder("folded", unit="samples", name=source.stem)
    frame_ids: dict[str, int] = {}
    # call-tree nodes by (parent + 1) << 32 | frame: ints keep this index small for big inputs
    node_ids: dict[int, int] = {}
    node_parent, node_frame, node_depth = array("i"), array("i"), array("i")
    new_frame = builder.frame
    get_frame = frame_ids.get
    get_node = node_ids.get
    decode = source.decode
    thread = builder.thread()
    sample_stacks = array("i")
    sample_weights: list[float] = []
    prev_stack = b""
    prev_nodes: list[int] = []  # empty only before the first line: it shares nothing
    for lineno, raw in enumerate(source.iter_lines(), 1):
        body = raw.rstrip(b"\r\n")
        stack, _, count_bytes = body.rpartition(b" ")
        # fast path: digits after the last space, and a stack that ends in a printable ASCII
        # character (so no Unicode whitespace is hiding before the space)
        if (
            count_bytes.isdigit()
            and len(count_bytes) < 19
            and stack
            and 32 < stack[-1] < 127
            and stack[0] != 59
        ):
            count: float = int(count_bytes)
        else:  # anything unusual: the careful path, with its error messages
            stack_text, count_text = split_line(decode(raw, lineno), source, lineno)
            count = parse_count(count_text, source, lineno)
            stack = (stack_text or EMPTY_STACK).encode("utf-8", "surrogateescape")
        shared, start = _shared_frames(stack, prev_stack) if prev_nodes else (0, 0)
        nodes = prev_nodes[:shared]
        node = nodes[-1] if shared else -1
        if start <= len(stack):
            rest = stack[start:]
            try:
                names = rest.decode("utf-8").split(";")
            except UnicodeDecodeError:
                names = decode(rest, lineno).split(";")
            fids = [get_frame(name) for name in names]
            if None in fids:
                for i, name in enumerate(names):
                    if fids[i] is None:
                        fid = frame_ids.get(name)
                        if fid is None:
                            fid = new_frame(name, kind=frame_kind(name))
                            frame_ids[name] = fid
                        fids[i] = fid
            # follow the nodes that exist already; a new node has no children, so from the
            # first missing one on, the rest of the line is all new nodes, added in bulk
            walked = 0
            for fid in fids:
                found = get_node((node + 1) << 32 | fid)
                if found is None:
                    break
                node = found
                nodes.append(node)
                walked += 1
            count_new = len(fids) - walked
            if count_new:
                base = len(node_parent)
                new_ids = range(base, base + count_new)
                parents = [node, *range(base, base + count_new - 1)]
                new_fids = fids[walked:]
                node_parent.extend(parents)
                node_frame.extend(new_fids)
                node_depth.extend(range(len(nodes), len(nodes) + count_new))
                node_ids.update(
                    zip(
                        [(p + 1) << 32 | f for p, f in zip(parents, new_fids, strict=True)],
                        new_ids,
                        strict=True,
                    )
                )
                nodes.extend(new_ids)
                node = base + count_new - 1
        prev_stack, prev_nodes = stack, nodes
        sample_stacks.append(node)
        sample_weights.append(count)
    if not sample_stacks:
        raise source.error("the file is empty", hint="expected lines of 'frame;frame;... count'")
    del node_ids, prev_nodes
    builder.extend_stacks(node_parent, node_frame, node_depth)
    builder.add_samples(
        np.frombuffer(sample_stacks, dtype=np.int32), sample_weights, threads=thread
    )
    return builder.build(counted=True, knows_kinds=False)
