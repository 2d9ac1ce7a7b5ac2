"""``perf script`` text: one sample per event, folded like FlameGraph's stackcollapse-perf.

Each event record is a header line (``comm [pid/]tid [cpu] time: [period] event:``), then one
line per stack frame (leaf first), then a blank line. Frame names are cleaned with the same rules
as ``stackcollapse-perf.pl`` so that ``convert --to folded`` reproduces its output byte for byte;
the process name (comm, spaces turned into ``_``) is the root frame.

Weights: the event period when the header carries one, else 1. Clock events (``cpu-clock``,
``task-clock``) count nanoseconds of CPU time, so their profiles are in ``nanoseconds``; every
other event (cycles, instructions, page faults, ...) is in ``samples``, each sample weighing its
period (the number of events it stands for) or 1. Only one event type is kept: the one named by
``event_filter``, by default the first one seen.

Speed: records are split out of large chunks with bytes operations; a record's stack text is
looked up whole in a cache, so only new stack texts (and only their new lines) are parsed.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..builder import ProfileBuilder
from ..model import FrameKind, Profile
from ..progress import byte_progress
from ..sources import Source

# The record grammar of stackcollapse-perf (same regular expressions, same precedence).
HEADER = re.compile(rb"^(\S.+?)\s+(\d+)/*(\d+)*\s+")
EVENT = re.compile(rb":\s*(\d+)*\s+(\S+):\s*$")
FRAME = re.compile(rb"^\s*(\w+)\s*(.+) \((.*)\)")
TIME = re.compile(rb"(?<!\S)(\d+)\.(\d+):(?!\S)")

_OFFSET = re.compile(rb"\+0x[\da-f]+$")
_DIRNAME = re.compile(rb".*/")
_GO_METHOD = re.compile(rb"\.\(.*\)\.")
_ARGS = re.compile(rb"\((?!anonymous namespace\)).*")
_PERF_MAP = re.compile(rb"/tmp/perf-\d+\.map")
_JITDUMP = re.compile(rb"jitted-\d+-\d+\.so$")

CHUNK = 8 << 20
BODY_CACHE_BYTES = 64 << 20  # raw stack texts remembered; beyond this the cache starts over
CLOCK_EVENTS = {b"cpu-clock", b"task-clock"}

_COMPLEX = -1  # a stack text that needs the full line-by-line state machine
_BAD = (-1,)  # a line that is neither a header nor a frame
_NS_SCALE = {n: 10 ** (9 - n) for n in range(10)}


class _Overflow(Exception):
    """A header number too large for 64 bits; args[0] is the record's offset."""


@dataclass(frozen=True)
class PerfOptions:
    """The options of stackcollapse-perf, with its defaults."""

    pid: bool = False  # root frame comm-PID
    tid: bool = False  # root frame comm-PID/TID
    kernel: bool = False  # append _[k] to kernel frames
    jit: bool = False  # append _[j] to frames from /tmp/perf-PID.map
    addrs: bool = False  # unknown frames as [module <address>]
    event_filter: bytes = b""  # keep only this event; empty: the first event seen

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> PerfOptions:
        every = bool(options.get("all"))
        event = options.get("event_filter") or ""
        return cls(
            pid=bool(options.get("pid")),
            tid=bool(options.get("tid")),
            kernel=every or bool(options.get("kernel")),
            jit=every or bool(options.get("jit")),
            addrs=bool(options.get("addrs")),
            event_filter=event.encode() if isinstance(event, str) else bytes(event),
        )


def sniff(head: bytes) -> bool:
    """A sample header line followed by a stack frame line or a blank line."""
    lines = head.split(b"\n")[:-1][:400]
    checked = 0
    for i, line in enumerate(lines):
        if not line or line.startswith(b"#"):
            continue
        checked += 1
        if checked > 40:
            return False
        if HEADER.match(line) and line.rstrip().endswith(b":") and i + 1 < len(lines):
            after = lines[i + 1]
            if not after or FRAME.match(after):
                return True
    return False


