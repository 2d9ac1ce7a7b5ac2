"""Benchmark: importing a big V8 .cpuprofile, against parsing the same bytes with orjson.

Two measurements, on profiles generated at run time:

1. time: ``flamekit.load`` of a file vs ``orjson.loads`` of its bytes (the floor of any JSON
   importer), run in turns, medians of ``--repeat`` runs, printed as a ratio (target: <= 1.5x),
   on two shapes: sample-heavy (a few thousand nodes of user, dependency, Node-internal and
   native frames, 2.5M samples with skewed counts, ~1 ms intervals with jitter and the odd
   negative delta) and node-heavy (a random walk over mutually recursive functions: tens of
   thousands of nodes, one per distinct call path, about as many samples);
2. memory: peak RSS of a fresh process that loads a 10-million-sample profile, next to one that
   only runs ``orjson.loads`` on it (target: < 1 GB).

Usage: python benchmarks/cpuprofile_import.py [--samples 2500000] [--walk-samples 150000]
    [--big-samples 10000000] [--repeat 5] [--no-memory] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import ratios

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


def node_heavy_profile(samples: int, functions: int = 400, seed: int = 5) -> bytes:
    """The bytes of a .cpuprofile whose tree comes from a random walk over ``functions``
    mutually recursive functions (each calls six others): a node per distinct call path, so
    nodes are nearly as many as samples."""
    rng = np.random.default_rng(seed)
    files = [f"file:///srv/app/src/part{i}.js" for i in range(60)] + [
        f"file:///srv/app/node_modules/lib{i}/index.js" for i in range(20)
    ]
    funcs = [
        _frame(
            f"visit{i}" if i % 7 else "",
            files[int(rng.integers(len(files)))],
            int(rng.integers(3000)),
            int(rng.integers(120)),
        )
        for i in range(functions)
    ]
    callees = rng.integers(functions, size=(functions, 6)).tolist()
    nodes = [{"id": 1, "callFrame": _frame("(root)", ""), "hitCount": 0, "children": []}]
    node_fn = [0]
    kids: list[dict[int, int]] = [{}]
    path = [0]
    ids = []
    moves = rng.random(samples).tolist()
    picks = rng.integers(6, size=samples).tolist()
    for move, pick in zip(moves, picks, strict=True):
        if move < 0.6 or len(path) == 1:
            here = path[-1]
            fn = callees[node_fn[here]][pick] if here else pick * 7 % functions
            child = kids[here].get(fn)
            if child is None:
                child = len(nodes)
                nodes.append({"id": child + 1, "callFrame": funcs[fn], "hitCount": 0})
                node_fn.append(fn)
                kids.append({})
                kids[here][fn] = child
                nodes[here].setdefault("children", []).append(child + 1)
            path.append(child)
        else:
            del path[max(1, len(path) - (6 if move > 0.97 else 1)) :]
        ids.append(path[-1] + 1)
    counts = np.bincount(ids, minlength=len(nodes) + 1)
    for node in nodes:
        node["hitCount"] = int(counts[node["id"]])
    deltas = np.maximum(rng.normal(1000, 200, size=samples).astype(np.int64), 1)
    start = 5_000_000
    head = orjson.dumps({"nodes": nodes, "startTime": start, "endTime": start + int(deltas.sum())})
    samples_text = ",".join(map(str, ids)).encode()
    deltas_text = ",".join(map(str, deltas.tolist())).encode()
    return head[:-1] + b',"samples":[' + samples_text + b'],"timeDeltas":[' + deltas_text + b"]}"


def in_turns(fns: dict, repeat: int) -> dict[str, float]:
    """Median seconds of each function, run in turns so that load changes hit all alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


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


def time_import(folder: Path, shape: str, data: bytes, repeat: int) -> dict:
    """Print the median import time next to the median ``orjson.loads`` time on the same
    bytes; returns them as a ratio row."""
    import flamekit

    path = folder / f"{shape}.cpuprofile"
    path.write_bytes(data)
    size_mb = len(data) / 1e6
    profile = flamekit.load(str(path))  # warm: modules imported, file in the page cache
    t = in_turns(
        {"orjson": lambda: orjson.loads(data), "flamekit": lambda: flamekit.load(str(path))},
        repeat,
    )
    ratio = t["flamekit"] / t["orjson"]
    print(
        f"time, {shape}: {size_mb:.1f} MB, {len(profile.samples):,} samples, "
        f"{len(profile.stacks):,} nodes (medians of {repeat})"
    )
    print(f"  orjson.loads        {t['orjson'] * 1000:8.1f} ms")
    print(f"  flamekit.load       {t['flamekit'] * 1000:8.1f} ms (reads the file too)")
    print(f"  ratio flamekit/orjson: {ratio:.2f}x (target <= 1.5x)")
    case = f"{shape} {size_mb:.0f} MB, {len(profile.stacks):,} nodes"
    return ratios.row(
        "cpuprofile_import", case, "orjson.loads", t["flamekit"], t["orjson"], target="<= 1.5x time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_500_000, help="sample-heavy shape")
    parser.add_argument("--walk-samples", type=int, default=150_000, help="node-heavy shape")
    parser.add_argument("--big-samples", type=int, default=10_000_000, help="for the RSS one")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="the time benchmark only")
    parser.add_argument("--json", help="write the ratio rows here (for run_all.py)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        shapes = {
            "sample-heavy": synthetic_profile(args.samples),
            "node-heavy": node_heavy_profile(args.walk_samples),
        }
        rows = [time_import(Path(tmp), shape, data, args.repeat) for shape, data in shapes.items()]
        if args.no_memory:
            ratios.save(args.json, rows)
            return
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
        case = f"{big_mb:.0f} MB, {args.big_samples:,} samples"
        rows.append(
            ratios.row(
                "cpuprofile_import",
                case,
                "orjson.loads",
                None,
                None,
                rss_flamekit / 2**20,
                rss_orjson / 2**20,
                "< 1024 MiB",
            )
        )
        ratios.save(args.json, rows)


if __name__ == "__main__":
    main()
