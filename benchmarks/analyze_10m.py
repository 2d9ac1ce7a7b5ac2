"""Time `top` and `hotpaths` on a synthetic profile of 10 million samples.

The profile is built with numpy directly (a random call tree of 200,000 nodes over 20,000
functions, plus one recursion 10,000 frames deep), weighted in nanoseconds, timestamped, over 4
threads. Each analysis runs on a fresh copy (nothing cached) and includes rendering its text
report. The budget is 5 seconds each.

    python benchmarks/analyze_10m.py [--samples N] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flamekit.analyze.hotpaths import hot_paths
from flamekit.builder import validate
from flamekit.model import Frames, Meta, Profile, Samples, Stacks, Threads
from flamekit.render.text import render_top
from flamekit.render.tree_text import render_hotpaths


def synthetic(n_samples: int, n_nodes: int = 200_000, n_funcs: int = 20_000, seed: int = 1):
    rng = np.random.default_rng(seed)
    deep = 10_000
    strings = ["", *(f"func_{i}" for i in range(n_funcs)), "recurse", "/src/app.py", "/src/lib.py"]
    recurse = len(strings) - 3
    frames = Frames(
        name=np.r_[np.arange(1, n_funcs + 1), recurse].astype(np.int32),
        file=np.r_[len(strings) - 2 + (np.arange(n_funcs) % 2), len(strings) - 2].astype(np.int32),
        module=np.zeros(n_funcs + 1, dtype=np.int32),
        line=np.r_[np.arange(n_funcs) % 500 + 1, 7].astype(np.int32),
        column=np.zeros(n_funcs + 1, dtype=np.int32),
        kind=np.ones(n_funcs + 1, dtype=np.uint8),
    )
    # a random tree: each node hangs below one of the nodes shortly before it
    idx = np.arange(n_nodes)
    parent = idx - 1 - (rng.random(n_nodes) ** 3 * np.minimum(idx, 5_000)).astype(np.int64)
    parent[0] = -1
    frame = rng.integers(0, n_funcs, n_nodes)
    # one recursion 10,000 deep below node 0
    parent = np.r_[parent, 0, n_nodes + np.arange(deep - 1)]
    frame = np.r_[frame, np.full(deep, n_funcs)]
    depth = np.zeros(len(parent), dtype=np.int64)
    for i in range(1, len(parent)):  # setup only, not timed
        depth[i] = depth[parent[i]] + 1
    stacks = Stacks(parent.astype(np.int32), frame.astype(np.int32), depth.astype(np.int32))
    # zipf-like choice of leaves so that some paths are hot
    leaf = (rng.zipf(1.3, n_samples) - 1) % len(parent)
    leaf = rng.permutation(len(parent))[leaf]
    weight = rng.integers(900_000, 1_100_000, n_samples)
    samples = Samples(
        stack=leaf.astype(np.int32),
        weight=weight.astype(np.int64),
        thread=(np.arange(n_samples) % 4).astype(np.int32),
        time=np.cumsum(weight // 4).astype(np.int64),
    )
    strings += ["worker"]
    threads = Threads(
        pid=np.full(4, 10, dtype=np.int64),
        tid=np.arange(11, 15, dtype=np.int64),
        name=np.full(4, len(strings) - 1, dtype=np.int32),
    )
    meta = Meta("synthetic", "nanoseconds", "synthetic", 1_000_000, 0, int(samples.time[-1]))
    profile = Profile(tuple(strings), frames, stacks, samples, threads, meta)
    validate(profile)
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--budget", type=float, default=5.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    base = synthetic(args.samples)
    print(
        f"profile: {len(base.samples):,} samples, {len(base.stacks):,} nodes, "
        f"{len(base.frames):,} frames (built in {time.perf_counter() - t0:.1f} s)"
    )
    results = {}
    for name, run in (
        ("top", lambda p: render_top(p, 20, "table")),
        ("hotpaths", lambda p: render_hotpaths(hot_paths(p, 5), "synthetic", len(p.samples))),
    ):
        fresh = base.replace()  # an empty cache: nothing computed ahead
        t = time.perf_counter()
        text = run(fresh)
        results[name] = time.perf_counter() - t
        assert text.count("\n") > 3
    from flamekit import transforms as T

    info = {}
    for name, run in (
        ("focus", lambda p: T.focus(p, "^func_1")),
        ("focus-root", lambda p: T.focus_root(p, "^func_1$")),
        ("hide", lambda p: T.hide(p, "^func_2")),
        ("collapse-recursion", T.collapse_recursion),
        ("group-by file", lambda p: T.group_by(p, "file")),
        ("invert", T.invert),
        ("thread", lambda p: T.select_threads(p, ["12"])),
        ("time slice", lambda p: T.time_slice(p, 10**9, 10**12)),
    ):
        t = time.perf_counter()
        run(base.replace())
        info[name] = time.perf_counter() - t
    print("transforms (no budget): " + ", ".join(f"{k} {v:.2f} s" for k, v in info.items()))
    ok = True
    for name, seconds in results.items():
        status = "ok" if seconds < args.budget else "OVER BUDGET"
        ok &= seconds < args.budget
        print(
            f"{name:<9} {seconds:6.2f} s   budget {args.budget:.0f} s   "
            f"ratio {seconds / args.budget:.2f}   {status}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
