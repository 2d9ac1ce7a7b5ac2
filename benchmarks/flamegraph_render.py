"""Render a large folded profile with flamekit and with FlameGraph's flamegraph.pl, side by side.

    python benchmarks/flamegraph_render.py --flamegraph-dir PATH/TO/FlameGraph [--size-mb 100]
        [--repeat 3] [--keep DIR [--reuse]] [--json FILE]

Generates (deterministically, at run time) a folded file of about ``--size-mb`` MB with about
``--stacks`` unique stacks, renders it with both tools as separate processes, and prints each
one's wall time, peak RSS and SVG size, and the ratios. flamekit is timed ``--repeat`` times
(median) and its memory measured in one more run, since sampling memory takes CPU time from the
two processes flamekit parses big files with; flamegraph.pl (one process) runs once.
Targets: flamekit at least 10x faster and at most half the peak memory; the SVG under 10 MB
with the default --minwidth.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import ratios

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


def _tree_pss(pid: int) -> int:
    """Proportional set size (bytes) of ``pid`` and its descendants now: pages shared after a
    fork are counted once (Linux /proc; 0 where unreadable)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for row in fh:
                    if row.startswith("Pss:"):
                        total += int(row.split()[1]) * 1024
                        break
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            pass
    return total


def run(
    cmd: list[str], stdout_path: Path | None = None, *, sample_memory: bool = False
) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS of the largest process (bytes, from rusage) and, with
    ``sample_memory``, the peak summed proportional set size of the process and its children
    (sampled every 10 ms by a thread of this process, which costs CPU time: timed runs leave it
    off) of one command."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    peak_sum = 0
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_sum
            while not done.wait(0.01):
                peak_sum = max(peak_sum, _tree_pss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_memory:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        if sample_memory:
            sampler.join()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    finally:
        if stdout_path:
            out.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err}")
    peak = usage.ru_maxrss * 1024
    return elapsed, usage.ru_utime + usage.ru_stime, peak, max(peak, peak_sum)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--flamegraph-dir",
        default=os.environ.get("FLAMEGRAPH_DIR"),
        help="folder holding flamegraph.pl (or env FLAMEGRAPH_DIR)",
    )
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--stacks", type=int, default=250_000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs of flamekit (the median counts; flamegraph.pl runs once)",
    )
    parser.add_argument("--json", help="write the ratio rows here (for run_all.py)")
    parser.add_argument("--keep", help="keep the generated files in this folder")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse the input generated there by an earlier run with the same "
        "--size-mb and --stacks instead of writing it again",
    )
    args = parser.parse_args()
    if not args.flamegraph_dir or not (Path(args.flamegraph_dir) / "flamegraph.pl").exists():
        parser.error("--flamegraph-dir must name the folder that holds flamegraph.pl")
    if not shutil.which("perl"):
        parser.error("perl is needed to run flamegraph.pl")
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="flamekit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        folded = work / "big.folded"
        stamp = work / "big.folded.params"
        params = f"size_mb={args.size_mb} stacks={args.stacks} generator=1"
        t0 = time.perf_counter()
        reused = (
            args.reuse
            and folded.exists()
            and stamp.exists()
            and stamp.read_text().split("\n")[0] == params
        )
        if reused:
            lines, nodes = (int(v) for v in stamp.read_text().split("\n")[1].split())
        else:
            stamp.unlink(missing_ok=True)
            lines, nodes = generate(folded, args.size_mb, args.stacks)
            stamp.write_text(f"{params}\n{lines} {nodes}\n")
        size = folded.stat().st_size
        how = "reused" if reused else f"generated in {time.perf_counter() - t0:.1f} s"
        print(
            f"input: {size / 1e6:.1f} MB, {lines:,} unique stacks, {nodes:,} call-tree nodes "
            f"({how})"
        )
        # pip compiles the package's bytecode when it installs it; do the same for the checkout
        # measured here, so that start-up is not spent compiling sources on every run (as it is
        # where PYTHONDONTWRITEBYTECODE is set)
        compileall.compile_dir(str(ROOT / "flamekit"), quiet=1)
        fk_svg = work / "flamekit.svg"
        pl_svg = work / "flamegraph-pl.svg"
        # the checkout's `flamekit` command: its entry point, as the installed script runs it
        env_python = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
                      "from flamekit.launch import main; main()", str(ROOT)]  # fmt: skip
        fk_cmd = [*env_python, "flame", str(folded), "-o", str(fk_svg)]
        timed = [run(fk_cmd) for _ in range(max(1, args.repeat))]
        fk_time, fk_cpu = (statistics.median(r[i] for r in timed) for i in (0, 1))
        _, _, fk_rss, fk_sum = run(fk_cmd, sample_memory=True)
        pl_time, pl_cpu, pl_rss, pl_sum = run(
            ["perl", str(Path(args.flamegraph_dir) / "flamegraph.pl"), str(folded)], pl_svg
        )
        print("flamekit runs (wall): " + ", ".join(f"{r[0]:.2f}s" for r in timed))
        print(f"{'':13} {'wall':>9} {'CPU':>9} {'peak RSS':>10} {'all procs':>10} {'SVG':>9}")
        for name, t, c, rss, total, svg in (
            ("flamekit", fk_time, fk_cpu, fk_rss, fk_sum, fk_svg),
            ("flamegraph.pl", pl_time, pl_cpu, pl_rss, pl_sum, pl_svg),
        ):
            print(
                f"{name:13} {t:8.2f}s {c:8.2f}s {rss / 2**20:8.0f}MB {total / 2**20:8.0f}MB "
                f"{svg.stat().st_size / 1e6:7.2f}MB"
            )
        print("(flamekit: median of the timed runs; peak RSS: the largest process; all procs:")
        print(" the peak proportional set size summed over a process and its children, sampled")
        print(
            " every 10 ms in a separate untimed run; the memory ratio uses the larger of the two)"
        )
        speed = pl_time / fk_time
        print(f"CPU time ratio: {pl_cpu / fk_cpu:.1f}x")
        memory = max(fk_rss, fk_sum) / pl_rss
        print(f"speed-up (wall): {speed:.1f}x (target >= 10x)")
        print(f"peak memory: {memory:.2f} of flamegraph.pl's (target <= 0.5)")
        svg_mb = fk_svg.stat().st_size / 1e6
        print(f"flamekit SVG for {nodes:,} nodes: {svg_mb:.2f} MB (target < 10 MB)")
        ratios.save(
            args.json,
            [
                ratios.row(
                    "flamegraph_render",
                    f"{size / 1e6:.0f} MB, {lines:,} stacks",
                    "flamegraph.pl",
                    fk_time,
                    pl_time,
                    max(fk_rss, fk_sum) / 2**20,
                    pl_rss / 2**20,
                    ">= 20x faster, <= 0.5x memory",
                )
            ],
        )
        ok = speed >= 10 and memory <= 0.5 and svg_mb < 10
        print("PASS" if ok else "FAIL")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
