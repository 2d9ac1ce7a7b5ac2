"""pprof import against the real ``go tool pprof``, on profiles recorded by Go and Node.

``top --format json`` flat and cumulative weights per function must equal pprof's ``-top`` within
0.1% of the total, for every sample type, and ``--tag`` must keep what ``-tagfocus`` keeps.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import flamekit
from flamekit.core.model import FrameKind
from flamekit.pprof_schema import ProfileMessage
from flamekit.render.colors import default_palette

from .conftest import ROOT, run_cli
from .pprof_tool import assert_close, by_name, pprof_top

PPROF = ROOT / "samples" / "pprof"
GO_CPU = PPROF / "go-cpu.pb.gz"
GO_HEAP = PPROF / "go-heap.pb.gz"
NODE_WALL = PPROF / "node-wall.pb.gz"
NODE_HEAP = PPROF / "node-heap.pb.gz"


def flamekit_top(path: Path, *args: str) -> tuple[str, int, dict[str, tuple[int, int]]]:
    """(unit, total, {name: (self, total)}) from ``flamekit top --format json``. Names that
    several functions share are merged the way pprof's -top merges them (plain Python)."""
    done = run_cli("top", path, "--format", "json", "-n", "0", *args)
    assert done.returncode == 0, done.stderr.decode()
    doc = json.loads(done.stdout)
    rows: dict[str, tuple[int, int]] = {}
    shared = set()
    for fn in doc["functions"]:
        if fn["name"] in rows:
            shared.add(fn["name"])
        rows[fn["name"]] = (fn["self"], fn["total"])
    if shared:
        options: dict = {"tag": tuple(v for k, v in itertools.pairwise(args) if k == "--tag")}
        if "--sample-type" in args:
            options["sample_type"] = args[args.index("--sample-type") + 1]
        merged = by_name(flamekit.load(str(path), **options))
        rows.update({name: merged[name] for name in shared})
    return doc["unit"], doc["total"], rows


def test_go_cpu_equals_pprof(tmp_path):
    total, rows = pprof_top(GO_CPU, tmp_path)
    unit, ours_total, ours = flamekit_top(GO_CPU)
    assert unit == "nanoseconds"
    assert ours_total == total == 3_740_000_000
    assert_close(ours, rows, total)
    # recursion counts once per sample in the cumulative weight, on both sides
    assert ours["main.fib"][1] <= total
    assert ours["main.fib"][1] < ours["main.worker.func1"][1]


@pytest.mark.parametrize("sample_type", ["samples", "cpu"])
def test_go_cpu_sample_types(tmp_path, sample_type):
    total, rows = pprof_top(GO_CPU, tmp_path, f"-sample_index={sample_type}")
    unit, ours_total, ours = flamekit_top(GO_CPU, "--sample-type", sample_type)
    assert unit == ("samples" if sample_type == "samples" else "nanoseconds")
    assert ours_total == total
    assert_close(ours, rows, total)


@pytest.mark.parametrize(
    "sample_type", ["inuse_space", "alloc_space", "inuse_objects", "alloc_objects"]
)
def test_go_heap_equals_pprof(tmp_path, sample_type):
    flags = [f"-sample_index={sample_type}"]
    if sample_type.endswith("_space"):
        flags.append("-unit=B")
    total, rows = pprof_top(GO_HEAP, tmp_path, *flags)
    unit, ours_total, ours = flamekit_top(GO_HEAP, "--sample-type", sample_type)
    assert unit == ("bytes" if sample_type.endswith("_space") else "samples")
    assert ours_total == total > 0
    assert_close(ours, rows, total)


def test_go_heap_default_is_inuse_space(tmp_path):
    """Go names inuse_space as the default sample type; pprof and flamekit both take it."""
    total, _ = pprof_top(GO_HEAP, tmp_path, "-unit=B")
    inuse, _ = pprof_top(GO_HEAP, tmp_path, "-unit=B", "-sample_index=inuse_space")
    unit, ours_total, _ = flamekit_top(GO_HEAP)
    assert unit == "bytes" and ours_total == total == inuse


def test_node_wall_equals_pprof(tmp_path):
    total, rows = pprof_top(NODE_WALL, tmp_path)
    unit, ours_total, ours = flamekit_top(NODE_WALL)
    assert unit == "nanoseconds" and ours_total == total
    assert_close(ours, rows, total)


