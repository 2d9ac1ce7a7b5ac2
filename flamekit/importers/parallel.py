"""Work in a second process beside this one: a fork, a pipe back, a shared progress counter.

Big plain inputs are parsed in two halves at once. ``Beside(work)`` forks a child that runs
``work(report)`` and sends its (picklable) result back through a pipe, while this process parses
its own half; ``join()`` waits for the child and returns what it sent. The child leaves without
running cleanup handlers (``os._exit``); leaving the ``with`` block early (an error, or a result
here that makes the child's moot) stops it. ``report(done)`` in the child stores a count that
``progress()`` reads here, for one progress bar over both halves.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import struct
from collections.abc import Callable
from typing import Any

FAILED = object()  # join()'s result when the child failed for a reason of its own


def can_fork() -> bool:
    return hasattr(os, "fork")


class Beside:
    """A forked child running ``work(report)``; use as a context manager."""

    def __init__(self, work: Callable[[Callable[[int], None]], Any]) -> None:
        self._work = work
        self._pid = 0
        self._pipe = None
        self._shared = mmap.mmap(-1, 8)

    def __enter__(self) -> Beside:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, send the result, leave without cleanup handlers
            status = 0
            try:
                os.close(read_fd)
                payload = pickle.dumps(self._work(self._report), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid = pid
        self._pipe = os.fdopen(read_fd, "rb")
        return self

    def _report(self, done: int) -> None:
        self._shared[:8] = struct.pack("q", done)

    def progress(self) -> int:
        """The count the child last reported."""
        return struct.unpack("q", self._shared[:8])[0]

    def join(self) -> Any:
        """The child's result once it is done, or FAILED if it sent none or exited badly."""
        assert self._pipe is not None
        payload = self._pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status != 0 or not payload:
            return FAILED
        return pickle.loads(payload)

    def __exit__(self, *exc_info: object) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
            self._pid = 0
        self._shared.close()
