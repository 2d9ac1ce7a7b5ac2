"""Time `flamekit diff BEFORE AFTER -o diff.svg` against FlameGraph's
`difffolded.pl BEFORE AFTER | flamegraph.pl > diff.svg` on the same pair of folded files.

The pair is synthetic: a random call tree (LINES distinct stacks up to 40 frames deep over 2,000
functions) where AFTER moves weight towards a few functions. Both tools run in this one process
tree, one after the other, and the script prints each time and the ratio flamekit / FlameGraph.

    python benchmarks/diff_vs_difffolded.py --flamegraph-dir DIR [--lines N] [--repeat R]
        [--json FILE]

DIR is a checkout of https://github.com/brendangregg/FlameGraph (or set FLAMEGRAPH_DIR).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ratios

ROOT = Path(__file__).resolve().parent.parent


def make_pair(folder: Path, lines: int, seed: int = 1) -> tuple[Path, Path]:
    rng = random.Random(seed)
    stacks = set()
    while len(stacks) < lines:
        depth = rng.randint(1, 40)
        stacks.add(";".join(f"fn_{rng.randrange(2000)}" for _ in range(depth)))
    before, after = [], []
    for stack in sorted(stacks):
        count = rng.randint(1, 50)
        before.append(f"main;{stack} {count}")
        grown = count * 3 if stack.endswith(("fn_7", "fn_11")) else count
        after.append(f"main;{stack} {grown}")
    b, a = folder / "before.folded", folder / "after.folded"
    b.write_text("\n".join(before) + "\n")
    a.write_text("\n".join(after) + "\n")
    return b, a


def in_turns(cmds: list[str], repeat: int) -> list[float]:
    """Median wall seconds of each shell command, the commands run in turns."""
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for cmd, spent in zip(cmds, times, strict=True):
            start = time.perf_counter()
            subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flamegraph-dir", default=os.environ.get("FLAMEGRAPH_DIR"))
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (the median counts)")
    parser.add_argument("--json", help="write the ratio rows here (for run_all.py)")
    args = parser.parse_args()
    if not args.flamegraph_dir:
        sys.exit("give --flamegraph-dir (a FlameGraph checkout) or set FLAMEGRAPH_DIR")
    fg = Path(args.flamegraph_dir)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        b, a = make_pair(folder, args.lines)
        ref = (
            f"perl {fg / 'difffolded.pl'} {b} {a} | perl {fg / 'flamegraph.pl'} "
            f"> {folder / 'ref.svg'}"
        )
        ours = (
            f"PYTHONPATH={ROOT} {sys.executable} -m flamekit diff {b} {a} -o {folder / 'ours.svg'}"
        )
        t_ref, t_ours = in_turns([ref, ours], args.repeat)
    print(f"{args.lines:,} stacks per side")
    print(f"FlameGraph difffolded.pl | flamegraph.pl: {t_ref:.2f} s")
    print(f"flamekit diff -o diff.svg:                {t_ours:.2f} s")
    print(f"ratio flamekit / FlameGraph: {t_ours / t_ref:.2f}")
    row = ratios.row(
        "diff_vs_difffolded",
        f"{args.lines:,} stacks",
        "difffolded.pl | flamegraph.pl",
        t_ours,
        t_ref,
    )
    ratios.save(args.json, [row])


if __name__ == "__main__":
    main()
