"""Chrome trace import: a real Chromium trace, converted Node profiles, old and bad forms."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flamekit.errors import InputError
from flamekit.importers import chrome_trace, detect, load_path
from flamekit.sources import open_source

from .conftest import ROOT, run_cli
from .test_cpuprofile import profiles
from .test_v8_bulk import columns
from .v8_reference import compare_top, trace_profiles

CHROME = ROOT / "samples" / "chrome"
NODE = ROOT / "samples" / "cpuprofile"


def read(path: Path):
    return orjson.loads(path.read_bytes())


def top_json(*paths) -> dict:
    proc = run_cli("top", "--format", "json", "-n", "0", *paths)
    assert proc.returncode == 0, proc.stderr
    return orjson.loads(proc.stdout)


def write(tmp_path: Path, doc, name="trace.json") -> Path:
    path = tmp_path / name
    path.write_bytes(doc if isinstance(doc, bytes) else orjson.dumps(doc))
    return path


# -- the trace recorded with headless Chromium ----------------------------------------------


def test_real_trace_is_detected_and_has_a_thread_per_profiled_thread():
    path = CHROME / "page.trace.json"
    assert detect(open_source(str(path))).name == "chrome-trace"
    p = load_path(str(path))
    labels = sorted(p.thread_label(t) for t in range(len(p.threads)))
    events = read(path)["traceEvents"]
    names = {
        (e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"
    }
    profiled = {(e["pid"], e["tid"]) for e in events if e.get("name") == "Profile"}
    assert labels == sorted(f"{names[k]} ({k[1]})" for k in profiled)
    assert "DedicatedWorker thread" in " ".join(labels)
    # the clock starts with the earliest profile kept (the overlapping inspector one is not)
    starts = [
        e["args"]["data"]["startTime"]
        for e in events
        if e.get("name") == "Profile" and e["args"]["data"]["source"] == "Internal"
    ]
    assert p.meta.start_ns == min(starts) * 1000


def test_real_trace_matches_reference():
    """The trace holds the tracing profiles of page and worker plus the page's inspector profile
    (Profiler.start during the trace), which overlaps the page's tracing profile: left out."""
    path = CHROME / "page.trace.json"
    profiles = trace_profiles(read(path)["traceEvents"])
    kept = [p for p in profiles.values() if p["_source"] == "Internal"]
    assert len(kept) == 2 and len(profiles) == 3
    proc = run_cli("top", "--format", "json", "-n", "0", path)
    assert proc.returncode == 0
    assert b"(Inspector" in proc.stderr and b"left out" in proc.stderr
    compare_top(orjson.loads(proc.stdout), *kept)


def inspector_only(events: list) -> list:
    """The trace's events that belong to the inspector profile (a faithful subset)."""
    ids = {
        e["id"]
        for e in events
        if e.get("name") == "Profile" and e["args"]["data"]["source"] == "Inspector"
    }
    return [e for e in events if e.get("ph") == "M" or e.get("id") in ids]


def test_real_trace_equals_the_cpuprofile_of_the_same_run(tmp_path):
    """Profiler.stop's profile and the same profile's trace events give identical times."""
    events = inspector_only(read(CHROME / "page.trace.json")["traceEvents"])
    as_trace = top_json(write(tmp_path, events))
    as_cpuprofile = top_json(CHROME / "page.cpuprofile")
    assert as_trace == as_cpuprofile
    assert len(as_trace["functions"]) > 5
    compare_top(as_trace, read(CHROME / "page.cpuprofile"))


# -- Node profiles converted to the trace event format --------------------------------------


def to_trace_events(profile: dict, pid: int, tid: int, ident: str, chunk: int = 100) -> list:
    """Express a .cpuprofile as Chrome does in a trace: Profile + ProfileChunk events."""
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    by_id = {n["id"]: n for n in profile["nodes"]}
    start = profile["startTime"]
    events = [
        {
            "name": "Profile",
            "ph": "P",
            "pid": pid,
            "tid": tid,
            "id": ident,
            "ts": start,
            "cat": "disabled-by-default-v8.cpu_profiler",
            "args": {"data": {"startTime": start, "source": "Internal"}},
        },
        {
            "name": "thread_name",
            "ph": "M",
            "pid": pid,
            "tid": tid,
            "ts": 0,
            "cat": "__metadata",
            "args": {"name": f"thread-{tid}"},
        },
    ]
    emitted: set = set()
    samples, deltas = profile["samples"], profile["timeDeltas"]
    t = start
    for first in range(0, len(samples), chunk):
        nodes = []
        for sid in samples[first : first + chunk]:
            path = []
            node = sid
            while node is not None and node not in emitted:
                path.append(node)
                node = parent.get(node)
            for nid in reversed(path):
                emitted.add(nid)
                frame = dict(by_id[nid]["callFrame"])
                frame["codeType"] = "JS" if frame.get("url") else "other"
                out = {"id": nid, "callFrame": frame}
                if nid in parent:
                    out["parent"] = parent[nid]
                nodes.append(out)
        # a chunk is stamped when V8's profiler thread emits it: always later than the last
        t = max(t + 1, start + sum(deltas[: first + chunk]))
        cpu: dict = {"samples": samples[first : first + chunk]}
        if nodes:
            cpu["nodes"] = nodes
        events.append(
            {
                "name": "ProfileChunk",
                "ph": "P",
                "pid": pid,
                "tid": tid + 1000,
                "id": ident,
                "ts": t,
                "cat": "disabled-by-default-v8.cpu_profiler",
                "args": {"data": {"cpuProfile": cpu, "timeDeltas": deltas[first : first + chunk]}},
            }
        )
    events.append(
        {
            "name": "ProfileChunk",
            "ph": "P",
            "pid": pid,
            "tid": tid,
            "id": ident,
            "ts": t + 1,
            "cat": "disabled-by-default-v8.cpu_profiler",
            "args": {"data": {"endTime": profile["endTime"]}},
        }
    )
    return events


