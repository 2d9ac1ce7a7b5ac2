"""Benchmark: ``flamekit merge`` of a fleet, on 1 and 2 local jobs, on a 2-worker Dask cluster,
and against ``go tool pprof -proto`` merging the same inputs exported to pprof.

The fleet is generated into a temporary folder (outside the repository): ``--files`` V8
``.cpuprofile`` files of about ``--file-mb`` MB each (default 1,024 x 1.05 MB, over 1 GB), all
with the call tree of the real recording ``samples/cpuprofile/server.cpuprofile`` and samples
drawn from its real self-time distribution, perturbed per file (each "pod" runs the same code
with its own mix), with 1 ms-ish time deltas. Printed, per engine: wall time, MB/s of input,
peak RSS of every process (the CLI and each worker: VmHWM, polled), and the ratio of 2 jobs to
1 (target: >= 1.7x on 2 cores). All engines' outputs are compared byte for byte.

pprof: each input is converted with ``flamekit convert --to pprof`` and merged with
``go tool pprof -proto``; when flamekit has no pprof output yet (it is being written
elsewhere), or Go is missing, that part is skipped with a message.

Usage: python benchmarks/fleet_merge.py [--files 1024] [--file-mb 1.05] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TEMPLATE = ROOT / "samples" / "cpuprofile" / "server.cpuprofile"
BYTES_PER_SAMPLE = 9.3  # a sample id and a time delta as JSON text, measured on the output


def make_fleet(folder: Path, files: int, file_mb: float, seed: int = 17) -> int:
    """Write the fleet; return its size in bytes."""
    base = orjson.loads(TEMPLATE.read_bytes())
    nodes = base["nodes"]
    for node in nodes:
        node.pop("positionTicks", None)
        node["hitCount"] = 0
    ids = np.array([n["id"] for n in nodes])
    seen = np.bincount(base["samples"], minlength=int(ids.max()) + 1)[ids].astype(np.float64)
    weights = seen + 0.05  # every node can be sampled, the real hot ones most
    rng = np.random.default_rng(seed)
    head = orjson.dumps({"nodes": nodes, "startTime": 0, "endTime": 0})[
        : -len(b',"startTime":0,"endTime":0}')
    ]
    per_file = max(1000, int((file_mb * 1e6 - len(head)) / BYTES_PER_SAMPLE))
    total = 0
    for i in range(files):
        mix = rng.dirichlet(weights / weights.sum() * 400)  # this pod's own mix
        samples = ids[rng.choice(len(ids), size=per_file, p=mix)]
        deltas = np.maximum(rng.normal(1000, 120, size=per_file), 1).astype(np.int64)
        tail = orjson.dumps({"startTime": 1_000_000, "endTime": 1_000_000 + int(deltas.sum())})[1:]
        body = b"".join(
            [
                head,
                b',"samples":',
                orjson.dumps(samples.tolist()),
                b',"timeDeltas":',
                orjson.dumps(deltas.tolist()),
                b",",
                tail,
            ]
        )
        pod = folder / f"pod-{i % 64:02d}"
        pod.mkdir(exist_ok=True)
        (pod / f"run-{i:04d}.cpuprofile").write_bytes(body)
        total += len(body)
    return total


class PeakMemory:
    """Polls VmHWM (peak RSS) of every process under the given roots until stopped."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peaks: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._tree():
                self._sample(pid)
            time.sleep(0.05)

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        out, todo = [], list(self.roots)
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def _sample(self, pid: int) -> None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                kib = int(line.split()[1])
                old = self.peaks.get(pid, ("", 0))[1]
                self.peaks[pid] = (cmd[:60], max(old, kib))

    def stop(self) -> list[tuple[str, int]]:
        self._stop.set()
        self._thread.join()
        return sorted(self.peaks.values(), key=lambda x: -x[1])


def run_merge(args: list[str], extra_roots: list[int] = ()) -> tuple[float, list]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "flamekit", "merge", *args], env=env)
    memory = PeakMemory([proc.pid, *extra_roots])
    code = proc.wait()
    elapsed = time.perf_counter() - t0
    peaks = memory.stop()
    if code:
        raise SystemExit(f"flamekit merge {' '.join(args)} failed with status {code}")
    return elapsed, peaks


def report(label: str, elapsed: float, size: int, peaks: list) -> None:
    print(f"{label:<24} {elapsed:8.1f} s  {size / 1e6 / elapsed:8.1f} MB/s")
    for cmd, kib in peaks:
        if kib:
            print(f"{'':<26}peak {kib / 1024:7.0f} MiB  {cmd}")


