"""A plain-Python reference for V8 profiles, written apart from the importer to check it.

It follows the DevTools convention directly, one sample at a time: sample i is at
``startTime + timeDeltas[0] + ... + timeDeltas[i]`` (never earlier than the sample before it) and
lasts until the next sample, the last one until ``endTime``. Functions are keyed by
(name, url) like ``flamekit top``; a function counts once per sample in its total.
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


def function_times_ns(profile: dict) -> tuple[dict, dict, float]:
    """(self, total, grand total) per (function name, url), in nanoseconds."""
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
            frame = by_id[current]["callFrame"]
            name = frame["functionName"]
            is_root = name == "(root)" and current not in parent
            if not is_root:
                keys.append((name or "(anonymous)", frame.get("url", "")))
            current = parent.get(current)
        if not keys:
            keys = [("(root)", "")]
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
        key = (f["name"], f["file"] or "")
        got_self[key] = f["self"]
        got_total[key] = f["total"]
    tolerance = 0.001 * grand
    assert abs(top_json["total"] - grand) <= tolerance, (top_json["total"], grand)
    expected_keys = {k for k, v in totals.items() if v > 0}
    assert set(got_total) == expected_keys
    for key in expected_keys:
        assert abs(got_self[key] - selfs.get(key, 0)) <= tolerance, (key, got_self[key], selfs)
        assert abs(got_total[key] - totals[key]) <= tolerance, (key, got_total[key], totals[key])


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
            if "endTime" in data:
                prof["endTime"] = data["endTime"]
    for prof in out.values():
        if "endTime" not in prof:
            prof["endTime"] = prof["startTime"]
    return out
