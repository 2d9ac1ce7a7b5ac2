"""Call-tree aggregates: what a fleet merge keeps of each input, and how two of them add up.

An :class:`Aggregate` is a profile reduced to weight and sample count per (call path, thread):
no timestamps, no per-sample rows. Merging keeps the first aggregate's frames, nodes and
threads where they are and appends what only the second has, so a merge is determined by the
order its inputs are merged in; the engines (:mod:`flamekit.engines`) merge in one fixed tree
that depends only on the number of inputs, so the output is byte for byte the same for every
engine and job count (float weights included: they are added in the same order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .core.model import FrameKind, Profile
from .core.weights import row_samples
from .errors import InputError, UsageError

# (name, file, module, line, column, kind, own_line): what makes a frame one frame
FrameKey = tuple[str, str, str, int, int, int, bool]
ThreadKey = tuple[int, int, str]


@dataclass(frozen=True)
class ReadOptions:
    """How each input becomes an aggregate (picklable: it travels to the workers).

    ``keep_threads`` [False]: threads stay apart by pid and tid, else they merge by name.
    ``as_samples`` [False]: weights become sample counts, so timed and counted inputs mix.
    ``label_from`` [None]: a regex; its first group (or whole match) in an input's path names
    that input's threads, so the merged profile keeps one slice per host or pod.
    """

    from_format: str | None = None
    import_options: tuple[tuple[str, object], ...] = ()
    transforms: object = None  # TransformOptions or None
    keep_threads: bool = False
    as_samples: bool = False
    label_from: str | None = None


@dataclass(frozen=True, eq=False)
class Aggregate:
    """Weights and sample counts per (call path, thread) of one or more inputs."""

    unit: str
    frames: tuple[FrameKey, ...]
    parent: np.ndarray  # int64 per node, -1 for roots, parent[i] < i
    frame: np.ndarray  # int64 per node, index into frames
    depth: np.ndarray  # int64 per node
    threads: tuple[ThreadKey, ...]
    cell_node: np.ndarray  # int64 per cell
    cell_thread: np.ndarray  # int64 per cell
    weight: np.ndarray  # int64 (float64 for fractional inputs) per cell, in ``unit``
    count: np.ndarray  # float64 per cell: samples the cell stands for
    first_input: str = ""  # the first input with this unit, for error messages
    inputs: int = 1
    formats: frozenset[str] = frozenset()
    period_ns: int = 0
    has_idle_marker: bool = True
    knows_kinds: bool = False  # some input's format says which frames are user, runtime, ...
    input_bytes: int = 0
    warnings: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # "path: why" of inputs left out (--skip-bad)

    def total(self) -> int | float:
        return self.weight.sum().item()


def empty_aggregate(skipped: tuple[str, ...] = (), input_bytes: int = 0) -> Aggregate:
    """The aggregate of no input (what a skipped bad input adds)."""
    none = np.zeros(0, dtype=np.int64)
    return Aggregate(
        unit="",
        frames=(),
        parent=none,
        frame=none,
        depth=none,
        threads=(),
        cell_node=none,
        cell_thread=none,
        weight=none,
        count=np.zeros(0),
        inputs=0,
        input_bytes=input_bytes,
        skipped=skipped,
    )


def from_profile(profile: Profile, path: str, options: ReadOptions) -> Aggregate:
    """``profile`` (read from ``path``) reduced to its aggregate."""
    s = profile.strings
    fr = profile.frames
    own = fr.owns_line() & ((fr.line > 0) | (fr.column > 0))
    keys = list(
        zip(
            [s[i] for i in fr.name.tolist()],
            [s[i] for i in fr.file.tolist()],
            [s[i] for i in fr.module.tolist()],
            fr.line.tolist(),
            fr.column.tolist(),
            fr.kind.tolist(),
            own.tolist(),
            strict=True,
        )
    )
    frames, frame_map = _distinct(keys)
    st = profile.stacks
    parent = st.parent.astype(np.int64)
    frame = frame_map[st.frame]
    depth = st.depth.astype(np.int64)
    stack = profile.samples.stack
    if len(frames) < len(keys):  # two frames of one key (a transform made them): one path each
        empty = empty_aggregate()
        parent, frame, depth, node_map = _merged_trie(
            empty, replace(empty, parent=parent, frame=frame), np.arange(len(frames))
        )
        stack = node_map[stack]
    label = _label(path, options.label_from)
    thread_keys = [_thread_key(profile, i, label, options) for i in range(len(profile.threads))]
    threads, thread_map = _distinct(thread_keys)
    count = _sample_counts(profile)
    weight = profile.samples.weight
    unit = profile.unit
    if options.as_samples:
        weight, unit = count, "samples"
    return _summed(
        (stack, thread_map[profile.samples.thread], weight, count),
        unit=unit,
        frames=frames,
        parent=parent,
        frame=frame,
        depth=depth,
        threads=threads,
        first_input=path,
        formats=frozenset([profile.meta.source_format]),
        period_ns=profile.meta.period_ns,
        has_idle_marker=profile.meta.has_idle_marker,
        knows_kinds=profile.meta.knows_kinds,
        warnings=tuple(f"{path}: {w}" for w in profile.meta.warnings),
    )


def merge(a: Aggregate, b: Aggregate) -> Aggregate:
    """The aggregate of both inputs' contents: A's tables, then what only B has."""
    if not a.inputs:
        return _carry(b, a)
    if not b.inputs:
        return _carry(a, b)
    if a.unit != b.unit:
        raise InputError(
            b.first_input,
            f"weights in {b.unit}, but {a.first_input} has weights in {a.unit}: cannot add them up",
            hint="pass --as-samples to merge them as sample counts",
        )
    frames, fb = _appended(a.frames, b.frames)
    parent, frame, depth, nb = _merged_trie(a, b, fb)
    threads, tb = _appended(a.threads, b.threads)
    rows = (
        np.concatenate([a.cell_node, nb[b.cell_node]]),
        np.concatenate([a.cell_thread, tb[b.cell_thread]]),
        np.concatenate([a.weight, b.weight]),
        np.concatenate([a.count, b.count]),
    )
    return _summed(
        rows,
        unit=a.unit,
        frames=frames,
        parent=parent,
        frame=frame,
        depth=depth,
        threads=threads,
        first_input=a.first_input,
        inputs=a.inputs + b.inputs,
        formats=a.formats | b.formats,
        period_ns=max(a.period_ns, b.period_ns),
        has_idle_marker=a.has_idle_marker and b.has_idle_marker,
        knows_kinds=a.knows_kinds or b.knows_kinds,
        input_bytes=a.input_bytes + b.input_bytes,
        warnings=tuple(dict.fromkeys((*a.warnings, *b.warnings))),
        skipped=a.skipped + b.skipped,
    )


def _summed(rows: tuple, **fields) -> Aggregate:
    """The aggregate of ``fields`` (all but the cells) whose sample ``rows`` (node, thread,
    weight, count) are summed into one cell per (node, thread)."""
    node, thread, weight, count = _cells(*rows, len(fields["threads"]))
    return Aggregate(
        cell_node=node, cell_thread=thread, weight=_exact(weight), count=count, **fields
    )


def _carry(kept: Aggregate, empty: Aggregate) -> Aggregate:
    return replace(
        kept,
        input_bytes=kept.input_bytes + empty.input_bytes,
        skipped=kept.skipped + empty.skipped,
    )


def to_profile(agg: Aggregate, *, name: str = "") -> Profile:
    """The merged profile: one sample row per (call path, thread), by node then thread."""
    from .core.builder import ProfileBuilder, one_row_per_sample

    unit = agg.unit or "samples"
    builder = ProfileBuilder("+".join(sorted(agg.formats)) or "merge", unit=unit, name=name)
    for fname, file, module, line, column, kind, own in agg.frames:
        builder.frame(
            fname,
            file,
            line=line,
            column=column,
            module=module,
            kind=FrameKind(kind),
            own_line=own,
        )
    builder.extend_stacks(agg.parent, agg.frame, agg.depth)
    for pid, tid, tname in agg.threads:
        builder.thread(pid, tid, tname)
    node, thread, weight = agg.cell_node, agg.cell_thread, agg.weight
    if unit != "samples":  # timed: a cell of k samples is k rows, so sample counts stay right
        counts = np.rint(agg.count).astype(np.int64)
        node, thread, weight = one_row_per_sample(node, thread, weight, counts)
    builder.add_samples(node, weight, threads=thread)
    for message in agg.warnings:
        builder.warn(message)
    return builder.build(
        period_ns=agg.period_ns,
        has_idle_marker=agg.has_idle_marker and bool(agg.inputs),
        counted=unit == "samples",
        knows_kinds=agg.knows_kinds,
        samples_ordered=False,  # one row per path and thread: no sampling order is left
        rows_are_intervals=False,
    )


# -- merging tables -----------------------------------------------------------------------------


def _distinct(items: Sequence) -> tuple[tuple, np.ndarray]:
    """``items`` without repeats (first occurrence order), and each item's index in them."""
    index: dict = {}
    ids = np.array([index.setdefault(x, len(index)) for x in items], dtype=np.int64)
    return tuple(index), ids