def pprof_part(fleet: Path, work: Path, size: int, flamekit_out: Path) -> None:
    """Export every input to pprof with flamekit, merge them with go tool pprof -proto."""
    if not shutil.which("go"):
        print("pprof: skipped, Go is not installed (apt-get install golang-go)")
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    inputs = sorted(fleet.rglob("*.cpuprofile"))
    probe = work / "probe.pb.gz"
    check = subprocess.run(
        [sys.executable, "-m", "flamekit", "convert", inputs[0], "--to", "pprof", "-o", probe],
        env=env,
        capture_output=True,
    )
    if check.returncode or not probe.exists():
        why = check.stderr.decode().strip().splitlines()[-1:] or ["no output"]
        print(f"pprof: skipped, 'flamekit convert --to pprof' does not work yet ({why[0]})")
        return
    exported = work / "pprof"
    exported.mkdir()
    t0 = time.perf_counter()
    for i, path in enumerate(inputs):
        subprocess.run(
            [sys.executable, "-m", "flamekit", "convert", path, "--to", "pprof", "-o",
             exported / f"{i:04d}.pb.gz"],
            env=env, check=True,
        )  # fmt: skip
    print(
        f"pprof export (flamekit convert, one process per input): {time.perf_counter() - t0:.1f} s"
    )
    pb = sorted(exported.iterdir())
    pb_size = sum(p.stat().st_size for p in pb)
    merged = work / "merged.pb.gz"
    t0 = time.perf_counter()
    with open(merged, "wb") as out:
        proc = subprocess.Popen(["go", "tool", "pprof", "-proto", *map(str, pb)], stdout=out)
        memory = PeakMemory([proc.pid])
        code = proc.wait()
    elapsed = time.perf_counter() - t0
    peaks = memory.stop()
    if code:
        print(f"pprof: go tool pprof -proto failed with status {code}")
        return
    rate, original = pb_size / 1e6 / elapsed, size / 1e6 / elapsed
    print(
        f"go tool pprof -proto     {elapsed:8.1f} s  {rate:8.1f} MB/s of pprof "
        f"({pb_size / 1e6:.0f} MB), {original:.1f} MB/s of the original inputs"
    )
    for cmd, kib in peaks[:3]:
        print(f"{'':<26}peak {kib / 1024:7.0f} MiB  {cmd}")
    t0 = time.perf_counter()
    run_merge([str(fleet), "-o", str(work / "flamekit.pb.gz"), "--jobs", "1", "--to", "pprof"])
    print(f"flamekit merge --to pprof: {time.perf_counter() - t0:.1f} s (same inputs, 1 job)")
    del flamekit_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1024)
    parser.add_argument("--file-mb", type=float, default=1.05)
    parser.add_argument("--keep", type=Path, default=None, help="generate into DIR and keep it")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask cluster")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flamekit-fleet-"))
    fleet = args.keep or work / "fleet"
    try:
        fleet.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        size = make_fleet(fleet, args.files, args.file_mb)
        made = time.perf_counter() - t0
        print(f"fleet: {args.files} files, {size / 1e9:.2f} GB, made in {made:.0f} s")
        outs = {}
        results = {}
        for jobs in (1, 2):
            outs[jobs] = work / f"jobs{jobs}.folded"
            elapsed, peaks = run_merge([str(fleet), "-o", str(outs[jobs]), "--jobs", str(jobs)])
            results[jobs] = elapsed
            report(f"flamekit --jobs {jobs}", elapsed, size, peaks)
        ratio = results[1] / results[2]
        verdict = "ok" if ratio >= 1.7 else "BELOW TARGET"
        print(f"2 jobs / 1 job: {ratio:.2f}x (target >= 1.7x: {verdict})")
        if not args.no_dask:
            dask_part(fleet, work, size, outs[1])
        same = outs[1].read_bytes() == outs[2].read_bytes()
        print(f"outputs byte-identical (jobs 1, 2): {same}")
        pprof_part(fleet, work, size, outs[1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dask_part(fleet: Path, work: Path, size: int, reference: Path) -> None:
    try:
        from tests.dask_cluster import dask_cluster
    except ImportError:
        print("dask: skipped, install flamekit[dask]")
        return
    with dask_cluster(workers=2) as cluster:
        out = work / "dask.folded"
        elapsed, peaks = run_merge(
            [str(fleet), "-o", str(out), "--dask", cluster.address], extra_roots=cluster.pids
        )
        report("flamekit --dask (2 workers)", elapsed, size, peaks)
    print(f"dask output equals --jobs 1: {out.read_bytes() == reference.read_bytes()}")


if __name__ == "__main__":
    main()
