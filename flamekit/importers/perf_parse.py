"""The ``perf script`` record parser: stackcollapse-perf's rules, made fast with caches.

The text is a run of records separated by blank lines: a header line
(``comm [pid/]tid [cpu] time: [period] event:``) then one line per frame, leaf first. Header and
frame lines are recognized with the same regular expressions, in the same order, as FlameGraph's
``stackcollapse-perf.pl``, and frame names are cleaned with its rules, so that folding the result
gives its output byte for byte.

Speed comes from three caches: a record's whole stack text (everything after the header) maps to
an interned frame sequence; a new stack text is parsed line by line through a cache of lines (a
text whose lines are all known single frames is the join of their packed ids); and a header's
``comm pid/tid`` prefix maps to its root frame and thread. A chunk of plain records of the kept
event is taken in a few passes over its columns, new stack texts learned on the way; records that
do not have the plain shape (comments, headers inside a stack, blank-line runs) go through the
line-by-line state machine of the Perl script.

A parser has no builder: it keeps plain tables that can be pickled, so that other processes can
parse other parts of a file and hand their tables back to be merged.
"""

from __future__ import annotations

import re
import struct
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np

from ..core.model import FrameKind

# The record grammar of stackcollapse-perf: what its regular expressions
#   header  ^(\S.+?)\s+(\d+)/*(\d+)*\s+        event  :\s*(\d+)*\s+(\S+):\s*$
#   frame   ^\s*(\w+)\s*(.+) \((.*)\)
# match and capture, found in linear time. Theirs backtrack exponentially or quadratically on
# lines such as 'ab ' + 40 digits ((\d+)* after \d+), so here the same languages are written
# with possessive quantifiers (nothing a later part could use is ever given back), a comm that
# ends in a non-space unless it is two characters long (a comm ending in a space can only
# succeed where a shorter one did), and the frame line is split by hand (FrameLine below).
HEADER = re.compile(rb"^(\S(?:.|.+?\S))\s++(\d++)/*+(\d++)?\s++")
EVENT = re.compile(rb":(?:\s*+(\d++)\s++|\s++)(\S+):\s*+$")
# the timestamp: the first "seconds.fraction:" word after comm and pid/tid
TIME = re.compile(rb"(?<!\S)(\d+)\.(\d+):(?!\S)")
TIME_AT = re.compile(rb"(?:\[\d+\]\s+)?(\d+)\.(\d+):(?!\S)")  # the usual place, anchored
# The usual header layout, "comm pid[/tid] [cpu] sec.frac: [period] event:", in one match.
# For the lines it matches (comm of 2+ characters without spaces, spaces as separators) its
# groups are exactly what HEADER, EVENT and TIME_AT find: the lazy comm of HEADER can only end
# at the first space, and EVENT can only start at the colon after the time.
FAST_HEADER = re.compile(
    rb"((\S\S+) +(\d+)(?:/(\d+))? +)(?:\[\d+\] +)?(\d+)\.(\d+): +(?:(\d+) +)?(\S+): *$"
)
# A blank line, then a header in the usual layout (not a comment): splits text into records
# with their header fields (the whole line, then FAST_HEADER's groups) and stack texts.
SPLIT = re.compile(
    rb"\n\n(?!#)(((\S\S+) +(\d+)(?:/(\d+))? +)(?:\[\d+\] +)?(\d+)\.(\d+): +(?:(\d+) +)?(\S+): *$)",
    re.M,
)
# "\n\n" then the next record's first line: splits a chunk into (head, stack text) pairs
RECORDS = re.compile(rb"\n\n([^\n]*)")

_OFFSET = re.compile(rb"\+0x[\da-f]++$")
_ARGS = re.compile(rb"\((?!anonymous namespace\)).*")
_PERF_MAP = re.compile(rb"/tmp/perf-\d+\.map")
_JITDUMP = re.compile(rb"jitted-\d+-\d+\.so$")

_SPACE = b" \t\n\r\x0b\x0c"  # \s of a bytes pattern


def _is_word(byte: int) -> bool:
    return byte == 95 or 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


