"""A plain-Python reference for V8 profiles, written apart from the importer to check it.

It follows the DevTools convention directly, one sample at a time: sample i is at
``startTime + timeDeltas[0] + ... + timeDeltas[i]`` (never earlier than the sample before it) and
lasts until the next sample, the last one until ``endTime``. Functions are keyed by what the
callFrame says a function is, (name, url, line, column) with 1-based positions (None when V8
wrote -1), so two anonymous functions of one file are two functions; a function counts once per
sample in its total.
"""

from __future__ import annotations

from collections import defaultdict


def sample_durations_us(profile: dict) -> list[tuple[int, float, float]]:
    """(node id, time since start, duration) per sample, in microseconds."""
    out = []
    t = 0
    latest = 0
    times = []
    for delta in profile["timeDeltas"]:
        t += delta
        latest = max(latest, t)
        times.append(latest)
    length = profile["endTime"] - profile["startTime"]
    for i, node in enumerate(profile["samples"]):
        nxt = times[i + 1] if i + 1 < len(times) else max(length, times[i])
        out.append((node, times[i], nxt - times[i]))
    return out


MISSING = ("(missing frames)", "", None, None)


def function_key(frame: dict) -> tuple:
    """(name, url, line, column) of a callFrame, positions 1-based, None when unknown."""
    line = frame.get("lineNumber", -1)
    column = frame.get("columnNumber", -1)
    return (
        frame["functionName"] or "(anonymous)",
        frame.get("url", ""),
        line + 1 if line is not None and line >= 0 else None,
        column + 1 if column is not None and column >= 0 else None,
    )


def function_times_ns(profile: dict) -> tuple[dict, dict, float]:
    """(self, total, grand total) per function (see :func:`function_key`), in nanoseconds."""
    by_id = {}
    parent = {}
    for node in profile["nodes"]:
        by_id[node["id"]] = node
    for node in profile["nodes"]:
        for child in node.get("children", []):
            parent[child] = node["id"]
    for node in profile["nodes"]:
        if "parent" in node:
            parent[node["id"]] = node["parent"]
    selfs: dict = defaultdict(float)
    totals: dict = defaultdict(float)
    grand = 0.0
    for node_id, _at, dur in sample_durations_us(profile):
        ns = dur * 1000
        grand += ns
        keys = []
        current = node_id
        while current is not None:
            if current not in by_id:  # a lost trace chunk: the rest of the stack is unknown
                keys.append(MISSING)
                break
            frame = by_id[current]["callFrame"]
            name = frame["functionName"]
            is_root = name == "(root)" and current not in parent
            if not is_root:
                keys.append(function_key(frame))
            current = parent.get(current)
        if not keys:
            keys = [("(root)", "", None, None)]
        selfs[keys[0]] += ns
        for key in set(keys):
            totals[key] += ns
    return dict(selfs), dict(totals), grand


def compare_top(top_json: dict, *profiles: dict) -> None:
    """Assert that ``flamekit top --format json -n 0`` output matches the reference within 0.1%.

    Several profiles (threads) are summed.
    """
    selfs: dict = defaultdict(float)
    totals: dict = defaultdict(float)
    grand = 0.0
    for profile in profiles:
        s, t, g = function_times_ns(profile)
        grand += g
        for key, value in s.items():
            selfs[key] += value
        for key, value in t.items():
            totals[key] += value
    got_self = {}
    got_total = {}
    for f in top_json["functions"]:
        key = (f["name"], f["file"] or "", f["line"], f["column"])
        got_self[key] = f["self"]
        got_total[key] = f["total"]
    tolerance = 0.001 * grand
    assert abs(top_json["total"] - grand) <= tolerance, (top_json["total"], grand)
    expected_keys = {k for k, v in totals.items() if v > 0}
    assert set(got_total) == expected_keys
    assert len(got_total) == len(top_json["functions"])  # no function listed twice
    for key in expected_keys:
        assert abs(got_self[key] - selfs.get(key, 0)) <= tolerance, (key, got_self[key], selfs)
        assert abs(got_total[key] - totals[key]) <= tolerance, (key, got_total[key], totals[key])


def same_name_functions(*profiles: dict) -> int:
    """How many functions share their (name, url) with another one: the functions a merge by
    name would lose (anonymous callbacks, same-named methods)."""
    keys: set = set()
    for profile in profiles:
        keys.update(function_key(n["callFrame"]) for n in profile["nodes"])
    by_name: dict = defaultdict(int)
    for key in keys:
        by_name[key[:2]] += 1
    return sum(n for n in by_name.values() if n > 1)


