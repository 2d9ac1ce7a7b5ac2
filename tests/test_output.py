"""Writing outputs: special files are written into, regular files replaced atomically, and every
failure is one line naming the output."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest

from flamekit.errors import FlamekitError
from flamekit.output import write_output

from .conftest import ROOT, run_cli, sample

FOLDED = sample("folded", "deep.folded")
ONE_LINE = re.compile(r"^flamekit: error: (?P<name>[^:]+): cannot write: [^()]+ \([^()]+\)\n$")


def run_with_stdout(stdout, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "flamekit", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
    )


def assert_one_line_error(proc, name: str) -> None:
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    m = ONE_LINE.match(err)
    assert m, err
    assert m["name"] == name


def no_leftovers(folder) -> bool:
    return not [p for p in os.listdir(folder) if p.startswith(".flamekit-")]


# -- special files are streams -------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_written_into_not_replaced(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device
    proc = run_cli("convert", FOLDED, "--to", "folded", "-o", node)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert os.stat(node).st_rdev == os.makedev(1, 3)
    assert no_leftovers(tmp_path)


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer's open succeeds
    try:
        proc = run_cli("convert", FOLDED, "--to", "folded", "-o", fifo)
        assert proc.returncode == 0, proc.stderr
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        got = b""
        while chunk := os.read(reader, 65536):
            got += chunk
    finally:
        os.close(reader)
    assert sorted(got.splitlines()) == sorted(FOLDED.read_bytes().splitlines())
    assert no_leftovers(tmp_path)


def full_device(tmp_path) -> str:
    """A full device to write to: as root a private node (so that a writer that replaces
    nodes cannot replace the system's /dev/full), else /dev/full itself."""
    if os.geteuid() != 0:
        return "/dev/full"
    node = tmp_path / "full"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    return str(node)


def test_a_full_device_is_a_one_line_error(tmp_path):
    full = full_device(tmp_path)
    proc = run_cli("convert", FOLDED, "--to", "folded", "-o", full)
    assert_one_line_error(proc, full)
    assert "no space left on device" in proc.stderr.decode()
    assert stat.S_ISCHR(os.stat(full).st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ("info", FOLDED),
        ("top", FOLDED),
        ("hotpaths", FOLDED),
        ("calls", FOLDED, "start"),
        ("convert", FOLDED, "-o", "-"),
        ("flame", FOLDED, "-o", "-"),
        ("diff", FOLDED, FOLDED),
    ],
    ids=lambda a: a[0],
)
def test_stdout_on_a_full_disk_names_stdout(args, tmp_path):
    with open(full_device(tmp_path), "wb") as full:
        proc = run_with_stdout(full, *args)
    assert_one_line_error(proc, "stdout")
    assert "no space left on device" in proc.stderr.decode()


def test_closed_stdout_is_a_one_line_error():
    proc = run_with_stdout(subprocess.DEVNULL, "info", FOLDED)
    assert proc.returncode == 0, proc.stderr
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    closed = subprocess.run(
        [sys.executable, "-m", "flamekit", "info", str(FOLDED)],
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert_one_line_error(closed, "stdout")


# -- path errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [("convert", "--to", "folded"), ("flame",), ("diff",), ("blocks",)]
)
def test_a_folder_as_output_is_a_one_line_error(tmp_path, command):
    inputs = (FOLDED, FOLDED) if command[0] == "diff" else (sample("blocks", "blocks.cpuprofile"),)
    proc = run_cli(command[0], *inputs, *command[1:], "-o", tmp_path)
    assert_one_line_error(proc, str(tmp_path))
    assert "is a folder" in proc.stderr.decode()
    assert os.listdir(tmp_path) == []


def test_a_missing_folder_is_a_one_line_error(tmp_path):
    out = tmp_path / "no" / "such" / "flame.svg"
    proc = run_cli("flame", FOLDED, "-o", out)
    assert_one_line_error(proc, str(out))
    assert "does not exist" in proc.stderr.decode()


def test_an_unwritable_folder_is_a_one_line_error(tmp_path, monkeypatch):
    """(Root may write anywhere, so the refusals are simulated where the system gives them.)"""
    import tempfile

    from flamekit import output

    out = tmp_path / "flame.svg"
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(FlamekitError) as checked:
        output.check_output(str(out))
    monkeypatch.undo()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(FlamekitError) as written:
        write_output(str(out), b"x")
    for exc in (checked.value, written.value):
        line = f"flamekit: error: {exc}\n"
        assert ONE_LINE.match(line), line
        assert str(exc).startswith(f"{out}: cannot write: permission denied (")
    assert os.listdir(tmp_path) == []