class FrameLine:
    """``^\\s*(\\w+)\\s*(.+) \\((.*)\\)`` in linear time: ``match(line)`` gives (match, pc,
    function, module) as that pattern captures them, or None.

    The pattern's choice: the last " (" with a ")" after it (the greedy ``(.+)``), the last ")"
    (the greedy ``(.*)``), and the longest ``\\w+`` that still leaves ``(.+)`` a character (so
    'foo (bar)' gives pc 'fo' and function 'o', as the Perl script does)."""

    @staticmethod
    def match(line: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
        n = len(line)
        start = 0
        while start < n and line[start] in _SPACE:
            start += 1
        word_end = start
        while word_end < n and _is_word(line[word_end]):
            word_end += 1
        if word_end == start:
            return None
        close = line.rfind(b")")
        opener = line.rfind(b" (", start + 2, close) if close >= 0 else -1
        if opener < 0:
            return None
        if opener > word_end:
            space_end = word_end
            while space_end < n and line[space_end] in _SPACE:
                space_end += 1
            pc, func_start = line[start:word_end], min(space_end, opener - 1)
        else:  # the " (" right after the word: the word gives its last character away
            pc, func_start = line[start : opener - 1], opener - 1
        return line[: close + 1], pc, line[func_start:opener], line[opener + 2 : close]


FRAME = FrameLine()

BODY_CACHE_BYTES = 16 << 20  # raw stack texts remembered; beyond this their caches start over
LINE_CACHE_BYTES = 16 << 20  # and the same for stack lines
ROOT_CACHE_ENTRIES = 4096  # stack texts remembered per comm/pid/tid
NO_TIME = -1
_INT64_MAX = 2**63 - 1

_COMPLEX = -1  # a stack text that needs the full line-by-line state machine
_BAD = (-1,)  # a line that is neither a header nor a frame
_NO_PLACE = ("", 0)
_NS_SCALE = {n: 10 ** (9 - n) for n in range(10)}
_PACK = struct.Struct("i").pack  # a frame id as stored in ParseResult.body_frames


@dataclass(frozen=True)
class PerfOptions:
    """The options of stackcollapse-perf, with its defaults."""

    pid: bool = False  # root frame comm-PID
    tid: bool = False  # root frame comm-PID/TID
    kernel: bool = False  # append _[k] to kernel frames
    jit: bool = False  # append _[j] to frames from /tmp/perf-PID.map
    addrs: bool = False  # unknown frames as [module <address>]
    event_filter: bytes = b""  # keep only this event; empty: the first event seen


class SrcLine(tuple):
    """A ``perf script -F +srcline`` line (two spaces, then ``file:line``) under a frame line:
    no frames of its own, as stackcollapse-perf reads it, and the place the frame above it was
    running (line 0 when perf could not tell)."""

    file: str
    line: int

    def __new__(cls, file: str, line: int) -> SrcLine:
        self = super().__new__(cls)
        self.file, self.line = file, line
        return self


@dataclass(slots=True)
class Root:
    """What a header's ``comm pid/tid`` prefix stands for: its root frame and thread, whether
    it is a Java process (frame names are cleaned differently), the stack ids of the stack
    texts seen under it, and the text caches of its kind of process."""

    prefix: bytes
    frame: int
    thread: int
    java: bool
    stacks: dict[bytes, int]  # stack text -> stack id
    lines: dict[bytes, tuple]  # stack line -> its frame ids (shared by roots of one kind)
    bodies: dict[bytes, int]  # stack text -> body code (shared by roots of one kind)
    line_frames: dict[bytes, int]  # the lines of ``lines`` that are exactly one frame: its id


class BadLines(NamedTuple):
    """The lines of a stack text that are neither frames nor srclines."""

    count: int
    first_line: int  # of the first one, within the record
    first_text: bytes


class BadNumber(Exception):
    """A header number too large for 64 bits; ``args[0]`` is the record's byte offset."""


@dataclass
class Located:
    """Something at a place in the text: a record's byte offset, a line offset within it."""

    offset: int
    line_in_record: int
    text: bytes


@dataclass
class ParseResult:
    """Everything a parser found, as plain picklable tables."""

    frames: list[tuple[str, str, int]]  # name, module, kind
    threads: list[tuple[int, int, str]]  # pid (-1 unknown), tid, comm
    # interned frame sequences (bodies), root first and without the comm, one after another:
    body_frames: bytes  # int32 frame ids
    body_starts: bytes  # int64 per body and one more: where its frames start
    stack_root: bytes  # int32 per unique (root frame, body) pair: the root frame
    stack_body: bytes  # int32 per unique pair: the body
    stack: bytes  # int32 per event: index into stacks
    weight: bytes  # int64 per event: period or 1
    time: bytes  # int64 per event: ns in perf's clock, NO_TIME when absent
    thread: bytes  # int32 per event: index into threads
    dropped: Counter = field(default_factory=Counter)  # other events -> samples dropped
    event_filter: bytes = b""
    bad_lines: int = 0
    first_bad: Located | None = None
    untimed: int = 0
    bad_utf8: bool = False
    no_callchain: int = 0  # samples whose only frame was on the header line (no -g)
    line_paths: list[tuple[tuple[str, int], ...]] = field(default_factory=list)  # srcline places
    stack_lines: list[int] = field(default_factory=list)  # per stack: its line path, -1 none


_INLINE_FRAME = re.compile(rb":\s+([0-9a-fA-F]+\s+\S[^\n]*\([^()\n]*\))\s*$")


def inline_frame(line: bytes) -> tuple[bytes, bytes] | None:
    """(header, frame text) of a header line that ends with the sample's one frame, as
    ``perf script`` prints samples recorded without -g (``... event: ip sym (dso)``); the
    frame starts after the last ``:`` that is followed by an address."""
    at = len(line)
    while True:
        at = line.rfind(b":", 0, at)
        if at < 0:
            return None
        m = _INLINE_FRAME.match(line, at)
        if m is not None:
            return line[: at + 1], m[1]


class PerfParser:
    """Consumes chunks of whole records (each chunk starting with a blank-line separator)."""

    def __init__(self, options: PerfOptions) -> None:
        self.opts = options
        self.event_filter = options.event_filter
        self.dropped: Counter = Counter()  # samples of other events, by event
        self.bad_lines = 0
        self.first_bad: Located | None = None
        self.untimed = 0
        self.bad_utf8 = False
        self.no_callchain = 0
        self._frame_ids: dict[tuple[str, str, int], int] = {}
        self.frames: list[tuple[str, str, int]] = []
        self._thread_ids: dict[tuple[int, int, str], int] = {}
        self.threads: list[tuple[int, int, str]] = []
        # stack line -> frame ids and stack text -> body code, for non-Java and Java processes
        self._line_cache: tuple[dict[bytes, tuple], dict[bytes, tuple]] = ({}, {})
        self._line_frames: tuple[dict[bytes, int], dict[bytes, int]] = ({}, {})
        self._body_cache: tuple[dict[bytes, int], dict[bytes, int]] = ({}, {})
        self._body_cache_bytes = 0
        self._line_cache_bytes = 0
        self._body_ids: dict[bytes, int] = {}  # frame ids (int32, root first) -> body
        self.body_frames = bytearray()  # the bodies' frame ids, one after another
        self.body_starts = array("q", [0])
        self._srclines = False  # whether a srcline was seen: only then can a stack have places
        self._bad_info: dict[int, BadLines] = {}  # body code -> its lines not understood
        self._roots: dict[bytes, Root] = {}  # "comm pid/tid " -> root
        # (prefix, stack text) -> stack id << 32 | thread: the stacks of Root.stacks, together
        self._sample_codes: dict[tuple[bytes, bytes], int] = {}
        self._stack_ids: dict[tuple[int, int], int] = {}
        self._period_cache: dict[bytes | None, int] = {}
        self.stack_root = array("i")
        self.stack_body = array("i")
        self.stack_lines: list[int] = []
        self._line_path_ids: dict[tuple[tuple[str, int], ...], int] = {}
        self.line_paths: list[tuple[tuple[str, int], ...]] = []
        self.stack = array("i")
        self.weight = array("q")
        self.time = array("q")
        self.thread = array("i")

    def result(self) -> ParseResult:
        return ParseResult(
            frames=self.frames,
            threads=self.threads,
            body_frames=bytes(self.body_frames),
            body_starts=self.body_starts.tobytes(),
            stack_root=self.stack_root.tobytes(),
            stack_body=self.stack_body.tobytes(),
            stack=self.stack.tobytes(),
            weight=self.weight.tobytes(),
            time=self.time.tobytes(),
            thread=self.thread.tobytes(),
            dropped=self.dropped,
            event_filter=self.event_filter,
            bad_lines=self.bad_lines,
            first_bad=self.first_bad,
            untimed=self.untimed,
            bad_utf8=self.bad_utf8,
            no_callchain=self.no_callchain,
            line_paths=self.line_paths,
            stack_lines=self.stack_lines,
        )

    # -- the fast path -------------------------------------------------------------------------
    def feed(self, text: bytes, offset: int) -> None:
        """Parse ``text``: a blank-line separator then whole records, found at byte ``offset``.

        Records whose header has the usual layout are split out together with their header
        fields by one regular expression; any other record stays attached to the stack text of
        the record before it and is found again (a ``\\n\\n`` in a stack text) on the way."""
        parts = SPLIT.split(text)
        if parts[0]:
            try:
                self._feed_general(parts[0], lambda: offset)
            except OverflowError:
                raise BadNumber(offset) from None
        if self._feed_seen(parts):
            return
        roots = self._roots
        event_filter = self.event_filter
        dropped = self.dropped
        pcache = self._period_cache
        app_stack, app_weight = self.stack.append, self.weight.append
        app_time, app_thread = self.time.append, self.thread.append
        i = 0
        try:
            for i in range(1, len(parts), 10):
                header, prefix, comm, pid, tid, sec, frac, p, event, body = parts[i : i + 10]
                if event != event_filter:
                    if event_filter:
                        dropped[event] += 1
                        if b"\n\n" in body:  # other records follow this one
                            k = body.index(b"\n\n")
                            self._feed_general(body[k:], _after(parts, i, offset, len(header) + k))
                            event_filter = self.event_filter
                        continue
                    event_filter = self.event_filter = event
                root = roots.get(prefix) or self._root(prefix, comm, pid, tid)
                sid = root.stacks.get(body)
                if sid is None:
                    if b"\n\n" in body or body.endswith(b"\n"):  # not one plain record
                        self._feed_general(b"\n\n" + header + body, _after(parts, i, offset, -2))
                        event_filter = self.event_filter
                        continue
                    sid = self._stack_of(root, header, body, _after(parts, i, offset, 0))
                    if sid is None:
                        continue
                period = pcache.get(p)
                if period is None:
                    period = self._period(p)
                app_stack(sid)
                app_weight(period)
                app_thread(root.thread)
                if len(frac) > 9:
                    frac = frac[:9]
                app_time(int(sec + frac) * _NS_SCALE[len(frac)])
        except OverflowError:
            raise BadNumber(_after(parts, i, offset, 0)()) from None

    def _feed_seen(self, parts: list[bytes | None]) -> bool:
        """The records of ``parts`` (``SPLIT.split`` of a text) in a few passes over columns,
        when every one is of the event kept, has a stack text seen under its prefix before or
        one :meth:`_learn` can take, and its time has a fraction as long as the others'; False
        (no sample added) otherwise."""
        n = (len(parts) - 1) // 10
        if n < 16 or not self.event_filter or parts[9::10].count(self.event_filter) != n:
            return False
        periods = parts[8::10]
        if periods.count(periods[0]) == n:
            weights = [self._period_cache.get(periods[0]) or self._period(periods[0])]
        else:
            weights = list(map(self._period_cache.get, periods))
            if None in weights:
                return False
        secs, fracs = parts[6::10], parts[7::10]
        digits = len(fracs[0])
        if digits > 9 or set(map(len, fracs)) != {digits} or max(map(len, secs)) > 9:
            return False
        try:
            weight = np.array(weights, dtype=np.int64)
        except OverflowError:
            return False  # the loop names the record
        codes = list(map(self._sample_codes.get, zip(parts[2::10], parts[10::10], strict=True)))
        if None in codes and not self._learn(parts, codes):
            return False
        time = _numbers(secs) * 10**9
        time += _numbers(fracs) * _NS_SCALE[digits]
        code = np.array(codes, dtype=np.int64)
        self.stack.frombytes((code >> 32).astype(np.int32).tobytes())
        self.weight.frombytes(np.broadcast_to(weight, n).tobytes())
        self.thread.frombytes((code & 0xFFFFFFFF).astype(np.int32).tobytes())
        self.time.frombytes(time.tobytes())
        return True

    def _learn(self, parts: list[bytes | None], codes: list[int | None]) -> bool:
        """Fill in the codes (None) of the records whose stack text is new under its prefix,
        interning what the loop would, in the same order; False at the first record that the
        loop must take (not one plain record, lines not understood or needing the full state
        machine, a pid beyond 64 bits), with what came before it learned."""
        roots, known = self._roots, self._sample_codes
        for i in [i for i, code in enumerate(codes) if code is None]:
            k = 10 * i + 1
            prefix, body = parts[k + 1], parts[k + 9]
            root = roots.get(prefix)  # type: ignore[arg-type]
            if root is None:
                try:
                    root = self._root(prefix, parts[k + 2], parts[k + 3], parts[k + 4])
                except OverflowError:
                    return False
            code = known.get((prefix, body))  # an earlier record of this chunk had it
            if code is None:
                # a blank line in the text (records of other layouts follow, or it ends in one)
                # makes it _COMPLEX, as lines for the full state machine do: the loop takes it
                bid = self._body(body, root)
                if bid < 0:
                    return False
                code = self._new_stack(root, body, bid) << 32 | root.thread
            codes[i] = code
        return True

    def _period(self, p: bytes | None) -> int:
        # stackcollapse-perf: a missing period or "0" counts 1 (Perl's false strings)
        period = int(p) if p and p != b"0" else 1
        if len(self._period_cache) < 4096:
            self._period_cache[p] = period
        return period

    def _feed_general(self, text: bytes, locate) -> None:
        """Records of any layout: ``text`` is a separator then records, at ``locate()``."""
        sub = RECORDS.split(text)
        for j in range(1, len(sub), 2):
            self._general(sub[j], sub[j + 1], _sub_locate(locate, sub, j))

    def _general(self, head: bytes, body: bytes, locate) -> None:
        """One record whose first line is ``head``, through stackcollapse-perf's regexes."""
        m = HEADER.match(head)
        if m is None or head[0] == 35:  # not a header, or a '#' comment
            self._slow(head + body, locate)
            return
        ev = EVENT.search(head)
        if ev is None and inline_frame(head) is not None:  # perf record without -g
            self._slow(head + body, locate)
            return
        period = 1
        if ev is not None:
            if ev[2] != self.event_filter:
                if self.event_filter:
                    self.dropped[ev[2]] += 1
                    return
                self.event_filter = ev[2]
            p = ev[1]
            period = int(p) if p and p != b"0" else 1
        root = self._roots.get(m[0]) or self._root(m[0], m[1], m[2], m[3])
        sid = root.stacks.get(body)
        if sid is None:
            sid = self._stack_of(root, head, body, locate)
            if sid is None:
                return
        self._add_sample(sid, root, period, _time(head, m.end()))

    def _stack_of(self, root: Root, head: bytes, body: bytes, locate) -> int | None:
        """Stack id of a record whose stack text is not cached for its root yet; None when
        the record went through the slow path instead."""
        bid = self._body(body, root)
        if bid == _COMPLEX:
            self._slow(head + body, locate)
            return None
        if bid < 0:
            bad = self._bad_info[bid]
            self._note_bad(bad.count, bad.first_line, bad.first_text, locate)
            return self._sid(root.frame, -bid - 2, self._line_path(body, root))
        return self._new_stack(root, body, bid)

    def _new_stack(self, root: Root, body: bytes, bid: int) -> int:
        """Stack id of a stack text of understood lines (body ``bid``) seen under ``root`` for
        the first time (or again, past the cache's size), remembered for the next time."""
        sid = self._sid(root.frame, bid, self._line_path(body, root))
        if len(root.stacks) < ROOT_CACHE_ENTRIES:
            root.stacks[body] = sid
            self._sample_codes[(root.prefix, body)] = sid << 32 | root.thread
            self._remember(len(body))
        return sid

    def _sid(self, root_frame: int, bid: int, lid: int = -1) -> int:
        """Id of the stack (root frame, body) whose frames ran the srcline places ``lid``."""
        key = (root_frame, bid) if lid < 0 else (root_frame, bid, lid)
        sid = self._stack_ids.get(key)
        if sid is None:
            sid = self._stack_ids[key] = len(self.stack_root)
            self.stack_root.append(root_frame)
            self.stack_body.append(bid)
            self.stack_lines.append(lid)
        return sid

    def _line_path(self, body: bytes, root: Root) -> int:
        """Id of the srcline places of a stack text's frames (root first, aligned with its
        frame sequence), or -1 when it has no srcline."""
        if not self._srclines or b"\n  " not in body:  # no srcline seen yet, or none here
            return -1
        cache, java = root.lines, root.java
        places: list[tuple[str, int]] = []  # leaf first
        group = 0  # frames of the last frame line
        found = False
        for line in body.split(b"\n")[1:]:
            g = cache.get(line)
            if g is None:
                g = self._frame_line(line, java)
            if g is _COMPLEX:
                return -1
            if type(g) is SrcLine:
                if group and (g.file, g.line) != _NO_PLACE:
                    places[-group] = (g.file, g.line)  # the innermost frame of the line
                    found = True
                continue
            if g is _BAD:
                continue
            group = len(g)
            places.extend([_NO_PLACE] * group)
        return self._intern_places(tuple(reversed(places))) if found else -1

    def _intern_places(self, places: tuple[tuple[str, int], ...]) -> int:
        lid = self._line_path_ids.get(places)
        if lid is None:
            lid = self._line_path_ids[places] = len(self.line_paths)
            self.line_paths.append(places)
        return lid

    def _root(self, prefix: bytes, comm: bytes, pid: bytes, tid: bytes | None) -> Root:
        """The root of a header's ``comm pid/tid`` prefix, remembered."""
        if not tid or tid == b"0":
            tid, pid = pid, b"?"
        if self.opts.tid:
            pname = comm + b"-" + pid + b"/" + tid
        elif self.opts.pid:
            pname = comm + b"-" + pid
        else:
            pname = comm
        pname = pname.replace(b" ", b"_")
        key = (-1 if pid == b"?" else int(pid), int(tid), self._text(comm))
        if key[0] > _INT64_MAX or key[1] > _INT64_MAX:
            raise OverflowError("a pid or tid beyond 64 bits")
        root = self._frame(self._text(pname), "", FrameKind.SYNTHETIC)
        thread = self._thread_ids.get(key)
        if thread is None:
            thread = self._thread_ids[key] = len(self.threads)
            self.threads.append(key)
        java = pname.startswith(b"java")
        out = Root(
            prefix,
            root,
            thread,
            java,
            {},
            self._line_cache[java],
            self._body_cache[java],
            self._line_frames[java],
        )
        self._roots[prefix] = out
        return out

    def _frame(self, name: str, module: str, kind: int) -> int:
        key = (name, module, int(kind))
        fid = self._frame_ids.get(key)
        if fid is None:
            fid = self._frame_ids[key] = len(self.frames)
            self.frames.append(key)
        return fid

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad_utf8 = True
            return raw.decode("utf-8", errors="replace")

    # -- stack texts ---------------------------------------------------------------------------
    def _body(self, body: bytes, root: Root) -> int:
        """Code of a record's stack text (``\\n`` + lines): the id of its frame sequence when
        every line is understood, ``-2 - id`` when some lines are not, or _COMPLEX; remembered
        for the root's kind."""
        code = root.bodies.get(body)
        if code is not None:
            return code
        try:  # the common case: every line known, and one frame
            code = self._intern_packed(
                b"".join(map(root.line_frames.__getitem__, body.split(b"\n")[:0:-1]))
            )
        except KeyError:
            code = self._body_by_lines(body, root)
        root.bodies[body] = code
        self._remember(len(body))
        return code

    def _body_by_lines(self, body: bytes, root: Root) -> int:
        """:meth:`_body` of a stack text with new lines, or lines of no or several frames."""
        cache, java, line_frames = root.lines, root.java, root.line_frames
        groups = []
        bad: list[tuple[int, bytes]] = []
        for index, line in enumerate(body.split(b"\n")[1:], 1):
            g = cache.get(line)
            if g is None:
                g = cache[line] = self._frame_line(line, java)
                if type(g) is tuple and len(g) == 1 and g is not _BAD:
                    line_frames[line] = _PACK(g[0])
                self._remember_line(len(line))
            if g is _COMPLEX:
                return _COMPLEX
            if g is _BAD:
                bad.append((index, line))
                continue
            groups.append(g)
        code = self._intern(chain.from_iterable(reversed(groups)))
        if bad:
            code = -2 - code
            self._bad_info[code] = BadLines(len(bad), *bad[0])
        return code

    def _remember(self, size: int) -> None:
        """Account for a cached stack text; past the budget the stack text caches start over."""
        self._body_cache_bytes += size + 100
        if self._body_cache_bytes > BODY_CACHE_BYTES:
            for cache in self._body_cache:
                cache.clear()
            for root in self._roots.values():
                root.stacks.clear()
            self._sample_codes.clear()
            self._body_cache_bytes = 0

    def _remember_line(self, size: int) -> None:
        """Account for a cached stack line; past the budget the line caches start over."""
        self._line_cache_bytes += size + 100
        if self._line_cache_bytes > LINE_CACHE_BYTES:
            for cache in (*self._line_cache, *self._line_frames):
                cache.clear()
            self._line_cache_bytes = 0

    def _intern(self, frames: Iterable[int]) -> int:
        """Id of the body of these frame ids (root first)."""
        return self._intern_packed(array("i", frames).tobytes())

    def _intern_packed(self, frames: bytes) -> int:
        """Id of the body of these frame ids, packed as native int32."""
        bid = self._body_ids.get(frames)
        if bid is None:
            bid = self._body_ids[frames] = len(self._body_ids)
            self.body_frames += frames
            self.body_starts.append(len(self.body_frames) // 4)
        return bid

    def _frame_line(self, line: bytes, java: bool):
        """Frame ids of one stack line; () for none, _BAD if not understood, or _COMPLEX."""
        if line.startswith(b"#"):
            return ()
        if not line or HEADER.match(line):
            return _COMPLEX
        m = FRAME.match(line)
        if m is None:
            src = self._srcline(line)
            return _BAD if src is None else src
        return tuple(self._frames(m, java))

    def _srcline(self, line: bytes) -> SrcLine | None:
        """The srcline of a ``  file:line`` line (perf's indent of two spaces), else None."""
        if not line.startswith(b"  ") or line[2:3] in (b" ", b"\t", b""):
            return None
        text = line[2:]
        cut = text.rfind(b" (discriminator ")
        if cut > 0 and text.endswith(b")"):
            text = text[:cut]
        self._srclines = True
        file, colon, number = text.rpartition(b":")
        if not (colon and file and number.isdigit()) or len(number) > 9:
            return SrcLine("", 0)  # perf could not tell, e.g. "[kernel.kallsyms][ffffffff8120]"
        return SrcLine(self._text(file), int(number))

    def _frames(self, m: tuple[bytes, bytes, bytes, bytes], java: bool) -> list[int]:
        """stackcollapse-perf's naming rules for one frame line (several when inlined)."""
        pc, rawfunc, mod = m[1], m[2], m[3]
        opts = self.opts
        rawfunc = _OFFSET.sub(b"", rawfunc, count=1)
        if rawfunc.startswith(b"("):
            return []
        parts = rawfunc.split(b"->")
        while parts and not parts[-1]:  # Perl's split drops trailing empty fields
            parts.pop()
        is_kernel = (mod.startswith(b"[") or mod.endswith(b"vmlinux")) and b"unknown" not in mod
        is_perf_map = _PERF_MAP.search(mod) is not None
        if is_perf_map or _JITDUMP.search(mod) or mod.startswith(b"[JIT]"):
            kind = FrameKind.JIT
        elif is_kernel:
            kind = FrameKind.KERNEL
        else:
            kind = FrameKind.NATIVE
        module = self._text(mod)
        out: list[int] = []
        for i, part in enumerate(parts):
            func = part
            if func == b"[unknown]":
                func = mod.rpartition(b"/")[2] if mod != b"[unknown]" else b"unknown"
                func = b"[" + func + b" <" + pc + b">]" if opts.addrs else b"[" + func + b"]"
            func = func.replace(b";", b":")
            if not _is_go_method(func):
                func = _ARGS.sub(b"", func, count=1)
            func = func.replace(b'"', b"").replace(b"'", b"")
            if java and b"/" in func and func.startswith(b"L"):
                func = func[1:]
            if i > 0:
                if b"_[i]" not in func:
                    func += b"_[i]"
            elif opts.kernel and is_kernel:
                func += b"_[k]"
            elif opts.jit and is_perf_map and b"_[j]" not in func:
                func += b"_[j]"
            fkind = FrameKind.UNKNOWN if part == b"[unknown]" and kind != FrameKind.JIT else kind
            out.append(self._frame(self._text(func), module, fkind))
        return out

    # -- the full state machine, for unusual records -----------------------------------------
    def _slow(self, rec: bytes, locate) -> None:
        """stackcollapse-perf's line-by-line state machine over one record's text."""
        root = None
        period = 1
        timestamp = NO_TIME
        frames: list[int] = []
        places: list[tuple[str, int]] = []  # srcline places of ``frames``
        group = 0  # frames of the last frame line
        for line_no, line in enumerate([*rec.split(b"\n"), b""]):
            if line.startswith(b"#"):
                continue
            if not line:  # a blank line ends a sample
                if root is not None:
                    placed = any(p != _NO_PLACE for p in places)
                    lid = self._intern_places(tuple(places)) if placed else -1
                    bid = self._intern(frames)
                    self._add_sample(self._sid(root.frame, bid, lid), root, period, timestamp)
                root = None
                frames, places, group = [], [], 0
                continue
            m = HEADER.match(line)
            if m is None and line[:1] == b" ":  # without -g the command name is right-aligned
                flat = line.lstrip(b" ")
                if inline_frame(flat) is not None:
                    line = flat
                    m = HEADER.match(line)
            if m is not None:
                inline = inline_frame(line) if EVENT.search(line) is None else None
                ev = EVENT.search(inline[0] if inline else line)
                new_period = 1
                if ev is not None:
                    event = ev[2]
                    if not self.event_filter:
                        self.event_filter = event
                    if event != self.event_filter:
                        self.dropped[event] += 1
                        continue
                    p = ev[1]
                    if p and p != b"0":
                        new_period = int(p)
                period = new_period
                root = self._roots.get(m[0]) or self._root(m[0], m[1], m[2], m[3])
                timestamp = _time(line, m.end())
                fm = FRAME.match(inline[1]) if inline else None
                if fm is not None:  # the sample's only frame, on its header line
                    self._add(root, self._intern(self._frames(fm, root.java)), period, timestamp)
                    self.no_callchain += 1
                    root = None
                continue
            fm = FRAME.match(line)
            if fm is not None:
                if root is not None:
                    new = self._frames(fm, root.java)
                    frames[:0] = new
                    places[:0] = [_NO_PLACE] * len(new)
                    group = len(new)
                continue
            src = self._srcline(line)
            if src is not None:
                if root is not None and group:
                    places[group - 1] = (src.file, src.line)
                continue
            self._note_bad(1, line_no, line, locate)

    def _add(self, root: Root, bid: int, period: int, timestamp: int) -> None:
        self._add_sample(self._sid(root.frame, bid), root, period, timestamp)

    def _add_sample(self, sid: int, root: Root, period: int, timestamp: int) -> None:
        self.stack.append(sid)
        self.weight.append(period)
        self.thread.append(root.thread)
        self.time.append(timestamp)
        if timestamp == NO_TIME:
            self.untimed += 1

    def _note_bad(self, count: int, line: int, text: bytes, locate) -> None:
        """Count unrecognized lines; remember where the first one is."""
        self.bad_lines += count
        if self.first_bad is None:
            self.first_bad = Located(locate(), line, text)


_POWERS = 10 ** np.arange(18, -1, -1, dtype=np.int64)


def _numbers(texts: list[bytes]) -> np.ndarray:
    """int64 values of decimal texts (of at most 18 digits): read as a matrix of digits when
    they are all as long, else parsed by numpy one by one."""
    width = len(texts[0])
    if set(map(len, texts)) != {width}:
        return np.array(texts).astype(np.int64)
    digits = np.frombuffer(b"".join(texts), dtype=np.uint8).reshape(len(texts), width) - 48
    return digits.astype(np.int64) @ _POWERS[-width:]


def _is_go_method(func: bytes) -> bool:
    """``\\.\\(.*\\)\\.`` found in ``func`` (a Go method such as ``net/http.(*Client).Do``)."""
    at = func.find(b".(")
    return at >= 0 and func.rfind(b").") >= at + 2


def _time(line: bytes, pos: int) -> int:
    """The timestamp in ns of a header line whose comm and pid/tid end at ``pos``."""
    t = TIME_AT.match(line, pos) or TIME.search(line, pos)
    if t is None:
        return NO_TIME
    frac = t[2][:9]
    return int(t[1] + frac) * _NS_SCALE[len(frac)]


def _after(parts: list[bytes], index: int, offset: int, delta: int):
    """A function giving ``delta`` plus the byte offset of the header line of the record at
    ``parts[index]`` of ``SPLIT.split(text)`` (text at ``offset``); computed only if needed."""

    def locate() -> int:
        pos = offset + len(parts[0])
        for i in range(1, index, 10):
            pos += 2 + len(parts[i]) + len(parts[i + 9])
        return pos + 2 + delta

    return locate


def _sub_locate(locate, sub: list[bytes], j: int):
    """Offset of record ``sub[j]`` of ``RECORDS.split(text)`` where text is at ``locate()``."""

    def where() -> int:
        pos = locate() + len(sub[0])
        for i in range(1, j, 2):
            pos += 2 + len(sub[i]) + len(sub[i + 1])
        return pos + 2

    return where


def first_event(text: bytes) -> bytes:
    """The event of the first header line that names one (as the default event filter)."""
    for line in text.split(b"\n"):
        if line.startswith(b"#"):
            continue
        line = line.lstrip(b" ")
        if HEADER.match(line):
            inline = inline_frame(line)
            ev = EVENT.search(inline[0] if inline else line)
            if ev is not None:
                return ev[2]
    return b""
