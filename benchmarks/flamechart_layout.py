"""Lay out and render a flame chart (``flame --flamechart``) of a large synthetic timeline.

    python benchmarks/flamechart_layout.py [--samples 3000000] [--seed 1]

The timeline is a random walk over call stacks (each run of samples calls deeper or returns a
few frames, with idle stretches in between), built in memory; the script prints the time and
peak RSS of the layout and of the whole SVG, and the SVG size. There is no reference tool to
compare against: this shows what millions of samples cost.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flamekit.builder import ProfileBuilder
from flamekit.model import FrameKind
from flamekit.render.flame import FlameOptions, render_svg
from flamekit.render.flame_layout import MinWidth
from flamekit.render.flamechart import chart_layout


def timeline(samples: int, seed: int):
    rng = np.random.default_rng(seed)
    builder = ProfileBuilder("benchmark", unit="nanoseconds")
    frames = [builder.frame(f"fn{i}", "app.js", line=i + 1) for i in range(400)]
    idle = builder.stack(-1, builder.frame("(idle)", kind=FrameKind.IDLE))
    runs = samples // 8
    lengths = rng.geometric(1 / 8, runs)
    leaves = np.empty(runs, dtype=np.int32)
    path: list[int] = []
    node = -1
    moves = rng.integers(-3, 4, runs)
    picks = rng.integers(0, len(frames), runs * 3)
    for i in range(runs):
        if moves[i] == -3 and i % 50 == 0:
            leaves[i] = idle
            continue
        step = int(moves[i])
        if step < 0:
            del path[max(1, len(path) + step) :]
        else:
            for j in range(step):
                path.append(int(picks[3 * i + j]))
        if not path:
            path.append(int(picks[3 * i]))
        node = builder.stack_path([frames[f] for f in path[:200]])
        leaves[i] = node
    stack = np.repeat(leaves, lengths)
    n = len(stack)
    step = rng.choice([1000_000, 1000_000, 1000_000, 1050_000], n)
    builder.add_samples(stack, step, times=np.r_[0, np.cumsum(step)[:-1]])
    return builder.build()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    profile = timeline(args.samples, args.seed)
    print(f"{len(profile.samples):,} samples, {len(profile.stacks):,} call-tree nodes")
    start = time.perf_counter()
    lay = chart_layout(profile, plot_width=1180, minwidth=MinWidth.parse("0.1"))
    print(f"layout: {time.perf_counter() - start:.2f} s, {len(lay):,} rectangles drawn")
    start = time.perf_counter()
    svg = render_svg(profile, FlameOptions(flamechart=True))
    print(f"SVG: {time.perf_counter() - start:.2f} s, {len(svg.encode()) / 1e6:.2f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (whole process, with the generator): {peak:.0f} MB")


if __name__ == "__main__":
    main()