@pytest.mark.parametrize("sample_type", ["inuse_space", "inuse_objects"])
def test_node_heap_equals_pprof(tmp_path, sample_type):
    flags = [f"-sample_index={sample_type}"] + (["-unit=B"] if "space" in sample_type else [])
    total, rows = pprof_top(NODE_HEAP, tmp_path, *flags)
    _, ours_total, ours = flamekit_top(NODE_HEAP, "--sample-type", sample_type)
    assert ours_total == total > 0
    assert_close(ours, rows, total)


@pytest.mark.parametrize(
    ("path", "spec"),
    [
        (GO_CPU, "worker=fib"),
        (GO_CPU, "worker=fib,hash"),
        (GO_CPU, "worker=^s"),  # squares and sort
        (GO_CPU, "worker=ort"),  # unanchored, as pprof searches
        (GO_CPU, "worker:hash"),  # no KEY=: matched against key:value
        (NODE_WALL, "task=fib"),
        (NODE_WALL, "thread name=Main"),
    ],
)
def test_tag_equals_tagfocus(tmp_path, path, spec):
    total, rows = pprof_top(path, tmp_path, f"-tagfocus={spec}")
    _, ours_total, ours = flamekit_top(path, "--tag", spec)
    whole = flamekit_top(path)[1]
    if spec.startswith("thread"):
        assert ours_total == whole  # every Node sample runs on the main thread
    else:
        assert 0 < ours_total < whole
    # pprof lists the functions of the kept samples (and shares of the whole profile)
    kept = {k: v for k, v in rows.items() if v != (0, 0)}
    assert_close(ours, kept, total)
    assert ours_total == sum(flat for flat, _ in kept.values())


def test_repeated_tags_all_match(tmp_path):
    one = flamekit_top(GO_CPU, "--tag", "worker=fib,hash")[1]
    both = flamekit_top(GO_CPU, "--tag", "worker=fib,hash", "--tag", "worker=h")[1]
    only_hash = flamekit_top(GO_CPU, "--tag", "worker=hash")[1]
    assert one > both == only_hash > 0


def test_node_threads_come_from_labels():
    profile = flamekit.load(str(NODE_WALL))
    assert [profile.thread_label(t) for t in range(len(profile.threads))] == ["Main Event Loop (0)"]
    go = flamekit.load(str(GO_CPU))
    assert len(go.threads) == 1 and go.thread_label(0) == ""


def test_meta_from_the_profile():
    p = flamekit.load(str(GO_CPU))
    assert p.meta.source_format == "pprof"
    assert p.meta.period_ns == 10_000_000
    assert 2_000_000_000 < p.meta.duration_ns < 3_000_000_000
    assert p.meta.start_ns > 1_700_000_000 * 10**9  # time_nanos: a wall-clock date
    heap = flamekit.load(str(GO_HEAP))
    assert heap.unit == "bytes" and heap.meta.period_ns == 0


def test_inlined_frames_are_frames():
    """A location with several lines (inlined calls, innermost first) gives one frame per
    line: main.sumSquares inlined into the worker's closure, sort.Ints into main.sortWork."""
    msg = ProfileMessage.FromString(gzip.decompress(GO_CPU.read_bytes()))
    names = {f.id: msg.string_table[f.name] for f in msg.function}
    inlined = {
        tuple(names[ln.function_id] for ln in reversed(loc.line))
        for loc in msg.location
        if len(loc.line) > 1
    }
    assert ("main.worker.func1", "main.sumSquares") in inlined
    assert ("main.sortWork", "sort.Ints") in inlined
    p = flamekit.load(str(GO_CPU))
    paths = [tuple(p.stack_names(int(n))) for n in p.samples.stack]
    for pair in inlined:
        assert any(_contains(path, pair) for path in paths), pair


