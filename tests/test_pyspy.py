"""py-spy outputs: raw, speedscope and chrometrace of one recording agree with each other.

The reference numbers here are computed straight from the files with plain Python, not with
flamekit's code.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.analyze.weights import top_functions
from flamekit.errors import InputError
from flamekit.importers import detect, load_path
from flamekit.importers.pyspy import split_frame, split_roots
from flamekit.importers.python_frames import python_kind
from flamekit.model import EMPTY_STACK, FrameKind
from flamekit.sources import open_source

from .conftest import ROOT, run_cli

PYSPY = ROOT / "samples" / "pyspy"
RAW_FRAME = re.compile(r"^(.*) \((.*?)(?::(\d+))?\)$")


# -- plain-Python references ---------------------------------------------------------------


def raw_lines(path: Path) -> list[tuple[list[str], int]]:
    out = []
    for line in path.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        out.append((stack.split(";"), int(count)))
    return out


def is_root_frame(text: str) -> bool:
    return text.startswith("process ") or text.startswith("thread (")


def raw_self_by_name(path: Path) -> Counter:
    self_ = Counter()
    for frames, count in raw_lines(path):
        frames = [f for f in frames if not is_root_frame(f)]
        if frames:
            self_[RAW_FRAME.match(frames[-1]).group(1)] += count
    return self_


def speedscope_self_by_name(path: Path) -> tuple[Counter, int, float]:
    doc = json.loads(path.read_text())
    names = [f["name"] for f in doc["shared"]["frames"]]
    self_ = Counter()
    nsamples = 0
    total = 0.0
    for prof in doc["profiles"]:
        for stack, w in zip(prof["samples"], prof["weights"], strict=True):
            nsamples += 1
            total += w
            if stack:
                self_[names[stack[-1]]] += w
    return self_, nsamples, total


def chrometrace_self_by_name(path: Path) -> tuple[Counter, float]:
    """Time (µs) with each function on top of a thread's stack, from the B/E events."""
    threads = defaultdict(list)
    for ev in json.loads(path.read_text()):
        if ev["ph"] in "BE":
            threads[(ev["pid"], ev["tid"])].append(ev)
    self_ = Counter()
    busy = 0.0
    for events in threads.values():
        events.sort(key=lambda e: e["ts"])
        stack = []
        last = None
        for ev in events:
            if stack and last is not None:
                self_[stack[-1]] += ev["ts"] - last
                busy += ev["ts"] - last
            last = ev["ts"]
            if ev["ph"] == "B":
                stack.append(ev["name"])
            else:
                assert stack.pop() == ev["name"]
    return self_, busy


def top10(counter: Counter) -> list[str]:
    return [name for name, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]


# -- one recording, three formats ----------------------------------------------------------


def test_ladder_top10_agrees_across_raw_speedscope_chrometrace():
    raw = load_path(str(PYSPY / "ladder.txt"))
    sps = load_path(str(PYSPY / "ladder.speedscope.json"))
    trace = load_path(str(PYSPY / "ladder.chrometrace.json"))
    tops = [[s.name for s in top_functions(p, 10)] for p in (raw, sps, trace)]
    expected = [f"rung_{i:02d}" for i in range(1, 11)]
    assert tops == [expected, expected, expected]
    # and each matches the plain-Python reference of its own file
    assert tops[0] == top10(raw_self_by_name(PYSPY / "ladder.txt"))
    assert tops[1] == top10(speedscope_self_by_name(PYSPY / "ladder.speedscope.json")[0])
    assert tops[2] == top10(chrometrace_self_by_name(PYSPY / "ladder.chrometrace.json")[0])


