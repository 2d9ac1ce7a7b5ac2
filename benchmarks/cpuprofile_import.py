"""Benchmark: importing a big V8 .cpuprofile, against parsing the same bytes with orjson.

Two measurements, on profiles generated at run time (a realistic shape: a few thousand nodes of
user, dependency, Node-internal and native frames, skewed sample counts, ~1 ms intervals with
jitter and the odd negative delta):

1. time: ``flamekit.load`` of a >= 20 MB file vs ``orjson.loads`` of its bytes (the floor of
   any JSON importer), best of several runs, printed as a ratio (target: <= 2x);
2. memory: peak RSS of a fresh process that loads a 10-million-sample profile, next to one that
   only runs ``orjson.loads`` on it (target: < 1 GB).

Usage: python benchmarks/cpuprofile_import.py [--samples 2500000] [--big-samples 10000000]
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

ROOT = Path(__file__).resolve().parent.parent


def synthetic_profile(samples: int, nodes: int = 3000, seed: int = 1) -> bytes:
    """The bytes of a realistic .cpuprofile with ``samples`` samples."""
    rng = np.random.default_rng(seed)
    files = (
        [f"file:///srv/app/src/module{i}.js" for i in range(40)]
        + [f"file:///srv/app/node_modules/pkg{i}/lib/index.js" for i in range(30)]
        + ["node:internal/timers", "node:fs", "node:internal/streams/readable", "node:events"]
    )
    tree = [
        {"id": 1, "callFrame": _frame("(root)", ""), "hitCount": 0, "children": []},
        {"id": 2, "callFrame": _frame("(program)", ""), "hitCount": 0},
        {"id": 3, "callFrame": _frame("(idle)", ""), "hitCount": 0},
        {"id": 4, "callFrame": _frame("(garbage collector)", ""), "hitCount": 0},
    ]
    tree[0]["children"] += [2, 3, 4]
    depth = {1: 0}
    for nid in range(5, nodes + 5):
        # attach to a recent node most of the time: deep, narrow stacks as real programs have
        parent = int(max(1, nid - 1 - rng.geometric(0.3))) if nid > 5 else 1
        while parent in (2, 3, 4):
            parent = 1
        url = files[int(rng.integers(len(files)))]
        name = "" if rng.random() < 0.1 else f"fn{int(rng.integers(5000))}"
        tree.append(
            {
                "id": nid,
                "callFrame": _frame(name, url, int(rng.integers(2000)), int(rng.integers(80))),
                "hitCount": 0,
            }
        )
        tree[parent - 1].setdefault("children", []).append(nid)
        depth[nid] = depth[parent] + 1
    weights = rng.zipf(1.3, size=nodes + 4).astype(np.float64)
    weights[1] = weights.max()  # a lot of idle
    ids = rng.choice(np.arange(1, nodes + 5), size=samples, p=weights / weights.sum())
    deltas = np.maximum(rng.normal(1100, 150, size=samples).astype(np.int64), 1)
    deltas[rng.random(samples) < 0.001] *= -1
    counts = np.bincount(ids, minlength=nodes + 5)
    for node in tree:
        node["hitCount"] = int(counts[node["id"]])
    start = 123_456_789
    head = orjson.dumps({"nodes": tree, "startTime": start, "endTime": start + int(deltas.sum())})
    samples_text = ",".join(map(str, ids.tolist())).encode()
    deltas_text = ",".join(map(str, deltas.tolist())).encode()
    return head[:-1] + b',"samples":[' + samples_text + b'],"timeDeltas":[' + deltas_text + b"]}"


def _frame(name: str, url: str, line: int = -1, column: int = -1) -> dict:
    return {
        "functionName": name,
        "scriptId": "0" if not url else "42",
        "url": url,
        "lineNumber": line,
        "columnNumber": column,
    }


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


CHILD = """
import sys
path, what = sys.argv[1], sys.argv[2]
if what == "flamekit":
    import flamekit
    p = flamekit.load(path)
    assert len(p.samples) > 0
elif what == "orjson":
    import orjson
    with open(path, "rb") as fh:
        doc = orjson.loads(fh.read())
else:
    import flamekit, numpy  # the interpreter with its libraries loaded
# VmHWM: this process's own peak (ru_maxrss would include the parent's memory before exec)
with open("/proc/self/status") as fh:
    print(next(int(ln.split()[1]) * 1024 for ln in fh if ln.startswith("VmHWM:")))
"""


def peak_rss(path: Path, what: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), what],
        capture_output=True,
        check=True,
        env=env,
        timeout=900,
    )
    return int(out.stdout.split()[-1])


def time_import(folder: Path, samples: int, repeat: int) -> None:
    """Print the best import time next to the best ``orjson.loads`` time on the same bytes."""
    import flamekit

    data = synthetic_profile(samples)
    path = folder / "big.cpuprofile"
    path.write_bytes(data)
    size_mb = len(data) / 1e6
    t_orjson = best_of(lambda: orjson.loads(data), repeat)
    t_flamekit = best_of(lambda: flamekit.load(str(path)), repeat)
    profile = flamekit.load(str(path))
    print(
        f"time: {size_mb:.1f} MB, {len(profile.samples):,} samples, {len(profile.stacks):,} nodes"
    )
    print(f"  orjson.loads        {t_orjson * 1000:8.1f} ms")
    print(f"  flamekit.load       {t_flamekit * 1000:8.1f} ms (reads the file too)")
    print(f"  ratio flamekit/orjson: {t_flamekit / t_orjson:.2f}x (target <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_500_000, help="for the time benchmark")
    parser.add_argument("--big-samples", type=int, default=10_000_000, help="for the RSS one")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        time_import(Path(tmp), args.samples, args.repeat)
        big = Path(tmp) / "huge.cpuprofile"
        big.write_bytes(synthetic_profile(args.big_samples, seed=2))
        big_mb = big.stat().st_size / 1e6
        base = peak_rss(big, "baseline")
        rss_orjson = peak_rss(big, "orjson")
        rss_flamekit = peak_rss(big, "flamekit")
        print(f"memory: {big_mb:.0f} MB file, {args.big_samples:,} samples, peak RSS of a process")
        print(f"  python + flamekit imported  {base / 2**20:8.0f} MiB")
        print(f"  orjson.loads only           {rss_orjson / 2**20:8.0f} MiB")
        print(f"  flamekit.load               {rss_flamekit / 2**20:8.0f} MiB (target < 1024 MiB)")
        print(f"  ratio flamekit/orjson: {rss_flamekit / rss_orjson:.2f}x")


if __name__ == "__main__":
    main()
