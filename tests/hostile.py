"""Hostile inputs made from the bundled samples, and a runner that judges how flamekit ends.

A mutant is a real sample changed one way: cut at a byte, a number swapped for an extreme one
(beyond int64, 1e30, negative, fractional, zero), a line deleted, doubled or replaced by a long
adversarial one, bytes flipped; JSON samples also get a number or string field replaced in
the parsed document. Every run must end with exit 0, or exit 2 and the one-line error, within a
time bound, without a traceback or a warning that is not flamekit's own, and leave no partial
output: a pre-existing output file is untouched unless the run succeeded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import flamekit.cli  # noqa: F401  (imported once here, so that forked runs start at once)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(
    p
    for p in (ROOT / "samples").rglob("*")
    if p.is_file() and p.suffix != ".md" and "workloads" not in p.parts
)

EXTREMES = [
    "9223372036854775807",  # 2**63 - 1
    "9223372036854775808",  # 2**63
    "18446744073709551616",  # 2**64
    "-9223372036854775809",
    "1e30",
    "-1e30",
    "1e308",
    "-1",
    "-0.5",
    "0.5",
    "0",
    "1" * 60,
    "NaN",
    "Infinity",
    '"7"',
    "null",
    "[]",
]
JSON_EXTREMES = [json.loads(x) if x not in ("NaN", "Infinity") else x for x in EXTREMES]
HOSTILE_NAMES = ["", " ", ";", "\x1b[2J", "a" * 10_000, "ab " + "1" * 40, "\t1 f (" * 100]
LONG_LINES = [
    b"ab " + b"1" * 10_000,
    b"\t" + b"a" * 10_000,
    b"a" + b" (" * 5000,
    b":" + b" " * 10_000 + b"x",
    b"x;" * 5000 + b" 1",
]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def mutate(data: bytes, rng: random.Random, is_json: bool) -> bytes:
    """One hostile change to ``data``."""
    kinds = ["cut", "number", "lines", "bytes", "long line"]
    if is_json:
        kinds += ["json number", "json number", "json string"]
    kind = rng.choice(kinds)
    if kind == "cut":
        return data[: rng.randrange(len(data) + 1)]
    if kind == "number":
        spots = list(_NUMBER.finditer(data))
        if not spots:
            return data[::-1]
        out = bytearray(data)
        picked = rng.sample(spots, min(len(spots), rng.choice([1, 1, 3, 50])))
        for m in sorted(picked, key=lambda m: m.start(), reverse=True):
            out[m.start() : m.end()] = rng.choice(EXTREMES).encode()
        return bytes(out)
    if kind == "lines":
        lines = data.split(b"\n")
        for _ in range(rng.choice([1, 2, 10])):
            i = rng.randrange(len(lines))
            op = rng.choice(["delete", "double", "swap", "blank"])
            if op == "delete":
                del lines[i]
            elif op == "double":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(i, b"")
            if not lines:
                break
        return b"\n".join(lines)
    if kind == "bytes":
        out = bytearray(data)
        for _ in range(rng.choice([1, 4, 32])):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "long line":
        lines = data.split(b"\n")
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(LONG_LINES))
        return b"\n".join(lines)
    return _mutate_json(data, rng, strings=kind == "json string")


def _mutate_json(data: bytes, rng: random.Random, strings: bool) -> bytes:
    try:
        doc = json.loads(data)
    except ValueError:
        return data[: len(data) // 2]
    spots: list[tuple[object, object]] = []
    stack = [doc]
    while stack and len(spots) < 200_000:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, str) == strings and not isinstance(value, bool):
                spots.append((node, key))
    if not spots:
        return data
    count = rng.choice([1, 1, 1, 5, len(spots)])
    for node, key in rng.sample(spots, min(count, len(spots))):
        node[key] = rng.choice(HOSTILE_NAMES if strings else JSON_EXTREMES)  # type: ignore[index]
    text = json.dumps(doc)
    return text.replace('"NaN"', "NaN").replace('"Infinity"', "1e999").encode()


# -- hypothesis strategies ------------------------------------------------------------------------
class Mutant(tuple):
    """(sample, data), shown by the sample's name and the data's size and head."""

    def __repr__(self) -> str:
        sample, data = self
        return f"Mutant({sample.name!r}, {len(data)} bytes, {data[:60]!r}...)"


def _strategies():
    from hypothesis import strategies as st

    return st


def samples_of(fmt: str) -> list[Path]:
    """The bundled samples an importer reads (by the folder and name they are kept under)."""
    kinds = {
        "perf": lambda p: p.parent.name == "perf",
        "folded": lambda p: p.suffix == ".folded",
        "pyspy": lambda p: p.parent.name == "pyspy" and p.suffix == ".txt",
        "cpuprofile": lambda p: p.suffix == ".cpuprofile",
        "speedscope": lambda p: p.name.endswith(".speedscope.json"),
        "chrome-trace": lambda p: p.name.endswith(".trace.json"),
        "pyspy-chrometrace": lambda p: p.name.endswith(".chrometrace.json"),
        "pprof": lambda p: p.parent.name == "pprof",
    }
    return [p for p in SAMPLES if kinds[fmt](p)]


def out_of_range_numbers():
    """Numbers no profile field can hold: beyond int64, huge, not finite, negative, fractional."""
    st = _strategies()
    return st.one_of(
        st.integers(min_value=2**63, max_value=2**70),
        st.integers(max_value=-1, min_value=-(2**70)),
        st.sampled_from([1e30, -1e30, 1e300, 0.5, -0.5, 2.0**63, 2.0**64]),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
    )


def mutated_samples(fmt: str):
    """Real samples of ``fmt`` changed one seeded way (see :func:`mutate`)."""
    st = _strategies()
    return st.tuples(st.sampled_from(samples_of(fmt)), st.integers(0, 2**32 - 1)).map(
        lambda pair: (
            pair[0],
            mutate(pair[0].read_bytes(), random.Random(pair[1]), _is_json(pair[0])),
        )
    )


def cut_samples(fmt: str):
    """Real samples of ``fmt`` cut at any byte."""
    st = _strategies()
    return st.tuples(st.sampled_from(samples_of(fmt)), st.floats(0, 1)).map(
        lambda pair: Mutant(
            (pair[0], pair[0].read_bytes()[: int(pair[0].stat().st_size * pair[1])])
        )
    )


def numbers_in_samples(fmt: str):
    """Real samples of ``fmt`` with one number (a JSON field or a text number) out of range."""
    st = _strategies()

    def put(sample: Path, index: int, number) -> tuple[Path, bytes]:
        data = sample.read_bytes()
        spots = list(_NUMBER.finditer(data))
        m = spots[index % len(spots)]
        text = repr(number) if isinstance(number, float) else str(number)
        return Mutant((sample, data[: m.start()] + text.encode() + data[m.end() :]))

    return st.builds(
        put, st.sampled_from(samples_of(fmt)), st.integers(0, 10**6), out_of_range_numbers()
    )


def _is_json(path: Path) -> bool:
    return path.name.endswith((".json", ".cpuprofile"))


COMMANDS = [
    ["info"],
    ["top"],
    ["hotpaths"],
    ["convert", "--to", "folded", "-o", "{out}.folded"],
    ["convert", "--to", "speedscope", "-o", "{out}.speedscope.json"],
    ["flame", "-o", "{out}.svg"],
    ["flame", "-o", "{out}.html"],
    ["blocks", "-o", "{out}.txt"],
    ["diff", "{input}", "-o", "{out}.md"],
]
SENTINEL = b"pre-existing output\n"


@dataclass
class Outcome:
    exit: int | None  # None: did not finish within the time bound
    stderr: str
    seconds: float
    problem: str | None  # why this outcome breaks the rules, or None


def run_flamekit(args: list[str], output: Path | None, timeout: float = 60.0) -> Outcome:
    """Run ``flamekit ARGS`` in a forked child (no interpreter start-up per run) and judge it."""
    if output is not None:
        output.write_bytes(SENTINEL)
    err_file = tempfile.TemporaryFile()
    start = time.monotonic()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the CLI as main() would, report only through exit and fd 2
        code = 1
        try:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(err_file.fileno(), 2)
            sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)
            sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), write_through=True)
            sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), write_through=True)
            from flamekit.cli import main

            try:
                main(args)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
                code = 1
            with contextlib.suppress(Exception):
                sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write_end)
    status = None
    deadline = start + timeout
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        select.select([read_end], [], [], 0.01)
    os.close(read_end)
    seconds = time.monotonic() - start
    err_file.seek(0)
    stderr = err_file.read().decode("utf-8", "replace")
    err_file.close()
    return Outcome(status, stderr, seconds, _judge(status, stderr, output))


def _judge(status: int | None, stderr: str, output: Path | None) -> str | None:
    if status is None:
        return "hang"
    if "Traceback" in stderr:
        return "traceback"
    lines = stderr.splitlines()
    foreign = [ln for ln in lines if not ln.startswith("flamekit: ")]
    if foreign:
        return f"foreign stderr: {foreign[0][:120]!r}"
    if status == 2:
        errors = [ln for ln in lines if ln.startswith("flamekit: error: ")]
        if len(errors) != 1 or not lines[-1].startswith("flamekit: error: "):
            return f"exit 2 without one error line: {stderr[:200]!r}"
        if output is not None and output.read_bytes() != SENTINEL:
            return "a failed run changed the pre-existing output"
    elif status == 0:
        if output is not None and output.read_bytes() == SENTINEL:
            return "a successful run left the output as it was"
    else:
        return f"exit {status}: {stderr[-200:]!r}"
    if output is not None and list(output.parent.glob(".flamekit-*")):
        return "a temporary output file was left behind"
    return None


def check_mutant(data: bytes, sample: Path, command: list[str], folder: Path) -> Outcome:
    """Write ``data`` under ``sample``'s name in ``folder`` and run ``command`` on it."""
    path = folder / sample.name
    path.write_bytes(data)
    out = folder / "out"
    args = [a.format(input=path, out=out) for a in command]
    output = next((Path(a) for a in args if a.startswith(str(out))), None)
    outcome = run_flamekit([args[0], str(path), *args[1:]], output)
    if output is not None:
        with contextlib.suppress(FileNotFoundError):
            output.unlink()
    return outcome
