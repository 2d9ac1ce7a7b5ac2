"""Run every side-by-side benchmark and print one table of ratios against the reference tools.

    python benchmarks/run_all.py --flamegraph-dir PATH/TO/FlameGraph [--corpus DIR]
        [--workdir DIR] [--repeat 3] [--only NAME ...] [--quick]

Each benchmark runs as its own script (each still works alone, see its docstring) with
``--json``; the rows they write are printed together: flamekit's and the reference's median time
and peak memory, time as flamekit/reference and as a speed-up, memory as flamekit/reference.
``--workdir`` keeps the generated inputs there and reuses them on the next run; ``--quick``
makes the inputs small (a smoke run: its ratios are not the ones the targets speak of).

A line about the machine comes first: the CPUs this process may use, their model and clock,
the speed of a plain memory copy and the versions of Python, numpy and Perl. Ratios move between
machines (the same code measured 18.1x flamegraph.pl's speed on one 2-CPU machine and 14.8x on
another), so tables are compared between machines alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def commands(args: argparse.Namespace, work: Path) -> dict[str, list[str]]:
    """The command line of each benchmark, writing its rows to ``work/<name>.json``."""
    fg = ["--flamegraph-dir", str(args.flamegraph_dir)]
    repeat = ["--repeat", str(args.repeat)]
    perf = ["--workdir", str(work / "perf"), "--reuse", *repeat]
    if args.corpus:
        perf += ["--corpus", str(args.corpus)]
    flame = ["--keep", str(work / "flame"), "--reuse", *repeat]
    v8 = [*repeat]
    diff = [*repeat]
    if args.quick:
        perf += ["--size-mb", "8"]
        flame += ["--size-mb", "5", "--stacks", "20000"]
        v8 += ["--samples", "200000", "--walk-samples", "20000", "--big-samples", "500000"]
        diff += ["--lines", "5000"]
    return {
        "startup": ["startup.py", "--repeat", str(max(5, args.repeat))],
        "cpuprofile_import": ["cpuprofile_import.py", *v8],
        "perf_collapse": ["perf_collapse.py", *fg, *perf],
        "flamegraph_render": ["flamegraph_render.py", *fg, *flame],
        "diff_vs_difffolded": ["diff_vs_difffolded.py", *fg, *diff],
    }


def _cpu_model() -> str:
    """The CPU's model and clock as Linux names them, else what the platform module knows."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or platform.machine()
    mhz = fields.get("cpu MHz")
    return f"{model}, {float(mhz):.0f} MHz" if mhz else model


def _copy_gb_per_s(size: int = 64 << 20) -> float:
    """Bytes read and written per second by the best of five copies of ``size`` bytes."""
    import numpy as np

    src = np.ones(size, dtype=np.uint8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return 2 * size / best / 1e9


def machine_line() -> str:
    """The machine the ratios were measured on, in one line."""
    import numpy as np

    from flamekit.importers.parallel import usable_cpus

    try:
        perl = subprocess.run(
            ["perl", "-e", "print $^V"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        perl = "not found"
    return (
        f"machine: {usable_cpus()} CPUs usable ({_cpu_model()}), "
        f"memory copy {_copy_gb_per_s():.1f} GB/s; "
        f"Python {platform.python_version()}, numpy {np.__version__}, Perl {perl}"
    )


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def _num(value: float | None, width: int, digits: int) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'benchmark':19} {'case':34} {'reference':22} {'fk s':>7} {'ref s':>7} {'fk/ref':>7} "
        f"{'speed-up':>8} {'fk MB':>7} {'ref MB':>7} {'mem':>5}  target"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        fk, ref = r["flamekit_s"], r["reference_s"]
        print(
            f"{r['benchmark']:19} {r['case'][:34]:34} {r['reference'][:22]:22} "
            f"{_num(fk, 7, 3)} {_num(ref, 7, 3)} {_ratio(fk, ref):>7} "
            f"{_ratio(ref, fk):>8} {_num(r['flamekit_mb'], 7, 0)} "
            f"{_num(r['reference_mb'], 7, 0)} {_ratio(r['flamekit_mb'], r['reference_mb']):>5}"
            f"  {r['target']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flamegraph-dir", type=Path, default=os.environ.get("FLAMEGRAPH_DIR"))
    parser.add_argument("--corpus", type=Path, help="perf-collapse corpus folder (optional)")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) generated inputs here")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; medians count")
    parser.add_argument("--only", nargs="+", help="run these benchmarks only")
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke run")
    args = parser.parse_args()
    if not args.flamegraph_dir or not (args.flamegraph_dir / "flamegraph.pl").is_file():
        parser.error("--flamegraph-dir must name the folder that holds flamegraph.pl")
    tmp = tempfile.TemporaryDirectory(prefix="flamekit-bench-")
    work = args.workdir or Path(tmp.name)
    benchmarks = commands(args, work)
    unknown = sorted(set(args.only or ()) - set(benchmarks))
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(benchmarks)})"
        )
    work.mkdir(parents=True, exist_ok=True)
    machine = machine_line()
    print(machine, flush=True)
    rows: list[dict] = []
    failed = []
    for name, cmd in benchmarks.items():
        if args.only and name not in args.only:
            continue
        out = work / f"{name}.json"
        out.unlink(missing_ok=True)
        print(f"== {name}", flush=True)
        done = subprocess.run(
            [sys.executable, str(HERE / cmd[0]), *cmd[1:], "--json", str(out)], cwd=HERE
        )
        if done.returncode != 0 or not out.exists():
            failed.append(name)
            continue
        rows.extend(json.loads(out.read_text()))
    print()
    print(machine)
    print_table(rows)
    tmp.cleanup()
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