def test_ladder_totals_match_each_files_own_count():
    raw = load_path(str(PYSPY / "ladder.txt"))
    assert raw.unit == "samples"
    assert raw.total_weight() == sum(c for _, c in raw_lines(PYSPY / "ladder.txt")) == 5999

    sps = load_path(str(PYSPY / "ladder.speedscope.json"))
    _, nsamples, seconds = speedscope_self_by_name(PYSPY / "ladder.speedscope.json")
    assert len(sps.samples) == nsamples == 5997
    assert sps.unit == "nanoseconds"
    assert sps.total_weight() == pytest.approx(seconds * 1e9, abs=nsamples)

    trace = load_path(str(PYSPY / "ladder.chrometrace.json"))
    _, busy_us = chrometrace_self_by_name(PYSPY / "ladder.chrometrace.json")
    assert trace.unit == "nanoseconds"
    assert trace.total_weight() == round(busy_us * 1000)


@pytest.mark.parametrize(
    "name", ["ladder.txt", "ladder.speedscope.json", "ladder.chrometrace.json"]
)
def test_self_weights_match_reference(name):
    path = PYSPY / name
    profile = load_path(str(path))
    got = {s.name: s.self for s in top_functions(profile)}
    if name.endswith(".txt"):
        ref = dict(raw_self_by_name(path))
    elif "speedscope" in name:
        ref = {k: round(v * 1e9) for k, v in speedscope_self_by_name(path)[0].items()}
    else:
        ref = {k: round(v * 1000) for k, v in chrometrace_self_by_name(path)[0].items()}
    got = {k: v for k, v in got.items() if v}
    ref = {k: v for k, v in ref.items() if v}
    assert set(got) == set(ref)
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, abs=len(profile.samples))