def _contains(path: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(path[i : i + len(part)] == part for i in range(len(path)))


def test_mapping_is_the_module():
    p = flamekit.load(str(GO_CPU))
    modules = {p.strings[m] for m in p.frames.module.tolist()}
    assert modules == {"/srv/app/gowork/workload"}


def test_every_command_reads_pprof(tmp_path):
    svg = tmp_path / "heap.svg"
    done = run_cli("flame", GO_HEAP, "-o", svg)
    assert done.returncode == 0, done.stderr.decode()
    text = svg.read_text()
    assert "MiB" in text and "Flame Graph: go-heap" in text
    done = run_cli("diff", GO_CPU, NODE_WALL, "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["after"]["unit"] == "nanoseconds"
    same = json.loads(run_cli("diff", GO_CPU, GO_CPU, "--format", "json").stdout)
    assert same["before"]["samples"] == same["after"]["samples"] == 374
    assert same["functions"] and not any(f["significant"] for f in same["functions"])
    assert all(f["self_before"] == f["self_after"] for f in same["functions"])
    both = run_cli("top", GO_CPU, NODE_WALL, "--format", "json", "-n", "0")
    doc = json.loads(both.stdout)
    assert doc["total"] == 3_740_000_000 + flamekit_top(NODE_WALL)[1]
    for command in (["info"], ["hotpaths"], ["calls", "main.fib"]):
        done = run_cli(command[0], GO_CPU, *command[1:])
        assert done.returncode == 0 and done.stdout, done.stderr.decode()


def test_unsymbolized_locations_are_addresses_in_their_binary(tmp_path):
    """Locations without lines (every third one here) are their hex address in the mapping's
    binary; pprof's -top sums such addresses per binary, as [workload]."""
    msg = ProfileMessage.FromString(gzip.decompress(GO_CPU.read_bytes()))
    addresses = set()
    for loc in msg.location:
        if loc.id % 3 == 0:
            del loc.line[:]
            addresses.add(f"0x{loc.address:x} (workload)")
    path = tmp_path / "unsymbolized.pb"
    path.write_bytes(msg.SerializeToString())
    total, rows = pprof_top(path, tmp_path)
    _, ours_total, ours = flamekit_top(path)
    assert ours_total == total
    hex_rows = {name for name in ours if name.startswith("0x")}
    assert hex_rows and hex_rows <= addresses
    profile = flamekit.load(str(path))
    binary_cum = sum(
        w
        for node, w in zip(
            profile.samples.stack.tolist(), profile.samples.weight.tolist(), strict=True
        )
        if set(profile.stack_names(node)) & hex_rows
    )
    merged = {k: v for k, v in ours.items() if k not in hex_rows}
    merged["[workload]"] = (sum(ours[k][0] for k in hex_rows), binary_cum)
    assert_close(merged, rows, total)
    native = {
        int(k)
        for k, n in zip(profile.frames.kind, profile.frames.name, strict=True)
        if profile.strings[n] in hex_rows
    }
    assert native == {int(FrameKind.NATIVE)}


def test_byte_profiles_draw_in_memory_colours():
    heap = flamekit.load(str(GO_HEAP))
    cpu = flamekit.load(str(GO_CPU))
    assert default_palette(heap.meta.knows_kinds, heap.frames.kind, heap.unit) == "mem"
    assert default_palette(cpu.meta.knows_kinds, cpu.frames.kind, cpu.unit) == "hot"


@pytest.mark.parametrize("path", [GO_CPU, NODE_WALL], ids=lambda p: p.name)
def test_timed_rows_are_the_samples_pprof_counts(tmp_path, path):
    """A row of k samples becomes k rows: sample counts (info, flame tooltips, diff) are the
    profile's own count type, as pprof -sample_index=samples shows them per function."""
    count_type = "samples" if path == GO_CPU else "sample"
    total, rows = pprof_top(path, tmp_path, f"-sample_index={count_type}")
    msg = ProfileMessage.FromString(gzip.decompress(path.read_bytes()))
    timeless = sum(s.value[0] for s in msg.sample if s.value[1] == 0)  # idle rows: no time
    profile = flamekit.load(str(path))
    assert len(profile.samples) == total - timeless
    counts = by_name(
        profile.replace(
            samples=dataclasses.replace(
                profile.samples, weight=np.ones(len(profile.samples), dtype=np.int64)
            )
        )
    )
    if not timeless:
        assert_close(counts, rows, total)
    assert (
        counts["fib" if path == NODE_WALL else "main.fib"][1]
        == rows["fib" if path == NODE_WALL else "main.fib"][1]
    )
