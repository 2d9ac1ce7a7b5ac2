"""Work in a second process beside this one: a fork, a result file back, a progress counter.

Big plain inputs are parsed in two halves at once. ``Beside(work)`` forks a child that runs
``work(report)`` and writes its (picklable) result to an unnamed file in memory (a temporary
file where there is no ``memfd_create``), then says so through a pipe, while this process
parses its own half; ``join()`` waits for that word and returns the result. (A pipe alone moves
a result of megabytes in many small pieces, at a switch between the processes each.) The child
leaves without running cleanup handlers (``os._exit``); leaving the ``with`` block early (an
error, or a result here that makes the child's moot) stops it. ``report(done)`` in the child
stores a count that ``progress()`` reads here, for one progress bar over both halves.
``jobs_wanted(options)`` says how many processes an importer may use for one input.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import struct
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

FAILED = object()  # join()'s result when the child failed for a reason of its own


def can_fork() -> bool:
    return hasattr(os, "fork")


def jobs_wanted(options: Mapping[str, Any]) -> int:
    """How many processes may parse one input: the ``jobs`` read option, else FLAMEKIT_JOBS,
    else two when this process may run on two CPUs or more (one on a single CPU, where a
    second process only takes turns with the first). A value that is not a number means one."""
    try:
        jobs = int(options.get("jobs") or os.environ.get("FLAMEKIT_JOBS") or 0)
    except ValueError:
        return 1
    return jobs or min(2, usable_cpus())


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Beside:
    """A forked child running ``work(report)``; use as a context manager."""

    def __init__(self, work: Callable[[Callable[[int], None]], Any]) -> None:
        self._work = work
        self._pid = 0
        self._pipe = None
        self._result = None
        self._shared = mmap.mmap(-1, 8)

    def __enter__(self) -> Beside:
        if hasattr(os, "memfd_create"):
            self._result = os.fdopen(os.memfd_create("flamekit-result"), "w+b")
        else:
            self._result = tempfile.TemporaryFile()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, store the result, leave without cleanup handlers
            status = 0
            try:
                os.close(read_fd)
                pickle.dump(
                    self._work(self._report), self._result, protocol=pickle.HIGHEST_PROTOCOL
                )
                self._result.flush()
                os.write(write_fd, b"1")  # done: the whole result is in the file
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
        """The child's result once it is done, or FAILED if it stored none or exited badly."""
        assert self._pipe is not None and self._result is not None
        done = self._pipe.read() == b"1"
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status != 0 or not done:
            return FAILED
        self._result.seek(0)
        return pickle.load(self._result)

    def __exit__(self, *exc_info: object) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._result is not None:
            self._result.close()
        if self._pid:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
            self._pid = 0
        self._shared.close()
