"""speedscope's JSON file format (``https://www.speedscope.app/file-format-schema.json``).

A file holds ``shared.frames`` and a list of ``profiles``; each profile becomes one thread.
``sampled`` profiles list stacks (frame indices, root first) with one weight each; ``evented``
profiles list open/close events at non-decreasing times. Values are in the profile's ``unit``:
none, nanoseconds, microseconds, milliseconds or seconds (bytes are read as plain counts).
Evented profiles keep their timestamps; sampled ones keep their order and weights.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..core.builder import ProfileBuilder
from ..core.model import EMPTY_STACK, FrameKind, Profile
from ..sources import Source
from .pyspy import thread_name
from .python_frames import python_kind

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
_SCHEMA_RE = re.compile(rb'"\$schema"\s*:\s*"https?://(?:www\.)?speedscope\.app/file-format-schema')

# nanoseconds per unit; None: not a time unit
UNITS: dict[str, int | None] = {
    "nanoseconds": 1,
    "microseconds": 1_000,
    "milliseconds": 1_000_000,
    "seconds": 1_000_000_000,
    "none": None,
    "bytes": None,
}

# names py-spy (and flamekit's export) give profiles: Process P Thread T "NAME"
_THREAD_NAME = re.compile(r'^(?:Process (\d+) )?(?:Thread (\d+) )?"(.*)"$', re.S)
_PYSPY_PROCESS = re.compile(r'^process (\d+):"(.*)"$', re.S)
_PYTHON_FILE = re.compile(r"\.(?:py|pyw|pyx)$|^<.*>$", re.S)


def sniff(head: bytes) -> bool:
    """A JSON object naming speedscope's schema."""
    return head.lstrip()[:1] == b"{" and _SCHEMA_RE.search(head) is not None


