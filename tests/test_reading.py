"""One reading path whatever the source: path, stdin (file or pipe), FIFO, ``<(...)``, gzip.

The large capture is the bundled perf sample repeated (tests/perf_capture.py): its folded stacks
are the sample's, scaled, and the sample's folded form is FlameGraph's stackcollapse-perf.pl
output (samples/folded/deep.folded). Set FLAMEKIT_STACKCOLLAPSE_PERF to the Perl script to also
compare with a fresh run of it on the large capture.
"""

from __future__ import annotations

import gzip
import os
import pty
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flamekit.importers import load_path
from flamekit.render.folded import render_folded

from .conftest import ROOT, run_cli
from .perf_capture import scaled_folded, write_repeated

SAMPLE = ROOT / "samples/perf/deep.perf.txt"
PERL_FOLDED = ROOT / "samples/folded/deep.folded"  # stackcollapse-perf.pl of SAMPLE
BIG = 49 << 20  # over the size at which perf and folded files are parsed by two processes
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
FLAMEKIT = [sys.executable, "-m", "flamekit"]


@pytest.fixture(scope="module")
def big_capture(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("big") / "big.perf.txt"
    copies = write_repeated(SAMPLE, path, BIG)
    return path, copies


def _convert(source: str, *, stdin=None, shell: str | None = None) -> bytes:
    if shell is not None:
        cmd = ["bash", "-c", shell]
    else:
        cmd = [*FLAMEKIT, "convert", source, "--to", "folded", "-o", "-"]
    proc = subprocess.run(cmd, stdin=stdin, capture_output=True, env=ENV, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"ignored" not in proc.stderr, proc.stderr.decode()
    return proc.stdout


def _through_fifo(path: Path, folder: Path) -> bytes:
    fifo = folder / "capture"  # no extension: the format is found from the content
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out, path.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        return _convert(str(fifo))
    finally:
        writer.join(timeout=60)


def test_every_way_in_reads_the_whole_large_capture(big_capture, tmp_path):
    path, copies = big_capture
    expected = scaled_folded(PERL_FOLDED.read_bytes(), copies)
    by_path = _convert(str(path))
    assert by_path == expected
    with path.open("rb") as fh:
        assert _convert("-", stdin=fh) == expected  # stdin redirected from the file
    cat = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)
    try:
        assert _convert("-", stdin=cat.stdout) == expected  # stdin from a pipe
    finally:
        cat.stdout.close()
        cat.wait()
    assert _through_fifo(path, tmp_path) == expected
    shell = f"{' '.join(FLAMEKIT)} convert <(cat '{path}') --to folded -o -"
    assert _convert("", shell=shell) == expected


def test_large_capture_matches_a_fresh_perl_run(big_capture):
    script = os.environ.get("FLAMEKIT_STACKCOLLAPSE_PERF")
    if not script:
        pytest.skip("FLAMEKIT_STACKCOLLAPSE_PERF is not set")
    path, _ = big_capture
    perl = subprocess.run(["perl", script, str(path)], capture_output=True, check=True)
    assert _convert(str(path)) == perl.stdout


def _progress_lines(cmd: list[str], stdin) -> list[str]:
    """Run ``cmd`` with stderr on a pseudo-terminal (so the bar is drawn); its bar updates."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=slave, env=ENV)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal is gone once the process has exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    return b"".join(chunks).decode(errors="replace").split("\r")


@pytest.mark.parametrize("via", ["path", "stdin"])
def test_progress_stays_within_0_and_100_percent(big_capture, via):
    path, _ = big_capture
    cmd = [*FLAMEKIT, "info", str(path) if via == "path" else "-"]
    with path.open("rb") as fh:
        lines = _progress_lines(cmd, fh)
    bars = [re.search(r"([-\d.]+)% ([-\d,]+)/([\d,]+) MB", line) for line in lines]
    bars = [m for m in bars if m]
    assert bars, lines[:5]
    for m in bars:
        percent, done, total = float(m[1]), int(m[2].replace(",", "")), int(m[3])
        assert 0 <= percent <= 100 and 0 <= done <= total, m[0]


def test_fifo_and_process_substitution_of_json(tmp_path):
    cpuprofile = ROOT / "samples/cpuprofile/cpu.cpuprofile"
    expected = render_folded(load_path(str(cpuprofile)))
    assert _through_fifo(cpuprofile, tmp_path) == expected
    shell = f"{' '.join(FLAMEKIT)} convert <(cat '{cpuprofile}') --to folded -o -"
    assert _convert("", shell=shell) == expected


def test_folded_through_process_substitution_and_gzip_pipe(tmp_path):
    folded = ROOT / "samples/folded/deep.folded"
    shell = f"{' '.join(FLAMEKIT)} convert <(cat '{folded}') --to folded -o -"
    assert _convert("", shell=shell) == folded.read_bytes()
    packed = gzip.compress(folded.read_bytes())
    proc = subprocess.run(
        [*FLAMEKIT, "convert", "-", "--to", "folded", "-o", "-"],
        input=packed,
        capture_output=True,
        env=ENV,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == folded.read_bytes()


def test_stdin_after_part_was_read_starts_where_the_reader_is(tmp_path):
    folded = (ROOT / "samples/folded/deep.folded").read_bytes()
    data = tmp_path / "in.txt"
    data.write_bytes(b"skip me\n" + folded)
    shell = f"(read -r _; {' '.join(FLAMEKIT)} convert - --to folded -o -) < '{data}'"
    assert _convert("", shell=shell) == folded


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("flamekit: error: "), err
    assert "Traceback" not in err and proc.stdout == b""
    for needle in needles:
        assert needle in err, err
    return err


def test_closed_stdin_is_a_one_line_error():
    proc = subprocess.run(
        ["bash", "-c", f"{' '.join(FLAMEKIT)} info - <&-"], capture_output=True, env=ENV
    )
    _one_line_error(proc, "<stdin>", "standard input is closed")


@pytest.mark.parametrize("command", ["info", "flame", "top", "diff"])
def test_directory_is_a_one_line_error_naming_it(tmp_path, command):
    folder = tmp_path / "runs"
    folder.mkdir()
    out = tmp_path / "out.svg"
    args = {
        "flame": ["-o", out],
        "diff": [ROOT / "samples/folded/deep.folded"],
    }.get(command, [])
    _one_line_error(run_cli(command, folder, *args), str(folder), "is a directory")
    assert not out.exists()


def test_missing_file_is_a_one_line_error_naming_it(tmp_path):
    missing = tmp_path / "nope.cpuprofile"
    _one_line_error(run_cli("info", missing), str(missing), "no such file")


def test_unreadable_file_is_a_one_line_error_naming_it(tmp_path):
    locked = tmp_path / "locked.folded"
    shutil.copy(ROOT / "samples/folded/deep.folded", locked)
    locked.chmod(0)
    cmd = [*FLAMEKIT, "info", str(locked)]
    if os.geteuid() == 0:  # root reads anything: run without the capabilities that allow it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    proc = subprocess.run(cmd, capture_output=True, env=ENV)
    _one_line_error(proc, str(locked), "permission denied")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_binary_device_is_refused_early(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    _one_line_error(run_cli("info", device), device, "binary data")


def test_empty_stdin_and_device_name_the_input():
    _one_line_error(run_cli("info", "-", input=b""), "<stdin>", "empty")
    _one_line_error(run_cli("info", os.devnull), os.devnull, "empty")


def test_progress_bar_clamps_estimates_outside_the_total(monkeypatch, capsys):
    from flamekit import progress

    bar = progress._Bar(100_000_000, "reading x")
    for done in (153_000_000, -61_000_000):
        bar._last = 0.0  # draw every update
        bar.update_to(done)
    drawn = capsys.readouterr().err.split("\r")
    assert [line.split("] ")[1] for line in drawn if "] " in line] == [
        "100.0% 100/100 MB",
        "  0.0% 0/100 MB",
    ]
