"""A bytes-read progress bar on stderr, shown only on a terminal and for large inputs.

:func:`import_progress` holds one bar over a whole import: it fills as the input is read (by
whichever reader the importer uses) and stays, full, while the profile is built.
"""

from __future__ import annotations

import contextlib
import sys
import time

from .console import stderr_is_terminal

MIN_SIZE = 32 * 1024 * 1024  # smaller inputs finish before a bar is worth drawing


class _Bar:
    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self._last = 0.0
        self._done = 0

    def update_to(self, done: int, *, force: bool = False) -> None:
        done = max(0, min(done, self.total))  # an estimate never runs past either end
        self._done = done
        now = time.monotonic()
        if now - self._last < 0.2 and not force:
            return
        self._last = now
        frac = done / self.total if self.total else 0.0
        width = 30
        filled = int(frac * width)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'-' * (width - filled)}] {frac * 100:5.1f}% "
            f"{done / 1e6:,.0f}/{self.total / 1e6:,.0f} MB"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\r" + " " * (len(self.label) + 60) + "\r")
        sys.stderr.flush()


@contextlib.contextmanager
def byte_progress(source, enabled: bool = True):
    """Yield a bar with ``update_to(bytes)`` or None when no bar should be drawn.

    Inside :func:`import_progress` for the same source, the import's bar is yielded.
    """
    held = getattr(source, "progress_bar", None)
    if held is not None:
        yield held if enabled else None
        return
    if not enabled or source.size < MIN_SIZE or not stderr_is_terminal():
        yield None
        return
    bar = _Bar(source.size, f"reading {source.stem}")
    try:
        yield bar
    finally:
        bar.finish()


@contextlib.contextmanager
def import_progress(source):
    """One bar for the import of ``source`` (when it is large and stderr is a terminal)."""
    with byte_progress(source) as bar:
        source.progress_bar = bar
        try:
            yield bar
        finally:
            source.progress_bar = None
