"""V8 .cpuprofile import: times checked against a plain-Python reference, kinds, errors."""

from __future__ import annotations

import gzip
import re
import statistics
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flamekit
from flamekit.errors import InputError
from flamekit.importers import load_path, v8json
from flamekit.model import FrameKind

from .conftest import ROOT, run_cli
from .v8_reference import compare_top, function_times_ns

SAMPLES = ROOT / "samples" / "cpuprofile"
WORKERS = sorted((SAMPLES / "workers").glob("*.cpuprofile"))
RECORDED = [
    SAMPLES / "cpu.cpuprofile",
    SAMPLES / "eventloop.cpuprofile",
    SAMPLES / "server.cpuprofile",
    *WORKERS,
]


def read(path: Path) -> dict:
    return orjson.loads(path.read_bytes())


def top_json(*paths) -> dict:
    proc = run_cli("top", "--format", "json", "-n", "0", *paths)
    assert proc.returncode == 0, proc.stderr
    return orjson.loads(proc.stdout)


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_profiles_match_reference(path):
    compare_top(top_json(path), read(path))


def test_workers_load_as_one_profile_with_a_thread_per_file():
    profile = flamekit.load([str(p) for p in WORKERS])
    labels = sorted(profile.thread_label(t) for t in range(len(profile.threads)))
    assert labels == ["main (0)", "worker (1)", "worker (2)"]
    assert set(profile.threads.pid.tolist()) == {5003}
    docs = [read(p) for p in WORKERS]
    base = min(d["startTime"] for d in docs)
    assert profile.meta.start_ns == base * 1000
    for doc, path in zip(docs, WORKERS, strict=True):
        tid = int(path.name.split(".")[4])
        thread = int(np.flatnonzero(profile.threads.tid == tid)[0])
        mine = profile.samples.thread == thread
        _, _, grand = function_times_ns(doc)
        assert profile.samples.weight[mine].sum() == pytest.approx(grand, abs=1)
        # the first sample's time is its own start time plus its first delta, on the shared clock
        first = profile.samples.time[mine][0]
        assert first == (doc["startTime"] - base + max(doc["timeDeltas"][0], 0)) * 1000


def test_workers_through_the_cli_match_the_reference_summed():
    got = top_json(*WORKERS)
    totals: dict = {}
    grand = 0.0
    for path in WORKERS:
        _, t, g = function_times_ns(read(path))
        grand += g
        for key, value in t.items():
            totals[key] = totals.get(key, 0) + value
    assert got["total"] == pytest.approx(grand, abs=0.001 * grand)
    by_key = {
        (f["name"], f["file"] or "", f["line"], f["column"]): f["total"] for f in got["functions"]
    }
    for key, value in totals.items():
        if value:
            assert by_key[key] == pytest.approx(value, abs=0.001 * grand)


def test_frames_kinds_lines_and_meta():
    path = SAMPLES / "eventloop.cpuprofile"
    doc = read(path)
    p = load_path(str(path))
    names = [p.frame_name(i) for i in range(len(p.frames))]
    assert "(root)" not in names
    kinds = {p.frame_name(i): FrameKind(int(k)) for i, k in enumerate(p.frames.kind)}
    assert kinds["(idle)"] == FrameKind.IDLE
    assert kinds["(program)"] == FrameKind.NATIVE
    assert kinds["(garbage collector)"] == FrameKind.GC
    assert kinds["busy"] == FrameKind.USER
    assert p.meta.has_idle_marker
    assert p.unit == "nanoseconds"
    for i in range(len(p.frames)):
        url = p.frame_file(i)
        if url.startswith("node:"):
            assert p.frames.kind[i] == FrameKind.RUNTIME
        elif not url:
            assert p.frames.kind[i] in (FrameKind.NATIVE, FrameKind.IDLE, FrameKind.GC)
    busy = next(n for n in doc["nodes"] if n["callFrame"]["functionName"] == "busy")
    fid = names.index("busy")
    assert p.frames.line[fid] == busy["callFrame"]["lineNumber"] + 1
    assert p.frames.column[fid] == busy["callFrame"]["columnNumber"] + 1
    assert p.meta.start_ns == doc["startTime"] * 1000
    assert p.meta.duration_ns == (doc["endTime"] - doc["startTime"]) * 1000
    cum = np.cumsum(doc["timeDeltas"])
    assert p.samples.time.tolist() == (cum * 1000).tolist()
    assert p.meta.period_ns == int(statistics.median(np.diff(cum).tolist()) * 1000)
    # every sample lasts until the next, the last one until endTime
    assert p.samples.weight.tolist()[:-1] == (np.diff(cum) * 1000).tolist()
    assert p.samples.weight[-1] == (doc["endTime"] - doc["startTime"] - cum[-1]) * 1000


