"""``perf script`` text: one sample per event, folded like FlameGraph's stackcollapse-perf.

Each sample keeps its stack (the process name, comm with spaces turned into ``_``, as the root
frame, leaf last), its weight, its timestamp (ns since the earliest sample) and its thread (pid,
tid, comm). ``convert --to folded`` reproduces ``stackcollapse-perf.pl`` byte for byte, with the
same options (``pid``, ``tid``, ``kernel``, ``jit``, ``all``, ``addrs``, ``event_filter``).

Weights: the event period when the header carries one, else 1. Clock events (``cpu-clock``,
``task-clock``) with periods count nanoseconds of CPU time, so those profiles are in
``nanoseconds``; every other profile is in ``samples``, each sample weighing its period (the
number of events it stands for, e.g. cycles) or 1. Only one event type is kept: ``event_filter``,
by default the first one seen; the others are counted and reported in a warning.

Large plain files are parsed by two processes (``jobs``, or FLAMEKIT_JOBS, asks for another
number), each taking a part of the text (split at blank lines between records); their tables
are merged into the same profile one process would build.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import FrameKind, Profile
from ..progress import byte_progress
from ..sources import Source
from . import parallel
from .gc_pause import gc_paused
from .perf_parse import (
    FRAME,
    HEADER,
    NO_TIME,
    BadNumber,
    ParseResult,
    PerfOptions,
    PerfParser,
    first_event,
    inline_frame,
)
from .perf_read import RegionError, line_at, pieces

PARALLEL_MIN = 48 << 20  # smaller files are parsed in one process
CLOCK_EVENTS = {b"cpu-clock", b"task-clock"}


def sniff(head: bytes) -> bool:
    """A sample header line (``... NNN ... event:``) followed by a frame line or a blank line."""
    lines = head.split(b"\n")[:-1][:400]
    checked = 0
    for i, line in enumerate(lines):
        if not line or line.startswith(b"#"):
            continue
        checked += 1
        if checked > 40:
            return False
        flat = line.lstrip(b" ")  # without -g, perf script right-aligns the command name
        following = lines[i + 1].lstrip(b" ") if i + 1 < len(lines) else None
        if (
            following is not None
            and HEADER.match(flat)
            and inline_frame(flat)
            and (not following or HEADER.match(following))
        ):
            return True  # perf record without -g: the one frame is on the header line
        if HEADER.match(line) and line.rstrip().endswith(b":") and i + 1 < len(lines):
            after = lines[i + 1]
            if not after or FRAME.match(after):
                return True
    return False


def options_from(options: Mapping[str, Any]) -> PerfOptions:
    """PerfOptions from the importer options given on the command line or to ``load``."""
    every = bool(options.get("all"))
    event = options.get("event_filter") or ""
    return PerfOptions(
        pid=bool(options.get("pid")),
        tid=bool(options.get("tid")),
        kernel=every or bool(options.get("kernel")),
        jit=every or bool(options.get("jit")),
        addrs=bool(options.get("addrs")),
        event_filter=event.encode() if isinstance(event, str) else bytes(event),
    )


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import ``perf script`` text: one sample per event of the kept event type."""
    opts = options_from(options)
    jobs = parallel.jobs_wanted(options)
    split = _split_points(source, opts, jobs) if jobs > 1 else None
    try:
        results = None
        if split is not None:
            points, event = split
            opts = PerfOptions(**{**opts.__dict__, "event_filter": event})
            results = _parse_parts(source, opts, points)
        if results is None:  # one process, or another process failed: do it all here
            with byte_progress(source) as bar:
                results = [(0, _parse_region(source, opts, 0, None, bar and bar.update_to))]
    except RegionError as exc:
        offset, message, hint = exc.args
        raise source.error(message, line=line_at(source, offset), hint=hint) from None
    return _build(source, results)


# -- reading --------------------------------------------------------------------------------
def _parse_region(
    source: Source, opts: PerfOptions, start: int, end: int | None, progress=None
) -> ParseResult:
    """Parse the text from byte ``start`` to ``end`` (None: the end) with one parser;
    ``progress(done)`` is told how many bytes of the region it has read."""
    parser = PerfParser(opts)
    with gc_paused(), contextlib.closing(pieces(source, start, end)) as texts:
        for text, offset, done in texts:
            try:
                parser.feed(text, offset)
            except BadNumber as exc:
                raise RegionError(
                    exc.args[0], "a number in a sample header is too large", None
                ) from None
            if progress is not None:
                progress(done)
    return parser.result()


