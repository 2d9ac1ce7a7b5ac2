"""py-spy ``--format chrometrace``: a JSON array of ``B``/``E`` events.

Each event names a frame (``name``, ``args.filename``, ``args.line``) on a thread (``pid``,
``tid``); ``ts`` is in microseconds. py-spy writes ``B`` for frames that appear and ``E`` for
frames that disappear between consecutive samples, so the stack is constant between two event
times: each such interval becomes one timed sample. Newer py-spy versions add ``M``
(``thread_name``) events, whose ``args.name`` names the thread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..core.builder import ProfileBuilder
from ..core.model import Profile
from ..sources import Source
from .pyspy import _PROCESS, _THREAD, thread_name
from .python_frames import python_kind

_PYSPY_EVENT = re.compile(rb'"cat"\s*:\s*"py-spy"')
_PHASE = re.compile(rb'"ph"\s*:\s*"[BEM]"')
_THREAD_NAME = re.compile(r"^(\d+): (.*)$", re.S)


def sniff(head: bytes) -> bool:
    """A JSON array of trace events written by py-spy."""
    text = head.lstrip()
    if text[:1] != b"[":
        return False
    first = text[:4096]
    return _PYSPY_EVENT.search(first) is not None and _PHASE.search(first) is not None


def _events(source: Source) -> list:
    data = source.read_json()
    if isinstance(data, dict) and isinstance(data.get("traceEvents"), list):
        return data["traceEvents"]
    if not isinstance(data, list):
        raise source.error(
            "expected a JSON array of trace events", hint="is this a py-spy chrometrace file?"
        )
    return data


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a py-spy chrometrace file; timestamps and threads are kept."""
    events = _events(source)
    builder = ProfileBuilder("pyspy-chrometrace", unit="nanoseconds", name=source.stem)
    by_thread: dict[tuple[int, int], list[tuple[float, int, dict]]] = {}
    # newer py-spy versions number threads 0, 1, ... in B/E events and give the real thread id
    # with the name in an M event: 'THREADID: NAME'
    names: dict[tuple[int, int], tuple[int, str]] = {}
    skipped: set[str] = set()
    for i, ev in enumerate(events):
        where = f"event {i}"
        if not isinstance(ev, dict):
            raise source.error(f"{where}: expected an object")
        ph = ev.get("ph")
        pid, tid = (
            _int(source, ev.get("pid", -1), f"{where}.pid"),
            _int(source, ev.get("tid", -1), f"{where}.tid"),
        )
        if ph == "M":
            args = ev.get("args")
            if ev.get("name") == "thread_name" and isinstance(args, dict):
                label = args.get("name")
                if isinstance(label, str):
                    m = _THREAD_NAME.match(label)
                    names[(pid, tid)] = (int(m.group(1)), m.group(2)) if m else (tid, label)
            continue
        if ph not in ("B", "E"):
            skipped.add(str(ph))
            continue
        ts = ev.get("ts")
        if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
            raise source.error(f"{where}: 'ts' must be a number of microseconds")
        by_thread.setdefault((pid, tid), []).append((ts, i, ev))
    if skipped:
        builder.warn(
            f"{source.name}: ignored events of phase {', '.join(sorted(skipped))} "
            "(only B/E and thread names are read)"
        )
    if not by_thread:
        raise source.error("no B/E events", hint="is this a py-spy chrometrace file?")
    origin = min(min(t for t, _, _ in evs) for evs in by_thread.values())
    frame_ids: dict[tuple[str, str, int], int] = {}
    end_ns = 0
    for (pid, tid), evs in by_thread.items():
        evs.sort(key=lambda e: (e[0], e[1]))
        real_tid, name = names.get((pid, tid), (tid, ""))
        thread = builder.thread(pid, real_tid, name or _root_name(evs))
        end_ns = max(end_ns, _replay(source, builder, evs, origin, thread, frame_ids))
    # the trace holds one begin/end pair per stack change, not one event per sample
    return builder.build(
        duration_ns=end_ns, samples_ordered=True, rows_are_intervals=True, knows_kinds=True
    )


def _int(source: Source, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise source.error(f"{where}: expected an integer id")
    return int(value)


def _root_name(evs: list) -> str:
    """The thread's name from py-spy's ``process PID:"CMD"`` and ``thread (TID): NAME`` frames
    (--subprocesses, --threads), as raw files give it; empty when there are none."""
    name, command, found = "", "", False
    for _ts, _i, ev in evs:
        text = ev.get("name")
        args = ev.get("args") if isinstance(ev.get("args"), dict) else {}
        if ev.get("ph") != "B" or not isinstance(text, str) or args.get("filename"):
            continue
        m = _PROCESS.match(text)
        if m and not command:
            command = m.group(2)
        m = _THREAD.match(text)
        if m:
            name, found = m.group(2) or "", True
            break
    return thread_name(name, command) if found else ""


def _frame_key(source: Source, ev: dict, where: str) -> tuple[str, str, int]:
    name = ev.get("name")
    if not isinstance(name, str):
        raise source.error(f"{where}: 'name' must be a string")
    args = ev.get("args")
    file, line = "", 0
    if isinstance(args, dict):
        f = args.get("filename")
        file = f if isinstance(f, str) else ""
        ln = args.get("line")
        if isinstance(ln, int) and not isinstance(ln, bool) and ln > 0:
            line = ln
    return name, file, line


def _replay(source, builder, evs, origin, thread, frame_ids) -> int:
    """Replay one thread's events; add a sample for every interval with a non-empty stack."""
    stack_keys: list[tuple[str, str, int]] = []
    nodes: list[int] = []
    span_node, span_start = -1, 0.0
    prev_ts = None
    stacks: list[int] = []
    weights: list[int] = []
    times: list[int] = []
    last_end = 0

    def flush(ts: float) -> None:
        nonlocal last_end
        if span_node >= 0 and ts > span_start:
            start = round((span_start - origin) * 1000)
            end = round((ts - origin) * 1000)
            stacks.append(span_node)
            weights.append(end - start)
            times.append(start)
            last_end = max(last_end, end)

    for ts, i, ev in evs:
        where = f"event {i}"
        if prev_ts is not None and ts != prev_ts:
            node_now = nodes[-1] if nodes else -1
            if node_now != span_node:
                flush(prev_ts)
                span_node, span_start = node_now, prev_ts
        prev_ts = ts
        key = _frame_key(source, ev, where)
        if ev["ph"] == "B":
            fid = frame_ids.get(key)
            if fid is None:
                fid = builder.frame(key[0], key[1], line=key[2], kind=python_kind(key[1]))
                frame_ids[key] = fid
            nodes.append(builder.stack(nodes[-1] if nodes else -1, fid))
            stack_keys.append(key)
        else:
            if not stack_keys:
                raise source.error(
                    f"{where}: 'E' for {key[0]!r} but no frame is open on thread "
                    f"{ev.get('tid')} (unbalanced events)"
                )
            if stack_keys[-1][0] != key[0]:
                raise source.error(
                    f"{where}: 'E' for {key[0]!r} but the innermost open frame is "
                    f"{stack_keys[-1][0]!r} (unbalanced events)"
                )
            stack_keys.pop()
            nodes.pop()
    if prev_ts is not None:
        if nodes:
            builder.warn(f"{source.name}: frames still open at the end were closed there")
            node_now = nodes[-1]
            if node_now != span_node:
                flush(prev_ts)
                span_node, span_start = node_now, prev_ts
        flush(prev_ts)
    if stacks:
        builder.add_samples(stacks, weights, times=times, threads=thread)
    return last_end