def _appended(kept: tuple, added: tuple) -> tuple[tuple, np.ndarray]:
    """``kept`` followed by the items of ``added`` it lacks; each added item's index."""
    index = {x: i for i, x in enumerate(kept)}
    ids = np.array([index.setdefault(x, len(index)) for x in added], dtype=np.int64)
    return tuple(index), ids


def _merged_trie(a: Aggregate, b: Aggregate, frame_of_b: np.ndarray):
    """A's call tree with B's paths added (parents before children, as in B), and the merged
    node of each of B's nodes. One dictionary look-up per node of B, no recursion."""
    node_of = {
        key: i for i, key in enumerate(zip(a.parent.tolist(), a.frame.tolist(), strict=True))
    }
    parent, frame, depth = a.parent.tolist(), a.frame.tolist(), a.depth.tolist()
    mapped = [0] * len(b.parent)
    for i, (par, f) in enumerate(zip(b.parent.tolist(), frame_of_b[b.frame].tolist(), strict=True)):
        key = (mapped[par] if par >= 0 else -1, f)
        node = node_of.get(key)
        if node is None:
            node = node_of[key] = len(parent)
            parent.append(key[0])
            frame.append(f)
            depth.append(depth[key[0]] + 1 if key[0] >= 0 else 0)
        mapped[i] = node
    as_array = np.array
    return (
        as_array(parent, dtype=np.int64),
        as_array(frame, dtype=np.int64),
        as_array(depth, dtype=np.int64),
        as_array(mapped, dtype=np.int64),
    )