# -- regular files are replaced atomically -------------------------------------------------------


def test_failed_command_leaves_the_old_output_untouched(tmp_path):
    out = tmp_path / "flame.svg"
    out.write_text("old")
    bad = tmp_path / "bad.folded"
    bad.write_text("a;b notanumber\n")
    proc = run_cli("flame", bad, "-o", out)
    assert proc.returncode == 2
    assert out.read_text() == "old"
    assert no_leftovers(tmp_path)


def test_a_failure_while_streaming_leaves_the_old_output_untouched(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")

    def chunks():
        yield b"{"
        raise FlamekitError("boom")

    with pytest.raises(FlamekitError):
        write_output(str(out), chunks())
    assert out.read_text() == "old"
    assert no_leftovers(tmp_path)


def test_replacing_keeps_permissions_and_symlinks(tmp_path):
    real = tmp_path / "real.folded"
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "link.folded"
    link.symlink_to(real.name)
    proc = run_cli("convert", FOLDED, "-o", link)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert sorted(real.read_bytes().splitlines()) == sorted(FOLDED.read_bytes().splitlines())
    assert no_leftovers(tmp_path)


def test_new_files_are_written_whole(tmp_path):
    out = tmp_path / "x.folded"
    write_output(str(out), iter([b"a 1\n", b"b 2\n"]))
    assert out.read_bytes() == b"a 1\nb 2\n"
    write_output(str(out), "c 3\n")
    assert out.read_bytes() == b"c 3\n"


# -- nothing to write ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("convert", "-o", "out.folded"), ("flame", "-o", "out.svg")])
def test_a_profile_without_weight_is_an_error_not_an_empty_file(tmp_path, command):
    src = tmp_path / "zero.folded"
    src.write_text("main;a 0\nmain;b 0\n")
    out = tmp_path / command[-1]
    out.write_text("old")
    proc = run_cli(command[0], src, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        f"flamekit: error: {src}: no sample has any weight (2 samples, all weighing 0), so the "
        "output would be empty (check the input's counts, hit counts or time deltas)\n"
    )
    assert out.read_text() == "old"


@pytest.mark.parametrize("command", ["info", "top", "hotpaths"])
def test_text_reports_of_a_profile_without_weight_say_why(tmp_path, command):
    src = tmp_path / "zero.folded"
    src.write_text("main;a 0\nmain;b 0\n")
    proc = run_cli(command, src)
    assert proc.returncode == 0
    assert proc.stderr.decode() == (
        f"flamekit: warning: {src}: no sample has any weight (2 samples, all weighing 0), so "
        "there is nothing to show (check the input's counts, hit counts or time deltas)\n"
    )


def test_an_empty_output_name_is_a_one_line_error():
    proc = run_cli("convert", FOLDED, "--to", "folded", "-o", "")
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "flamekit: error: the output name is empty (give a file name, or '-' for stdout)\n"
    )


def test_a_disk_filling_up_while_writing_leaves_the_old_file(tmp_path):
    import errno

    out = tmp_path / "big.speedscope.json"
    out.write_text("old")

    def chunks():
        yield b"x" * 100_000
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(FlamekitError) as caught:
        write_output(str(out), chunks())
    line = f"flamekit: error: {caught.value}\n"
    assert ONE_LINE.match(line), line
    assert f"{out}: cannot write: no space left on device (" in line
    assert out.read_text() == "old"
    assert no_leftovers(tmp_path)


TERMINATED_WHILE_WRITING = """
import os, signal, sys
from flamekit.output import exit_cleanly_on_termination, write_output
exit_cleanly_on_termination()
def chunks():
    yield b"new"
    os.kill(os.getpid(), signal.SIGTERM)
    yield b"never"
write_output(sys.argv[1], chunks())
"""


def test_termination_while_writing_leaves_the_old_file(tmp_path):
    out = tmp_path / "out.folded"
    out.write_text("old")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", TERMINATED_WHILE_WRITING, str(out)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 128 + 15, proc.stderr
    assert proc.stderr == b""
    assert out.read_text() == "old"
    assert no_leftovers(tmp_path)


def test_dev_stdout_appends_where_the_shell_points_it(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("first line\n")
    with open(log, "ab") as appending:
        proc = run_with_stdout(appending, "convert", FOLDED, "--to", "folded", "-o", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    lines = log.read_bytes().splitlines()
    assert lines[0] == b"first line"
    assert sorted(lines[1:]) == sorted(FOLDED.read_bytes().splitlines())
    assert no_leftovers(tmp_path)
