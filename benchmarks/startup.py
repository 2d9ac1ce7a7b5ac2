"""Start-up: ``flamekit --version`` against a bare ``python -c pass``, run in turns.

    python benchmarks/startup.py [--repeat 11] [--json FILE]

Both run as fresh processes of this interpreter with the checkout first on the path (bytecode
compiled first, as an installed package has it); the median wall times and their ratio are
printed (target: at most 5x).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import ratios

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--json", help="write the ratio rows here (for run_all.py)")
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "flamekit"), quiet=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "flamekit --version": [sys.executable, "-m", "flamekit", "--version"],
    }
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    bare, ours = (statistics.median(times[name]) for name in cmds)
    print(f"python -c pass       {bare * 1000:7.1f} ms (median of {args.repeat})")
    print(f"flamekit --version   {ours * 1000:7.1f} ms")
    print(f"ratio: {ours / bare:.1f}x (target <= 5x)")
    ratios.save(
        args.json,
        [ratios.row("startup", "--version", "python -c pass", ours, bare, target="<= 5x time")],
    )


if __name__ == "__main__":
    main()
