"""Where a fleet merge runs: in this process, on a local process pool, or on a Dask cluster.

Every engine reads the same fixed chunks of inputs (each chunk folded left to right into one
aggregate by one worker) and merges the chunks' aggregates pairwise in the same fixed tree
(:func:`tree_reduce`), so the result is identical, bit for bit, for any engine and job count.
Memory stays at one aggregate per worker plus a logarithmic stack of partial results.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from .aggregate import Aggregate, ReadOptions, empty_aggregate, from_profile, merge
from .errors import FlamekitError, InputError, UsageError

T = TypeVar("T")

DASK_HINT = "install it with: pip install 'flamekit[dask]'"
MAX_CHUNK = 16  # inputs a worker folds into one aggregate before handing it back


def chunked(paths: Sequence[str]) -> list[list[str]]:
    """Inputs cut into chunks whose size depends only on how many inputs there are."""
    size = min(MAX_CHUNK, max(1, math.ceil(len(paths) / 64)))
    return [list(paths[i : i + size]) for i in range(0, len(paths), size)]


def tree_reduce(items: Iterable[T], combine: Callable[[T, T], T]) -> T:
    """Combine ``items`` pairwise in a fixed tree: neighbours first, then pairs of pairs...

    Holds O(log n) partial results. The tree depends only on the number of items.
    """
    stack: list[tuple[int, T]] = []
    for item in items:
        level = 0
        while stack and stack[-1][0] == level:
            item = combine(stack.pop()[1], item)
            level += 1
        stack.append((level, item))
    if not stack:
        raise ValueError("nothing to reduce")
    while len(stack) > 1:
        _, right = stack.pop()
        level, left = stack.pop()
        stack.append((level, combine(left, right)))
    return stack[0][1]


def read_input(path: str, options: ReadOptions, skip_bad: bool) -> Aggregate:
    """One input read, transformed and reduced to its aggregate (or, with ``skip_bad``, an
    empty aggregate that names why it was left out)."""
    size = _size(path)
    try:
        profile = _load(path, options)
        transforms = options.transforms
        if transforms is not None and transforms.any:
            from .core.transforms import apply

            profile = apply(profile, transforms)
        agg = from_profile(profile, path, options)
    except FlamekitError as exc:
        if not skip_bad:
            raise
        return empty_aggregate(skipped=(str(exc),), input_bytes=size)
    return replace(agg, input_bytes=size)


def read_chunk(paths: Sequence[str], options: ReadOptions, skip_bad: bool) -> Aggregate:
    """A chunk's inputs folded left to right into one aggregate."""
    agg = read_input(paths[0], options, skip_bad)
    for path in paths[1:]:
        agg = merge(agg, read_input(path, options, skip_bad))
    return agg


def _load(path: str, options: ReadOptions):
    from .importers import load_path

    if "://" not in path:
        return load_path(path, options.from_format, dict(options.import_options))
    return _load_url(path, options)


def _load_url(url: str, options: ReadOptions):
    """An fsspec URL (s3://, gs://, http://, file://, ...) copied to a local temporary file with
    the same name, then read as a path; errors name the URL."""
    import shutil
    import tempfile

    from .importers import load_path

    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: reading URLs needs fsspec", hint=DASK_HINT) from None
    name = url.rstrip("/").rsplit("/", 1)[-1] or "input"
    with tempfile.TemporaryDirectory(prefix="flamekit-url-") as folder:
        local = os.path.join(folder, name)
        try:
            with fsspec.open(url, "rb") as remote, open(local, "wb") as copy:
                shutil.copyfileobj(remote, copy, 1 << 20)
        except (OSError, ValueError, ImportError) as exc:
            raise InputError(url, f"cannot read: {exc}", hint="check the URL") from None
        try:
            return load_path(local, options.from_format, dict(options.import_options))
        except InputError as exc:
            exc.path = url
            raise


def _size(path: str) -> int:
    try:
        if "://" in path:
            import fsspec

            fs, inner = fsspec.core.url_to_fs(path)
            return int(fs.size(inner) or 0)
        return os.path.getsize(path)
    except (OSError, ImportError, ValueError):
        return 0


class Progress:
    """``inputs done/total, MB/s`` on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        from .console import stderr_is_terminal

        self.total = total
        self.done = 0
        self.bytes = 0
        self.enabled = enabled and stderr_is_terminal()
        self._start = time.monotonic()
        self._last = 0.0

    def add(self, inputs: int, nbytes: int) -> None:
        self.done += inputs
        self.bytes += nbytes
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and self.done < self.total):
            return
        self._last = now
        rate = self.bytes / 1e6 / max(now - self._start, 1e-9)
        sys.stderr.write(f"\rmerging: {self.done:,}/{self.total:,} inputs, {rate:,.1f} MB/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def run_local(
    chunks: list[list[str]], options: ReadOptions, skip_bad: bool, jobs: int, progress: Progress
) -> Aggregate:
    """Chunks read by ``jobs`` worker processes (in this process for one job), merged here."""

    def counted(agg: Aggregate, chunk: list[str]) -> Aggregate:
        progress.add(len(chunk), agg.input_bytes)
        return agg

    if jobs <= 1 or len(chunks) <= 1:
        leaves = (counted(read_chunk(c, options, skip_bad), c) for c in chunks)
        return tree_reduce(leaves, merge)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=context) as pool:
        results = pool.map(read_chunk, chunks, [options] * len(chunks), [skip_bad] * len(chunks))
        leaves = (counted(agg, c) for agg, c in zip(results, chunks, strict=True))
        try:
            return tree_reduce(leaves, merge)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def run_dask(
    address: str,
    chunks: list[list[str]],
    options: ReadOptions,
    skip_bad: bool,
    progress: Progress,
) -> Aggregate:
    """The same chunks and tree as :func:`run_local`, as tasks on the Dask cluster at
    ``address``; workers read the inputs themselves, so paths must be valid on the workers."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--dask needs Dask's distributed scheduler", hint=DASK_HINT) from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(
            f"--dask {address}: cannot reach the scheduler ({exc})",
            hint="start one with 'dask scheduler' or check the address",
        ) from None
    with client:
        leaves = client.map(
            read_chunk, chunks, options=options, skip_bad=skip_bad, pure=False, key=None
        )
        for future, chunk in zip(leaves, chunks, strict=True):
            future.add_done_callback(_count_done(progress, len(chunk)))
        root = tree_reduce(leaves, lambda a, b: client.submit(merge, a, b, pure=False))
        return root.result()


def _count_done(progress: Progress, inputs: int):
    def done(future) -> None:
        if future.status == "finished":
            progress.add(inputs, 0)

    return done
