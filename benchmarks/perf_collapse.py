"""Time ``flamekit convert --to folded`` against FlameGraph's ``stackcollapse-perf.pl``.

Both tools fold the same real ``perf script`` captures, made here at benchmark time:

- normal: the deep-stack two-thread C workload of samples/workloads/deep.c recorded with
  ``perf record -F 20000 -g``, its ``perf script`` text repeated up to ``--size-mb``;
- unique: benchmarks/unique_stacks.c (random 28-deep call paths) recorded until the text reaches
  ``--size-mb``: nearly every stack is different;
- corpus (with ``--corpus DIR``): the conformance corpus's example-perf-stacks.txt.gz repeated.

For each input it prints wall and CPU time (user + sys, all processes), throughput, the ratios
to Perl, and the peak resident memory of each tool; it checks that both outputs are identical,
and that flamekit's two-process and one-process runs agree. A last table shows flamekit's peak
memory on a quarter and on all of the normal input: it grows with unique stacks, not file size.

    python benchmarks/perf_collapse.py --flamegraph-dir PATH/TO/FlameGraph [--size-mb 110]
        [--repeat 3] [--workdir DIR [--reuse]] [--corpus DIR] [--json FILE] [--jobs N ...]

``--jobs N`` adds a row of flamekit parsing in N processes (FLAMEKIT_JOBS=N), to measure
whether more processes than the default two pay on the machine.

Each tool runs ``--repeat`` times per input; the run of median wall time is the one shown.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import ratios

ROOT = Path(__file__).resolve().parent.parent


# Started in a fresh small interpreter, this runs one tool and reports its resource use. On
# Linux the peak RSS of a child counts the memory of the process it was started from (before
# exec), so the tools are not started from this benchmark, which holds large inputs.
LAUNCHER = """
import os, sys, time
out, err, *cmd = sys.argv[1:]
with open(out, "wb") as fh, open(err, "wb") as eh:
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(fh.fileno(), 1)
        os.dup2(eh.fileno(), 2)
        os.execvp(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
print(os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss)
"""


def run(cmd: list[str], out: Path, env: dict | None = None) -> dict:
    """Run ``cmd`` with stdout to ``out``: wall time, CPU time (user + sys, the tool and the
    processes it waited for) and peak RSS (its largest process, at least the launcher's)."""
    err = out.with_suffix(".stderr")
    proc = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, str(out), str(err), *cmd],
        capture_output=True,
        env=env,
        check=True,
    )
    code, wall, cpu, rss = proc.stdout.split()
    if int(code) != 0:
        sys.exit(f"failed ({code.decode()}): {' '.join(cmd)}\n{err.read_text()}")
    return {"wall": float(wall), "cpu": float(cpu), "rss_mb": int(rss) / 1024}


def record(binary: Path, args: list[str], freq: int, workdir: Path, name: str) -> bytes:
    data = workdir / f"{name}.data"
    subprocess.run(
        ["perf", "record", "-q", "-F", str(freq), "-g", "-o", str(data), str(binary), *args],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=workdir,
    )
    text = subprocess.run(
        ["perf", "script", "-i", str(data)], check=True, capture_output=True, cwd=workdir
    ).stdout
    data.unlink()
    return text


def build(source: Path, workdir: Path, name: str) -> Path:
    out = workdir / name
    subprocess.run(
        [
            "gcc", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls",
            "-pthread", "-o", str(out), str(source),
        ],
        check=True,
    )  # fmt: skip
    return out


def repeat_to(text: bytes, size: int, path: Path) -> Path:
    if not text.endswith(b"\n\n"):
        text = text.rstrip(b"\n") + b"\n\n"
    with open(path, "wb") as fh:
        written = 0
        while written < size:
            fh.write(text)
            written += len(text)
    return path


