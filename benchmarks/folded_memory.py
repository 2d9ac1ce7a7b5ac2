"""Peak memory of reading a large folded file, per process and in all, against a bound.

    python benchmarks/folded_memory.py [--size-mb 300] [--stacks 250000] [--max-ratio 1.5]
        [--keep DIR [--reuse]]

Generates (deterministically, at run time, with flamegraph_render's generator) a folded file of
about ``--size-mb`` MB, runs ``flamekit info`` on it (which reads the whole file, in two processes
for big plain files) and prints its wall time, the peak RSS of its largest process and the peak
summed proportional set size of the process and its child (pages shared after the fork counted
once), each also as a multiple of the file's size. Exits 1 when the largest process peaks above
``--max-ratio`` times the file size: the bound this benchmark holds the folded reader to.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from flamegraph_render import generate, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=300.0)
    parser.add_argument("--stacks", type=int, default=250_000)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--keep", help="keep the generated file in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse a file kept by --keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"memory-{args.size_mb:g}mb-{args.stacks}.folded"
        if not (args.reuse and path.exists()):
            generate(path, args.size_mb, args.stacks)
        size = path.stat().st_size
        cmd = [sys.executable, "-m", "flamekit", "info", str(path)]
        wall, cpu, peak, pss = run(cmd, sample_memory=True)
    mb = 1e6
    print(f"folded file: {size / mb:,.0f} MB, {args.stacks:,} stacks")
    print(f"flamekit info: {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"  peak RSS of the largest process: {peak / mb:,.0f} MB ({peak / size:.2f}x the file)")
    print(f"  peak PSS of all its processes:   {pss / mb:,.0f} MB ({pss / size:.2f}x the file)")
    if peak > args.max_ratio * size:
        sys.exit(f"over the bound: {peak / size:.2f}x > {args.max_ratio}x the file size")
    print(f"within the bound of {args.max_ratio}x the file size per process")


if __name__ == "__main__":
    main()
