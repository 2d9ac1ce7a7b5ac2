"""The one way outputs are written: regular files atomically, anything else as a stream.

A regular file (or a new name) is written to a temporary file in the same folder and renamed
over the target, so it is either fully written or left as it was. Standard output ('-'), devices
and FIFOs are written into as streams: they are never replaced by a file. Failures become one
line naming the output: ``NAME: what (what to do)``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator

import click

from .errors import FlamekitError

STDOUT = "-"
# names of a file descriptor already open: written to through it, never reopened or replaced
_FD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")

# errno -> (what went wrong, what to do)
_REASONS = {
    errno.ENOSPC: ("no space left on device", "free some space or write elsewhere"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or write elsewhere"),
    errno.EFBIG: ("file too large for this file system", "write elsewhere"),
    errno.EACCES: ("permission denied", "choose a place you can write to"),
    errno.EPERM: ("permission denied", "choose a place you can write to"),
    errno.EROFS: ("read-only file system", "write elsewhere"),
    errno.EISDIR: ("is a folder", "give a file name"),
    errno.ENOENT: ("its folder does not exist", "create the folder or choose another path"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
    errno.ENXIO: ("nothing reads from it", "open the other end first or write to a file"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter path"),
}


def output_error(name: str, exc: OSError) -> FlamekitError:
    """The one-line error for a failed write to ``name``."""
    what, todo = _REASONS.get(
        exc.errno or 0, ((exc.strerror or str(exc)).lower(), "check the output path")
    )
    return FlamekitError(f"{_display(name)}: cannot write: {what}", hint=todo)


def _display(name: str) -> str:
    return "stdout" if name == STDOUT else name


def open_descriptor(path: str) -> int | None:
    """The descriptor ``path`` names (/dev/stdout, /dev/fd/N, /proc/self/fd/N), if any."""
    fd = _FD_NAMES.get(path)
    if fd is None:
        m = _FD_PATH.fullmatch(path)
        fd = int(m.group(1)) if m else None
    return fd


def check_output(path: str) -> None:
    """Fail early, before any work, when ``path`` obviously cannot be written."""
    if path == STDOUT or open_descriptor(path) is not None:
        return
    if not path:
        raise FlamekitError("the output name is empty", hint="give a file name, or '-' for stdout")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FlamekitError(
                f"{path}: cannot write: folder {folder} does not exist",
                hint="create the folder or choose another path",
            ) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise output_error(path, OSError(errno.EACCES, "")) from None
        return
    except OSError as exc:
        raise output_error(path, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise output_error(path, OSError(errno.EISDIR, ""))
    if stat.S_ISREG(st.st_mode):
        folder = os.path.dirname(os.path.realpath(path))
        if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK | os.X_OK):
            raise output_error(path, OSError(errno.EACCES, ""))


class OutputPath(click.ParamType):
    """An ``-o`` value: a path or '-', checked before the command does any work."""

    name = "path"

    def convert(self, value, param, ctx) -> str:
        path = os.fsdecode(value)
        check_output(path)
        return path


OUTPUT_PATH = OutputPath()


def _chunks(data: bytes | str | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, str):
        yield data.encode("utf-8")
    elif isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    else:
        yield from data


def write_output(path: str, data: bytes | str | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, text, or bytes chunks made while writing) to ``path``.

    '-' is standard output, and /dev/stdout or /dev/fd/N write through that open descriptor; an
    existing device, FIFO or socket is opened and written into; a regular file is replaced
    atomically, keeping its permissions, and a symlink to one keeps pointing at it. On any
    failure a file being replaced is left untouched.
    """
    if not path:
        check_output(path)
    if path == STDOUT:
        with stdout_errors():
            sys.stdout.flush()
            out = sys.stdout.buffer
            for chunk in _chunks(data):
                out.write(chunk)
            out.flush()
        return
    fd = open_descriptor(path)
    if fd is not None:
        _write_descriptor(path, fd, data)
        return
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise output_error(path, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise output_error(path, OSError(errno.EISDIR, ""))
    if st is None or stat.S_ISREG(st.st_mode):
        _replace_file(path, st, data)
    else:
        _write_stream(path, data)


def _write_stream(path: str, data: bytes | str | Iterable[bytes]) -> None:
    """Write into an existing special file: no creation, no truncation, no rename."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise output_error(path, exc) from None
    _write_all(path, os.fdopen(fd, "wb"), data)


def _write_all(path: str, fh, data, *, pass_broken_pipe: bool = False) -> None:
    """Write every chunk into ``fh`` and close it; an OSError names ``path`` (a broken pipe
    passes up as it is with ``pass_broken_pipe``: the reader of standard output left)."""
    try:
        with fh:
            for chunk in _chunks(data):
                fh.write(chunk)
    except OSError as exc:
        if pass_broken_pipe and isinstance(exc, BrokenPipeError):
            raise
        raise output_error(path, exc) from None


def _write_descriptor(path: str, fd: int, data: bytes | str | Iterable[bytes]) -> None:
    """Write through an open descriptor (keeping its offset and append mode, as a shell's
    ``>>`` set them up); standard output's own buffer is flushed first."""
    if fd == 1 and sys.stdout is not None:
        with stdout_errors():
            sys.stdout.flush()
    try:
        fh = os.fdopen(os.dup(fd), "wb")
    except OSError as exc:
        raise output_error(path, exc) from None
    _write_all(path, fh, data, pass_broken_pipe=True)


def _replace_file(path: str, st: os.stat_result | None, data: bytes | str | Iterable[bytes]):
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FlamekitError(
            f"{path}: cannot write: folder {folder} does not exist",
            hint="create the folder or choose another path",
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=".flamekit-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in _chunks(data):
                fh.write(chunk)
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise output_error(path, exc) from None
        raise


@contextlib.contextmanager
def stdout_errors() -> Iterator[None]:
    """Turn a failed write to standard output into the one-line error naming stdout.

    Standard output is then pointed at the null device, so that the interpreter's own flush at
    exit does not fail a second time with a message of its own. A closed pipe is left to the
    caller (it is not an error).
    """
    if sys.stdout is None:
        raise FlamekitError(
            "stdout: cannot write: standard output is closed",
            hint="redirect it to a file or give -o FILE",
        )
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _silence_stdout()
        raise output_error(STDOUT, exc) from None


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def write_text(text: str) -> None:
    """Print a terminal report on standard output (click handles the terminal's encoding)."""
    with stdout_errors():
        click.echo(text, nl=False)


def exit_cleanly_on_termination() -> None:
    """Make SIGTERM and SIGHUP end the program like an exception, so that a temporary output
    file is removed and the file it was to replace stays as it was (for the command line)."""

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, terminate)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