def node(nid, name, url="", line=-1, children=(), hits=0):
    out = {
        "id": nid,
        "callFrame": {
            "functionName": name,
            "scriptId": "0",
            "url": url,
            "lineNumber": line,
            "columnNumber": -1 if line < 0 else 4,
        },
        "hitCount": hits,
    }
    if children:
        out["children"] = list(children)
    return out


def small_profile() -> dict:
    return {
        "nodes": [
            node(1, "(root)", children=[2, 3, 4, 7]),
            node(2, "(program)"),
            node(3, "(idle)"),
            node(4, "", "/srv/app/main.js", 0, children=[5]),
            node(5, "handler", "/srv/app/node_modules/@scope/pkg/index.js", 9, children=[6]),
            node(6, "readFile", "node:fs", 120),
            node(7, "(garbage collector)"),
        ],
        "startTime": 1000,
        "endTime": 1100,
        "samples": [5, 6, 6, 3, 2, 7, 4],
        "timeDeltas": [5, 10, 10, 10, 20, 15, 10],
    }


def write(tmp_path: Path, doc, name="p.cpuprofile") -> Path:
    path = tmp_path / name
    path.write_bytes(doc if isinstance(doc, bytes) else orjson.dumps(doc))
    return path


def test_small_profile_kinds_names_and_modules(tmp_path):
    p = load_path(str(write(tmp_path, small_profile())))
    frames = {p.frame_name(i): i for i in range(len(p.frames))}
    anon = frames["(anonymous)"]
    assert p.frame_file(anon) == "/srv/app/main.js"
    assert p.frames.line[anon] == 1 and p.frames.column[anon] == 5
    assert p.frames.kind[anon] == FrameKind.USER
    dep = frames["handler"]
    assert p.frames.kind[dep] == FrameKind.DEPENDENCY
    assert p.strings[p.frames.module[dep]] == "@scope/pkg"
    assert p.frames.kind[frames["readFile"]] == FrameKind.RUNTIME
    assert p.samples.weight.tolist() == [10_000, 10_000, 10_000, 20_000, 15_000, 10_000, 20_000]
    assert p.samples.time.tolist() == [5_000, 15_000, 25_000, 35_000, 55_000, 70_000, 80_000]


def test_negative_deltas_are_clamped_not_propagated(tmp_path):
    doc = small_profile()
    doc["timeDeltas"] = [5, 10, -4, 14, 20, 15, 10]
    p = load_path(str(write(tmp_path, doc)))
    # times 5, 15, 11->15, 25, 45, 60, 70: later samples keep their own times
    assert p.samples.time.tolist() == [5_000, 15_000, 15_000, 25_000, 45_000, 60_000, 70_000]
    assert p.samples.weight.tolist() == [10_000, 0, 10_000, 20_000, 15_000, 10_000, 30_000]
    assert any("negative" in w for w in p.meta.warnings)
    assert p.samples.weight.sum() == (doc["endTime"] - doc["startTime"] - 5) * 1000


def test_hit_counts_only_import_with_a_warning(tmp_path):
    doc = small_profile()
    del doc["samples"], doc["timeDeltas"]
    hits = {2: 3, 3: 5, 5: 1, 6: 1}
    for n in doc["nodes"]:
        n["hitCount"] = hits.get(n["id"], 0)
    path = write(tmp_path, doc)
    p = load_path(str(path))
    assert p.unit == "nanoseconds" and not p.has_times
    assert p.total_weight() == 100_000  # 10 hits over 100 µs: 10 µs each
    assert any("estimate" in w for w in p.meta.warnings)
    proc = run_cli("top", "--format", "json", path)
    assert proc.returncode == 0
    assert b"estimate" in proc.stderr
    top = {f["name"]: f["self"] for f in orjson.loads(proc.stdout)["functions"]}
    assert top == {
        "(idle)": 50_000,
        "(program)": 30_000,
        "handler": 10_000,
        "readFile": 10_000,
        "(anonymous)": 0,
    }