def node_profiles():
    return read(NODE / "cpu.cpuprofile"), read(NODE / "eventloop.cpuprofile")


def test_two_threads_in_one_trace_in_every_container_form(tmp_path):
    cpu, loop = node_profiles()
    events = to_trace_events(cpu, 7, 1, "0x1") + to_trace_events(loop, 7, 2, "0x2", chunk=37)
    random.Random(3).shuffle(events)  # trace files are not sorted
    forms = {
        "array": events,
        "object": {"traceEvents": events, "metadata": {"source": "DevTools"}},
        "pretty": orjson.dumps({"traceEvents": events}, option=orjson.OPT_INDENT_2),
    }
    for name, doc in forms.items():
        path = write(tmp_path, doc, f"{name}.json")
        assert detect(open_source(str(path))).name == "chrome-trace"
        compare_top(top_json(path), cpu, loop)
    p = load_path(str(tmp_path / "array.json"))
    assert sorted(p.thread_label(t) for t in range(len(p.threads))) == [
        "thread-1 (1)",
        "thread-2 (2)",
    ]
    # the threads keep their own start times on the shared clock
    base = min(cpu["startTime"], loop["startTime"])
    assert p.meta.start_ns == base * 1000
    for tid, prof in ((1, cpu), (2, loop)):
        thread = next(t for t in range(len(p.threads)) if p.threads.tid[t] == tid)
        times = p.samples.time[p.samples.thread == thread]
        assert times[0] == (prof["startTime"] - base + prof["timeDeltas"][0]) * 1000


def test_trace_and_cpuprofile_give_identical_times(tmp_path):
    cpu, _ = node_profiles()
    trace = write(tmp_path, to_trace_events(cpu, 7, 1, "0x1"))
    assert top_json(trace) == top_json(NODE / "cpu.cpuprofile")


def test_old_single_cpuprofile_event(tmp_path):
    cpu, _ = node_profiles()
    events = [
        {
            "name": "CpuProfile",
            "ph": "I",
            "pid": 3,
            "tid": 4,
            "ts": cpu["endTime"],
            "cat": "disabled-by-default-v8.cpu_profiler",
            "args": {"data": {"cpuProfile": cpu}},
        }
    ]
    path = write(tmp_path, {"traceEvents": events})
    assert top_json(path) == top_json(NODE / "cpu.cpuprofile")


def test_a_trace_named_cpuprofile_gets_a_hint(tmp_path):
    path = write(tmp_path, (CHROME / "page.trace.json").read_bytes(), "page.cpuprofile")
    proc = run_cli("info", path)
    assert proc.returncode == 2
    assert b"use --from chrome-trace" in proc.stderr
    proc = run_cli("info", "--from", "chrome-trace", path)
    assert proc.returncode == 0, proc.stderr


def test_pyspy_chrometrace_is_not_taken_for_a_v8_trace():
    head = (ROOT / "samples/pyspy/work.chrometrace.json").read_bytes()[:65536]
    assert not chrome_trace.sniff(head)
    assert chrome_trace.sniff((CHROME / "page.trace.json").read_bytes()[:65536])