@dataclass
class _Stats:
    """What the parser saw besides samples: for warnings and errors."""

    events: Counter = field(default_factory=Counter)  # event name -> samples seen
    bad_lines: int = 0
    first_bad: tuple[int, bytes] | None = None
    untimed: int = 0
    bad_utf8: bool = False


class PerfParser:
    """Turns ``perf script`` text into frames, unique stacks and per-event columns.

    Records are independent of each other except for the default event filter, so the parser
    consumes whole records (text between blank lines) chunk by chunk.
    """

    def __init__(self, builder: ProfileBuilder, source: Source, options: PerfOptions) -> None:
        self.builder = builder
        self.source = source
        self.opts = options
        self.event_filter = options.event_filter
        self.stats = _Stats()
        # caches
        self._line_cache: tuple[dict[bytes, Any], dict[bytes, Any]] = ({}, {})
        self._body_cache: tuple[dict[bytes, int], dict[bytes, int]] = ({}, {})
        self._body_cache_bytes = 0
        self._body_ids: dict[tuple[int, ...], int] = {}
        self._bodies: list[tuple[int, ...]] = []
        # stack texts with unrecognized lines: code -> (count, line offset in record, text)
        self._bad_info: dict[int, tuple[int, int, bytes]] = {}
        self._roots: dict[bytes, tuple[int, int, bool]] = {}  # header prefix -> root, thread, java
        self._stack_ids: dict[tuple[int, int], int] = {}
        self._stacks: list[tuple[int, int]] = []
        # per-event columns
        self.stack = array("i")
        self.weight = array("q")
        self.time = array("q")
        self.thread = array("i")

    # -- records -----------------------------------------------------------------------------
    def feed(self, chunk: bytes, first_line: int) -> None:
        """Parse ``chunk``, a run of whole records; ``first_line`` is its first line's number."""
        if b"\x00" in chunk:
            at = chunk.index(b"\x00")
            raise self.source.error(
                "binary data (a NUL byte) in the text",
                line=first_line + chunk.count(b"\n", 0, at),
                hint="is the capture corrupted? for perf.data run 'perf script' first",
            )
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        try:
            self._feed_records(chunk, first_line)
        except _Overflow as exc:
            raise self.source.error(
                "a number in a sample header is too large",
                line=first_line + chunk.count(b"\n", 0, exc.args[0]),
            ) from None

    def _feed_records(self, chunk: bytes, first_line: int) -> None:
        header_match = HEADER.match
        event_search = EVENT.search
        time_search = TIME.search
        roots = self._roots
        body_caches = self._body_cache
        stack_ids = self._stack_ids
        event_filter = self.event_filter
        events = self.stats.events
        app_stack, app_weight = self.stack.append, self.weight.append
        app_time, app_thread = self.time.append, self.thread.append
        pos = start = 0
        try:
            for rec in chunk.split(b"\n\n"):
                start = pos
                pos += len(rec) + 2
                if not rec:
                    continue
                if rec[0] == 10:  # blank lines before the record
                    stripped = rec.lstrip(b"\n")
                    start += len(rec) - len(stripped)
                    rec = stripped
                    if not rec:
                        continue
                if rec[-1] == 10:  # the last record, followed by the end of the text
                    rec = rec.rstrip(b"\n")
                nl = rec.find(b"\n")
                head = rec if nl < 0 else rec[:nl]
                m = header_match(head)
                if m is None or head[0] == 35:  # not a header, or a '#' comment
                    self._record_slow(rec, chunk, start, first_line)
                    continue
                ev = event_search(head)
                period = 1
                if ev is not None:
                    event = ev[2]
                    if not event_filter:
                        event_filter = self.event_filter = event
                    events[event] += 1
                    if event != event_filter:
                        continue
                    p = ev[1]
                    if p and p != b"0":
                        period = int(p)
                prefix = m[0]
                root = roots.get(prefix)
                if root is None:
                    root = self._root(m)
                body = b"" if nl < 0 else rec[nl + 1 :]
                cache = body_caches[root[2]]
                bid = cache.get(body)
                if bid is None:
                    bid = self._body(body, root[2])
                if bid < 0:
                    if bid == _COMPLEX:
                        self._record_slow(rec, chunk, start, first_line)
                        continue
                    self._note_bad(self._bad_info[bid], chunk, start, first_line)
                    bid = -bid - 2
                key = (root[0], bid)
                sid = stack_ids.get(key)
                if sid is None:
                    sid = stack_ids[key] = len(self._stacks)
                    self._stacks.append(key)
                app_stack(sid)
                app_weight(period)
                app_thread(root[1])
                t = time_search(head, m.end())
                if t is None:
                    app_time(-1)
                    self.stats.untimed += 1
                else:
                    frac = t[2]
                    if len(frac) <= 9:
                        app_time(int(t[1] + frac) * _NS_SCALE[len(frac)])
                    else:
                        app_time(int(t[1] + frac[:9]))
        except OverflowError:
            raise _Overflow(start) from None

    def _root(self, m: re.Match) -> tuple[int, int, bool]:
        """Root frame, thread and Java flag for a header's comm/pid/tid prefix."""
        comm, pid, tid = m[1], m[2], m[3]
        if not tid or tid == b"0":
            tid, pid = pid, b"?"
        if self.opts.tid:
            pname = comm + b"-" + pid + b"/" + tid
        elif self.opts.pid:
            pname = comm + b"-" + pid
        else:
            pname = comm
        pname = pname.replace(b" ", b"_")
        b = self.builder
        root = b.frame(self._text(pname), kind=FrameKind.SYNTHETIC)
        thread = b.thread(-1 if pid == b"?" else int(pid), int(tid), self._text(comm))
        out = (root, thread, pname.startswith(b"java"))
        self._roots[m[0]] = out
        return out

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.stats.bad_utf8 = True
            return raw.decode("utf-8", errors="replace")

    # -- stack texts ---------------------------------------------------------------------------
    def _body(self, body: bytes, java: bool) -> int:
        """Code of a record's stack lines: the id of their frame sequence (root first) when
        every line is understood, ``-2 - id`` when some lines are not, or _COMPLEX."""
        lines = body.split(b"\n") if body else []
        cache = self._line_cache[java]
        groups = []
        bad: list[tuple[int, bytes]] = []
        code = _COMPLEX
        for index, line in enumerate(lines):
            g = cache.get(line)
            if g is None:
                g = cache[line] = self._frame_line(line, java)
            if g is _COMPLEX:
                break
            if g is _BAD:
                bad.append((index + 1, line))
                continue
            groups.append(g)
        else:
            code = self._intern(tuple(f for g in reversed(groups) for f in g))
            if bad:
                code = -2 - code
                self._bad_info[code] = (len(bad), *bad[0])
        if self._body_cache_bytes > BODY_CACHE_BYTES:
            for c in self._body_cache:
                c.clear()
            self._body_cache_bytes = 0
        self._body_cache[java][body] = code
        self._body_cache_bytes += len(body) + 80
        return code

    def _intern(self, frames: tuple[int, ...]) -> int:
        bid = self._body_ids.get(frames)
        if bid is None:
            bid = self._body_ids[frames] = len(self._bodies)
            self._bodies.append(frames)
        return bid

    def _frame_line(self, line: bytes, java: bool):
        """Frame ids of one stack line; () for none, _BAD if not understood, or _COMPLEX."""
        if line.startswith(b"#"):
            return ()
        if not line or HEADER.match(line):
            return _COMPLEX
        m = FRAME.match(line)
        if m is None:
            return _BAD
        return tuple(self._frames(m, java))

    def _frames(self, m: re.Match, java: bool) -> list[int]:
        """stackcollapse-perf's naming rules for one frame line (several when inlined)."""
        pc, rawfunc, mod = m[1], m[2], m[3]
        opts = self.opts
        rawfunc = _OFFSET.sub(b"", rawfunc, count=1)
        if rawfunc.startswith(b"("):
            return []
        parts = rawfunc.split(b"->")
        while parts and not parts[-1]:
            parts.pop()
        is_kernel = (mod.startswith(b"[") or mod.endswith(b"vmlinux")) and b"unknown" not in mod
        is_perf_map = _PERF_MAP.search(mod) is not None
        out: list[int] = []
        for i, func in enumerate(parts):
            unknown = False
            if func == b"[unknown]":
                if mod != b"[unknown]":
                    func = _DIRNAME.sub(b"", mod, count=1)
                else:
                    func = b"unknown"
                    unknown = True
                func = b"[" + func + b" <" + pc + b">]" if opts.addrs else b"[" + func + b"]"
            func = func.replace(b";", b":")
            if not _GO_METHOD.search(func):
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
            if is_perf_map or _JITDUMP.search(mod) or mod.startswith(b"[JIT]"):
                kind = FrameKind.JIT
            elif is_kernel:
                kind = FrameKind.KERNEL
            elif unknown:
                kind = FrameKind.UNKNOWN
            else:
                kind = FrameKind.NATIVE
            out.append(self.builder.frame(self._text(func), module=self._text(mod), kind=kind))
        return out

    # -- the full state machine, for unusual records -----------------------------------------
    def _record_slow(self, rec: bytes, chunk: bytes, start: int, first_line: int) -> None:
        """stackcollapse-perf's line-by-line state machine over one record."""
        base = first_line + chunk.count(b"\n", 0, start)
        root = None
        period = 1
        timestamp = -1
        frames: list[int] = []
        for offset, line in enumerate([*rec.split(b"\n"), b""]):
            if line.startswith(b"#"):
                continue
            if not line:  # end of a sample
                if root is not None:
                    self._add(root, self._intern(tuple(frames)), period, timestamp)
                root = None
                frames = []
                continue
            m = HEADER.match(line)
            if m is not None:
                ev = EVENT.search(line)
                new_period = 1
                if ev is not None:
                    event = ev[2]
                    if not self.event_filter:
                        self.event_filter = event
                    self.stats.events[event] += 1
                    if event != self.event_filter:
                        continue
                    p = ev[1]
                    if p and p != b"0":
                        new_period = int(p)
                period = new_period
                root = self._roots.get(m[0]) or self._root(m)
                t = TIME.search(line, m.end())
                if t is None:
                    timestamp = -1
                else:
                    frac = t[2][:9]
                    timestamp = int(t[1] + frac) * _NS_SCALE[len(frac)]
                continue
            fm = FRAME.match(line)
            if fm is not None:
                if root is not None:
                    frames[:0] = self._frames(fm, root[2])
                continue
            self._note_bad((1, offset, line), chunk, start, first_line, base)

    def _add(self, root: tuple[int, int, bool], bid: int, period: int, timestamp: int) -> None:
        key = (root[0], bid)
        sid = self._stack_ids.get(key)
        if sid is None:
            sid = self._stack_ids[key] = len(self._stacks)
            self._stacks.append(key)
        self.stack.append(sid)
        self.weight.append(period)
        self.thread.append(root[1])
        self.time.append(timestamp)
        if timestamp < 0:
            self.stats.untimed += 1

    def _note_bad(
        self,
        bad: tuple[int, int, bytes],
        chunk: bytes,
        start: int,
        first_line: int,
        base: int | None = None,
    ) -> None:
        """Count unrecognized lines; remember where the first one is."""
        self.stats.bad_lines += bad[0]
        if self.stats.first_bad is None:
            if base is None:
                base = first_line + chunk.count(b"\n", 0, start)
            self.stats.first_bad = (base + bad[1], bad[2])

    # -- results ------------------------------------------------------------------------------
    def stack_nodes(self) -> np.ndarray:
        """Call-tree node of every unique stack, built root first through the builder."""
        path = self.builder.stack_path
        bodies = self._bodies
        nodes = np.empty(len(self._stacks), dtype=np.int32)
        for i, (root, bid) in enumerate(self._stacks):
            nodes[i] = path(bodies[bid], path((root,)))
        return nodes