def test_deep_tree(tmp_path):
    depth = 12_000
    nodes = [node(1, "(root)", children=[2])]
    for i in range(2, depth + 2):
        nodes.append(node(i, f"f{i % 7}", "/srv/app/deep.js", i % 7, children=[i + 1]))
    nodes[-1].pop("children")
    doc = {
        "nodes": nodes,
        "startTime": 0,
        "endTime": 3000,
        "samples": [depth + 1, depth // 2, depth + 1],
        "timeDeltas": [1000, 1000, 500],
    }
    path = write(tmp_path, doc)
    p = load_path(str(path))
    assert int(p.stacks.depth.max()) == depth - 1
    compare_top(top_json(path), doc)


def test_big_file_fast_path_equals_plain_parse(tmp_path):
    rng = np.random.default_rng(7)
    doc = small_profile()
    n = 200_000
    doc["samples"] = rng.choice([2, 3, 4, 5, 6, 7], size=n).tolist()
    doc["timeDeltas"] = rng.integers(-50, 2000, size=n).tolist()
    doc["endTime"] = doc["startTime"] + int(np.sum(doc["timeDeltas"])) + 700
    data = orjson.dumps(doc)
    assert len(data) > 1 << 20
    split = v8json._parse_split(data)  # the fast path takes this file
    assert split is not None and np.array_equal(split["samples"], doc["samples"])
    fast = load_path(str(write(tmp_path, data)))
    plain = load_path(str(write(tmp_path, gzip.compress(data), "p.cpuprofile.gz")))
    assert np.array_equal(fast.samples.weight, plain.samples.weight)
    assert np.array_equal(fast.samples.time, plain.samples.time)
    assert np.array_equal(fast.samples.stack, plain.samples.stack)
    compare_top(top_json(write(tmp_path, data, "q.cpuprofile")), doc)


def _corrupt_cases() -> dict[str, tuple[bytes, str]]:
    good = small_profile()
    cases = {}
    text = orjson.dumps(good)
    cases["truncated"] = (text[: len(text) // 2], "truncated JSON")
    bad = small_profile()
    bad["samples"][3] = 99
    cases["unknown-sample"] = (orjson.dumps(bad), "sample 3 names node 99")
    bad = small_profile()
    bad["nodes"][5]["children"] = [4]  # 4 -> 5 -> 6 -> 4
    bad["nodes"][0]["children"] = [2, 3, 7]
    cases["cycle"] = (orjson.dumps(bad), "cycle")
    bad = small_profile()
    bad["nodes"][0]["children"] = [2, 3, 4, 7, 6]
    cases["child-twice"] = (orjson.dumps(bad), "node 6 is listed as a child of both")
    bad = small_profile()
    bad["nodes"][3]["children"] = [5, 5]
    cases["child-twice-same-parent"] = (orjson.dumps(bad), "lists child 5 twice")
    bad = small_profile()
    bad["timeDeltas"].append(3)
    cases["deltas-longer"] = (orjson.dumps(bad), "'timeDeltas' (8 entries) is longer")
    bad = small_profile()
    bad["nodes"][0]["children"].append(42)
    cases["unknown-child"] = (orjson.dumps(bad), "lists child 42, which is not in 'nodes'")
    cases["not-a-profile"] = (b'{"nodes": 3}', "'nodes' is not a list")
    return cases


CORRUPT = _corrupt_cases()


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupted_input_is_one_line_exit_2(tmp_path, case):
    data, message = CORRUPT[case]
    path = write(tmp_path, data)
    proc = run_cli("top", path)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"flamekit: error: {path}")
    assert message in err


@pytest.mark.parametrize("case", ["unknown-sample", "deltas-longer", "cycle"])
def test_corrupted_big_input_is_reported_too(tmp_path, case):
    doc = orjson.loads(CORRUPT[case][0])
    pad = 150_000
    doc["samples"] = doc["samples"] + [2] * pad
    doc["timeDeltas"] = doc["timeDeltas"] + [1000] * pad
    message = {"deltas-longer": "is longer than 'samples'"}.get(case, CORRUPT[case][1])
    with pytest.raises(InputError, match=re.escape(message)):
        load_path(str(write(tmp_path, orjson.dumps(doc))))


def test_truncated_big_file_names_the_offset(tmp_path):
    doc = small_profile()
    doc["samples"] = [2] * 300_000
    doc["timeDeltas"] = [1000] * 300_000
    data = orjson.dumps(doc)
    with pytest.raises(InputError, match="truncated JSON") as info:
        load_path(str(write(tmp_path, data[:-5000])))
    assert info.value.offset is not None


# -- property test: random valid profiles against the reference ------------------------------


@st.composite
def profiles(draw):
    count = draw(st.integers(1, 40))
    names = ["a", "b", "c", "", "(program)", "(idle)", "(garbage collector)"]
    urls = ["", "/srv/app/x.js", "node:fs", "/srv/app/node_modules/q/i.js"]
    nodes = [node(1, "(root)")]
    children: dict[int, list[int]] = {1: []}
    for nid in range(2, count + 2):
        parent = draw(st.sampled_from(sorted(children)))
        children[parent].append(nid)
        children[nid] = []
        nodes.append(node(nid, draw(st.sampled_from(names)), draw(st.sampled_from(urls)), 1))
    ids = list(range(1, count + 2))
    # sparse, shuffled ids as real profiles may have
    mapping = dict(zip(ids, draw(st.permutations([i * 3 + 7 for i in ids])), strict=True))
    for n in nodes:
        kids = children[n["id"]]
        if kids:
            n["children"] = [mapping[k] for k in kids]
        n["id"] = mapping[n["id"]]
    draw(st.randoms()).shuffle(nodes)
    nsamples = draw(st.integers(1, 60))
    samples = draw(
        st.lists(st.sampled_from(list(mapping.values())), min_size=nsamples, max_size=nsamples)
    )
    deltas = draw(st.lists(st.integers(-300, 5000), min_size=nsamples, max_size=nsamples))
    start = draw(st.integers(0, 10**12))
    end = start + max(0, sum(deltas)) + draw(st.integers(0, 5000))
    return {
        "nodes": nodes,
        "startTime": start,
        "endTime": end,
        "samples": samples,
        "timeDeltas": deltas,
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=profiles())
def test_random_profiles_match_reference(tmp_path, doc):
    from flamekit.analyze.weights import top_functions

    p = load_path(str(write(tmp_path, doc)))
    stats = top_functions(p)
    top = {
        "unit": p.unit,
        "total": p.total_weight(),
        "functions": [s.to_dict() for s in stats],
    }
    compare_top(top, doc)


def test_fast_path_is_not_fooled_by_nested_keys(tmp_path):
    """Arrays named like the top-level ones inside a node make the fast path step aside."""
    doc = small_profile()
    n = 200_000
    samples = [5, 6, 3, 2] * (n // 4)
    deltas = [1000, 900, -20, 1100] * (n // 4)
    nodes = doc.pop("nodes")
    nodes[4]["callFrame"]["samples"] = [1, 2, 3]  # an unknown field, after the real arrays
    nodes[4]["timeDeltas"] = [4, 5]
    nodes[5]["callFrame"]["functionName"] = 'x","samples":[9],"y":"'
    data = orjson.dumps(
        {
            "samples": samples,
            "timeDeltas": deltas,
            "startTime": 0,
            "endTime": sum(deltas) + 10,
            "nodes": nodes,
        }
    )
    assert len(data) > v8json.SMALL
    assert v8json._parse_split(data) is None
    p = load_path(str(write(tmp_path, data)))
    assert len(p.samples) == n
    assert 'x","samples":[9],"y":"' in p.strings
    compare_top(top_json(write(tmp_path, data, "q.cpuprofile")), orjson.loads(data))
