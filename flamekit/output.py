"""Writing outputs atomically: to a temporary file beside the target, then renamed."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from .errors import FlamekitError


def write_output(path: str, data: bytes | str) -> None:
    """Write ``data`` to ``path`` ('-' for stdout) so that no half-written file is ever left."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".flamekit-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FlamekitError(f"{path}: cannot write here: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FlamekitError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
