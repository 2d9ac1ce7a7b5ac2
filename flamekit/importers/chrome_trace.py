"""Chrome performance traces (DevTools Performance panel, ``Tracing.start``) with V8 CPU profiles.

A trace is a JSON array of events or an object with ``traceEvents``. The CPU profile of a thread
arrives as a ``Profile`` event (``id``, ``startTime``, on the profiled thread) and ``ProfileChunk``
events with the same ``id`` and pid (often emitted by V8's profiler thread) carrying new nodes
(with ``parent`` ids), ``samples`` and ``timeDeltas``, and in the last one ``endTime``. Older traces
hold one ``CpuProfile`` event with a whole profile. Every profiled thread becomes a thread of the
model, named from the trace's ``thread_name`` metadata; times share the trace's clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import Profile
from ..sourcemaps import from_options
from ..sources import Source
from . import v8, v8_bulk
from .gc_pause import gc_paused

_OBJECT = re.compile(rb'^\s*\{\s*"(?:traceEvents|metadata)"\s*:')
_ARRAY = re.compile(rb"^\s*\[\s*\{")


def sniff(head: bytes) -> bool:
    """A trace-event JSON document (array or ``traceEvents`` object) not written by py-spy."""
    if _OBJECT.match(head):
        return True  # DevTools puts "metadata" (it can be long) before "traceEvents"
    if _ARRAY.match(head):
        return b'"ph"' in head and b'"cat":"py-spy"' not in head
    return False


@dataclass
class _Profile:
    """One V8 profile gathered from a trace's events."""

    key: tuple[Any, Any]
    pid: int = -1
    tid: int = -1
    has_profile_event: bool = False
    start: float | None = None
    end: float | None = None
    source_name: str = ""
    first_event: int = 0
    chunks: list[tuple[float, int, dict]] = field(default_factory=list)
    whole: dict | None = None  # the cpuProfile of an old single CpuProfile event

    def label(self) -> str:
        _pid, pid_or_id = self.key
        ident = pid_or_id if isinstance(pid_or_id, str) else f"#{self.first_event}"
        return f"profile {ident} (pid {self.pid}, tid {self.tid})"


def _events(doc: Any, source: Source) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        events = doc.get("traceEvents")
        if isinstance(events, list):
            return events
    raise source.error(
        "not a Chrome trace: expected a JSON array of events or an object with 'traceEvents'"
    )


