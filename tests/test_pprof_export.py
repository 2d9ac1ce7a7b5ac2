"""pprof export: every sample profile written as pprof reads the same in ``go tool pprof -top``
as in flamekit's ``top`` (within 0.1% of the total), and imports back to the same functions,
weights and threads; export -> import -> export gives the same bytes."""

from __future__ import annotations

import gzip
import json

import pytest

import flamekit
from flamekit.analyze.weights import top_functions
from flamekit.pprof_schema import ProfileMessage
from flamekit.render.pprof import render_pprof

from .conftest import ROOT, run_cli
from .pprof_tool import assert_close, by_name, pprof_top

SAMPLES = ROOT / "samples"
PROFILES = sorted(
    str(p.relative_to(SAMPLES))
    for p in SAMPLES.rglob("*")
    if p.is_file()
    and "workloads" not in p.parts
    and p.suffix in (".cpuprofile", ".json", ".txt", ".folded", ".gz")
    and p.name != "blocks.measured.json"
)
KINDS = {"cpuprofile", "chrome", "perf", "pyspy", "folded", "diff", "pprof", "blocks"}


def test_every_kind_of_sample_is_covered():
    assert {p.split("/")[0] for p in PROFILES} >= KINDS
    assert any(p.endswith(".speedscope.json") for p in PROFILES)
    assert len(PROFILES) >= 40


def _top(profile) -> list[dict]:
    return [s.to_dict() for s in top_functions(profile)]


def _threads(profile) -> list[tuple[int, int, str]]:
    return sorted(_threads_by_id(profile))


@pytest.mark.parametrize("name", PROFILES)
def test_round_trip(tmp_path, name):
    original = flamekit.load(str(SAMPLES / name))
    out = tmp_path / "export.pb.gz"
    out.write_bytes(render_pprof(original))
    back = flamekit.load(str(out))
    assert back.meta.source_format == "pprof"
    assert back.unit == original.unit
    assert back.total_weight() == original.total_weight()
    assert _top(back) == _top(original)
    used = sorted(set(original.samples.thread.tolist()))
    assert _threads(back) == sorted(t for i, t in enumerate(_threads_by_id(original)) if i in used)
    assert render_pprof(back) == render_pprof(flamekit.load(str(out)))
    again = tmp_path / "again.pb.gz"
    again.write_bytes(render_pprof(back))
    assert _top(flamekit.load(str(again))) == _top(original)


def _threads_by_id(profile) -> list[tuple[int, int, str]]:
    th = profile.threads
    return [
        (int(p), int(t), profile.strings[n])
        for p, t, n in zip(th.pid.tolist(), th.tid.tolist(), th.name.tolist(), strict=True)
    ]


@pytest.mark.parametrize("name", PROFILES)
def test_go_tool_pprof_reads_the_export(tmp_path, name):
    original = flamekit.load(str(SAMPLES / name))
    out = tmp_path / "export.pb.gz"
    out.write_bytes(render_pprof(original))
    flags = ["-unit=B"] if original.unit == "bytes" else []
    total, rows = pprof_top(out, tmp_path, *flags)
    assert total == original.total_weight()
    ours = {}
    names = [s.name for s in top_functions(original)]
    merged = by_name(original)
    for stat in top_functions(original):
        unique = names.count(stat.name) == 1
        ours[stat.name] = (stat.self, stat.total) if unique else merged[stat.name]
    assert_close(ours, rows, total)


def test_export_contents(tmp_path):
    """Sample types, period, duration, functions with file and start line, thread labels."""
    src = SAMPLES / "cpuprofile" / "cpu.cpuprofile"
    out = tmp_path / "cpu.pb.gz"
    done = run_cli("convert", src, "-o", out)
    assert done.returncode == 0, done.stderr.decode()
    data = out.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    msg = ProfileMessage.FromString(gzip.decompress(data))
    s = msg.string_table
    assert s[0] == ""
    assert [(s[t.type], s[t.unit]) for t in msg.sample_type] == [
        ("samples", "count"),
        ("cpu", "nanoseconds"),
    ]
    assert s[msg.default_sample_type] == "cpu"
    assert (s[msg.period_type.type], s[msg.period_type.unit]) == ("cpu", "nanoseconds")
    original = flamekit.load(str(src))
    assert msg.period == original.meta.period_ns > 0
    assert msg.duration_nanos == original.meta.duration_ns > 0
    fns = {(s[f.name], s[f.filename], f.start_line) for f in msg.function}
    assert ("fib", "file:///srv/app/cpu.js", 2) in fns
    assert sum(v.value[0] for v in msg.sample) == len(original.samples)
    assert sum(v.value[1] for v in msg.sample) == original.total_weight()


def test_threads_become_labels(tmp_path):
    src = SAMPLES / "perf" / "deep.perf.txt"
    msg = ProfileMessage.FromString(gzip.decompress(render_pprof(flamekit.load(str(src)))))
    s = msg.string_table
    labels = {
        tuple(sorted((s[lb.key], s[lb.str] if lb.str else lb.num) for lb in sample.label))
        for sample in msg.sample
    }
    assert labels == {(("thread_id", tid), ("thread_name", "deep")) for tid in (4964, 4965)}
    py = flamekit.load(str(SAMPLES / "pyspy" / "threads.speedscope.json"))
    msg = ProfileMessage.FromString(gzip.decompress(render_pprof(py)))
    s = msg.string_table
    pids = {lb.num for sample in msg.sample for lb in sample.label if s[lb.key] == "pid"}
    assert pids == {p for p in py.threads.pid.tolist() if p >= 0} != set()
    msg = ProfileMessage.FromString(gzip.decompress(render_pprof(flamekit.load(str(src)))))
    assert s[msg.sample_type[-1].type] == "cpu"  # perf cpu-clock is timed


def test_memory_and_count_profiles(tmp_path):
    heap = flamekit.load(str(SAMPLES / "pprof" / "go-heap.pb.gz"))
    msg = ProfileMessage.FromString(gzip.decompress(render_pprof(heap)))
    s = msg.string_table
    assert [(s[t.type], s[t.unit]) for t in msg.sample_type] == [("space", "bytes")]
    folded = flamekit.load(str(SAMPLES / "folded" / "deep.folded"))
    msg = ProfileMessage.FromString(gzip.decompress(render_pprof(folded)))
    s = msg.string_table
    assert [(s[t.type], s[t.unit]) for t in msg.sample_type] == [("samples", "count")]
    assert sum(v.value[0] for v in msg.sample) == folded.total_weight()


def test_convert_to_pprof_on_stdout_and_back(tmp_path):
    src = SAMPLES / "pyspy" / "work.txt"
    done = run_cli("convert", src, "--to", "pprof", "-o", "-")
    assert done.returncode == 0, done.stderr.decode()
    back = run_cli("top", "-", "--format", "json", "-n", "0", input=done.stdout)
    want = run_cli("top", src, "--format", "json", "-n", "0")
    assert back.returncode == 0, back.stderr.decode()
    assert json.loads(back.stdout) == json.loads(want.stdout)


def test_fractional_weights_are_refused(tmp_path):
    src = tmp_path / "half.folded"
    src.write_text("a;b 0.5\na;c 1\n")
    out = tmp_path / "half.pb.gz"
    done = run_cli("convert", src, "-o", out)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flamekit: error: ")
    assert "fractional" in lines[0]
    assert not out.exists()