def test_cli_top_lists_the_ladder():
    proc = run_cli("top", PYSPY / "ladder.txt", "-n", "3", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = orjson.loads(proc.stdout)
    assert doc["total"] == 5999
    assert [(f["name"], f["self"]) for f in doc["functions"]] == [
        ("rung_01", 2066),
        ("rung_02", 1394),
        ("rung_03", 808),
    ]


# -- raw: frames, threads, processes -------------------------------------------------------


def test_raw_frames_split_into_name_file_line():
    p = load_path(str(PYSPY / "ladder.txt"))
    rows = {(p.frame_name(i), p.frame_file(i), int(p.frames.line[i])) for i in range(len(p.frames))}
    assert ("rung_01", "ladder.py", 17) in rows
    assert ("<module>", "ladder.py", 1) in rows
    assert ("TextWrapper.wrap", "textwrap.py", 347) in rows
    # the thread frame is not a frame
    assert not any(name.startswith("thread (") for name, _, _ in rows)
    assert [int(t) for t in p.threads.tid] == [10914]


def test_split_frame_forms():
    assert split_frame("main (app.py:12)") == ("main", "app.py", 12)
    assert split_frame("main (app.py)") == ("main", "app.py", 0)
    assert split_frame("main") == ("main", "", 0)
    assert split_frame("_find_and_load (<frozen importlib._bootstrap>:1176)") == (
        "_find_and_load",
        "<frozen importlib._bootstrap>",
        1176,
    )
    assert split_frame("root (<template>:16)") == ("root", "<template>", 16)


def test_split_roots_forms():
    frames = [
        'process 7:""',
        'process 9:"python a.py; b"',
        "thread (0x7F00AB): Worker-1",
        "f (a.py:1)",
    ]
    # the ';' inside the command line split it into two frames
    split = ";".join(frames).split(";")
    assert split_roots(split) == (9, 0x7F00AB, "Worker-1", "python a.py; b", 4)
    assert split_roots(["thread (123)", "f (a.py:1)"]) == (-1, 123, "", "", 1)
    assert split_roots(["f (a.py:1)"]) == (-1, -1, "", "", 0)


def reference_threads(path: Path) -> dict[tuple[int, int], int]:
    """(pid, tid) -> samples, parsed with regular expressions written for this test."""
    out = Counter()
    for frames, count in raw_lines(path):
        pid = tid = -1
        for f in frames:
            m = re.match(r'process (\d+):"', f)
            if m:
                pid = int(m.group(1))
            m = re.match(r"thread \((\d+)\)", f)
            if m:
                tid = int(m.group(1))
        out[(pid, tid)] += count
    return dict(out)


@pytest.mark.parametrize("name", ["threads-idle.txt", "threads-gil.txt"])
def test_raw_threads_and_processes_become_the_thread_table(name):
    path = PYSPY / name
    p = load_path(str(path))
    got = Counter()
    for th, w in zip(p.samples.thread.tolist(), p.samples.weight.tolist(), strict=True):
        got[(int(p.threads.pid[th]), int(p.threads.tid[th]))] += w
    assert dict(got) == reference_threads(path)
    names = {p.thread_label(i) for i in range(len(p.threads))}
    assert any(label.startswith("renderer (") for label in names)
    assert not any(
        n.startswith(("thread (", "process ")) for n in map(p.frame_name, range(len(p.frames)))
    )
    assert p.total_weight() == sum(c for _, c in raw_lines(path))


def test_subprocess_thread_carries_its_command_line():
    p = load_path(str(PYSPY / "threads-idle.txt"))
    labels = {(int(p.threads.pid[i]), p.strings[p.threads.name[i]]) for i in range(len(p.threads))}
    assert (11062, "/srv/venv/bin/python threads.py 3.0 child: MainThread") in labels
    assert (11057, "sleeper") in labels  # only recorded with --idle
    # early lines of the main thread have no name yet; they join the named thread
    assert sum(1 for pid, _ in labels if pid == 11057) == 3


def test_thread_without_python_frames_keeps_its_samples():
    p = load_path(str(PYSPY / "threads-gil.txt"))
    empty = [i for i in range(len(p.frames)) if p.frame_name(i) == EMPTY_STACK]
    assert len(empty) == 1 and p.frames.kind[empty[0]] == FrameKind.SYNTHETIC
    stat = {s.name: s.self for s in top_functions(p)}
    assert stat[EMPTY_STACK] == 2  # 'thread (11083): MainThread 2'


def test_frame_kinds():
    p = load_path(str(PYSPY / "threads-idle.txt"))
    kinds = {
        (p.frame_name(i), p.frame_file(i)): FrameKind(int(k)) for i, k in enumerate(p.frames.kind)
    }
    assert kinds[("hash_loop", "threads.py")] == FrameKind.USER
    assert kinds[("Thread.run", "threading.py")] == FrameKind.RUNTIME
    assert kinds[("_find_and_load", "<frozen importlib._bootstrap>")] == FrameKind.RUNTIME
    sps = load_path(str(PYSPY / "threads.speedscope.json"))
    by_file = {sps.frame_file(i): FrameKind(int(k)) for i, k in enumerate(sps.frames.kind)}
    assert by_file["/srv/venv/lib/python3.11/site-packages/jinja2/environment.py"] == (
        FrameKind.DEPENDENCY
    )
    assert by_file["/usr/local/lib/python3.11/threading.py"] == FrameKind.RUNTIME
    assert by_file["/srv/app/threads.py"] == FrameKind.USER


@pytest.mark.parametrize(
    ("file", "kind"),
    [
        ("/srv/app/x.py", FrameKind.USER),
        ("x.py", FrameKind.USER),
        ("pkg/mod.py", FrameKind.USER),
        ("json/encoder.py", FrameKind.RUNTIME),
        ("/usr/lib/python3.12/json/encoder.py", FrameKind.RUNTIME),
        ("/usr/lib/python3/dist-packages/yaml/main.py", FrameKind.DEPENDENCY),
        ("/v/lib/python3.11/site-packages/numpy/core.py", FrameKind.DEPENDENCY),
        (r"C:\Python311\Lib\threading.py", FrameKind.RUNTIME),
        ("<frozen runpy>", FrameKind.RUNTIME),
        ("ceval.c", FrameKind.NATIVE),
        ("", FrameKind.UNKNOWN),
    ],
)
def test_python_kind(file, kind):
    assert python_kind(file) == kind


def test_speedscope_threads_from_pyspy_profile_names():
    p = load_path(str(PYSPY / "threads.speedscope.json"))
    rows = {
        (int(p.threads.pid[i]), int(p.threads.tid[i]), p.strings[p.threads.name[i]])
        for i in range(len(p.threads))
    }
    assert rows == {
        (11073, 11073, ""),
        (11073, 11079, "renderer"),
        (11073, 11080, "sleeper"),
        (11078, 11078, "/srv/venv/bin/python threads.py 3.0 child: MainThread"),
    }
    # process frames are thread facts, not frames on the stacks
    used = {p.frame_name(int(f)) for f in p.stacks.frame}
    assert not any(n.startswith("process ") for n in used)


def test_chrometrace_threads_and_times():
    path = PYSPY / "threads.chrometrace.json"
    p = load_path(str(path))
    events = [e for e in json.loads(path.read_text()) if e["ph"] in "BE"]
    expected = {(e["pid"], e["tid"]) for e in events}
    got = {(int(p.threads.pid[i]), int(p.threads.tid[i])) for i in range(len(p.threads))}
    assert got == expected
    assert p.has_times
    t0 = min(e["ts"] for e in events)
    assert p.meta.duration_ns == (max(e["ts"] for e in events) - t0) * 1000
    assert int(p.samples.time.min()) == 0
    _, busy = chrometrace_self_by_name(path)
    assert p.total_weight() == round(busy * 1000)


# -- detection -------------------------------------------------------------------------------


def test_plain_folded_is_not_taken_for_pyspy(tmp_path):
    for text in (
        "main;parse;lex 3\nmain;eval 4\n",
        "java;Lcom/x;.run (inlined) 2\n",
        (ROOT / "samples/folded/deep.folded").read_text(),
    ):
        path = tmp_path / "a.data"
        path.write_text(text)
        assert detect(open_source(str(path))).name == "folded"


def test_pyspy_raw_is_detected_before_folded(tmp_path):
    path = tmp_path / "a.data"
    path.write_text("<module> (app.py:3);main (app.py:9) 5\n<module> (app.py:3) 1\n")
    assert detect(open_source(str(path))).name == "pyspy"
    path.write_text('process 3:"python app.py";thread (0x1F): Main;f (x.py:1) 1\n')
    assert detect(open_source(str(path))).name == "pyspy"


# -- bad input -------------------------------------------------------------------------------


def test_raw_line_without_count_is_a_one_line_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("<module> (app.py:3);main (app.py:9) 5\n<module> (app.py:3);main (app.py:9)\n")
    out = tmp_path / "out.speedscope.json"
    proc = run_cli("convert", path, "--from", "pyspy", "-o", out)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert err.startswith(f"flamekit: error: {path}:2: line has no count")
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_chrometrace_unbalanced_end_is_a_one_line_error(tmp_path):
    events = [
        {"name": "a", "ph": "B", "ts": 1, "pid": 1, "tid": 1, "cat": "py-spy", "args": {}},
        {"name": "b", "ph": "E", "ts": 2, "pid": 1, "tid": 1, "cat": "py-spy", "args": {}},
    ]
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps(events))
    proc = run_cli("info", path)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "event 1: 'E' for 'b' but the innermost open frame is 'a'" in err
    assert len(err.strip().splitlines()) == 1