def _check_last_line(source: Source, data: bytes, line_number: int) -> None:
    """Refuse a capture that ends in the middle of a line (a truncated file)."""
    last = data[data.rfind(b"\n") + 1 :]
    if not last or last.startswith(b"#"):
        return
    m = FRAME.match(last)
    if m is not None and last.rstrip().endswith(b")"):
        return
    if HEADER.match(last) and EVENT.search(last):
        return
    shown = last[:60].decode("utf-8", "replace")
    raise source.error(
        f"the capture ends in the middle of a line: {shown!r}",
        line=line_number,
        hint="the file looks truncated; run perf script again",
    )


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import ``perf script`` text: one sample per event of the kept event type."""
    opts = PerfOptions.from_mapping(options)
    builder = ProfileBuilder("perf", unit="samples", name=source.stem)
    parser = PerfParser(builder, source, opts)
    line = 1
    tail = b""
    with source.open() as stream, byte_progress(source) as bar:
        while True:
            data = stream.read(CHUNK)
            if not data:
                break
            data = tail + data if tail else data
            cut = data.rfind(b"\n\n")
            if cut < 0:
                tail = data
                continue
            head, tail = data[: cut + 2], data[cut + 2 :]
            parser.feed(head, line)
            line += head.count(b"\n")
            if bar is not None:
                bar.update_to(_tell(stream))
    if tail:
        _check_last_line(source, tail, line + tail.count(b"\n"))
        parser.feed(tail, line)
    return _build(parser, builder, source, opts)


def _tell(stream) -> int:
    from ..sources import _tell as tell

    return tell(stream)


def _build(
    parser: PerfParser, builder: ProfileBuilder, source: Source, opts: PerfOptions
) -> Profile:
    stats = parser.stats
    kept = parser.event_filter
    n = len(parser.stack)
    if n == 0:
        if stats.events and kept:
            seen = ", ".join(f"{e.decode(errors='replace')} ({c})" for e, c in stats.events.items())
            raise source.error(
                f"no samples of event {kept.decode(errors='replace')!r}",
                hint=f"the capture has: {seen}",
            )
        if stats.first_bad is not None:
            raise source.error(
                "no perf samples found: "
                f"{stats.first_bad[1][:60].decode('utf-8', 'replace')!r} is not perf script text",
                line=stats.first_bad[0],
                hint="expected 'comm pid time: event:' headers followed by stack lines",
            )
        raise source.error(
            "no perf samples found",
            hint="expected 'comm pid time: event:' headers followed by stack lines",
        )
    dropped = {e: c for e, c in stats.events.items() if e != kept}
    if dropped:
        listing = ", ".join(f"{e.decode(errors='replace')} ({c})" for e, c in dropped.items())
        builder.warn(
            f"{source.name}: kept the {stats.events[kept]} samples of event "
            f"{kept.decode(errors='replace')!r}; dropped {sum(dropped.values())} samples of "
            f"other events: {listing} (choose one with --event-filter)"
        )
    if stats.bad_lines:
        lineno, text = stats.first_bad  # type: ignore[misc]
        builder.warn(
            f"{source.name}:{lineno}: ignored {stats.bad_lines} unrecognized line(s), the first: "
            f"{text[:80].decode('utf-8', 'replace')!r}"
        )
    if stats.bad_utf8:
        builder.warn(f"{source.name}: invalid UTF-8 in names replaced with U+FFFD")
    nodes = parser.stack_nodes()
    stack = nodes[np.frombuffer(parser.stack, dtype=np.int32)]
    weight = np.frombuffer(parser.weight, dtype=np.int64)
    thread = np.frombuffer(parser.thread, dtype=np.int32)
    times = None
    meta: dict[str, Any] = {}
    if stats.untimed == 0:
        raw = np.frombuffer(parser.time, dtype=np.int64)
        start = int(raw.min())
        times = raw - start
        meta["start_ns"] = start
        meta["duration_ns"] = int(raw.max()) - start
    elif stats.untimed < n:
        builder.warn(
            f"{source.name}: {stats.untimed} of {n} samples have no timestamp; "
            "timestamps are left out"
        )
    base_event = kept.split(b":")[0]
    if base_event in CLOCK_EVENTS and weight.min() > 1:
        meta["unit"] = "nanoseconds"
        meta["period_ns"] = int(np.median(weight))
    builder.add_samples(stack, weight, times=times, threads=thread)
    return builder.build(**meta)