def _data(event: dict) -> dict:
    args = event.get("args")
    data = args.get("data") if isinstance(args, dict) else None
    return data if isinstance(data, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def collect(events: list, source: Source) -> tuple[list[_Profile], dict, dict]:
    """The profiles of a trace, and the thread and process names from its metadata."""
    profiles: dict[tuple[Any, Any], _Profile] = {}
    thread_names: dict[tuple[int, int], str] = {}
    process_names: dict[int, str] = {}
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise source.error(f"trace event {i} is not an object")
        name = event.get("name")
        if name not in ("Profile", "ProfileChunk", "CpuProfile", "thread_name", "process_name"):
            continue
        pid = _int_or(event.get("pid"), -1)
        tid = _int_or(event.get("tid"), -1)
        if name == "thread_name" or name == "process_name":
            args = event.get("args")
            label = args.get("name") if isinstance(args, dict) else None
            if isinstance(label, str):
                if name == "thread_name":
                    thread_names[(pid, tid)] = label
                else:
                    process_names[pid] = label
            continue
        data = _data(event)
        if name == "CpuProfile":
            cpu = data.get("cpuProfile")
            if not isinstance(cpu, dict):
                raise source.error(f"trace event {i} (CpuProfile) has no 'cpuProfile' object")
            prof = _Profile((pid, i), pid, tid, True, first_event=i, whole=cpu)
            prof.start = _number(cpu.get("startTime"))
            prof.end = _number(cpu.get("endTime"))
            profiles[prof.key] = prof
            continue
        ident = event.get("id")
        if ident is None:
            raise source.error(f"trace event {i} ({name}) has no profile 'id'")
        key = (pid, str(ident))
        prof = profiles.get(key)
        if prof is None:
            prof = profiles[key] = _Profile(key, pid, tid, first_event=i)
        if name == "Profile":
            if prof.has_profile_event:
                raise source.error(f"trace event {i}: a second Profile event for id {ident}")
            prof.has_profile_event = True
            prof.tid = tid
            start = _number(data.get("startTime"))
            prof.start = start if start is not None else _number(event.get("ts"))
            source_label = data.get("source")
            prof.source_name = source_label if isinstance(source_label, str) else ""
        else:
            ts = _number(event.get("ts"))
            prof.chunks.append((ts if ts is not None else float("inf"), i, data))
            end = _number(data.get("endTime"))
            if end is None and isinstance(data.get("cpuProfile"), dict):
                end = _number(data["cpuProfile"].get("endTime"))
            if end is not None:
                prof.end = end
    return list(profiles.values()), thread_names, process_names


@dataclass
class _Parts:
    table: v8.V8Nodes
    samples: np.ndarray | list
    deltas: np.ndarray | list
    hits_only: bool
    lines: np.ndarray | None = None  # the chunks' per-sample source lines, where they have them
    columns: np.ndarray | None = None  # and their 1-based columns (0 for none), for source maps


def assemble(prof: _Profile, source: Source) -> _Parts:
    """The node table and sample arrays of one profile, chunks taken in time order."""
    where = f"{prof.label()}: "
    table = v8.V8Nodes()
    if prof.whole is not None:
        cpu = prof.whole
        v8.add_nodes(table, cpu.get("nodes", []), source, where)
        v8.link_nodes(table, source, where)
        samples = cpu.get("samples")
        deltas = cpu.get("timeDeltas")
        return _Parts(table, samples or [], deltas or [], samples is None and deltas is None)
    table.lenient = True  # chunks can be lost: keep what arrived
    samples_parts: list[np.ndarray] = []
    delta_parts: list[np.ndarray] = []
    line_parts: list[np.ndarray] = []
    column_parts: list[np.ndarray] = []
    any_lines = False
    chunks = sorted(prof.chunks, key=lambda c: (c[0], c[1]))
    in_bulk = _add_chunk_nodes(table, [data for _ts, _index, data in chunks])
    for _ts, index, data in chunks:
        cpu = data.get("cpuProfile")
        cpu = cpu if isinstance(cpu, dict) else {}
        chunk_where = f"{where}chunk at trace event {index}: "
        nodes = cpu.get("nodes")
        if nodes is not None and not in_bulk:
            v8.add_nodes(table, nodes, source, chunk_where)
        samples = cpu.get("samples")
        deltas = data.get("timeDeltas", cpu.get("timeDeltas"))
        if samples is None and deltas is None:
            continue
        s = v8.int_array(samples if samples is not None else [], source, "samples")
        d = v8.int_array(deltas if deltas is not None else [], source, "timeDeltas")
        if len(s) != len(d):
            longer = "longer" if len(d) > len(s) else "shorter"
            raise source.error(
                f"{chunk_where}'timeDeltas' ({len(d)} entries) is {longer} than 'samples' "
                f"({len(s)})",
                hint="each sample needs exactly one time delta",
            )
        samples_parts.append(s)
        delta_parts.append(d)
        lines = data.get("lines")
        columns = data.get("columns")
        if isinstance(lines, list) and len(lines) == len(s):
            line_parts.append(v8.int_array(lines, source, "lines"))
            any_lines = True
        else:
            line_parts.append(np.zeros(len(s), dtype=np.int64))
        if isinstance(columns, list) and len(columns) == len(s):
            column_parts.append(v8.int_array(columns, source, "columns"))
        else:
            column_parts.append(np.zeros(len(s), dtype=np.int64))
    v8.link_nodes(table, source, where)
    if samples_parts:
        return _Parts(
            table,
            np.concatenate(samples_parts),
            np.concatenate(delta_parts),
            False,
            np.concatenate(line_parts) if any_lines else None,
            np.concatenate(column_parts) if any_lines else None,
        )
    empty = np.zeros(0, dtype=np.int64)
    return _Parts(table, empty, empty, False)


def _add_chunk_nodes(table: v8.V8Nodes, chunks: list[dict]) -> bool:
    """Add the nodes of all of a profile's chunks (in order) to ``table`` in one bulk step,
    when every chunk's node list has the plain shape; False (the table unchanged) otherwise,
    and then each chunk's nodes are added apart, with messages naming the chunk. One step
    makes the table that one per chunk would: each node is checked alike, and ids must be
    distinct across the chunks either way."""
    lists = []
    for data in chunks:
        cpu = data.get("cpuProfile")
        nodes = cpu.get("nodes") if isinstance(cpu, dict) else None
        if nodes is not None and not isinstance(nodes, list):
            return False
        lists.append(nodes or [])
    every = list(chain.from_iterable(lists))
    return bool(every) and v8_bulk.add_nodes(table, every, v8._position_ticks)


def _span(prof: _Profile, parts: _Parts) -> tuple[float, float]:
    start = prof.start or 0.0
    last = start + float(np.max(np.cumsum(parts.deltas))) if len(parts.deltas) else start
    return start, max(last, prof.end or last)


def choose(
    profiles: list[tuple[_Profile, _Parts]], builder: ProfileBuilder
) -> list[tuple[_Profile, _Parts]]:
    """Per thread, drop profiles that overlap a bigger one (e.g. an inspector profile recorded
    during tracing), with a warning; profiles one after another on a thread are all kept."""
    by_thread: dict[tuple[int, int], list[tuple[_Profile, _Parts]]] = {}
    for item in profiles:
        by_thread.setdefault((item[0].pid, item[0].tid), []).append(item)
    kept = []
    for items in by_thread.values():
        items.sort(key=lambda it: (-len(it[1].samples), it[0].start or 0, it[0].first_event))
        spans: list[tuple[float, float]] = []
        for prof, parts in items:
            a, b = _span(prof, parts)
            clash = next((s for s in spans if a < s[1] and s[0] < b), None)
            if clash is not None:
                builder.warn(
                    f"{prof.label()} ({prof.source_name or 'no source'}, {len(parts.samples)} "
                    "samples) overlaps a bigger profile of the same thread and was left out"
                )
                continue
            spans.append((a, b))
            kept.append((prof, parts))
    kept.sort(key=lambda it: (it[0].pid, it[0].tid, it[0].start or 0, it[0].first_event))
    return kept


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import every V8 CPU profile in a Chrome trace, one model thread per profiled thread."""
    with gc_paused():
        return _load(source, options)


def _load(source: Source, options: Mapping[str, Any]) -> Profile:
    events = _events(source.read_json(), source)
    found, thread_names, process_names = collect(events, source)
    builder = ProfileBuilder("chrome-trace", unit="nanoseconds", name=source.stem)
    if not found:
        raise source.error(
            "no V8 CPU profile in this trace",
            hint="record with the 'disabled-by-default-v8.cpu_profiler' category "
            "(DevTools Performance panel, or Tracing.start)",
        )
    assembled = []
    for prof in found:
        if not prof.has_profile_event and prof.whole is None:
            builder.warn(
                f"{prof.label()}: ProfileChunk events without a Profile event; the profiled "
                "thread is unknown, the chunk's thread is used"
            )
        assembled.append((prof, assemble(prof, source)))
    chosen = choose(assembled, builder)
    starts = [p.start for p, _ in chosen if p.start is not None]
    base = min(starts) if starts else 0.0
    durations = []
    periods = []
    timed = set()
    source_maps = from_options(options)
    for prof, parts in chosen:
        if not parts.hits_only and len(parts.samples) == 0:
            continue  # a profile that ended before its first sample
        name = thread_names.get((prof.pid, prof.tid), "")
        if not name and prof.pid in process_names:
            name = process_names[prof.pid]
        thread = builder.thread(prof.pid, prof.tid, name)
        facts = v8.load_thread(
            builder,
            parts.table,
            None if parts.hits_only else parts.samples,
            None if parts.hits_only else parts.deltas,
            prof.start,
            prof.end,
            source,
            f"{prof.label()}: ",
            thread=thread,
            base_us=base,
            lines=parts.lines,
            columns=parts.columns,
            source_maps=source_maps,
        )
        timed.add(bool(facts.get("timed")))
        if facts.get("duration_ns"):
            durations.append(round(((prof.start or base) - base) * 1000) + facts["duration_ns"])
        if facts.get("period_ns"):
            periods.append(facts["period_ns"])
    if len(timed) > 1:
        raise source.error(
            "the trace mixes timed profiles with hit-count-only profiles",
            hint="import them separately",
        )
    return builder.build(
        start_ns=round(base * 1000),
        duration_ns=max(durations, default=0),
        period_ns=int(np.median(periods)) if periods else 0,
        has_idle_marker=True,
        samples_ordered=True,
        knows_kinds=True,
    )