# -- property tests --------------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.<>]{0,10}", fullmatch=True)
files = st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.py", fullmatch=True)
py_frames = st.tuples(names, files, st.integers(min_value=1, max_value=5000))
thread_roots = st.one_of(
    st.just(()),
    st.tuples(st.integers(1, 10**6), st.sampled_from(["", "MainThread", "w-1"])).map(
        lambda t: (f"thread ({t[0]}): {t[1]}" if t[1] else f"thread ({t[0]})",)
    ),
    st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)).map(
        lambda t: (f'process {t[0]}:"python x.py"', f"thread ({t[1]}): MainThread")
    ),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(thread_roots, st.lists(py_frames, min_size=1, max_size=6), st.integers(1, 10**6)),
        min_size=1,
        max_size=15,
    )
)
def test_raw_property(tmp_path_factory, lines):
    text = "".join(
        ";".join([*roots, *(f"{n} ({f}:{ln})" for n, f, ln in frames)]) + f" {count}\n"
        for roots, frames, count in lines
    )
    path = tmp_path_factory.mktemp("raw") / "x.txt"
    path.write_text(text)
    p = load_path(str(path), "pyspy")
    assert p.total_weight() == sum(c for _, _, c in lines)
    # every sample's stack is exactly its line's frames, split into name, file and line
    got = Counter()
    for node, w in zip(p.samples.stack.tolist(), p.samples.weight.tolist(), strict=True):
        path_ = tuple(
            (p.frame_name(f), p.frame_file(f), int(p.frames.line[f])) for f in p.stack_frames(node)
        )
        got[path_] += w
    want = Counter()
    for _, frames, count in lines:
        want[tuple(frames)] += count
    assert got == want
    # and every thread frame is in the thread table, with its samples
    tids = Counter()
    for th, w in zip(p.samples.thread.tolist(), p.samples.weight.tolist(), strict=True):
        tids[int(p.threads.tid[th])] += w
    want_tids = Counter()
    for roots, _, count in lines:
        tid = -1
        for r in roots:
            if r.startswith("thread ("):
                tid = int(r[len("thread (") : r.index(")")])
        want_tids[tid] += count
    assert tids == want_tids