def trace_profiles(events: list) -> dict:
    """The V8 profiles of a Chrome trace as .cpuprofile-like dicts, keyed by (pid, id).

    Chunks are taken in timestamp order; nodes keep their ``parent`` ids. A profile without an
    ``endTime`` ends at its last sample. Each dict also records its thread as ``_tid``.
    """
    out: dict = {}
    chunks: dict = {}
    for event in events:
        key = (event.get("pid"), event.get("id"))
        data = event.get("args", {}).get("data", {})
        if event.get("name") == "Profile":
            out[key] = {
                "nodes": [],
                "startTime": data["startTime"],
                "samples": [],
                "timeDeltas": [],
                "_tid": event["tid"],
                "_source": data.get("source"),
            }
        elif event.get("name") == "ProfileChunk":
            chunks.setdefault(key, []).append(event)
    for key, items in chunks.items():
        prof = out[key]
        for event in sorted(items, key=lambda e: e["ts"]):
            data = event["args"]["data"]
            cpu = data.get("cpuProfile", {})
            prof["nodes"].extend(cpu.get("nodes", []))
            prof["samples"].extend(cpu.get("samples", []))
            prof["timeDeltas"].extend(data.get("timeDeltas", []))
            lines = data.get("lines")
            count = len(cpu.get("samples", []))
            prof.setdefault("_lines", []).extend(lines if lines else [0] * count)
            if "endTime" in data:
                prof["endTime"] = data["endTime"]
    for prof in out.values():
        if "endTime" not in prof:
            prof["endTime"] = prof["startTime"]
    return out


def line_times_ns(profile: dict) -> dict:
    """Self time per (function name, url, source line) in nanoseconds: per-sample ``_lines``
    (Chrome trace chunks) when present, else each node's self time split over its
    ``positionTicks`` in proportion to the ticks; None for a line the file does not give."""
    by_id = {node["id"]: node for node in profile["nodes"]}
    parents = set()
    for node in profile["nodes"]:
        parents.update(node.get("children", []))
        if "parent" in node:
            parents.add(node["id"])
    node_self: dict = defaultdict(float)
    out: dict = defaultdict(float)
    per_sample = profile.get("_lines")
    for k, (node_id, _at, dur) in enumerate(sample_durations_us(profile)):
        frame = by_id[node_id]["callFrame"]
        if frame["functionName"] == "(root)" and node_id not in parents:
            key = ("(root)", "")
        else:
            key = (frame["functionName"] or "(anonymous)", frame.get("url", ""))
        if per_sample is not None:
            line = per_sample[k] or None
            out[(*key, line)] += dur * 1000
        else:
            node_self[node_id] += dur * 1000
    for node_id, ns in node_self.items():
        frame = by_id[node_id]["callFrame"]
        key = (frame["functionName"] or "(anonymous)", frame.get("url", ""))
        if frame["functionName"] == "(root)" and node_id not in parents:
            key = ("(root)", "")
        ticks = [t for t in by_id[node_id].get("positionTicks", []) if t["ticks"] > 0]
        if not ticks:
            out[(*key, None)] += ns
            continue
        count = sum(t["ticks"] for t in ticks)
        for t in ticks:
            out[(*key, t["line"] or None)] += ns * t["ticks"] / count
    return dict(out)


def compare_lines(top_json: dict, *profiles: dict) -> None:
    """Assert that ``top --by line --format json -n 0`` matches :func:`line_times_ns` within
    0.1% of the total (rows of several functions on one line summed)."""
    want: dict = defaultdict(float)
    grand = 0.0
    for profile in profiles:
        grand += sum(d for *_, d in sample_durations_us(profile)) * 1000
        for key, value in line_times_ns(profile).items():
            want[key] += value
    got: dict = defaultdict(float)
    for row in top_json["lines"]:
        got[(row["name"], row["file"] or "", row["line"])] += row["self"]
    tolerance = 0.001 * grand
    assert {k for k, v in got.items() if v > tolerance} == {
        k for k, v in want.items() if v > tolerance
    }
    for key in set(want) | set(got):
        assert abs(got.get(key, 0) - want.get(key, 0)) <= tolerance, (
            key,
            got.get(key),
            want.get(key),
        )
    with_line = sum(v for k, v in want.items() if k[2] is not None)
    assert with_line > 0.1 * grand  # the file does place time on lines


def internal_profiles(events: list) -> set:
    """The (pid, id) of a trace's tracing (Internal) profiles."""
    return {
        (e.get("pid"), e.get("id"))
        for e in events
        if e.get("name") == "Profile" and e["args"]["data"].get("source") == "Internal"
    }


def without_a_node_chunk(events: list) -> list:
    """A real trace's events less one ProfileChunk of a tracing (Internal) profile that carries
    nodes later chunks build on: the shape of a trace in which a chunk was lost."""
    internal = internal_profiles(events)
    with_nodes = [
        k
        for k, e in enumerate(events)
        if e.get("name") == "ProfileChunk"
        and (e.get("pid"), e.get("id")) in internal
        and e["args"]["data"].get("cpuProfile", {}).get("nodes")
    ]
    assert len(with_nodes) > 3
    lost = with_nodes[1]
    return [e for k, e in enumerate(events) if k != lost]
