"""speedscope JSON: import of sampled and evented profiles, export, round trips, bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flamekit
from flamekit.errors import InputError
from flamekit.importers import load_path
from flamekit.model import Profile
from flamekit.render.folded import render_folded
from flamekit.render.speedscope import render_speedscope

from .conftest import ROOT, run_cli

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
SAMPLES = sorted(
    [p for p in (ROOT / "samples").rglob("*") if p.is_file() and p.parent.name == "pyspy"]
    + [ROOT / "samples/folded/deep.folded"],
    key=str,
)
FOLDED_FILES = sorted(
    [*ROOT.glob("samples/**/*.folded"), *ROOT.glob("tests/data/*.folded")], key=str
)


def rows(p: Profile) -> dict:
    """Everything in a profile but its name, with string ids resolved."""
    s = p.strings
    fr, th, sa = p.frames, p.threads, p.samples
    return {
        "unit": p.unit,
        "frames": [
            (s[n], s[f], s[m], ln, c, k)
            for n, f, m, ln, c, k in zip(
                fr.name.tolist(),
                fr.file.tolist(),
                fr.module.tolist(),
                fr.line.tolist(),
                fr.column.tolist(),
                fr.kind.tolist(),
                strict=True,
            )
        ],
        "parent": p.stacks.parent.tolist(),
        "frame": p.stacks.frame.tolist(),
        "stack": sa.stack.tolist(),
        "weight": sa.weight.tolist(),
        "thread": sa.thread.tolist(),
        "time": None if sa.time is None else sa.time.tolist(),
        "threads": list(
            zip(th.pid.tolist(), th.tid.tolist(), [s[i] for i in th.name.tolist()], strict=True)
        ),
    }


def write_doc(path: Path, doc: dict) -> Path:
    path.write_bytes(orjson.dumps(doc))
    return path


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_speedscope_model_speedscope_model_is_identical(path, tmp_path):
    first = tmp_path / "first.speedscope.json"
    first.write_bytes(render_speedscope(load_path(str(path))))
    model1 = load_path(str(first))
    second = tmp_path / "second.speedscope.json"
    second.write_bytes(render_speedscope(model1))
    model2 = load_path(str(second))
    assert rows(model1) == rows(model2)
    doc1, doc2 = orjson.loads(first.read_bytes()), orjson.loads(second.read_bytes())
    assert doc1.pop("name") == path.name  # the input's file name
    assert doc2.pop("name") == "first.speedscope.json"
    assert doc1 == doc2


@pytest.mark.parametrize("path", FOLDED_FILES, ids=lambda p: p.name)
def test_folded_speedscope_folded_is_identical(path, tmp_path):
    out = tmp_path / "x.speedscope.json"
    proc = run_cli("convert", path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    back = render_folded(load_path(str(out)))
    assert sorted(back.splitlines()) == sorted(path.read_bytes().splitlines())


def test_pyspy_speedscope_round_trip_keeps_samples_and_weights():
    path = ROOT / "samples/pyspy/ladder.speedscope.json"
    src = json.loads(path.read_text())
    out = json.loads(render_speedscope(load_path(str(path))))
    assert len(out["profiles"]) == len(src["profiles"]) == 1
    names_in = [f["name"] for f in src["shared"]["frames"]]
    names_out = [f["name"] for f in out["shared"]["frames"]]
    a, b = src["profiles"][0], out["profiles"][0]
    assert [[names_in[i] for i in s] for s in a["samples"]] == [
        [names_out[i] for i in s] for s in b["samples"]
    ]
    assert b["unit"] == "nanoseconds"
    assert b["weights"] == [round(w * 1e9) for w in a["weights"]]
    assert b["name"] == a["name"] == 'Thread 10914 ""'


# -- export ----------------------------------------------------------------------------------


def test_export_header_and_profiles(tmp_path):
    src = ROOT / "samples/pyspy/threads-idle.txt"
    out = tmp_path / "t.speedscope.json"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    doc = orjson.loads(out.read_bytes())
    assert doc["$schema"] == SCHEMA
    assert doc["exporter"] == f"flamekit@{flamekit.__version__}"
    assert doc["name"] == "threads-idle.txt"
    profile = load_path(str(src))
    assert len(doc["profiles"]) == len(profile.threads) == 4
    assert {p["type"] for p in doc["profiles"]} == {"sampled"}
    assert {p["unit"] for p in doc["profiles"]} == {"none"}
    assert 'Process 11057 Thread 11064 "sleeper"' in {p["name"] for p in doc["profiles"]}
    frames = [(f["name"], f.get("file"), f.get("line")) for f in doc["shared"]["frames"]]
    assert len(frames) == len(set(frames))
    nframes = len(frames)
    total = 0
    for p in doc["profiles"]:
        assert len(p["samples"]) == len(p["weights"])
        assert all(0 <= i < nframes for s in p["samples"] for i in s)
        total += sum(p["weights"])
    assert total == 1299


def test_export_is_evented_when_the_source_has_timestamps(tmp_path):
    src = ROOT / "samples/pyspy/threads.chrometrace.json"
    out = tmp_path / "t.speedscope.json"
    proc = run_cli("convert", src, "--to", "speedscope", "-o", out)
    assert proc.returncode == 0, proc.stderr
    doc = orjson.loads(out.read_bytes())
    profile = load_path(str(src))
    assert len(doc["profiles"]) == len(profile.threads)
    busy = 0
    for p in doc["profiles"]:
        assert p["type"] == "evented" and p["unit"] == "nanoseconds"
        depth = 0
        prev = -1
        last_open = None
        for ev in p["events"]:
            assert ev["at"] >= prev
            if depth and last_open is not None:
                busy += ev["at"] - last_open
            last_open = ev["at"]
            prev = ev["at"]
            depth += 1 if ev["type"] == "O" else -1
            assert depth >= 0
        assert depth == 0
    assert busy == profile.total_weight()
    # the times are kept: the first sample of each thread starts where the trace says
    back = load_path(str(out))
    assert back.samples.time.tolist() == profile.samples.time.tolist()


def test_speedscope_stdout_needs_to(tmp_path):
    proc = run_cli("convert", ROOT / "samples/pyspy/work.txt", "--to", "speedscope", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert orjson.loads(proc.stdout)["name"] == "work.txt"


# -- units and profile types ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("nanoseconds", 1),
        ("microseconds", 1_000),
        ("milliseconds", 1_000_000),
        ("seconds", 1_000_000_000),
        ("none", None),
    ],
)
def test_units(tmp_path, unit, factor):
    doc = {
        "$schema": SCHEMA,
        "shared": {"frames": [{"name": "a"}, {"name": "b", "file": "b.py", "line": 3}]},
        "profiles": [
            {
                "type": "sampled",
                "name": "one",
                "unit": unit,
                "startValue": 0,
                "endValue": 7,
                "samples": [[0], [0, 1], [0, 1]],
                "weights": [1, 2, 4],
            },
            {
                "type": "evented",
                "name": "two",
                "unit": unit,
                "startValue": 10,
                "endValue": 15,
                "events": [
                    {"type": "O", "frame": 0, "at": 10},
                    {"type": "O", "frame": 1, "at": 11},
                    {"type": "C", "frame": 1, "at": 14},
                    {"type": "C", "frame": 0, "at": 15},
                ],
            },
        ],
    }
    p = load_path(str(write_doc(tmp_path / "u.speedscope.json", doc)))
    scale = factor or 1
    assert p.unit == ("samples" if factor is None else "nanoseconds")
    assert p.total_weight() == (7 + 5) * scale
    assert [p.thread_label(i) for i in range(len(p.threads))] == ["one", "two"]
    # mixed sampled/evented: timestamps cannot be kept for all, so none are
    assert not p.has_times
    assert p.samples.weight.tolist() == [x * scale for x in (1, 2, 4, 1, 3, 1)]


def test_evented_keeps_times_relative_to_the_earliest_start(tmp_path):
    doc = {
        "$schema": SCHEMA,
        "shared": {"frames": [{"name": "a"}, {"name": "b"}]},
        "profiles": [
            {
                "type": "evented",
                "name": "t",
                "unit": "milliseconds",
                "startValue": 100,
                "endValue": 130,
                "events": [
                    {"type": "O", "frame": 0, "at": 100},
                    {"type": "O", "frame": 1, "at": 110},
                    {"type": "C", "frame": 1, "at": 110.5},
                    {"type": "C", "frame": 0, "at": 120},
                    {"type": "O", "frame": 1, "at": 125},
                    # a frame opened and closed at once adds nothing
                    {"type": "O", "frame": 0, "at": 130},
                    {"type": "C", "frame": 0, "at": 130},
                    {"type": "C", "frame": 1, "at": 130},
                ],
            }
        ],
    }
    p = load_path(str(write_doc(tmp_path / "e.speedscope.json", doc)))
    ms = 1_000_000
    assert p.samples.time.tolist() == [0, 10 * ms, int(10.5 * ms), 25 * ms]
    assert p.samples.weight.tolist() == [10 * ms, ms // 2, int(9.5 * ms), 5 * ms]
    assert [p.stack_names(n) for n in p.samples.stack.tolist()] == [["a"], ["a", "b"], ["a"], ["b"]]
    assert p.meta.duration_ns == 30 * ms


# -- bad input -------------------------------------------------------------------------------


def _doc(**profile) -> dict:
    base = {"type": "sampled", "name": "p", "unit": "none", "startValue": 0, "endValue": 1}
    return {
        "$schema": SCHEMA,
        "shared": {"frames": [{"name": "a"}, {"name": "b"}]},
        "profiles": [{**base, **profile}],
    }


def _ev(*spec):
    return [{"type": t, "frame": f, "at": at} for t, f, at in spec]


BAD = {
    "index-sampled": (
        _doc(samples=[[0], [0, 7]], weights=[1, 1]),
        "profiles[0].samples[1][1]: frame index 7 is out of range (shared.frames has 2 frames)",
    ),
    "index-evented": (
        _doc(type="evented", events=_ev(("O", 0, 0), ("O", 2, 1), ("C", 2, 2), ("C", 0, 3))),
        "profiles[0].events[1].frame: frame index 2 is out of range",
    ),
    "negative-index": (
        _doc(samples=[[-1]], weights=[1]),
        "profiles[0].samples[0][0]: frame index -1 is out of range",
    ),
    "close-without-open": (
        _doc(type="evented", events=_ev(("O", 0, 0), ("C", 0, 1), ("C", 0, 2))),
        "profiles[0].events[2]: closes frame 0 but no frame is open (unbalanced events)",
    ),
    "close-wrong-frame": (
        _doc(type="evented", events=_ev(("O", 0, 0), ("O", 1, 1), ("C", 0, 2), ("C", 1, 3))),
        "profiles[0].events[2]: closes frame 0 but the innermost open frame is 1",
    ),
    "never-closed": (
        _doc(type="evented", events=_ev(("O", 0, 0), ("O", 1, 1), ("C", 1, 2))),
        "profiles[0].events: frame 0 opened at events[0] is never closed (unbalanced events)",
    ),
    "at-decreases": (
        _doc(type="evented", events=_ev(("O", 0, 5), ("C", 0, 4))),
        "profiles[0].events[1].at: 4 is before the previous event's 5 (must not decrease)",
    ),
    "weights-length": (
        _doc(samples=[[0], [1]], weights=[1]),
        "profiles[0].weights: has 1 weights for 2 samples (must be as long)",
    ),
    "negative-weight": (
        _doc(samples=[[0]], weights=[-2]),
        "profiles[0].weights[0]: expected a non-negative number, found -2",
    ),
    "unknown-unit": (_doc(unit="furlongs"), "profiles[0].unit: unknown unit 'furlongs'"),
    "unknown-type": (_doc(type="flat"), "profiles[0].type: unknown profile type 'flat'"),
    "no-frames": (
        {"$schema": SCHEMA, "profiles": []},
        "profiles: the file has no profiles",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_speedscope_is_a_one_line_error(tmp_path, case):
    doc, message = BAD[case]
    path = write_doc(tmp_path / "bad.speedscope.json", doc)
    out = tmp_path / "out.folded"
    proc = run_cli("convert", path, "-o", out)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.startswith(f"flamekit: error: {path}: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()


def test_truncated_speedscope_names_the_byte(tmp_path):
    data = (ROOT / "samples/pyspy/work.speedscope.json").read_bytes()
    path = tmp_path / "cut.speedscope.json"
    path.write_bytes(data[:1000])
    proc = run_cli("info", path)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "truncated JSON" in err and "byte" in err
    assert len(err.strip().splitlines()) == 1


# -- property tests --------------------------------------------------------------------------

frame_names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)


@st.composite
def sampled_docs(draw):
    nframes = draw(st.integers(1, 6))
    frames = [{"name": draw(frame_names)} for _ in range(nframes)]
    profiles = []
    for k in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 12))
        samples = [
            draw(st.lists(st.integers(0, nframes - 1), min_size=1, max_size=5)) for _ in range(n)
        ]
        weights = [draw(st.integers(0, 10**9)) for _ in range(n)]
        profiles.append(
            {
                "type": "sampled",
                "name": f"p{k}",
                "unit": "none",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        )
    return {"$schema": SCHEMA, "shared": {"frames": frames}, "profiles": profiles}


@st.composite
def evented_docs(draw):
    nframes = draw(st.integers(1, 5))
    frames = [{"name": f"f{i}", "file": f"m{i % 2}.py", "line": i + 1} for i in range(nframes)]
    profiles = []
    for k in range(draw(st.integers(1, 3))):
        events = []
        stack = []
        at = draw(st.integers(0, 100))
        start = at
        for _ in range(draw(st.integers(1, 20))):
            at += draw(st.integers(0, 50))
            if stack and draw(st.booleans()):
                events.append({"type": "C", "frame": stack.pop(), "at": at})
            else:
                f = draw(st.integers(0, nframes - 1))
                stack.append(f)
                events.append({"type": "O", "frame": f, "at": at})
        while stack:
            at += draw(st.integers(0, 50))
            events.append({"type": "C", "frame": stack.pop(), "at": at})
        profiles.append(
            {
                "type": "evented",
                "name": f"t{k}",
                "unit": "microseconds",
                "startValue": start,
                "endValue": at,
                "events": events,
            }
        )
    return {"$schema": SCHEMA, "shared": {"frames": frames}, "profiles": profiles}


def reference_sampled(doc) -> Counter:
    """(profile name, stack of frame names) -> weight, straight from the document."""
    out = Counter()
    names = [f["name"] for f in doc["shared"]["frames"]]
    for p in doc["profiles"]:
        for s, w in zip(p["samples"], p["weights"], strict=True):
            if w:
                out[(p["name"], tuple(names[i] for i in s))] += w
    return out


def reference_evented(doc) -> Counter:
    out = Counter()
    names = [f["name"] for f in doc["shared"]["frames"]]
    for p in doc["profiles"]:
        stack = []
        last = None
        for ev in p["events"]:
            if stack and last is not None and ev["at"] > last:
                out[(p["name"], tuple(names[i] for i in stack))] += (ev["at"] - last) * 1000
            last = ev["at"]
            if ev["type"] == "O":
                stack.append(ev["frame"])
            else:
                stack.pop()
    return out


def model_counter(p: Profile) -> Counter:
    out = Counter()
    for node, w, th in zip(
        p.samples.stack.tolist(), p.samples.weight.tolist(), p.samples.thread.tolist(), strict=True
    ):
        if w:
            out[(p.strings[p.threads.name[th]], tuple(p.stack_names(node)))] += w
    return out


@settings(max_examples=80, deadline=None)
@given(sampled_docs())
def test_sampled_property(tmp_path_factory, doc):
    path = write_doc(tmp_path_factory.mktemp("s") / "x.speedscope.json", doc)
    p = load_path(str(path))
    assert model_counter(p) == reference_sampled(doc)
    again = tmp_path_factory.mktemp("s") / "y.speedscope.json"
    again.write_bytes(render_speedscope(p))
    assert rows(load_path(str(again))) == rows(p)


@settings(max_examples=80, deadline=None)
@given(evented_docs())
def test_evented_property(tmp_path_factory, doc):
    path = write_doc(tmp_path_factory.mktemp("e") / "x.speedscope.json", doc)
    want = reference_evented(doc)
    if not want:
        # every frame opened and closed at once: nothing to show
        with pytest.raises(InputError, match="no profile has any samples or events"):
            load_path(str(path))
        return
    p = load_path(str(path))
    assert model_counter(p) == want
    if want:
        # times are ns since the earliest start; each sample lies inside its profile's events
        origin = min(pr["startValue"] for pr in doc["profiles"])
        assert p.has_times
        ends = np.asarray(p.samples.time) + np.asarray(p.samples.weight)
        last = max(pr["events"][-1]["at"] for pr in doc["profiles"] if pr["events"])
        assert int(ends.max()) <= (last - origin) * 1000
        again = tmp_path_factory.mktemp("e") / "y.speedscope.json"
        again.write_bytes(render_speedscope(p))
        assert rows(load_path(str(again))) == rows(p)


# -- deep stacks and empty stacks ----------------------------------------------------------


def test_deep_stacks_round_trip(tmp_path):
    depth = 12_000
    frames = [f"f{i % 7}" for i in range(depth)]
    folded = tmp_path / "deep.folded"
    folded.write_text(f"{';'.join(frames)} 3\n{';'.join(frames[: depth // 2])} 2\n")
    out = tmp_path / "deep.speedscope.json"
    out.write_bytes(render_speedscope(load_path(str(folded))))
    assert sorted(render_folded(load_path(str(out))).splitlines()) == sorted(
        folded.read_bytes().splitlines()
    )
    # the same stacks as a timed trace, exported as evented and read back
    events = []
    for i, name in enumerate(frames):
        events.append({"name": name, "ph": "B", "ts": i, "pid": 1, "tid": 1, "cat": "py-spy"})
    for i, name in enumerate(reversed(frames)):
        events.append(
            {"name": name, "ph": "E", "ts": depth + i, "pid": 1, "tid": 1, "cat": "py-spy"}
        )
    trace = tmp_path / "deep.json"
    trace.write_bytes(orjson.dumps(events))
    timed = load_path(str(trace))
    assert timed.total_weight() == (2 * depth - 1) * 1000
    evented = tmp_path / "deep-trace.speedscope.json"
    evented.write_bytes(render_speedscope(timed))
    doc = orjson.loads(evented.read_bytes())
    assert len(doc["profiles"][0]["events"]) == 2 * depth
    assert rows(load_path(str(evented))) == rows(timed)


def test_empty_stacks_are_written_as_empty_samples():
    p = load_path(str(ROOT / "samples/pyspy/threads-gil.txt"))
    doc = orjson.loads(render_speedscope(p))
    assert "(empty stack)" not in {f["name"] for f in doc["shared"]["frames"]}
    empty = []
    for prof in doc["profiles"]:
        empty += [w for s, w in zip(prof["samples"], prof["weights"], strict=True) if not s]
    assert empty == [2]


# -- samples that jump between stacks ------------------------------------------------------


def jumpy_profile(samples: int = 20_000, depth: int = 8, seed: int = 5) -> Profile:
    """Two timed threads whose samples land on random leaves of a bushy tree, with gaps."""
    from flamekit.builder import ProfileBuilder

    rng = np.random.default_rng(seed)
    b = ProfileBuilder("test", unit="nanoseconds", name="jumpy")
    level = [-1]
    for d in range(depth):
        level = [
            b.stack(parent, b.frame(f"f{d}_{k}_{i}", f"m{d}.py", line=d + 1))
            for k, parent in enumerate(level)
            for i in range(2 if d else 3)
        ]
    leaves = np.array(level)
    for thread in range(2):
        nodes = leaves[rng.integers(len(leaves), size=samples)]
        weights = rng.integers(900, 1100, size=samples)
        starts = np.cumsum(weights) - weights + 1000 * thread
        gaps = np.cumsum(np.where(rng.random(samples) < 0.01, 5_000, 0))
        # the odd sample overlapping the one before (moved to its end on export)
        starts[97::97] -= 300
        b.add_samples(
            nodes, weights, times=starts + gaps, threads=b.thread(1, thread + 1, f"t{thread}")
        )
    return b.build()


def evented_reference_events(profile: Profile, thread: int) -> int:
    """Open/close events a plain walk over the time-ordered samples makes."""
    sa, st = profile.samples, profile.stacks
    rows = [i for i in np.argsort(sa.time, kind="stable") if sa.thread[i] == thread]
    events, open_path, end = 0, [], None
    for i in rows:
        t, w = int(sa.time[i]), int(sa.weight[i])
        if end is not None and t > end:
            events += len(open_path)
            open_path = []
        path, n = [], int(sa.stack[i])
        while n >= 0:
            path.append(n)
            n = int(st.parent[n])
        path.reverse()
        common = 0
        while common < min(len(path), len(open_path)) and path[common] == open_path[common]:
            common += 1
        events += len(open_path) - common + len(path) - common
        open_path = path
        end = max(t, end if end is not None else t) + w
    return events + len(open_path)


def timeline_reference(profile: Profile, thread: int) -> list[tuple[int, int, tuple]]:
    """(start, end, stack names) of every sample as the export lays it out."""
    sa, st, s = profile.samples, profile.stacks, profile.strings
    out, end = [], 0
    rows = [i for i in np.argsort(sa.time, kind="stable") if sa.thread[i] == thread]
    for k, i in enumerate(rows):
        t, w = int(sa.time[i]), int(sa.weight[i])
        start = t if k == 0 else max(t, end)
        end = start + w
        names, n = [], int(sa.stack[i])
        while n >= 0:
            names.append(s[profile.frames.name[st.frame[n]]])
            n = int(st.parent[n])
        out.append((start, end, tuple(reversed(names))))
    return out


def test_jumpy_timed_profile_is_written_as_sampled_on_the_same_time_line(monkeypatch):
    from flamekit.render import speedscope

    profile = jumpy_profile()
    # small enough to write as events anyway...
    doc = orjson.loads(render_speedscope(profile))
    assert {p["type"] for p in doc["profiles"]} == {"evented"}
    # ...but past the limit the events (~14 per sample here) give way to stacks
    monkeypatch.setattr(speedscope, "EVENTED_LIMIT", 1 << 20)
    data = render_speedscope(profile)
    doc = orjson.loads(data)
    names = [f["name"] for f in doc["shared"]["frames"]]
    assert [p["type"] for p in doc["profiles"]] == ["sampled", "sampled"]
    events = 0
    for thread, prof in enumerate(doc["profiles"]):
        events += evented_reference_events(profile, thread)
        assert prof["unit"] == "nanoseconds" and prof["startValue"] == 0
        assert len(prof["samples"]) == len(prof["weights"])
        # lay the samples end to end: the non-empty ones are the profile's samples at their
        # times, the empty ones exactly the gaps between them (and before the first)
        at, laid = 0, []
        for stack, w in zip(prof["samples"], prof["weights"], strict=True):
            assert w > 0
            if stack:
                laid.append((at, at + w, tuple(names[i] for i in stack)))
            at += w
        assert prof["endValue"] == at
        assert laid == timeline_reference(profile, thread)
    # about 14 events a sample written as events (~45 bytes each) would be >5x this file
    assert events > 12 * len(profile.samples)
    assert len(data) * 5 < events * 40
    assert len(data) < 80 * len(profile.samples)


def test_export_streams_in_chunks(monkeypatch):
    from flamekit.render import speedscope

    monkeypatch.setattr(speedscope, "CHUNK", 1000)
    profile = jumpy_profile(samples=5_000)
    chunks = list(speedscope.speedscope_chunks(profile))
    assert max(len(c) for c in chunks) < 200_000  # ~1000 events per piece
    assert b"".join(chunks) == render_speedscope(profile)
    monkeypatch.setattr(speedscope, "EVENTED_LIMIT", 1 << 16)
    chunks = list(speedscope.speedscope_chunks(profile))
    assert len(chunks) > 20 and max(len(c) for c in chunks) < 100_000
    assert orjson.loads(b"".join(chunks))["profiles"][0]["type"] == "sampled"


def test_convert_of_a_jumpy_cpuprofile_stays_small(tmp_path):
    """100,000 samples on random leaves 9 frames deep: ~18 events a sample (74 MB) as events;
    written as stacks instead, about 45 bytes a sample."""
    rng = np.random.default_rng(7)
    nodes = [{"id": 1, "callFrame": {"functionName": "(root)", "url": ""}, "children": []}]
    level = [1]
    for d in range(9):
        nxt = []
        for parent in level:
            for _ in range(3 if d < 3 else 2):
                if len(nodes) >= 3000:
                    break
                nid = len(nodes) + 1
                frame = {"functionName": f"f{nid}", "url": f"file:///srv/app/m{d}.js"}
                nodes.append({"id": nid, "callFrame": frame})
                nodes[parent - 1].setdefault("children", []).append(nid)
                nxt.append(nid)
        level = nxt
    leaves = [n["id"] for n in nodes if "children" not in n]
    samples = rng.choice(leaves, size=100_000).tolist()
    deltas = rng.integers(900, 1100, size=100_000).tolist()
    doc = {"nodes": nodes, "startTime": 0, "endTime": sum(deltas) + 1000}
    src = tmp_path / "jumpy.cpuprofile"
    src.write_bytes(orjson.dumps({**doc, "samples": samples, "timeDeltas": deltas}))
    out = tmp_path / "jumpy.speedscope.json"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size < 60 * len(samples)
    exported = orjson.loads(out.read_bytes())
    assert [p["type"] for p in exported["profiles"]] == ["sampled"]
    back = load_path(str(out))
    original = load_path(str(src))
    # the same stacks and weights; the time before the first sample reads back as an empty one
    lead = int(original.samples.time.min())
    assert lead > 0
    assert back.total_weight() == original.total_weight() + lead
    empty = f"(empty stack) {lead}".encode()
    assert sorted(render_folded(back).splitlines()) == sorted(
        [*render_folded(original).splitlines(), empty]
    )


@pytest.mark.parametrize("samples", [3, 40, 5_000], ids=lambda n: f"{n}-samples")
def test_event_count_estimate_matches_the_events_written(samples):
    """The count that picks the form is exact: for few pairs of stacks (climbed one by one)
    and for many (climbed in numpy), against a plain walk and the evented file itself."""
    from flamekit.render import speedscope

    profile = jumpy_profile(samples=samples)
    paths = speedscope._Paths(profile)
    doc = orjson.loads(render_speedscope(profile))
    assert {p["type"] for p in doc["profiles"]} == {"evented"}
    for thread, prof in enumerate(doc["profiles"]):
        rows = np.flatnonzero(profile.samples.thread == thread)
        opened = speedscope._Timeline(profile, rows).opened(paths)
        assert 2 * opened == evented_reference_events(profile, thread) == len(prof["events"])
