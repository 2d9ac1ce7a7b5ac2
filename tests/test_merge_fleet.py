"""flamekit merge: many inputs as call-tree aggregates, merged in a fixed tree."""

from __future__ import annotations

import pickle
import shutil
from collections import Counter

import numpy as np
import pytest

import flamekit
from flamekit.aggregate import ReadOptions, from_profile, merge, to_profile
from flamekit.engines import chunked, tree_reduce
from flamekit.errors import InputError
from flamekit.render.folded import render_folded

from .conftest import run_cli, sample

PYSPY = [sample("pyspy", n) for n in ("threads-gil.txt", "threads-idle.txt", "work.txt")]
V8 = [*sorted(sample("cpuprofile", "workers").iterdir()), sample("cpuprofile", "cpu.cpuprofile")]


def folded_counter(paths) -> Counter:
    """Reference: each input's folded lines (threads merged), counts summed by stack."""
    out: Counter = Counter()
    for path in paths:
        profile = flamekit.load(str(path)).merge_threads()
        for line in render_folded(profile).decode().splitlines():
            stack, count = line.rsplit(" ", 1)
            out[stack] += int(count)
    return out


@pytest.mark.parametrize("paths", [PYSPY, V8], ids=["pyspy-counts", "v8-nanoseconds"])
def test_merged_totals_and_stacks_are_the_inputs_summed(tmp_path, paths):
    out = tmp_path / "merged.folded"
    result = run_cli("merge", *paths, "-o", out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    merged = Counter()
    for line in out.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        merged[stack] += int(count)
    assert merged == folded_counter(paths)
    totals = [flamekit.load(str(p)).total_weight() for p in paths]
    assert sum(merged.values()) == sum(totals)


@pytest.mark.parametrize("suffix", [".folded", ".speedscope.json", ".svg"])
def test_output_is_byte_identical_for_every_job_count(tmp_path, suffix):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(12):  # more inputs than one chunk per job, in several files per chunk
        shutil.copy(V8[i % len(V8)], inputs / f"run-{i:02d}.cpuprofile")
    outputs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"j{jobs}{suffix}"
        result = run_cli("merge", inputs, "-o", out, "-j", jobs)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_merging_in_another_order_gives_the_same_profile():
    options = ReadOptions()
    aggs = [from_profile(flamekit.load(str(p)), str(p), options) for p in PYSPY]
    forward = merge(merge(aggs[0], aggs[1]), aggs[2])
    backward = merge(aggs[2], merge(aggs[1], aggs[0]))
    assert set(forward.frames) == set(backward.frames) and forward.total() == backward.total()
    assert render_folded(to_profile(forward)) == render_folded(to_profile(backward))
    again = merge(merge(aggs[0], aggs[1]), aggs[2])  # the same tree: the same arrays
    for name in ("parent", "frame", "cell_node", "cell_thread", "weight", "count"):
        assert np.array_equal(getattr(forward, name), getattr(again, name)), name


def test_frames_that_a_transform_made_alike_become_one_path(tmp_path):
    profile = flamekit.load(str(PYSPY[2])).group_by("file")
    agg = from_profile(profile, "x", ReadOptions())
    paths = set(zip(agg.parent.tolist(), agg.frame.tolist(), strict=True))
    assert len(paths) == len(agg.parent) and len(set(agg.frames)) == len(agg.frames)
    assert agg.total() == profile.total_weight()


def test_the_reduction_tree_depends_only_on_the_number_of_items():
    for n in range(1, 40):
        shape = tree_reduce([str(i) for i in range(n)], lambda a, b: f"({a} {b})")
        assert shape.replace("(", "").replace(")", "").split() == [str(i) for i in range(n)]
        nesting = np.cumsum([{"(": 1, ")": -1}.get(ch, 0) for ch in shape])
        assert nesting.max() == int(np.ceil(np.log2(n)))  # a balanced tree
    assert [len(c) for c in chunked([str(i) for i in range(1000)])] == [16] * 62 + [8]


def test_threads_merge_by_name_unless_kept(tmp_path):
    by_name = flamekit.load(str(PYSPY[0]))
    names = {by_name.strings[i] for i in by_name.threads.name.tolist()}
    merged = to_profile(from_profile(by_name, "x", ReadOptions()))
    assert sorted(merged.strings[i] for i in merged.threads.name.tolist()) == sorted(names)
    assert set(merged.threads.tid.tolist()) == {-1}
    kept = to_profile(from_profile(by_name, "x", ReadOptions(keep_threads=True)))
    assert sorted(kept.threads.tid.tolist()) == sorted(by_name.threads.tid.tolist())


def test_label_from_keeps_one_slice_per_host(tmp_path):
    for host in ("host-a", "host-b"):
        (tmp_path / host).mkdir()
        shutil.copy(PYSPY[2], tmp_path / host / "work.txt")
    out = tmp_path / "merged.speedscope.json"
    result = run_cli("merge", tmp_path / "host-*", "--label-from", r"(host-\w)/", "-o", out)
    assert result.returncode == 0, result.stderr
    profile = flamekit.load(str(out))
    one = flamekit.load(str(PYSPY[2])).total_weight()
    assert profile.total_weight() == 2 * one
    names = [profile.strings[i] for i in profile.threads.name.tolist()]
    assert sorted(names) == ["host-a", "host-b"]
    per_thread = np.bincount(profile.samples.thread, weights=profile.samples.weight)
    assert per_thread.tolist() == [one, one]


def test_units_are_checked_unless_counted_as_samples(tmp_path):
    out = tmp_path / "mixed.folded"
    result = run_cli("merge", PYSPY[2], V8[-1], "-o", out)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith(f"flamekit: error: {V8[-1]}: weights in nanoseconds, but ")
    assert "--as-samples" in err and err.count("\n") == 1 and not out.exists()
    result = run_cli("merge", PYSPY[2], V8[-1], "-o", out, "--as-samples")
    assert result.returncode == 0, result.stderr
    v8_samples = len(flamekit.load(str(V8[-1])).samples)
    assert (
        flamekit.load(str(out)).total_weight()
        == v8_samples + flamekit.load(str(PYSPY[2])).total_weight()
    )


def test_a_bad_input_stops_the_merge_unless_skipped(tmp_path):
    bad = tmp_path / "bad.cpuprofile"
    bad.write_text("{not json")
    out = tmp_path / "out.speedscope.json"
    result = run_cli("merge", PYSPY[2], bad, PYSPY[1], "-o", out, "-j", "2")
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.decode().startswith(f"flamekit: error: {bad}: ")
    assert "Traceback" not in result.stderr.decode()
    result = run_cli("merge", PYSPY[2], bad, PYSPY[1], "-o", out, "-j", "2", "--skip-bad")
    assert result.returncode == 0, result.stderr
    err = result.stderr.decode()
    assert "1 bad input skipped" in err and f"skipped: {bad}: " in err
    assert '"2 of 3 inputs merged"' in out.read_text()


def test_progress_is_drawn_only_on_a_terminal(tmp_path):
    result = run_cli("merge", *PYSPY, "-o", tmp_path / "m.folded")
    assert result.returncode == 0 and result.stderr == b""


def test_errors_survive_the_trip_from_a_worker():
    exc = InputError("a.cpuprofile", "bad", line=3, hint="fix it")
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is InputError and str(again) == str(exc) == "a.cpuprofile:3: bad (fix it)"


def test_dask_without_distributed_says_how_to_install_it(tmp_path, monkeypatch):
    import sys

    from click.testing import CliRunner

    from flamekit.cli import cli

    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "m.folded"
    result = CliRunner().invoke(cli, ["merge", str(PYSPY[2]), "-o", str(out), "--dask", "x:1"])
    assert result.exception is not None
    assert "pip install 'flamekit[dask]'" in str(result.exception)
    assert not out.exists()


@pytest.mark.parametrize("cpus, pool_size", [(1, None), (2, 2)])
def test_default_jobs_are_the_cpus_this_process_may_run_on(tmp_path, monkeypatch, cpus, pool_size):
    """Without --jobs, one worker per CPU the process may run on (its affinity, not the
    machine's core count): on one CPU the inputs are read here, with no pool at all."""
    import concurrent.futures
    import os

    from click.testing import CliRunner

    from flamekit.cli import cli

    pools: list[int] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counted_pool(max_workers, **kwargs):
        pools.append(max_workers)
        return real_pool(max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counted_pool)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    out = tmp_path / "m.folded"
    result = CliRunner().invoke(cli, ["merge", *map(str, V8), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pools == ([] if pool_size is None else [pool_size])
    assert out.read_bytes() == run_cli("merge", *V8, "-o", "-", "-j", "1").stdout


def test_the_library_merges_like_the_command(tmp_path):
    out = tmp_path / "cli.folded"
    assert run_cli("merge", *PYSPY, "-o", out, "-j", "1").returncode == 0
    paths = [str(p) for p in PYSPY]
    merged = flamekit.merge_inputs(paths, jobs=2)
    assert render_folded(merged) == out.read_bytes()
    assert render_folded(flamekit.merge_inputs(paths)) == out.read_bytes()  # callable again


def test_inputs_may_be_fsspec_urls(tmp_path):
    local = tmp_path / "local.folded"
    remote = tmp_path / "remote.folded"
    assert run_cli("merge", *PYSPY, "-o", local, "-j", "1").returncode == 0
    urls = [f"file://{p}" for p in PYSPY]
    result = run_cli("merge", *urls, "-o", remote, "-j", "2")
    assert result.returncode == 0, result.stderr
    assert remote.read_bytes() == local.read_bytes()
    bad = tmp_path / "bad.cpuprofile"
    bad.write_text("{")
    result = run_cli("merge", f"file://{bad}", "-o", remote)
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"flamekit: error: file://{bad}: ")
    result = run_cli("merge", f"file://{tmp_path}/gone.txt", "-o", remote)
    assert result.returncode == 2 and "cannot read" in result.stderr.decode()


@pytest.mark.parametrize("suffix", [".speedscope.json", ".pb.gz"])
def test_timed_merge_keeps_every_input_sample(tmp_path, suffix):
    """A merged timed profile still counts the inputs' samples, not one per distinct path."""
    out = tmp_path / f"merged{suffix}"
    result = run_cli("merge", *V8, "-o", out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    merged = flamekit.load(str(out))
    inputs = [flamekit.load(str(p)) for p in V8]
    assert merged.sample_count() == sum(p.sample_count() for p in inputs)
    assert merged.total_weight() == sum(p.total_weight() for p in inputs)
