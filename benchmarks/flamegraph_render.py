"""Render a large folded profile with flamekit and with FlameGraph's flamegraph.pl, side by side.

    python benchmarks/flamegraph_render.py --flamegraph-dir PATH/TO/FlameGraph [--size-mb 100]

Generates (deterministically, at run time) a folded file of about ``--size-mb`` MB with about
``--stacks`` unique stacks, renders it with both tools as separate processes, and prints each
one's wall time, peak RSS and SVG size, and the ratios. Targets: flamekit at least 10x faster
and at most half the peak memory; the SVG under 10 MB with the default --minwidth.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "alloc",
    "buffer",
    "cache",
    "channel",
    "codec",
    "compile",
    "config",
    "decode",
    "dispatch",
    "encode",
    "event",
    "fetch",
    "flush",
    "frame",
    "handle",
    "hash",
    "index",
    "inflate",
    "json",
    "layout",
    "load",
    "lookup",
    "merge",
    "parse",
    "poll",
    "queue",
    "read",
    "render",
    "request",
    "resolve",
    "route",
    "scan",
    "schedule",
    "serialize",
    "sort",
    "spawn",
    "stream",
    "sync",
    "task",
    "tokenize",
    "transform",
    "update",
    "validate",
    "visit",
    "walk",
    "write",
]
SPACES = ["std", "core", "net", "io", "app", "db", "http", "util", "rt", "gfx", "json", "tls"]


def function_names(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        ns = rng.choice(SPACES)
        cls = rng.choice(WORDS).capitalize() + rng.choice(WORDS).capitalize()
        method = rng.choice(WORDS) + "_" + rng.choice(WORDS)
        names.add(f"{ns}::{cls}::{method}(int, {rng.choice(SPACES)}::Ref const&)")
    return sorted(names)


def generate(path: Path, size_mb: float, stacks: int, seed: int = 7) -> tuple[int, int]:
    """Write the folded file; returns (lines, call-tree nodes)."""
    rng = random.Random(seed)
    names = function_names(rng, 20000)
    target_len = int(size_mb * 1e6 / stacks)
    # a frame averages ~48 bytes with its separator: pick depths that give the target length
    mean_depth = max(4, target_len // 48)
    paths: list[list[str]] = [[rng.choice(names) for _ in range(mean_depth)]]
    seen = set()
    while len(seen) < stacks:
        base = paths[rng.randrange(len(paths))]
        keep = rng.randrange(1, len(base) + 1)
        depth = max(2, int(rng.gauss(mean_depth, mean_depth / 4)))
        new = base[:keep] + [rng.choice(names) for _ in range(max(0, depth - keep))]
        key = ";".join(new)
        if key in seen:
            continue
        seen.add(key)
        if len(paths) < 5000:
            paths.append(new)
    lines = sorted(seen)
    nodes = 0
    prev: list[str] = []
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            frames = line.split(";")
            common = 0
            while common < min(len(frames), len(prev)) and frames[common] == prev[common]:
                common += 1
            nodes += len(frames) - common
            prev = frames
            fh.write(f"{line} {int(rng.paretovariate(1.2) * 10)}\n")
    return len(lines), nodes


def run(cmd: list[str], stdout_path: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (bytes) of one command run as a child process."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    finally:
        if stdout_path:
            out.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--flamegraph-dir",
        default=os.environ.get("FLAMEGRAPH_DIR"),
        help="folder holding flamegraph.pl (or env FLAMEGRAPH_DIR)",
    )
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--stacks", type=int, default=250_000)
    parser.add_argument("--keep", help="keep the generated files in this folder")
    args = parser.parse_args()
    if not args.flamegraph_dir or not (Path(args.flamegraph_dir) / "flamegraph.pl").exists():
        parser.error("--flamegraph-dir must name the folder that holds flamegraph.pl")
    if not shutil.which("perl"):
        parser.error("perl is needed to run flamegraph.pl")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="flamekit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        folded = work / "big.folded"
        t0 = time.perf_counter()
        lines, nodes = generate(folded, args.size_mb, args.stacks)
        size = folded.stat().st_size
        print(
            f"input: {size / 1e6:.1f} MB, {lines:,} unique stacks, {nodes:,} call-tree nodes "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        fk_svg = work / "flamekit.svg"
        pl_svg = work / "flamegraph-pl.svg"
        env_python = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
                      "from flamekit.cli import main; main()", str(ROOT)]  # fmt: skip
        fk_time, fk_cpu, fk_rss = run([*env_python, "flame", str(folded), "-o", str(fk_svg)])
        pl_time, pl_cpu, pl_rss = run(
            ["perl", str(Path(args.flamegraph_dir) / "flamegraph.pl"), str(folded)], pl_svg
        )
        print(f"{'':13} {'wall':>9} {'CPU':>9} {'peak RSS':>10} {'SVG':>9}")
        for name, t, c, rss, svg in (
            ("flamekit", fk_time, fk_cpu, fk_rss, fk_svg),
            ("flamegraph.pl", pl_time, pl_cpu, pl_rss, pl_svg),
        ):
            print(
                f"{name:13} {t:8.2f}s {c:8.2f}s {rss / 2**20:8.0f}MB "
                f"{svg.stat().st_size / 1e6:7.2f}MB"
            )
        speed = pl_time / fk_time
        print(f"CPU time ratio: {pl_cpu / fk_cpu:.1f}x")
        memory = fk_rss / pl_rss
        print(f"speed-up (wall): {speed:.1f}x (target >= 10x)")
        print(f"peak memory: {memory:.2f} of flamegraph.pl's (target <= 0.5)")
        svg_mb = fk_svg.stat().st_size / 1e6
        print(f"flamekit SVG for {nodes:,} nodes: {svg_mb:.2f} MB (target < 10 MB)")
        ok = speed >= 10 and memory <= 0.5 and svg_mb < 10
        print("PASS" if ok else "FAIL")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
