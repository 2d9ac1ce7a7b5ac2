"""A real Dask cluster on 127.0.0.1: one ``dask scheduler`` and N ``dask worker`` processes.

Started as subprocesses (not LocalCluster) on free ports, each in its own process group, and
torn down by those groups' ids however the caller exits. Used by the tests and by
benchmarks/fleet_merge.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@dataclass(frozen=True)
class Cluster:
    address: str  # the scheduler's, tcp://127.0.0.1:PORT
    pids: list[int]  # the scheduler's and the workers' processes (each a process group)


@contextlib.contextmanager
def dask_cluster(workers: int = 2, timeout: float = 90) -> Iterator[Cluster]:
    """Yield the cluster once ``workers`` workers (one thread each) joined its scheduler."""
    from distributed import Client

    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="flamekit-dask-") as scratch:
        log = open(Path(scratch) / "cluster.log", "wb")
        dask = [sys.executable, "-m", "dask"]
        try:
            procs.append(
                subprocess.Popen(
                    [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"],
                    env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )  # fmt: skip
            for i in range(workers):
                procs.append(
                    subprocess.Popen(
                        [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                         "--nworkers", "1", "--no-dashboard", "--name", f"w{i}",
                         "--local-directory", scratch, "--memory-limit", "0"],
                        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    )
                )  # fmt: skip
            deadline = time.monotonic() + timeout
            with Client(address, timeout=f"{int(timeout)}s", set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
            yield Cluster(address, [p.pid for p in procs])
        except Exception:
            log.flush()
            sys.stderr.write((Path(scratch) / "cluster.log").read_text(errors="replace")[-4000:])
            raise
        finally:
            for proc in reversed(procs):
                _stop(proc)
            log.close()