def _bad_traces() -> dict:
    cpu, _ = node_profiles()
    base = to_trace_events(cpu, 7, 1, "0x1")
    cases = {}
    lossy = {}

    def chunk_with_nodes(events):
        return next(
            e
            for e in events
            if e["name"] == "ProfileChunk" and "nodes" in e["args"]["data"].get("cpuProfile", {})
        )

    # a sample or a parent that never arrived is a lost chunk, not bad input: see LOSSY
    events = orjson.loads(orjson.dumps(base))
    chunk_with_nodes(events)["args"]["data"]["cpuProfile"]["samples"][0] = 9999
    lossy["unknown-sample"] = (events, "0 nodes whose parent never arrived and 1 samples")
    events = orjson.loads(orjson.dumps(base))
    chunk_with_nodes(events)["args"]["data"]["cpuProfile"]["nodes"][-1]["parent"] = 8888
    lossy["unknown-parent"] = (events, "1 nodes whose parent never arrived and 0 samples")
    events = orjson.loads(orjson.dumps(base))
    chunk = chunk_with_nodes(events)
    chunk["args"]["data"]["timeDeltas"].append(5)
    cases["deltas-longer"] = (events, "is longer than 'samples'")
    events = orjson.loads(orjson.dumps(base))
    nodes = chunk_with_nodes(events)["args"]["data"]["cpuProfile"]["nodes"]
    nodes[1]["parent"] = nodes[2]["id"]  # 1 -> 2 -> 1
    nodes[2]["parent"] = nodes[1]["id"]
    cases["cycle"] = (events, "cycle")
    events = orjson.loads(orjson.dumps(base))
    chunk_with_nodes(events)["args"]["data"]["cpuProfile"]["nodes"].append(
        chunk_with_nodes(events)["args"]["data"]["cpuProfile"]["nodes"][0]
    )
    cases["node-twice"] = (events, "appears twice")
    cases["no-profile"] = (
        [{"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "x"}}],
        "no V8 CPU profile in this trace",
    )
    cases["truncated"] = (orjson.dumps(base)[:5000], "truncated JSON")
    return cases, lossy


BAD, LOSSY = _bad_traces()


@pytest.mark.parametrize("case", sorted(LOSSY))
def test_lost_nodes_import_under_missing_frames_with_a_warning(tmp_path, case):
    doc, message = LOSSY[case]
    path = write(tmp_path, doc)
    proc = run_cli("top", "--from", "chrome-trace", "--format", "json", "-n", "0", path)
    assert proc.returncode == 0, proc.stderr
    assert message in proc.stderr.decode()
    names = {f["name"] for f in orjson.loads(proc.stdout)["functions"]}
    assert "(missing frames)" in names


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_traces_are_one_line_errors(tmp_path, case):
    doc, message = BAD[case]
    path = write(tmp_path, doc)
    proc = run_cli("info", "--from", "chrome-trace", path)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"flamekit: error: {path}")
    assert message in err


def test_bad_trace_error_names_the_profile(tmp_path):
    doc, _ = BAD["deltas-longer"]
    with pytest.raises(InputError, match=r"profile 0x1 \(pid 7, tid 1\)"):
        load_path(str(write(tmp_path, doc)))


def test_chunks_added_in_one_step_or_apart_give_one_table_and_one_error(tmp_path, monkeypatch):
    """The nodes of all chunks go into the table in one bulk step; a node repeated in a later
    chunk makes them go one chunk at a time, so that the error names that chunk."""
    cpu, _ = node_profiles()
    events = to_trace_events(cpu, 7, 1, "0x1", chunk=40)
    with_nodes = [
        (i, e)
        for i, e in enumerate(events)
        if e["name"] == "ProfileChunk" and "nodes" in e["args"]["data"].get("cpuProfile", {})
    ]
    assert len(with_nodes) > 2
    good = write(tmp_path, events, "good.json")
    later, chunk = with_nodes[2]
    first_node = with_nodes[0][1]["args"]["data"]["cpuProfile"]["nodes"][0]
    chunk["args"]["data"]["cpuProfile"]["nodes"].append(first_node)
    bad = write(tmp_path, events, "bad.json")

    def outcomes() -> tuple:
        with pytest.raises(InputError) as info:
            load_path(str(bad))
        return columns(load_path(str(good))), str(info.value)

    one_step = outcomes()
    with monkeypatch.context() as m:
        m.setattr(chrome_trace, "_add_chunk_nodes", lambda table, chunks: False)
        apart = outcomes()
    assert one_step == apart
    assert f"chunk at trace event {later}: node id {first_node['id']} appears twice" in apart[1]


# -- property test: random valid profiles, expressed as trace events --------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=profiles(), chunk=st.integers(1, 9), seed=st.integers(0, 1000))
def test_random_profiles_as_traces_match_reference(tmp_path, doc, chunk, seed):
    from flamekit.analyze.weights import top_functions

    events = to_trace_events(doc, 5, 6, "0x9", chunk=chunk)
    random.Random(seed).shuffle(events)
    p = load_path(str(write(tmp_path, events)))
    top = {
        "unit": p.unit,
        "total": p.total_weight(),
        "functions": [s.to_dict() for s in top_functions(p)],
    }
    compare_top(top, doc)
