"""Reading a region of ``perf script`` text as pieces of whole records, for the parser.

Each piece starts with the blank-line separator before its first record (the text's first record
gets one put in front) and ends where the next separator starts, so that a parser can take the
pieces one at a time; with each comes its offset in the text (line ends made LF) and how far
the region has been read.

A plain file is read through a memory map: a piece is a view of the map, so that no byte of it
is copied before the parser splits it into records, and the pages read are let go as it goes.
Compressed or piped input, and text with CRLF line ends from the first piece that has one on,
are read in blocks instead, and their line ends made LF.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from typing import IO

from ..sources import Source, _tell
from .perf_parse import EVENT, FRAME, HEADER

BLOCK = 4 << 20
MAX_RECORD = 64 << 20  # a "record" this long means the text has no blank lines between samples

Piece = tuple["bytes | memoryview", int, int]  # text, its offset, bytes of the region read


class RegionError(Exception):
    """A fatal problem at a byte offset of a region: (offset, message, hint)."""


def pieces(source: Source, start: int, end: int | None) -> Iterator[Piece]:
    """The region from byte ``start`` (0, or a blank-line separator) to ``end`` (None: the
    end of the text) in pieces of whole records."""
    mapping = source.mapping()
    if mapping is None:
        yield from _read_pieces(source, start, end)
        return
    mm, base = mapping
    try:
        yield from _mapped_pieces(source, mm, base, start, end)
    finally:
        mm.close()


def _mapped_pieces(
    source: Source, mm: mmap.mmap, base: int, start: int, end: int | None
) -> Iterator[Piece]:
    stop = len(mm) if end is None else base + end
    pos = base + start
    view = memoryview(mm)
    try:
        while pos < stop:
            cut = _next_cut(mm, base, pos, stop)
            if mm.find(b"\r", pos, cut) >= 0:  # CRLF line ends: read the rest in blocks
                yield from _read_pieces(source, pos - base, end)
                return
            _refuse_nul(mm.find(b"\x00", pos, cut), -base)
            if end is None and cut == stop:
                nl = mm.rfind(b"\n", pos, stop)
                line_start = pos if nl < 0 else nl + 1
                check_last_line(mm[line_start:stop], line_start - base)
            if pos == base:  # the first record gets a separator in front
                yield b"\n\n" + mm[pos:cut], -2, cut - base
            else:
                piece = view[pos:cut]
                try:
                    yield piece, pos - base, cut - base
                finally:
                    piece.release()
            _let_go(mm, base, pos, cut)
            pos = cut
    finally:
        view.release()


def _next_cut(mm: mmap.mmap, base: int, pos: int, stop: int) -> int:
    """Where the piece starting at ``pos`` ends: at the last separator within a block, else
    at the next one, else at the end of the region."""
    if pos + BLOCK >= stop:
        return stop
    cut = mm.rfind(b"\n\n", pos + 1, pos + BLOCK)
    if cut > pos:
        return cut
    cut = mm.find(b"\n\n", pos + BLOCK - 1, min(stop, pos + MAX_RECORD))
    if cut > pos:
        return cut
    if pos + MAX_RECORD < stop and mm.find(b"\r", pos, pos + MAX_RECORD) < 0:
        _too_long(pos - base)
    return min(stop, pos + MAX_RECORD)  # a CRLF text: the block reader finds its records


def _let_go(mm: mmap.mmap, base: int, pos: int, cut: int) -> None:
    """Drop the pages of a piece the parser is done with (they count as this process's)."""
    first = (pos - pos % mmap.PAGESIZE) + (mmap.PAGESIZE if pos % mmap.PAGESIZE else 0)
    last = cut - cut % mmap.PAGESIZE
    if last > first and hasattr(mm, "madvise"):
        mm.madvise(mmap.MADV_DONTNEED, first, last - first)


def _read_pieces(source: Source, start: int, end: int | None) -> Iterator[Piece]:
    """:func:`pieces` from a stream of the content, read in blocks."""
    tail = b"\n\n"
    offset = start - 2  # of tail[0]; the first record gets a separator in front
    with source.open() as stream:
        if start:
            stream.seek(start + 2)  # skip the separator: tail holds it
            offset = start
        limit = None if end is None else end - stream.tell()
        for data in blocks(stream, limit):
            _refuse_nul(data.find(b"\x00"), offset + len(tail))
            buf = tail + data
            cut = buf.rfind(b"\n\n")
            if cut <= 0:  # no record ends in this buffer yet
                tail = buf
                if len(tail) > MAX_RECORD:
                    _too_long(offset)
                continue
            yield buf[:cut], offset, _tell(stream)
            tail = buf[cut:]
            offset += cut
        if end is None:
            line_start = tail.rfind(b"\n") + 1
            check_last_line(tail[line_start:], offset + line_start)
        yield tail, offset, _tell(stream)


def blocks(stream: IO[bytes], limit: int | None) -> Iterator[bytes]:
    """Blocks of the text with CRLF line ends made LF, up to ``limit`` bytes of input."""
    left = limit
    while left is None or left > 0:
        data = stream.read(BLOCK if left is None else min(BLOCK, left))
        if not data:
            return
        if left is not None:
            left -= len(data)
        if data.endswith(b"\r") and (left is None or left > 0):
            more = stream.read(1)
            data += more
            if left is not None:
                left -= len(more)
        if b"\r" in data:  # memchr: much faster than looking for the pair
            data = data.replace(b"\r\n", b"\n")
        yield data


def _refuse_nul(index: int, shift: int) -> None:
    """Stop at a NUL byte found at ``index`` (-1: none) of a text at offset ``shift``."""
    if index >= 0:
        raise RegionError(
            index + shift,
            "binary data (a NUL byte) in the text",
            "is the capture corrupted? for perf.data run 'perf script' first",
        )


def _too_long(offset: int) -> None:
    raise RegionError(
        offset,
        "no blank line between samples in 64 MiB of text",
        "expected perf script output of a recording with call stacks (-g)",
    )


def check_last_line(last: bytes, offset: int) -> None:
    """Refuse a text whose last line, ``last`` at ``offset`` (empty when the text ends with a
    line end), is cut off in the middle (a truncated capture)."""
    if last.startswith(b"#") or not (last.strip() or b"\t" in last):
        return  # none, a comment, or stray spaces; a lone tab starts a cut-off frame line
    if FRAME.match(last) and last.rstrip().endswith(b")"):
        return
    if HEADER.match(last) and (EVENT.search(last) or last.rstrip().endswith(b":")):
        return
    shown = last[:60].decode("utf-8", "replace")
    raise RegionError(
        offset,
        f"the capture ends in the middle of a line: {shown!r}",
        "the file looks truncated; run perf script again",
    )


def line_at(source: Source, offset: int) -> int:
    """1-based line number of byte ``offset`` of the (LF-normalized) text."""
    if offset <= 0:
        return 1
    lines = 1
    done = 0
    with source.open() as stream:
        for data in blocks(stream, None):
            if done + len(data) >= offset:
                return lines + data.count(b"\n", 0, offset - done)
            lines += data.count(b"\n")
            done += len(data)
    return lines