DENSE_CELLS = 1 << 24  # (node, thread) pairs up to which sums go through one dense bincount


def _cells(node, thread, weight, count, nthreads: int):
    """Rows summed per (node, thread), sorted by node then thread; sums in row order."""
    width = max(nthreads, 1)
    key = np.asarray(node, dtype=np.int64) * width + thread
    weight = np.asarray(weight)
    size = int(key.max()) + 1 if len(key) else 0
    exact = weight.dtype.kind == "f" or float(np.abs(weight).sum()) < 2.0**53
    # bincount adds in row order, like reduceat; no rows (size 0) always come this way
    if size <= DENSE_CELLS and exact:
        w = np.bincount(key, weights=weight, minlength=size)
        c = np.bincount(key, weights=count, minlength=size)
        uniq = np.flatnonzero(np.bincount(key, minlength=size))
        w = w[uniq].astype(weight.dtype) if weight.dtype.kind != "f" else w[uniq]
        return uniq // width, uniq % width, w, c[uniq]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    uniq = key[starts]
    w = np.add.reduceat(weight[order], starts)
    c = np.add.reduceat(np.asarray(count, dtype=np.float64)[order], starts)
    return uniq // width, uniq % width, w, c


def _exact(weight: np.ndarray) -> np.ndarray:
    if weight.dtype.kind in "iub":
        return weight.astype(np.int64)
    return weight.astype(np.float64)


def _sample_counts(profile: Profile) -> np.ndarray:
    """Samples each row stands for (:func:`~flamekit.core.weights.row_samples`), a row's time
    over the recorded sampling interval, else over the mean row time."""
    interval = profile.meta.period_ns
    if not interval:
        w = np.asarray(profile.samples.weight, dtype=np.float64)
        interval = w.sum() / len(w) if len(w) else 1.0
    return row_samples(profile, interval)


def _label(path: str, pattern: str | None) -> str:
    if not pattern:
        return ""
    match = re.search(pattern, path)
    if not match:
        raise UsageError(
            f"--label-from {pattern!r} does not match {path}",
            hint="write a regex that matches every input's path, e.g. 'pod-[0-9]+'",
        )
    return match.group(1) if match.re.groups else match.group(0)


def _thread_key(profile: Profile, i: int, label: str, options: ReadOptions) -> ThreadKey:
    name = profile.strings[profile.threads.name[i]]
    if label:
        name = f"{label}: {name}" if name else label
    if options.keep_threads:
        return (int(profile.threads.pid[i]), int(profile.threads.tid[i]), name)
    return (-1, -1, name)