def median_run(cmd: list[str], out: Path, env: dict | None, repeat: int) -> dict:
    """The run of median wall time among ``repeat`` runs of ``cmd``."""
    runs = sorted((run(cmd, out, env) for _ in range(repeat)), key=lambda r: r["wall"])
    return runs[len(runs) // 2]


def kept_inputs(workdir: Path, corpus: Path | None) -> dict[str, Path] | None:
    """The inputs an earlier run left in ``workdir``, if all of them are there."""
    names = {"normal": "n.txt", "unique": "unique.perf.txt"}
    if corpus is not None:
        names["corpus"] = "corpus.perf.txt"
    found = {name: workdir / file for name, file in names.items()}
    return found if all(path.is_file() for path in found.values()) else None


def make_inputs(workdir: Path, size: int, corpus: Path | None) -> dict[str, Path]:
    inputs = {}
    deep = build(ROOT / "samples/workloads/deep.c", workdir, "deep")
    inputs["normal"] = repeat_to(record(deep, [], 20000, workdir, "deep"), size, workdir / "n.txt")
    unique = build(ROOT / "benchmarks/unique_stacks.c", workdir, "unique")
    path = workdir / "unique.perf.txt"
    with open(path, "wb") as fh:
        written = 0
        while written < size:
            text = record(unique, ["3"], 20000, workdir, "unique")
            fh.write(text)
            written += len(text)
    inputs["unique"] = path
    if corpus is not None:
        example = gzip.decompress((corpus / "example-perf-stacks.txt.gz").read_bytes())
        inputs["corpus"] = repeat_to(example, size, workdir / "corpus.perf.txt")
    return inputs


def flamekit_cmd(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "flamekit", "convert", str(path), "--to", "folded", "-o", "-"]


class InputRow(NamedTuple):
    """One input's timings: Perl's, then flamekit's per process count (label, run)."""

    name: str
    size: float  # MB
    stacks: int
    perl: dict
    timings: list[tuple[str, dict]]
    same: bool  # flamekit's output (two processes) is Perl's
    alike: bool  # and the same for every process count


def time_input(
    name: str,
    path: Path,
    perl_script: Path,
    workdir: Path,
    env: dict,
    repeat: int,
    jobs: list[int],
) -> InputRow:
    """Perl's and flamekit's runs on one input (two processes, one, and ``jobs`` more): its
    row, with whether flamekit's outputs are Perl's and alike for every process count."""
    size = path.stat().st_size / 1e6
    perl_out = workdir / f"{name}.perl.folded"
    perl = median_run(["perl", str(perl_script), str(path)], perl_out, None, repeat)
    runs = []
    for label, count, out in (
        ("flamekit (2 procs)", None, workdir / f"{name}.fk.folded"),
        ("flamekit (1 proc)", 1, workdir / f"{name}.fk1.folded"),
        *((f"flamekit ({n} procs)", n, workdir / f"{name}.fk{n}.folded") for n in jobs),
    ):
        run_env = env if count is None else {**env, "FLAMEKIT_JOBS": str(count)}
        runs.append((label, median_run(flamekit_cmd(path, workdir), out, run_env, repeat), out))
    outputs = [out.read_bytes() for _, _, out in runs]
    same = perl_out.read_bytes() == outputs[0]
    alike = all(out == outputs[0] for out in outputs)
    stacks = sum(1 for _ in open(perl_out, "rb"))
    timings = [(label, timing) for label, timing, _ in runs]
    return InputRow(name, size, stacks, perl, timings, same, alike)


def print_table(rows: list[InputRow]) -> None:
    print()
    print(
        f"{'input':8} {'MB':>6} {'stacks':>7} {'tool':22} {'wall s':>7} {'cpu s':>7} "
        f"{'MB/s':>6} {'x wall':>7} {'x cpu':>6} {'RSS MB':>7}"
    )
    for name, size, stacks, perl, timings, same, alike in rows:
        for label, r in (("stackcollapse-perf.pl", perl), *timings):
            print(
                f"{name:8} {size:6.0f} {stacks:7} {label:22} {r['wall']:7.2f} {r['cpu']:7.2f} "
                f"{size / r['wall']:6.1f} {perl['wall'] / r['wall']:7.1f} "
                f"{perl['cpu'] / r['cpu']:6.1f} {r['rss_mb']:7.0f}"
            )
        counts = "every process count alike" if len(timings) > 2 else "2 processes = 1 process"
        print(
            f"{'':8} output identical to Perl: {'yes' if same else 'NO'}; "
            f"{counts}: {'yes' if alike else 'NO'}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--flamegraph-dir",
        default=os.environ.get("FLAMEGRAPH_DIR"),
        help="folder of FlameGraph (holds stackcollapse-perf.pl); or env FLAMEGRAPH_DIR",
    )
    ap.add_argument("--size-mb", type=int, default=110, help="size of each input (default 110)")
    ap.add_argument("--corpus", type=Path, help="perf-collapse corpus folder (optional input)")
    ap.add_argument("--workdir", type=Path, help="keep inputs and outputs here")
    ap.add_argument("--reuse", action="store_true", help="with --workdir: reuse its inputs")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool (the median counts)")
    ap.add_argument("--json", help="write the ratio rows here (for run_all.py)")
    ap.add_argument(
        "--jobs",
        type=int,
        action="append",
        default=[],
        help="also time flamekit in this many processes (repeatable)",
    )
    args = ap.parse_args()
    if not args.flamegraph_dir:
        ap.error("--flamegraph-dir (or FLAMEGRAPH_DIR) is required")
    perl_script = Path(args.flamegraph_dir) / "stackcollapse-perf.pl"
    if not perl_script.is_file():
        ap.error(f"{perl_script} does not exist")
    for tool in ("perf", "perl", "gcc"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="flamekit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        inputs = kept_inputs(workdir, args.corpus) if args.reuse else None
        if inputs is None:
            print(f"making inputs of {args.size_mb} MB in {workdir} ...", flush=True)
            inputs = make_inputs(workdir, args.size_mb << 20, args.corpus)
        rows = [
            time_input(name, path, perl_script, workdir, env, args.repeat, args.jobs)
            for name, path in inputs.items()
        ]
        print_table(rows)
        # memory against file size: the same stacks, a quarter of the text
        normal = inputs["normal"]
        quarter = workdir / "quarter.perf.txt"
        data = normal.read_bytes()
        cut = data.rfind(b"\n\n", 0, len(data) // 4) + 2
        quarter.write_bytes(data[:cut])
        q = run(flamekit_cmd(quarter, workdir), workdir / "quarter.fk.folded", env)
        full = rows[0].timings[0][1]
        print()
        print(
            f"flamekit peak RSS on the normal input: {q['rss_mb']:.0f} MB for "
            f"{len(data[:cut]) / 1e6:.0f} MB, {full['rss_mb']:.0f} MB for {len(data) / 1e6:.0f} MB"
        )
        target = {"normal": ">= 15x faster", "unique": ">= 6x faster"}
        ratios.save(
            args.json,
            [
                ratios.row(
                    "perf_collapse",
                    f"{name} {size:.0f} MB",
                    "stackcollapse-perf.pl",
                    timings[0][1]["wall"],
                    perl["wall"],
                    timings[0][1]["rss_mb"],
                    perl["rss_mb"],
                    target.get(name, ""),
                )
                for name, size, _stacks, perl, timings, *_ in rows
            ],
        )
        if not all(r.same and r.alike for r in rows):
            sys.exit("outputs differ")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
