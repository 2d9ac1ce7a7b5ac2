"""Opening inputs: a path or '-' for stdin, gzip by magic, a head for sniffing, lines, JSON.

Every input is opened once. A regular file is read through its one descriptor with positioned
reads, so that any number of readers (the head sniffer, the parser, a second process parsing the
other half) each keep their own offset. Anything else (a pipe, a FIFO, a terminal, ``<(...)``)
is copied once into an unnamed temporary file, which is then read the same way: a stream that
cannot seek is never read twice or split at a guessed offset.
"""

from __future__ import annotations

import errno
import gzip
import io
import mmap
import os
import shutil
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from .errors import InputError

HEAD_SIZE = 64 * 1024
MAX_LINE = 16 * 1024 * 1024  # longer lines are refused rather than read into memory
GZIP_MAGIC = b"\x1f\x8b"
#: the detectors of binary profile formats, which the format table (flamekit.importers) adds:
#: a stream whose head holds NUL bytes is read on only when one of them takes that head
BINARY_DETECTORS: list[Callable[[bytes], bool]] = []
READ_CHUNK = 4 * 1024 * 1024  # a large input is read in pieces this big, to show progress


@dataclass
class Source:
    """One input: its display name, decompressed head, and a way to read it all (once for stdin)."""

    name: str
    path: str | None  # None for stdin
    gzipped: bool
    size: int  # bytes of the (compressed, for .gz) content
    head: bytes
    _file: IO[bytes] | None = field(default=None, repr=False)  # the one open handle
    _start: int = field(default=0, repr=False)  # where the content starts in it
    warnings: list[str] = field(default_factory=list, repr=False)
    progress_bar: Any = field(default=None, repr=False)  # set by progress.import_progress

    @property
    def stem(self) -> str:
        base = os.path.basename(self.name)
        for suffix in (".gz",):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return base

    def error(
        self,
        message: str,
        *,
        line: int | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> InputError:
        """An InputError located in this source."""
        return InputError(self.name, message, line=line, offset=offset, hint=hint)

    def open(self) -> IO[bytes]:
        """A new binary stream of the decompressed content, with an offset of its own."""
        if self._file is None or self._file.closed:
            raise self.error("the input was closed before it was read")
        raw: IO[bytes] = io.BufferedReader(
            _PositionedReader(self._file.fileno(), self._start), buffer_size=1 << 20
        )
        if self.gzipped:
            return _GzipErrors(self, gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw

    def mapping(self) -> tuple[mmap.mmap, int] | None:
        """A read-only memory map of the file and where the content starts in it, for plain
        (not gzipped) content; None where there is none to be had. The caller closes it."""
        if self.gzipped or self._file is None or self._file.closed:
            return None
        try:
            return mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ), self._start
        except (OSError, ValueError):  # an empty file, or one that cannot be mapped
            return None

    def close(self) -> None:
        """Let go of the input's handle (streams opened from it stop working)."""
        if self._file is not None:
            self._file.close()

    def read_bytes(self) -> bytes:
        """The whole decompressed content."""
        from .progress import byte_progress

        with self.open() as stream, byte_progress(self) as bar:
            if bar is None:
                return stream.read()
            chunks = []
            while chunk := stream.read(READ_CHUNK):
                chunks.append(chunk)
                bar.update_to(_tell(stream))
            bar.update_to(self.size, force=True)
            return b"".join(chunks)

    def iter_lines(self, progress: bool = True) -> Iterator[bytes]:
        """Lines as bytes (with their line ending), refusing lines over MAX_LINE bytes."""
        from .progress import byte_progress

        with self.open() as stream, byte_progress(self, enabled=progress) as bar:
            lineno = 0
            reader = stream
            while True:
                chunk = reader.readlines(1 << 20)
                if not chunk:
                    break
                for raw in chunk:
                    lineno += 1
                    if len(raw) > MAX_LINE:
                        raise self.error(
                            f"line is longer than {MAX_LINE // (1024 * 1024)} MiB",
                            line=lineno,
                            hint="is this really a text profile?",
                        )
                    yield raw
                if bar is not None:
                    bar.update_to(_tell(stream))

    def decode(self, raw: bytes, lineno: int) -> str:
        """Decode UTF-8, replacing invalid bytes and warning once per source."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if not any("invalid UTF-8" in w for w in self.warnings):
                self.warnings.append(
                    f"{self.name}:{lineno}: invalid UTF-8 replaced with U+FFFD "
                    "(the first of possibly many)"
                )
            return raw.decode("utf-8", errors="replace")

    def read_json(self):
        """Parse the whole content as JSON with orjson; errors name the byte offset."""
        return self.parse_json(self.read_bytes())

    def parse_json(self, data: bytes):
        """Parse ``data``, this source's content, as JSON; errors name the byte offset and tell
        truncated from invalid."""
        if not data.strip():
            raise self.error("the file is empty")
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            end = len(data.rstrip())
            what = "truncated JSON" if exc.pos >= end - 1 else "invalid JSON"
            raise self.error(
                f"{what}: {exc.msg}",
                line=exc.lineno if exc.lineno > 1 else None,
                offset=exc.pos,
            ) from None


_PREADV = hasattr(os, "preadv")


class _PositionedReader(io.RawIOBase):
    """Reads a descriptor with ``os.pread`` from its own offset: readers never disturb each
    other, nor a forked process reading the same descriptor."""

    def __init__(self, fd: int, start: int) -> None:
        self._fd = fd
        self._start = start
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if _PREADV:  # straight into the caller's buffer: a big read is copied once, not twice
            done = os.preadv(self._fd, [buffer], self._start + self._pos)
        else:
            data = os.pread(self._fd, len(buffer), self._start + self._pos)
            buffer[: len(data)] = data
            done = len(data)
        self._pos += done
        return done

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = os.fstat(self._fd).st_size - self._start + offset
        self._pos = max(0, pos)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _tell(stream) -> int:
    inner = getattr(stream, "fileobj_pos", None)
    if inner is not None:
        return inner()
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


class _GzipErrors(io.RawIOBase):
    """Wraps a GzipFile so that a damaged stream becomes an InputError."""

    def __init__(self, source: Source, gz: gzip.GzipFile) -> None:
        self._source = source
        self._gz = gz

    def readable(self) -> bool:
        return True

    def fileobj_pos(self) -> int:
        try:
            return self._gz.fileobj.tell()  # type: ignore[union-attr]
        except (OSError, ValueError, AttributeError):
            return 0

    def readinto(self, buffer) -> int:
        try:
            data = self._gz.read(len(buffer))
        except EOFError:
            raise self._source.error(
                "truncated gzip stream", hint="the file ends before the compressed data does"
            ) from None
        except (OSError, zlib.error) as exc:
            raise self._source.error(f"damaged gzip stream: {exc}") from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._gz.close()
        super().close()


STDIN_NAME = "<stdin>"


def open_source(path: str) -> Source:
    """Open ``path`` (or '-' for stdin) once and read its head for format detection."""
    name = STDIN_NAME if path == "-" else path
    handle, start = _open_stdin() if path == "-" else (_open_path(path), 0)
    try:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise InputError(name, "is a directory, not a profile")
        if not stat.S_ISREG(info.st_mode):
            handle, start = _spool(handle, name), 0
            info = os.fstat(handle.fileno())
        magic = os.pread(handle.fileno(), 2, start)
    except InputError:
        handle.close()
        raise
    except OSError as exc:
        handle.close()
        raise InputError(name, _reason(exc)) from None
    src = Source(
        name,
        None if path == "-" else path,
        magic == GZIP_MAGIC,
        max(0, info.st_size - start),
        b"",
        _file=handle,
        _start=start,
    )
    with src.open() as stream:
        src.head = stream.read(HEAD_SIZE)
    return src


def _open_path(path: str) -> IO[bytes]:
    try:
        return open(path, "rb", buffering=0)
    except OSError as exc:
        raise InputError(path, _reason(exc)) from None


def _open_stdin() -> tuple[IO[bytes], int]:
    """A handle of its own on standard input, and where its unread content starts."""
    stdin = sys.stdin
    if stdin is None:
        raise _closed_stdin()
    try:
        fd = stdin.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):  # replaced by a test harness
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(getattr(stdin, "buffer", stdin), spool, 1 << 20)
        return spool, 0
    try:
        handle = open(os.dup(fd), "rb", buffering=0)
    except OSError:
        raise _closed_stdin() from None
    if handle.isatty():
        handle.close()
        raise InputError(
            STDIN_NAME,
            "standard input is a terminal",
            hint="pipe or redirect a profile into flamekit, or give its path",
        )
    try:
        start = os.lseek(handle.fileno(), 0, os.SEEK_CUR)
    except OSError:
        start = 0  # a pipe: it is spooled from where it is
    return handle, start


def _closed_stdin() -> InputError:
    return InputError(
        STDIN_NAME,
        "standard input is closed",
        hint="pipe or redirect a profile into flamekit, or give its path",
    )


def _spool(handle: IO[bytes], name: str) -> IO[bytes]:
    """Copy a stream that cannot seek (pipe, FIFO, terminal) into an unnamed temporary file."""
    spool = tempfile.TemporaryFile()
    try:
        with handle:
            head = b""
            while len(head) < HEAD_SIZE and (more := handle.read(HEAD_SIZE - len(head))):
                head += more  # a pipe hands its bytes over in pieces
            if b"\x00" in head[:4096] and not _binary_profile(head):
                # no text or JSON profile holds NUL bytes; /dev/zero would never end
                raise InputError(
                    name,
                    "binary data, not a profile",
                    hint="for perf.data run 'perf script' first",
                )
            spool.write(head)
            while block := handle.read(1 << 20):
                spool.write(block)
        spool.flush()
    except OSError as exc:
        spool.close()
        raise InputError(name, f"cannot read: {_reason(exc)}") from None
    except InputError:
        spool.close()
        raise
    return spool


def _binary_profile(head: bytes) -> bool:
    """Whether a stream whose head holds NUL bytes may be a profile: gzip, or a head that a
    binary format's detector takes (the rule :func:`~flamekit.importers.detect` applies to
    the same head), so that endless devices such as /dev/urandom are still refused."""
    return head.startswith(GZIP_MAGIC) or any(takes(head) for takes in BINARY_DETECTORS)


def _reason(exc: OSError) -> str:
    """The user's words for an error opening or reading an input."""
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a profile"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied (check the file's permissions)"
    if exc.errno == errno.EBADF:
        return "the input is closed"
    return exc.strerror or str(exc)