@st.composite
def chrometraces(draw):
    """Events as py-spy writes them: per thread, B for frames that appear, E for those that go."""
    events = []
    for tid in draw(st.lists(st.integers(1, 2**40), min_size=1, max_size=3, unique=True)):
        ts = draw(st.integers(0, 10**6))
        stack: list[tuple[str, int]] = []
        for _ in range(draw(st.integers(1, 12))):
            ts += draw(st.integers(0, 10**4))
            new = draw(st.lists(st.tuples(names, st.integers(1, 99)), min_size=0, max_size=4))
            keep = draw(st.integers(0, len(stack)))
            for name, line in reversed(stack[keep:]):
                events.append(_ct(name, line, "E", ts, tid))
            stack = stack[:keep] + new
            for name, line in new:
                events.append(_ct(name, line, "B", ts, tid))
        ts += draw(st.integers(0, 10**4))
        for name, line in reversed(stack):
            events.append(_ct(name, line, "E", ts, tid))
    return events


def _ct(name, line, ph, ts, tid):
    args = {"filename": "/srv/app/x.py", "line": line}
    return {"args": args, "cat": "py-spy", "name": name, "ph": ph, "pid": 7, "tid": tid, "ts": ts}


@settings(max_examples=80, deadline=None)
@given(chrometraces())
def test_chrometrace_property(tmp_path_factory, events):
    path = tmp_path_factory.mktemp("ct") / "x.json"
    path.write_bytes(orjson.dumps(events))
    # reference: time (ns) per (tid, stack of names), replaying the events directly
    want = Counter()
    for tid in {e["tid"] for e in events}:
        stack, last = [], None
        for e in [e for e in events if e["tid"] == tid]:
            if stack and last is not None and e["ts"] > last:
                want[(tid, tuple(stack))] += (e["ts"] - last) * 1000
            last = e["ts"]
            if e["ph"] == "B":
                stack.append(e["name"])
            else:
                stack.pop()
    if not events:
        with pytest.raises(InputError, match="no B/E events"):
            load_path(str(path), "pyspy-chrometrace")
        return
    p = load_path(str(path), "pyspy-chrometrace")
    got = Counter()
    for node, w, th in zip(
        p.samples.stack.tolist(), p.samples.weight.tolist(), p.samples.thread.tolist(), strict=True
    ):
        got[(int(p.threads.tid[th]), tuple(p.stack_names(node)))] += w
    assert got == want
    if want:
        # times are ns since the first event; every sample ends by the last event
        t0 = min(e["ts"] for e in events)
        t1 = max(e["ts"] for e in events)
        assert int(p.samples.time.min()) >= 0
        assert int((p.samples.time + p.samples.weight).max()) <= (t1 - t0) * 1000
        assert p.meta.duration_ns <= (t1 - t0) * 1000


