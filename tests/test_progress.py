"""Progress bars: every input of 32 MB or more, whatever its format, shows one on a terminal
(stderr a pseudo-terminal) and none elsewhere; the bar never goes past 100%."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flamekit.progress import MIN_SIZE

SAMPLES = Path(__file__).parents[1] / "samples"
BAR = re.compile(rb"\[[#-]{30}\]\s+(\d+\.\d)% +([\d,]+)/([\d,]+) MB")

# a recorded sample per input format; each is grown past MIN_SIZE below
INPUTS = {
    "folded": SAMPLES / "folded" / "deep.folded",
    "perf": SAMPLES / "perf" / "deep.perf.txt",
    "pyspy": SAMPLES / "pyspy" / "work.txt",
    "cpuprofile": SAMPLES / "cpuprofile" / "cpu.cpuprofile",
    "speedscope": SAMPLES / "pyspy" / "work.speedscope.json",
    "chrome-trace": SAMPLES / "chrome" / "page.trace.json",
    "pyspy-chrometrace": SAMPLES / "pyspy" / "work.chrometrace.json",
}


def _grow(sample: Path, out: Path) -> Path:
    """A copy of ``sample`` past MIN_SIZE: text profiles repeat their records, JSON ones
    carry white space after the opening brace (same profile, bigger file)."""
    data = sample.read_bytes()
    if data.lstrip()[:1] in (b"{", b"["):
        at = data.index(data.lstrip()[:1]) + 1
        grown = data[:at] + b" \n" * (MIN_SIZE // 2 + 1024) + data[at:]
    else:
        unit = data if data.endswith(b"\n") else data + b"\n"
        if b"\n\n" in data and not unit.endswith(
            b"\n\n"
        ):  # perf script: a blank line ends a sample
            unit += b"\n"
        grown = unit * (MIN_SIZE // len(unit) + 2)
    out.write_bytes(grown)
    assert out.stat().st_size > MIN_SIZE
    return out


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    return {fmt: _grow(path, root / f"big-{fmt}{path.suffix}") for fmt, path in INPUTS.items()}


def _top(path: Path, fmt: str, stderr_tty: bool) -> bytes:
    """What ``flamekit top`` writes on stderr, which is a pseudo-terminal or a pipe."""
    cmd = [sys.executable, "-m", "flamekit", "top", "--from", fmt, str(path)]
    env = {**os.environ, "COLUMNS": "100"}
    if not stderr_tty:
        done = subprocess.run(cmd, capture_output=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr
    master, slave = os.openpty()
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, env=env) as proc:
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end closed
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(timeout=600) == 0, out
    os.close(master)
    return out


@pytest.mark.parametrize("fmt", list(INPUTS))
def test_large_input_shows_progress_on_a_terminal_only(big_inputs, fmt):
    path = big_inputs[fmt]
    on_tty = _top(path, fmt, stderr_tty=True)
    bars = BAR.findall(on_tty)
    assert bars, on_tty[-500:]
    shares = [float(share) for share, _done, _total in bars]
    assert all(0.0 <= share <= 100.0 for share in shares)
    assert shares == sorted(shares)  # never goes back
    size_mb = f"{path.stat().st_size / 1e6:,.0f}".encode()
    assert all(total == size_mb for _share, _done, total in bars)
    assert all(
        int(done.replace(b",", b"")) <= int(size_mb.replace(b",", b"")) for _, done, _ in bars
    )
    piped = _top(path, fmt, stderr_tty=False)
    assert not BAR.search(piped) and b"reading " not in piped


def test_small_input_shows_no_progress():
    out = _top(INPUTS["folded"], "folded", stderr_tty=True)
    assert not BAR.search(out)
