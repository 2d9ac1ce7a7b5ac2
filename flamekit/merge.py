"""Merging several profiles into one (runs merged, or one thread per file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .core.builder import ProfileBuilder
from .core.model import Profile
from .core.weights import node_self
from .errors import UsageError


def merge_profiles(profiles: Sequence[Profile], *, name: str = "") -> Profile:
    """One profile holding every sample of ``profiles``; threads stay apart, trees merge by path.

    Timestamps are kept when every input has them, aligned on the inputs' absolute start times
    where those are known.
    """
    if len(profiles) == 1:
        return profiles[0]
    units = {p.unit for p in profiles}
    if len(units) > 1:
        raise UsageError(
            "cannot merge profiles weighted in different units: " + ", ".join(sorted(units)),
            hint="merge profiles of one kind (all timed or all sample counts)",
        )
    formats = sorted({p.meta.source_format for p in profiles})
    builder = ProfileBuilder("+".join(formats), unit=units.pop(), name=name)
    timed = all(p.has_times for p in profiles)
    starts = [p.meta.start_ns for p in profiles]
    base = min(starts) if timed and all(starts) else None
    duration = 0
    lines = _SampleLinesOf(any(p.sample_lines is not None for p in profiles))
    for p in profiles:
        s = p.strings
        fr = p.frames
        own = fr.owns_line()
        frame_map = np.array(
            [
                builder.frame(
                    s[fr.name[i]],
                    s[fr.file[i]],
                    line=int(fr.line[i]),
                    column=int(fr.column[i]),
                    module=s[fr.module[i]],
                    kind=int(fr.kind[i]),
                    own_line=bool(own[i]),
                )
                for i in range(len(fr))
            ],
            dtype=np.int64,
        )
        node_map = np.empty(len(p.stacks), dtype=np.int64)
        parents = p.stacks.parent.tolist()
        frames = frame_map[p.stacks.frame].tolist()
        for i, (par, f) in enumerate(zip(parents, frames, strict=True)):
            node_map[i] = builder.stack(-1 if par < 0 else int(node_map[par]), f)
        th = p.threads
        thread_map = np.array(
            [
                builder.thread(int(th.pid[i]), int(th.tid[i]), _thread_name(p, i))
                for i in range(len(th))
            ],
            dtype=np.int64,
        )
        times = None
        offset = 0
        if timed:
            offset = p.meta.start_ns - base if base is not None else 0
            times = p.samples.time + offset
        builder.add_samples(
            node_map[p.samples.stack],
            p.samples.weight,
            times=times,
            threads=thread_map[p.samples.thread],
        )
        if p.line_ticks is not None:
            _carry_line_ticks(builder, p, node_map)
        lines.add(builder, p, frame_map)
        duration = max(duration, offset + p.meta.duration_ns)
        for w in p.meta.warnings:
            builder.warn(w)
    lines.finish(builder)
    return builder.build(
        start_ns=base or 0,
        duration_ns=duration,
        period_ns=max(p.meta.period_ns for p in profiles),
        has_idle_marker=all(p.meta.has_idle_marker for p in profiles),
        counted=all(p.meta.counted for p in profiles),
        samples_ordered=all(p.meta.samples_ordered for p in profiles),
        rows_are_intervals=any(p.meta.rows_are_intervals for p in profiles),
        knows_kinds=any(p.meta.knows_kinds for p in profiles),
        times_hint=next((p.meta.times_hint for p in profiles if p.meta.times_hint), ""),
    )


class _SampleLinesOf:
    """The inputs' per-sample running lines (perf srcline), in the merged profile's ids;
    samples of an input without them ran no recorded line."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.path: list[np.ndarray] = []
        self.start: list[np.ndarray] = []
        self.columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.paths = 0
        self.entries = 0

    def add(self, builder: ProfileBuilder, p: Profile, frame_map: np.ndarray) -> None:
        if not self.wanted:
            return
        sl = p.sample_lines
        if sl is None:
            self.path.append(np.full(len(p.samples), -1, dtype=np.int64))
            return
        self.path.append(np.where(sl.path >= 0, sl.path.astype(np.int64) + self.paths, -1))
        self.start.append(sl.start[:-1] + self.entries)
        files = np.array([builder.string(p.strings[i]) for i in range(len(p.strings))])
        self.columns.append((frame_map[sl.frame], files[sl.file], sl.line))
        self.paths += len(sl.start) - 1
        self.entries += int(sl.start[-1])

    def finish(self, builder: ProfileBuilder) -> None:
        if not self.wanted:
            return
        frame, file, line = (np.concatenate(c) for c in zip(*self.columns, strict=True))
        start = np.concatenate([*self.start, [self.entries]])
        builder.set_sample_lines(np.concatenate(self.path), start, frame, file, line)


def _carry_line_ticks(builder: ProfileBuilder, p: Profile, node_map: np.ndarray) -> None:
    """Line ticks in the merged tree, as shares of self weight so that inputs whose ticks are
    in other units add up right."""
    lt = p.line_ticks
    per_node = np.bincount(lt.node, weights=lt.ticks, minlength=len(p.stacks))
    share = lt.ticks / per_node[lt.node]
    builder.add_line_ticks(node_map[lt.node], lt.line, share * node_self(p)[lt.node])


def _thread_name(profile: Profile, thread: int) -> str:
    name = profile.strings[profile.threads.name[thread]]
    if name or len(profile.threads) > 1 or not profile.meta.name:
        return name
    return profile.meta.name


def reduce_inputs(
    paths: Sequence[str],
    options=None,
    *,
    jobs: int = 1,
    dask: str | None = None,
    skip_bad: bool = False,
    progress: bool = False,
):
    """Many inputs reduced to one call-tree aggregate (see :mod:`flamekit.aggregate`): each
    read by a worker of a local process pool (``jobs``) or of the Dask cluster at ``dask``,
    merged in a fixed tree, so the result is the same for every engine and job count."""
    from .aggregate import ReadOptions
    from .engines import Progress, chunked, run_dask, run_local

    if not paths:
        raise UsageError("merge needs at least one input", hint="name files, globs or folders")
    options = options or ReadOptions()
    chunks = chunked(list(paths))
    bar = Progress(len(paths), progress)
    try:
        if dask:
            agg = run_dask(dask, chunks, options, skip_bad, bar)
        else:
            agg = run_local(chunks, options, skip_bad, jobs, bar)
    finally:
        bar.close()
    if not agg.inputs:
        raise UsageError(
            f"none of the {len(paths)} inputs could be read: " + "; ".join(agg.skipped[:3]),
            hint="check the inputs",
        )
    return agg


def merged_profile(agg, total_inputs: int) -> Profile:
    """The profile of a reduced fleet; skipped inputs are counted in its name and warnings.
    Timestamps and per-sample rows are not kept: one row per (call path, thread)."""
    from .aggregate import to_profile

    if not agg.skipped:
        return to_profile(agg)
    note = f"{len(agg.skipped)} bad input{'s' if len(agg.skipped) != 1 else ''} skipped"
    agg = dataclasses.replace(agg, warnings=(*agg.warnings, note))
    return to_profile(agg, name=f"{agg.inputs} of {total_inputs} inputs merged")


def merge_inputs(paths: Sequence[str], options=None, **engine) -> Profile:
    """Many inputs merged into one profile (:func:`reduce_inputs`, :func:`merged_profile`)."""
    return merged_profile(reduce_inputs(paths, options, **engine), len(paths))
