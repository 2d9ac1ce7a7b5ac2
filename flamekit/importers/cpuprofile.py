"""V8 ``.cpuprofile`` (``node --cpu-prof``, Chrome DevTools "Save profile").

The file is the DevTools protocol's ``Profiler.Profile``: ``nodes`` (``id``, ``callFrame``,
``children``, ``hitCount``), ``startTime``/``endTime`` and ``samples``/``timeDeltas`` in
microseconds. Weights are nanoseconds: each sample lasts until the next one, the last until
``endTime`` (as DevTools attributes time).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ..core.builder import ProfileBuilder
from ..core.model import Profile
from ..sourcemaps import from_options
from ..sources import Source
from . import v8, v8_bulk, v8json
from .gc_pause import gc_paused
from .v8_nodes import DecodedNodes

_HEAD = re.compile(
    rb'^\s*\{\s*"(?:nodes|startTime|endTime|samples|timeDeltas|head|timestamps)"\s*:'
)
# Node's default name: CPU.<yyyymmdd>.<hhmmss>.<pid>.<threadId>.<seq>.cpuprofile
_NODE_NAME = re.compile(r"^CPU\.\d{8}\.\d{6}\.(\d+)\.(\d+)\.\d+\.cpuprofile$")


def sniff(head: bytes) -> bool:
    """A JSON object whose keys are those of a V8 profile and whose nodes carry call frames."""
    if not _HEAD.match(head):
        return False
    return b'"callFrame"' in head or b'"nodes"' not in head[:64]


def thread_identity(source: Source) -> tuple[int, int, str]:
    """(pid, tid, name) of the thread a file holds, from Node's file naming where it applies."""
    base = os.path.basename(source.name).removesuffix(".gz")
    found = _NODE_NAME.match(base)
    if found:
        pid, tid = int(found.group(1)), int(found.group(2))
        return pid, tid, "main" if tid == 0 else "worker"
    return -1, -1, source.stem.removesuffix(".cpuprofile")


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a ``.cpuprofile`` as a one-thread profile weighted in nanoseconds."""
    with gc_paused():
        return _load(source, options)


def _load(source: Source, options: Mapping[str, Any]) -> Profile:
    doc, table = _node_table(source)
    builder = ProfileBuilder("cpuprofile", unit="nanoseconds", name=source.stem)
    pid, tid, name = thread_identity(source)
    thread = builder.thread(pid, tid, name)
    start, end = _time(doc, "startTime", source), _time(doc, "endTime", source)
    facts = v8.load_thread(
        builder,
        table,
        doc.get("samples"),
        doc.get("timeDeltas"),
        start,
        end,
        source,
        "",
        thread=thread,
        base_us=start,
        source_maps=from_options(options),
    )
    meta: dict[str, Any] = {
        "start_ns": facts.get("start_ns", 0),
        "duration_ns": facts.get("duration_ns", 0),
        "period_ns": facts.get("period_ns", 0),
        "has_idle_marker": True,
        "samples_ordered": True,
        "knows_kinds": True,
    }
    if facts.get("unit_samples"):
        meta["unit"] = "samples"
    return builder.build(**meta)


def _node_table(source: Source) -> tuple[dict, v8.V8Nodes]:
    """The profile document and its linked node table. Nodes the typed decoder read are added
    in bulk; should the bulk step refuse them, the file is parsed again the plain way, whose
    careful per-node code gives the precise errors."""
    doc = v8json.read_profile(source)
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    if isinstance(nodes, DecodedNodes):
        table = v8.V8Nodes()
        if v8_bulk.add_decoded(table, nodes.nodes):
            v8.link_nodes(table, source, "")
            return doc, table
        doc = v8json.read_profile(source, typed=False)
    doc = _current_shape(doc, source)
    table = v8.V8Nodes()
    v8.add_nodes(table, doc["nodes"], source, "")
    v8.link_nodes(table, source, "")
    return doc, table


def _current_shape(doc: object, source: Source) -> dict:
    """The document in the current shape (old ones converted), or an error if it is none."""
    if isinstance(doc, dict) and "nodes" not in doc and isinstance(doc.get("head"), dict):
        doc = from_old_shape(doc, source)
    if not isinstance(doc, dict) or "nodes" not in doc:
        trace = isinstance(doc, list) or (isinstance(doc, dict) and "traceEvents" in doc)
        raise source.error(
            "not a V8 CPU profile: no 'nodes'",
            hint="this looks like a Chrome trace: use --from chrome-trace"
            if trace
            else "expected the JSON object written by node --cpu-prof or DevTools",
        )
    return doc


def from_old_shape(doc: dict, source: Source) -> dict:
    """The old ``.cpuprofile`` shape (Node <= 10, v8-profiler, early DevTools) as the current
    one: the nested ``head`` tree, whose nodes carry the call frame's fields themselves, becomes
    a flat ``nodes`` list; ``startTime``/``endTime`` in seconds and absolute ``timestamps`` in
    microseconds become microsecond times and ``timeDeltas``."""
    nodes: list[dict] = []
    todo = [doc["head"]]
    while todo:  # depth-first, without recursion
        node = todo.pop()
        if not isinstance(node, dict):
            raise source.error("a node of 'head' is not an object")
        kids = node.get("children") or []
        if not isinstance(kids, list):
            raise source.error(f"node {node.get('id')!r} has 'children' that is not a list")
        frame = {k: node.get(k) for k in ("functionName", "url", "lineNumber", "columnNumber")}
        frame["scriptId"] = str(node.get("scriptId", "0"))
        # positions as in the current shape (speedscope's importer reads them alike)
        for key in ("lineNumber", "columnNumber"):
            frame[key] = frame[key] if isinstance(frame[key], int) else -1
        out = {"id": node.get("id"), "callFrame": frame, "hitCount": node.get("hitCount", 0)}
        out["children"] = [k.get("id") if isinstance(k, dict) else k for k in kids]
        if node.get("positionTicks"):
            out["positionTicks"] = node["positionTicks"]
        nodes.append(out)
        todo.extend(reversed(kids))
    new = {"nodes": nodes, "samples": doc.get("samples")}
    start, end = _time(doc, "startTime", source), _time(doc, "endTime", source)
    stamps = doc.get("timestamps")
    if start is not None:
        new["startTime"] = start * 1e6
    if end is not None:
        new["endTime"] = end * 1e6
    if isinstance(stamps, list) and stamps and start is not None:
        times = v8.int_array(stamps, source, "timestamps")
        first = round(start * 1e6)
        new["timeDeltas"] = [int(times[0]) - first, *(int(d) for d in times[1:] - times[:-1])]
        new["startTime"] = first
    return new


def _time(doc: dict, key: str, source: Source) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise source.error(f"'{key}' is not a number")
    return value