class _Reader:
    """Checks one file's structure, naming the first violation by its JSON path."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def fail(self, where: str, message: str, hint: str | None = None):
        return self.source.error(f"{where}: {message}" if where else message, hint=hint)

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, found {_kind(value)}")
        if not math.isfinite(value):
            raise self.fail(where, "expected a finite number")
        if abs(value) > _INT64_MAX:
            raise self.fail(where, f"{value!r} is too large (at most 2**63 - 1)")
        return value

    def index(self, value: Any, where: str, nframes: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise self.fail(where, f"frame index must be an integer, found {_kind(value)}")
        value = int(value)
        if not 0 <= value < nframes:
            raise self.fail(
                where,
                f"frame index {value} is out of range (shared.frames has {nframes} frames)",
            )
        return value


_INT64_MAX = 2**63 - 1


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _profile_thread(name: str) -> tuple[int, int, str]:
    """(pid, tid, name) from a profile name in py-spy's ``Process P Thread T "NAME"`` form."""
    m = _THREAD_NAME.match(name)
    if m is not None and (m.group(1) or m.group(2)):
        pid = int(m.group(1)) if m.group(1) else -1
        tid = int(m.group(2)) if m.group(2) else -1
        return pid, tid, m.group(3)
    return -1, -1, name


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a speedscope file; one thread per profile."""
    data = source.read_json()
    r = _Reader(source)
    if not isinstance(data, dict):
        raise r.fail("", f"expected a JSON object, found {_kind(data)}")
    profiles = data.get("profiles")
    if not isinstance(profiles, list):
        raise r.fail("profiles", f"expected an array of profiles, found {_kind(profiles)}")
    if not profiles:
        raise r.fail("profiles", "the file has no profiles")
    shared = data.get("shared")
    frames = shared.get("frames") if isinstance(shared, dict) else None
    if not isinstance(frames, list):
        raise r.fail("shared.frames", f"expected an array of frames, found {_kind(frames)}")
    exporter = data.get("exporter")
    pyspy = isinstance(exporter, str) and exporter.startswith("py-spy@")

    # units: every profile in time units (converted to ns) or every one in plain counts
    scales: list[int | None] = []
    for i, prof in enumerate(profiles):
        where = f"profiles[{i}]"
        if not isinstance(prof, dict):
            raise r.fail(where, f"expected an object, found {_kind(prof)}")
        unit = prof.get("unit")
        if unit not in UNITS:
            raise r.fail(
                f"{where}.unit",
                f"unknown unit {unit!r}",
                hint="speedscope units: " + ", ".join(UNITS),
            )
        scale = UNITS[unit]
        if scales and (scale is None) != (scales[0] is None):
            raise r.fail(
                f"{where}.unit",
                f"{unit} cannot be mixed with profiles[0]'s {profiles[0]['unit']}",
                hint="flamekit keeps one weight unit per profile: times or counts",
            )
        scales.append(scale)
    timed_units = scales[0] is not None
    builder = ProfileBuilder(
        "speedscope", unit="nanoseconds" if timed_units else "samples", name=source.stem
    )
    if any(p.get("unit") == "bytes" for p in profiles):
        builder.warn(f"{source.name}: weights in bytes are shown as plain counts")

    frame_ids = _read_frames(r, builder, frames)
    process_frames = _pyspy_process_frames(frames) if pyspy else {}
    types = [p.get("type") for p in profiles]
    evented = [t == "evented" for t in types]
    keep_times = timed_units and all(evented)
    if any(evented) and not all(evented) and timed_units:
        builder.warn(
            f"{source.name}: sampled and evented profiles are mixed; timestamps were dropped"
        )
    origin = 0.0
    if keep_times:
        origin = min(_first_value(r, p, i) for i, p in enumerate(profiles))
    names_seen: dict[str, int] = {}
    end_ns = 0
    for i, prof in enumerate(profiles):
        where = f"profiles[{i}]"
        kind = types[i]
        name = prof.get("name", "")
        if not isinstance(name, str):
            raise r.fail(f"{where}.name", f"expected a string, found {_kind(name)}")
        pid, tid, tname = _profile_thread(name)
        key = f"{pid}\0{tid}\0{tname}"
        seen = names_seen.get(key, 0)
        names_seen[key] = seen + 1
        if seen:
            tname = f"{tname} #{seen + 1}"
        ctx = _Context(r, builder, frame_ids, process_frames, len(frames), pid, tid, tname)
        scale = scales[i]
        if kind == "sampled":
            _read_sampled(ctx, prof, where, scale)
        elif kind == "evented":
            end_ns = max(end_ns, _read_evented(ctx, prof, where, scale, origin, keep_times))
        else:
            raise r.fail(
                f"{where}.type",
                f"unknown profile type {kind!r}",
                hint="expected sampled or evented",
            )
    if builder.sample_count == 0:
        raise r.fail("profiles", "no profile has any samples or events")
    # an evented profile (the only kind with times) holds the intervals between its events
    return builder.build(
        duration_ns=end_ns if keep_times else 0,
        samples_ordered=True,
        rows_are_intervals=keep_times,
        knows_kinds=True,
    )


def _first_value(r: _Reader, prof: dict, i: int) -> float:
    start = r.number(prof.get("startValue", 0), f"profiles[{i}].startValue")
    events = prof.get("events")
    if isinstance(events, list) and events and isinstance(events[0], dict):
        at = events[0].get("at")
        if isinstance(at, int | float) and not isinstance(at, bool) and math.isfinite(at):
            return min(start, at)
    return start


def _read_frames(r: _Reader, builder: ProfileBuilder, frames: list) -> list[int]:
    ids = []
    for i, fr in enumerate(frames):
        where = f"shared.frames[{i}]"
        if not isinstance(fr, dict):
            raise r.fail(where, f"expected an object, found {_kind(fr)}")
        name = fr.get("name")
        if not isinstance(name, str):
            raise r.fail(f"{where}.name", f"expected a string, found {_kind(name)}")
        file = fr.get("file")
        if file is None:
            file = ""
        elif not isinstance(file, str):
            raise r.fail(f"{where}.file", f"expected a string, found {_kind(file)}")
        line = _position(r, fr.get("line"), f"{where}.line")
        col = _position(r, fr.get("col"), f"{where}.col")
        # the kind depends on the frame alone, so that an export reads back the same
        python = _PYTHON_FILE.search(file)
        kind = python_kind(file) if python else FrameKind.UNKNOWN
        # a frame is a function; its line is the function's own, except in py-spy's Python
        # frames, whose line is the line being run
        ids.append(builder.frame(name, file, line=line, column=col, kind=kind, own_line=not python))
    return ids


def _position(r: _Reader, value: Any, where: str) -> int:
    if value is None:
        return 0
    value = r.number(value, where)
    if value != int(value) or value < 0:
        raise r.fail(where, f"expected a 1-based line or column, found {value!r}")
    return int(value)


def _pyspy_process_frames(frames: list) -> dict[int, tuple[int, str]]:
    """py-spy ``--subprocesses`` writes ``process PID:"CMD"`` root frames: index -> (pid, cmd)."""
    out = {}
    for i, fr in enumerate(frames):
        name = fr.get("name", "")
        if not fr.get("file") and name.startswith("process "):
            m = _PYSPY_PROCESS.match(name)
            if m is not None:
                out[i] = (int(m.group(1)), m.group(2))
    return out


class _Context:
    """One profile being read: its thread(s) and the way from frame indices to call-tree nodes."""

    def __init__(self, r, builder, frame_ids, process_frames, nframes, pid, tid, name) -> None:
        self.r = r
        self.builder = builder
        self.frame_ids = frame_ids
        self.process_frames = process_frames
        self.nframes = nframes
        self.pid, self.tid, self.name = pid, tid, name
        self._threads: dict[tuple[int, str], int] = {}

    def thread(self, pid: int = -1, command: str = "") -> int:
        key = (pid, command)
        th = self._threads.get(key)
        if th is None:
            if pid < 0:
                th = self.builder.thread(self.pid, self.tid, self.name)
            else:
                th = self.builder.thread(pid, self.tid, thread_name(self.name, command))
            self._threads[key] = th
        return th


def _read_sampled(ctx: _Context, prof: dict, where: str, scale: int | None) -> None:
    r = ctx.r
    samples = prof.get("samples")
    weights = prof.get("weights")
    if not isinstance(samples, list):
        raise r.fail(f"{where}.samples", f"expected an array, found {_kind(samples)}")
    if not isinstance(weights, list):
        raise r.fail(f"{where}.weights", f"expected an array, found {_kind(weights)}")
    if len(weights) != len(samples):
        raise r.fail(
            f"{where}.weights",
            f"has {len(weights)} weights for {len(samples)} samples (must be as long)",
        )
    builder = ctx.builder
    frame_ids = ctx.frame_ids
    nframes = ctx.nframes
    process_frames = ctx.process_frames
    cache: dict[tuple, tuple[int, int]] = {}
    stacks = []
    threads = []
    values = []
    for j, (stack, w) in enumerate(zip(samples, weights, strict=True)):
        if not isinstance(stack, list):
            raise r.fail(f"{where}.samples[{j}]", f"expected an array, found {_kind(stack)}")
        key = tuple(stack)
        try:
            found = cache.get(key)
        except TypeError:  # an entry that is an array or an object: refused just below
            found = None
        if found is None:
            if all(type(x) is int for x in stack) and (
                not stack or (min(stack) >= 0 and max(stack) < nframes)
            ):
                ids = stack
            else:  # find and name the first bad index (or accept integral floats)
                ids = [
                    r.index(idx, f"{where}.samples[{j}][{k}]", nframes)
                    for k, idx in enumerate(stack)
                ]
            pid, command, skip = -1, "", 0
            while skip < len(ids) and ids[skip] in process_frames:
                pid, command = process_frames[ids[skip]]
                skip += 1
            if skip == len(ids):
                # an empty stack still carries its weight
                node = builder.stack(-1, builder.frame(EMPTY_STACK, kind=FrameKind.SYNTHETIC))
            else:
                node = builder.stack_path(frame_ids[x] for x in ids[skip:])
            found = (node, ctx.thread(pid, command))
            cache[key] = found
        node, thread = found
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise r.fail(
                f"{where}.weights[{j}]", f"expected a non-negative number, found {_kind(w)}"
            )
        value = w * scale if scale is not None else w
        if value > _INT64_MAX:  # (a huge weight times the unit's scale may be infinite)
            raise r.fail(f"{where}.weights[{j}]", f"weight {w!r} is too large")
        if scale is not None:
            value = round(value)
        stacks.append(node)
        threads.append(thread)
        values.append(value)
    builder.add_samples(stacks, values, threads=threads)


def _read_evented(
    ctx: _Context, prof: dict, where: str, scale: int | None, origin: float, keep_times: bool
) -> int:
    """Turn open/close events into one sample per interval with a constant stack."""
    r = ctx.r
    events = prof.get("events")
    if not isinstance(events, list):
        raise r.fail(f"{where}.events", f"expected an array, found {_kind(events)}")
    builder = ctx.builder
    frame_ids = ctx.frame_ids
    nframes = ctx.nframes
    factor = scale if scale is not None else 1
    open_frames: list[int] = []  # frame indices as given
    open_at: list[int] = []  # event index that opened each
    nodes: list[int] = []  # call-tree nodes of the open frames, made only when first needed
    prev_at: float | None = None
    span_node = -1  # node of the interval running since span_start
    span_start = 0.0
    stacks: list[int] = []
    values: list[float] = []
    times: list[int] = []
    last_end = 0

    def current_node() -> int:
        while len(nodes) < len(open_frames):
            parent = nodes[-1] if nodes else -1
            nodes.append(builder.stack(parent, frame_ids[open_frames[len(nodes)]]))
        return nodes[-1] if nodes else -1

    def flush(at: float) -> None:
        nonlocal last_end
        if span_node >= 0 and at > span_start:
            start_ns = round((span_start - origin) * factor)
            end_ns = round((at - origin) * factor)
            stacks.append(span_node)
            if scale is not None:
                values.append(end_ns - start_ns)
            else:
                values.append(at - span_start)
            times.append(start_ns)
            last_end = max(last_end, end_ns)

    for j, ev in enumerate(events):
        ew = f"{where}.events[{j}]"
        if not isinstance(ev, dict):
            raise r.fail(ew, f"expected an object, found {_kind(ev)}")
        at = r.number(ev.get("at"), f"{ew}.at")
        if prev_at is not None and at < prev_at:
            raise r.fail(
                f"{ew}.at", f"{at!r} is before the previous event's {prev_at!r} (must not decrease)"
            )
        frame = r.index(ev.get("frame"), f"{ew}.frame", nframes)
        etype = ev.get("type")
        if prev_at is not None and at != prev_at:
            # the stack is now constant from prev_at to at
            node_now = current_node()
            if node_now != span_node:
                flush(prev_at)
                span_node, span_start = node_now, prev_at
        prev_at = at
        if etype == "O":
            open_frames.append(frame)
            open_at.append(j)
        elif etype == "C":
            if not open_frames:
                raise r.fail(ew, f"closes frame {frame} but no frame is open (unbalanced events)")
            if open_frames[-1] != frame:
                raise r.fail(
                    ew,
                    f"closes frame {frame} but the innermost open frame is {open_frames[-1]} "
                    f"(opened at events[{open_at[-1]}]; unbalanced events)",
                )
            open_frames.pop()
            open_at.pop()
            del nodes[len(open_frames) :]
        else:
            raise r.fail(f"{ew}.type", f"unknown event type {etype!r} (expected 'O' or 'C')")
    if open_frames:
        raise r.fail(
            f"{where}.events",
            f"frame {open_frames[-1]} opened at events[{open_at[-1]}] is never closed "
            "(unbalanced events)",
        )
    if prev_at is not None:
        flush(prev_at)
    if stacks:
        times_ = times if keep_times else None
        builder.add_samples(stacks, values, times=times_, threads=ctx.thread())
    return last_end