def test_chrometrace_thread_names_from_metadata_events(tmp_path):
    # newer py-spy versions: small thread numbers in B/E events, the real id in 'M' events
    events = [
        {"args": {"name": "140001: MainThread"}, "cat": "py-spy", "name": "thread_name"}
        | {"ph": "M", "pid": 5, "tid": 0, "ts": 0},
        {"args": {"name": "140002: worker"}, "cat": "py-spy", "name": "thread_name"}
        | {"ph": "M", "pid": 5, "tid": 1, "ts": 0},
    ]
    for tid, (start, stop) in enumerate([(100, 400), (150, 200)]):
        for ph, ts in (("B", start), ("E", stop)):
            args = {"filename": "/srv/app/a.py", "line": 3}
            events.append(
                {"args": args, "cat": "py-spy", "name": "f", "ph": ph, "pid": 5}
                | {"tid": tid, "ts": ts}
            )
    path = tmp_path / "named.json"
    path.write_bytes(orjson.dumps(events))
    p = load_path(str(path))
    assert p.meta.source_format == "pyspy-chrometrace"
    threads = [p.thread_label(int(t)) for t in p.samples.thread]
    assert threads == ["MainThread (140001)", "worker (140002)"]
    assert p.samples.time.tolist() == [0, 50_000]
    assert p.samples.weight.tolist() == [300_000, 50_000]


plain_frame = st.from_regex(r"[A-Za-z_][A-Za-z0-9_:.\[\]<>-]{0,12}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(plain_frame, min_size=1, max_size=5), st.integers(1, 999)),
        min_size=1,
        max_size=20,
    )
)
def test_sniffers_tell_plain_folded_from_pyspy(lines):
    from flamekit.importers import folded, pyspy

    plain = "".join(f"{';'.join(fr)} {c}\n" for fr, c in lines).encode()
    assert folded.sniff(plain)
    assert not pyspy.sniff(plain)
    raw = "".join(
        f"{';'.join(f'{name} (mod/{name[:3]}.py:{i + 1})' for i, name in enumerate(fr))} {c}\n"
        for fr, c in lines
    ).encode()
    assert pyspy.sniff(raw)


def test_raw_line_with_an_empty_stack(tmp_path):
    # py-spy 0.4.3 writes ' 4' for samples in which a thread had no Python frames
    path = tmp_path / "empty.txt"
    path.write_bytes(b"main (a.py:1) 5\n 4\nmain (a.py:1);f (a.py:3) 2\n")
    p = load_path(str(path), "pyspy")
    stats = {s.name: (s.self, s.total) for s in top_functions(p)}
    assert stats == {"main": (5, 7), "(empty stack)": (4, 4), "f": (2, 2)}


def test_chrometrace_threads_are_named_by_their_thread_frames():
    """py-spy --threads writes 'thread (TID): NAME' frames; each thread carries that name."""
    path = PYSPY / "threads.chrometrace.json"
    events = json.loads(path.read_text())
    want = {}
    for e in events:
        m = re.match(r"^thread \((\d+)\): (.*)$", e.get("name", ""))
        if e.get("ph") == "B" and m and not e["args"].get("filename"):
            want.setdefault(e["tid"], m.group(2))
    p = load_path(str(path))
    got = {int(p.threads.tid[i]): p.strings[p.threads.name[i]] for i in range(len(p.threads))}
    assert {t: n.rsplit(": ", 1)[-1] for t, n in got.items()} == want
    assert set(want.values()) >= {"renderer", "sleeper", "MainThread"}
