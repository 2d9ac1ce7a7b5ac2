"""Benchmark: peak memory and output size of ``convert --to speedscope`` on a jumpy profile.

The profile is generated at run time: a V8 ``.cpuprofile`` of 2 million samples (~19 MB) over a
bushy call tree about ten frames deep, each sample at a random leaf, so that consecutive
samples share little of their stacks. As open/close events such a profile takes about 16
events a sample (1.4 GB of JSON); flamekit writes it as a sampled profile instead and streams
it. Printed: the export's peak RSS (target: < 1 GiB), wall time, output size and form.

Usage: python benchmarks/speedscope_export.py [--samples 2000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
from cpuprofile_import import _frame  # the same V8 call frame shape

ROOT = Path(__file__).resolve().parent.parent


def jumpy_profile(samples: int, depth: int = 10, nodes: int = 3000, seed: int = 3) -> bytes:
    """A .cpuprofile whose samples land on random leaves of a bushy tree ``depth`` deep."""
    rng = np.random.default_rng(seed)
    tree = [
        {"id": 1, "callFrame": _frame("(root)", ""), "hitCount": 0, "children": [2, 3]},
        {"id": 2, "callFrame": _frame("(program)", ""), "hitCount": 0},
        {"id": 3, "callFrame": _frame("(idle)", ""), "hitCount": 0},
    ]
    level = [1]
    for d in range(depth):
        nxt = []
        for parent in level:
            for _ in range(int(rng.integers(1, 4)) if d else 4):
                if len(tree) >= nodes:
                    break
                nid = len(tree) + 1
                url = f"file:///srv/app/src/module{int(rng.integers(60))}.js"
                name = f"fn{int(rng.integers(5000))}"
                line, col = int(rng.integers(2000)), int(rng.integers(80))
                tree.append({"id": nid, "callFrame": _frame(name, url, line, col), "hitCount": 0})
                tree[parent - 1].setdefault("children", []).append(nid)
                nxt.append(nid)
        level = nxt or level
    leaves = np.array([n["id"] for n in tree if "children" not in n and n["id"] > 3])
    ids = leaves[rng.integers(len(leaves), size=samples)]
    ids[rng.random(samples) < 0.05] = 3  # some idle
    deltas = np.maximum(rng.normal(1000, 120, size=samples).astype(np.int64), 1)
    deltas[rng.random(samples) < 0.002] *= 20  # the odd gap
    counts = np.bincount(ids, minlength=len(tree) + 1)
    for node in tree:
        node["hitCount"] = int(counts[node["id"]])
    start = 123_456_789
    head = orjson.dumps({"nodes": tree, "startTime": start, "endTime": start + int(deltas.sum())})
    samples_text = ",".join(map(str, ids.tolist())).encode()
    deltas_text = ",".join(map(str, deltas.tolist())).encode()
    return head[:-1] + b',"samples":[' + samples_text + b'],"timeDeltas":[' + deltas_text + b"]}"


CHILD = """
import sys
from flamekit.cli import main
try:
    main(["convert", sys.argv[1], "--to", "speedscope", "-o", sys.argv[2]])
except SystemExit as exc:
    if exc.code:
        raise
# VmHWM: this process's own peak (ru_maxrss would include the parent's memory before exec)
with open("/proc/self/status") as fh:
    print(next(int(ln.split()[1]) * 1024 for ln in fh if ln.startswith("VmHWM:")))
"""


def export(path: Path, out: Path) -> tuple[int, float]:
    """Peak RSS (bytes) and wall time of a fresh process converting ``path``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(out)],
        capture_output=True,
        check=True,
        env=env,
        timeout=1800,
    )
    return int(proc.stdout.split()[-1]), time.perf_counter() - t0


def describe(out: Path) -> str:
    doc = orjson.loads(out.read_bytes())
    parts = []
    for p in doc["profiles"]:
        if p["type"] == "evented":
            parts.append(f"evented, {len(p['events']):,} events")
        else:
            parts.append(f"sampled, {len(p['samples']):,} samples (gaps included)")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "jumpy.cpuprofile"
        src.write_bytes(jumpy_profile(args.samples))
        out = Path(tmp) / "jumpy.speedscope.json"
        rss, seconds = export(src, out)
        print(f"input: {src.stat().st_size / 1e6:.1f} MB, {args.samples:,} samples")
        print(f"  peak RSS of the export   {rss / 2**20:8.0f} MiB (target < 1024 MiB)")
        print(f"  wall time                {seconds:8.1f} s")
        print(f"  output                   {out.stat().st_size / 1e6:8.1f} MB")
        print(f"  form                     {describe(out)}")


if __name__ == "__main__":
    main()
