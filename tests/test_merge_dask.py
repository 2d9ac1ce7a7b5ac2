"""flamekit merge on a real Dask cluster (a scheduler and two workers on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil

import pytest

from .conftest import run_cli, sample
from .dask_cluster import dask_cluster


@pytest.fixture(scope="module")
def scheduler():
    """The cluster CI started (FLAMEKIT_TEST_DASK_SCHEDULER, checked to have two workers), else
    one started here; either way real scheduler and worker processes on 127.0.0.1."""
    address = os.environ.get("FLAMEKIT_TEST_DASK_SCHEDULER")
    if address:
        from distributed import Client

        with Client(address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) >= 2
        yield address
        return
    with dask_cluster(workers=2) as cluster:
        yield cluster.address


@pytest.fixture
def fleet(tmp_path):
    """20 inputs (two chunks a worker at least): V8 runs and their threads."""
    folder = tmp_path / "fleet"
    sources = [
        *sorted(sample("cpuprofile", "workers").iterdir()),
        sample("diff", "js-before-1.cpuprofile"),
    ]
    for i in range(20):
        host = folder / f"pod-{i % 4}"
        host.mkdir(parents=True, exist_ok=True)
        shutil.copy(sources[i % len(sources)], host / f"run-{i:02d}.cpuprofile")
    return folder


@pytest.mark.parametrize("suffix", [".folded", ".speedscope.json"])
def test_dask_merge_equals_one_job_byte_for_byte(tmp_path, scheduler, fleet, suffix):
    local = tmp_path / f"local{suffix}"
    remote = tmp_path / f"dask{suffix}"
    common = ("merge", fleet, "--label-from", r"pod-\d")
    result = run_cli(*common, "-o", local, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    result = run_cli(*common, "-o", remote, "--dask", scheduler)
    assert result.returncode == 0, result.stderr
    assert remote.read_bytes() == local.read_bytes()
    assert len(local.read_bytes()) > 1000


def test_the_scheduler_can_come_from_the_environment(tmp_path, scheduler, fleet, monkeypatch):
    monkeypatch.setenv("FLAMEKIT_DASK_SCHEDULER", scheduler)
    out = tmp_path / "env.folded"
    result = run_cli("merge", fleet, "-o", out)
    assert result.returncode == 0, result.stderr
    monkeypatch.delenv("FLAMEKIT_DASK_SCHEDULER")
    local = tmp_path / "local.folded"
    assert run_cli("merge", fleet, "-o", local, "-j", "1").returncode == 0
    assert out.read_bytes() == local.read_bytes()


def test_a_bad_input_on_a_worker_is_one_line_and_nothing_written(tmp_path, scheduler, fleet):
    bad = fleet / "pod-0" / "run-99.cpuprofile"
    bad.write_text('{"nodes": 3}')
    out = tmp_path / "out.folded"
    result = run_cli("merge", fleet, "-o", out, "--dask", scheduler)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith(f"flamekit: error: {bad}") and err.count("\n") == 1, err
    assert not out.exists()
