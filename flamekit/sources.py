"""Opening inputs: a path or '-' for stdin, gzip by magic, a head for sniffing, lines, JSON."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from .errors import InputError

HEAD_SIZE = 64 * 1024
MAX_LINE = 16 * 1024 * 1024  # longer lines are refused rather than read into memory
GZIP_MAGIC = b"\x1f\x8b"
READ_CHUNK = 4 * 1024 * 1024  # a large input is read in pieces this big, to show progress


@dataclass
class Source:
    """One input: its display name, decompressed head, and a way to read it all (once for stdin)."""

    name: str
    path: str | None  # None for stdin
    gzipped: bool
    size: int  # bytes on disk (compressed size for .gz), 0 when unknown
    head: bytes
    _spool: IO[bytes] | None = field(default=None, repr=False)
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
        """A binary stream of the decompressed content."""
        if self._spool is not None:
            raw: IO[bytes] = open(os.dup(self._spool.fileno()), "rb", closefd=True)
            raw.seek(0)
        else:
            raw = open(self.path, "rb")
        if self.gzipped:
            return _GzipErrors(self, gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw

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
        data = self.read_bytes()
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


def open_source(path: str) -> Source:
    """Open ``path`` (or '-' for stdin) and read its head for format detection."""
    if path == "-":
        # stdin is spooled to an unnamed temporary file so it can be sniffed and read again
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        spool.flush()
        spool.seek(0)
        magic = spool.read(2)
        src = Source(
            "<stdin>",
            None,
            magic == GZIP_MAGIC,
            spool.tell() and os.fstat(spool.fileno()).st_size,
            b"",
            _spool=spool,
        )
        with src.open() as stream:
            src.head = stream.read(HEAD_SIZE)
        return src
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a profile") from None
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    src = Source(path, path, magic == GZIP_MAGIC, size, b"")
    with src.open() as stream:
        src.head = stream.read(HEAD_SIZE)
    return src