# -- more processes -------------------------------------------------------------------------
def _split_points(source: Source, opts: PerfOptions, jobs: int) -> tuple[list[int], bytes] | None:
    """Where each of ``jobs - 1`` other processes can start (blank lines near the j/jobs
    points of the text), and the event filter; None if the text is not to be split."""
    if source.gzipped or source.size < PARALLEL_MIN or not parallel.can_fork():
        return None
    event = opts.event_filter or first_event(source.head[: source.head.rfind(b"\n")])
    if not event:
        return None
    points: list[int] = []
    for j in range(1, jobs):
        after = points[-1] + 2 if points else 0  # past the separator before
        at = _blank_line_after(source, max(source.size * j // jobs, after))
        if at is None:
            break
        points.append(at)
    return (points, event) if points else None


def _blank_line_after(source: Source, start: int) -> int | None:
    """Offset of the first blank-line separator (``\\n\\n``, not CRLF's) at or after ``start``."""
    with source.open() as stream:
        stream.seek(start)
        pos = stream.tell()
        prev = b""
        while True:
            data = stream.read(1 << 20)
            if not data:
                return None
            buf = prev + data
            at = buf.find(b"\n\n")
            while at >= 0 and (at == 0 or buf[at - 1] == 13):
                at = buf.find(b"\n\n", at + 1)
            if at >= 0:
                return pos - len(prev) + at
            prev = buf[-2:]
            pos += len(data)


def _parse_parts(
    source: Source, opts: PerfOptions, points: list[int]
) -> list[tuple[int, ParseResult]] | None:
    """Parse [0, points[0]) here and the text from each point to the next in a process of its
    own; a child's text starts at its point. None if a child failed for a reason of its own
    (not the input); an error of the input is that of the earliest region that has one."""
    ends: list[int | None] = [*points[1:], None]
    with contextlib.ExitStack() as stack:
        children = [
            stack.enter_context(parallel.Beside(_child_work(source, opts, at, end)))
            for at, end in zip(points, ends, strict=True)
        ]
        with byte_progress(source) as bar:

            def progress(done: int) -> None:
                bar.update_to(done + sum(child.progress() for child in children))

            mine = _parse_region(source, opts, 0, points[0], progress if bar else None)
        results = [child.join() for child in children]
    if any(result is parallel.FAILED for result in results):
        return None
    for kind, value in results:
        if kind == "error":
            raise RegionError(*value)
    return [(0, mine), *((at, value) for at, (_, value) in zip(points, results, strict=True))]


def _child_work(source: Source, opts: PerfOptions, at: int, end: int | None):
    """What a child parsing [at, end) runs: ("ok", its ParseResult) or ("error", the args of
    its RegionError), reporting how much of its text it has read."""

    def work(report) -> tuple[str, object]:
        try:
            return "ok", _parse_region(source, opts, at, end, lambda done: report(done - at))
        except RegionError as exc:
            return "error", exc.args

    return work


# -- building the profile -------------------------------------------------------------------
def program_kind(module: str, kind: int, programs: set[str], jit: bool) -> int:
    """The kind of a native frame of the profiled program's own binary (its file name is the
    process name, which the kernel cuts to 15 characters): USER, or RUNTIME when the process
    runs JIT code (node, java: the binary is the runtime of the code profiled). Libraries stay
    native, kernel frames kernel."""
    if kind != FrameKind.NATIVE or not module:
        return kind
    base = module.rsplit("/", 1)[-1]
    if not base or not (base in programs or base[:15] in programs):
        return kind
    return FrameKind.RUNTIME if jit else FrameKind.USER


def _build(source: Source, results: list[tuple[int, ParseResult]]) -> Profile:
    builder = ProfileBuilder("perf", unit="samples", name=source.stem)
    kept = results[0][1].event_filter or results[-1][1].event_filter
    dropped: Counter = Counter()
    for _, r in results:
        dropped.update(r.dropped)
    stacks, weights, times, threads = [], [], [], []
    untimed = bad_lines = no_callchain = 0
    first_bad = None
    bad_utf8 = False
    maps = []
    frame_maps = []
    paths = []
    for _, r in results:
        programs = {comm for _, _, comm in r.threads}
        jit = any(k == FrameKind.JIT for _, _, k in r.frames)
        frame_map = np.array(
            [
                builder.frame(n, module=m, kind=program_kind(m, k, programs, jit))
                for n, m, k in r.frames
            ],
            dtype=np.int32,
        )
        thread_map = np.array(
            [builder.thread(p, t, c) for p, t, c in r.threads] or [0], dtype=np.int32
        )
        frame_maps.append(frame_map)
        paths.append(_stack_paths(r, frame_map))
        maps.append(thread_map)
    all_nodes = builder.stack_paths_flat(
        np.concatenate([frames for frames, _ in paths]),
        np.concatenate([lengths for _, lengths in paths]),
    ).astype(np.int32)
    first = 0
    for (_, r), thread_map, (_, lengths) in zip(results, maps, paths, strict=True):
        nodes = all_nodes[first : first + len(lengths)]
        first += len(lengths)
        stacks.append(nodes[np.frombuffer(r.stack, dtype=np.int32)])
        weights.append(np.frombuffer(r.weight, dtype=np.int64))
        times.append(np.frombuffer(r.time, dtype=np.int64))
        threads.append(thread_map[np.frombuffer(r.thread, dtype=np.int32)])
        untimed += r.untimed
        no_callchain += r.no_callchain
        bad_lines += r.bad_lines
        bad_utf8 = bad_utf8 or r.bad_utf8
        if first_bad is None and r.first_bad is not None:
            first_bad = (r.first_bad.offset, r.first_bad.line_in_record, r.first_bad.text)
    stack = np.concatenate(stacks)
    weight = np.concatenate(weights)
    n = len(stack)
    name = source.name
    if n == 0:
        if dropped and kept:
            seen = ", ".join(f"{_s(e)} ({c})" for e, c in dropped.items())
            raise source.error(f"no samples of event {_s(kept)!r}", hint=f"the capture has: {seen}")
        if first_bad is not None:
            raise source.error(
                f"no perf samples found: {_s(first_bad[2][:60])!r} is not perf script text",
                line=line_at(source, first_bad[0]) + first_bad[1],
                hint="expected 'comm pid time: event:' headers followed by stack lines",
            )
        raise source.error(
            "no perf samples found",
            hint="expected 'comm pid time: event:' headers followed by stack lines",
        )
    if dropped:
        listing = ", ".join(f"{_s(e)} ({c})" for e, c in dropped.items())
        builder.warn(
            f"{name}: kept the {n} samples of event {_s(kept)!r}; dropped "
            f"{sum(dropped.values())} samples of other events: {listing} "
            "(choose one with --event-filter)"
        )
    if bad_lines:
        line = line_at(source, first_bad[0]) + first_bad[1]  # type: ignore[index]
        builder.warn(
            f"{name}:{line}: ignored {bad_lines} unrecognized line(s), the first: "
            f"{_s(first_bad[2][:80])!r}"  # type: ignore[index]
        )
    if bad_utf8:
        builder.warn(f"{name}: invalid UTF-8 in names replaced with U+FFFD")
    if no_callchain:
        builder.warn(
            f"{name}: {no_callchain} samples have no call chain (perf record without -g): "
            "each is its one frame under the process (record with -g for stacks)"
        )
    meta: dict[str, Any] = {"samples_ordered": True, "knows_kinds": True}
    time = None
    if untimed == 0:
        raw = np.concatenate(times)
        start = int(raw.min())
        time = raw - start
        meta["start_ns"] = start
        meta["duration_ns"] = int(raw.max()) - start
    elif untimed < n:
        builder.warn(f"{name}: {untimed} of {n} samples have no timestamp; timestamps left out")
    if kept.split(b":")[0] in CLOCK_EVENTS and weight.min() > 1:
        meta["unit"] = "nanoseconds"
        meta["period_ns"] = int(np.median(weight))
    builder.add_samples(stack, weight, times=time, threads=np.concatenate(threads))
    _add_sample_lines(builder, [r for _, r in results], frame_maps)
    return builder.build(**meta)


def _stack_paths(r: ParseResult, frame_map: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stacks of a parse as builder frame paths: (all frames, path after path, root
    first; the number of frames of each path)."""
    starts = np.frombuffer(r.body_starts, dtype=np.int64)
    body = np.frombuffer(r.stack_body, dtype=np.int32)
    first, size = starts[body], starts[body + 1] - starts[body]
    lengths = size + 1  # the root frame (the comm), then the body
    at_root = np.cumsum(lengths) - lengths
    frames = np.empty(int(lengths.sum()), dtype=np.int32)
    frames[at_root] = frame_map[np.frombuffer(r.stack_root, dtype=np.int32)]
    in_body = np.ones(len(frames), dtype=bool)
    in_body[at_root] = False
    source = np.repeat(first - (np.cumsum(size) - size), size)
    source += np.arange(len(source))
    frames[in_body] = frame_map[np.frombuffer(r.body_frames, dtype=np.int32)[source]]
    return frames, lengths


def _add_sample_lines(
    builder: ProfileBuilder, results: list[ParseResult], frame_maps: list[np.ndarray]
) -> None:
    """The srcline places of the samples, one path per stack that has them (see
    :class:`~flamekit.model.SampleLines`); nothing when the text has no srcline."""
    if not any(r.line_paths for r in results):
        return
    start, frame, file, line = [0], [], [], []
    per_event = []
    for r, frame_map in zip(results, frame_maps, strict=True):
        path_of_stack = np.full(len(r.stack_lines), -1, dtype=np.int32)
        body_frames = np.frombuffer(r.body_frames, dtype=np.int32)
        body_starts = np.frombuffer(r.body_starts, dtype=np.int64)
        bodies = np.frombuffer(r.stack_body, dtype=np.int32)
        for sid, (bid, lid) in enumerate(zip(bodies.tolist(), r.stack_lines, strict=True)):
            if lid < 0:
                continue
            path_of_stack[sid] = len(start) - 1
            ids = frame_map[body_frames[body_starts[bid] : body_starts[bid + 1]]].tolist()
            for f, (name, ln) in zip(ids, r.line_paths[lid], strict=True):
                frame.append(f)
                file.append(builder.string(name))
                line.append(ln)
            start.append(len(frame))
        per_event.append(path_of_stack[np.frombuffer(r.stack, dtype=np.int32)])
    builder.set_sample_lines(np.concatenate(per_event), start, frame, file, line)


def _s(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


__all__ = ["NO_TIME", "load", "options_from", "sniff"]
