"""Pure Profile -> Profile transforms: filters, re-rooting, hiding, grouping, inverting.

Every function returns a new :class:`~flamekit.model.Profile` (tables it did not change are
shared) and never adds weight: filters drop samples, the others only move them. Frames are matched
by regular expression against the frame's name (``re.search``). Nothing recurses over the tree.

:func:`apply` runs a :class:`TransformOptions` in this fixed order, the one the CLI uses::

    threads -> time slice -> no-idle -> exclude -> focus -> focus-root -> hide -> hide-area
            -> group-by -> collapse recursion -> merge threads -> invert
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Literal

import numpy as np

from ..errors import UsageError
from ..units import parse_duration_ns
from . import retree
from .idle import idle_samples
from .model import FrameKind, Frames, LineTicks, Profile, Samples, Threads
from .tree import accumulate_down, first_occurrence
from .weights import function_table, node_self

GroupBy = Literal["function", "file", "module", "package"]
GROUP_BY: tuple[str, ...] = ("function", "file", "module", "package")
HIDDEN = "(hidden)"
# The code areas a reader can hide (--hide-area, the flame graph's area chips): kinds per area.
AREAS: dict[str, tuple[FrameKind, ...]] = {
    "user": (FrameKind.USER,),
    "dependencies": (FrameKind.DEPENDENCY,),
    "runtime": (FrameKind.RUNTIME,),
    "native": (FrameKind.NATIVE, FrameKind.KERNEL, FrameKind.JIT),
    "gc": (FrameKind.GC,),
    "idle": (FrameKind.IDLE,),
}


# -- helpers -------------------------------------------------------------------------------
def compile_pattern(pattern: str | re.Pattern | Sequence[str], option: str = "pattern"):
    """A compiled regex; several patterns mean any of them. Bad syntax is a UsageError."""
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str):
        pattern = "|".join(f"(?:{p})" for p in pattern)
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"{option} {pattern!r}: not a valid regular expression ({exc})") from None


def matching_frames(profile: Profile, pattern, option: str = "pattern") -> np.ndarray:
    """Boolean per frame: does the frame's name match ``pattern`` (``re.search``)?"""
    rx = compile_pattern(pattern, option)
    ids = np.unique(profile.frames.name)
    hit = np.zeros(len(profile.strings), dtype=bool)
    strings = profile.strings
    hit[ids] = [rx.search(strings[i]) is not None for i in ids.tolist()]
    return hit[profile.frames.name]


def _string_id(profile: Profile, text: str) -> int | None:
    try:
        return profile.strings.index(text)
    except ValueError:
        return None


def _subset(samples: Samples, mask: np.ndarray) -> Samples:
    return Samples(
        stack=samples.stack[mask],
        weight=samples.weight[mask],
        thread=samples.thread[mask],
        time=None if samples.time is None else samples.time[mask],
    )


def keep_samples(profile: Profile, mask: np.ndarray) -> Profile:
    """Only the samples in ``mask``; call-tree nodes no kept sample reaches are dropped."""
    if mask.all():
        return profile
    samples = _subset(profile.samples, mask)
    keep = retree.reached(profile.stacks, samples.stack)
    stacks, new_id = retree.prune(profile.stacks, keep)
    samples = replace(samples, stack=new_id[samples.stack].astype(np.int32))
    return profile.replace(
        stacks=stacks,
        samples=samples,
        line_ticks=_kept_line_ticks(profile, new_id),
        sample_lines=_kept_sample_lines(profile, mask),
    )


def _kept_sample_lines(profile: Profile, mask: np.ndarray):
    """Sample lines of the samples in ``mask`` (they refer to frames, which stay)."""
    sl = profile.sample_lines
    return None if sl is None else replace(sl, path=sl.path[mask])


def _kept_line_ticks(profile: Profile, new_id: np.ndarray):
    """Line ticks moved to the pruned tree's node ids (ticks of dropped nodes go)."""
    lt = profile.line_ticks
    if lt is None:
        return None
    node = new_id[lt.node]
    kept = node >= 0
    return replace(lt, node=node[kept].astype(np.int32), line=lt.line[kept], ticks=lt.ticks[kept])


def _node_matches(profile: Profile, pattern, option: str) -> np.ndarray:
    return matching_frames(profile, pattern, option)[profile.stacks.frame]


def _remap_samples(profile: Profile, canon: np.ndarray) -> Samples:
    """Samples moved to their new nodes; those whose node vanished are dropped."""
    new = canon[profile.samples.stack]
    kept = new >= 0
    samples = _subset(profile.samples, kept) if not kept.all() else profile.samples
    return replace(samples, stack=new[kept].astype(np.int32))


def _add_frame(profile: Profile, name: str, kind: FrameKind) -> tuple[tuple, Frames, int]:
    """Strings and frames with one more frame ``name``; returns (strings, frames, frame id)."""
    strings = profile.strings
    sid = _string_id(profile, name)
    if sid is None:
        sid = len(strings)
        strings = (*strings, name)
    fr = profile.frames
    frames = Frames(
        name=np.append(fr.name, np.int32(sid)).astype(np.int32),
        file=np.append(fr.file, np.int32(0)).astype(np.int32),
        module=np.append(fr.module, np.int32(0)).astype(np.int32),
        line=np.append(fr.line, np.int32(0)).astype(np.int32),
        column=np.append(fr.column, np.int32(0)).astype(np.int32),
        kind=np.append(fr.kind, np.uint8(kind)).astype(np.uint8),
        own_line=None if fr.own_line is None else np.append(fr.own_line, False),
    )
    return strings, frames, len(fr)


# -- sample filters ------------------------------------------------------------------------
def focus(profile: Profile, pattern) -> Profile:
    """Keep the samples whose stack has a frame matching ``pattern``; stacks stay whole."""
    hit = retree.nearest_marked(profile.stacks, _node_matches(profile, pattern, "--focus")) >= 0
    return keep_samples(profile, hit[profile.samples.stack])


def exclude(profile: Profile, pattern) -> Profile:
    """Drop the samples whose stack has a frame matching ``pattern``."""
    hit = retree.nearest_marked(profile.stacks, _node_matches(profile, pattern, "--exclude")) >= 0
    return keep_samples(profile, ~hit[profile.samples.stack])


def no_idle(profile: Profile) -> Profile:
    """Drop the idle samples (see :mod:`flamekit.core.idle`)."""
    return keep_samples(profile, ~idle_samples(profile))


def select_threads(profile: Profile, selectors: Sequence[str | int]) -> Profile:
    """Keep the samples of the threads whose name or tid matches one of ``selectors`` (exact, or
    glob patterns such as ``worker*``)."""
    th = profile.threads
    names = [profile.strings[i] for i in th.name.tolist()]
    tids = th.tid.tolist()
    chosen = np.zeros(len(th), dtype=bool)
    for sel in selectors:
        text = str(sel)
        for i, (name, tid) in enumerate(zip(names, tids, strict=True)):
            if fnmatch.fnmatchcase(name, text) or (
                tid >= 0 and fnmatch.fnmatchcase(str(tid), text)
            ):
                chosen[i] = True
    if not chosen.any():
        labels = [profile.thread_label(i) for i in range(len(th))]
        known = ", ".join(label for label in labels if label) or "none has a name or tid"
        raise UsageError(
            "--thread " + ", ".join(map(str, selectors)) + ": no such thread",
            hint=f"threads: {known}",
        )
    out = keep_samples(profile, chosen[profile.samples.thread])
    new_id = np.cumsum(chosen) - 1
    threads = Threads(pid=th.pid[chosen], tid=th.tid[chosen], name=th.name[chosen])
    samples = replace(out.samples, thread=new_id[out.samples.thread].astype(np.int32))
    return out.replace(threads=threads, samples=samples, sample_lines=out.sample_lines)


def time_slice(profile: Profile, start_ns: int | None = None, end_ns: int | None = None) -> Profile:
    """The samples taken in ``[start_ns, end_ns)`` (ns since the profile start), times shifted so
    the slice starts at 0. Only timestamped profiles can be sliced."""
    if not profile.has_times:
        raise UsageError(
            f"{profile.meta.name or profile.meta.source_format}: the profile has no timestamps",
            hint="--from-time/--to-time need a timed format such as .cpuprofile or perf script",
        )
    start = max(0, int(start_ns or 0))
    time = profile.samples.time
    mask = time >= start
    if end_ns is not None:
        if end_ns <= start:
            raise UsageError("--to-time must be later than --from-time")
        mask &= time < end_ns
    out = keep_samples(profile, mask)
    end = int(end_ns) if end_ns is not None else None
    full = profile.meta.duration_ns or (int(time.max()) + 1 if len(time) else 0)
    duration = max(0, min(full, end) - start) if end is not None else max(0, full - start)
    meta = replace(
        profile.meta,
        start_ns=profile.meta.start_ns + start if profile.meta.start_ns else 0,
        duration_ns=duration,
    )
    samples = replace(out.samples, time=out.samples.time - start)
    return out.replace(samples=samples, meta=meta, sample_lines=out.sample_lines)


# -- reshaping -----------------------------------------------------------------------------
def focus_root(profile: Profile, pattern) -> Profile:
    """Keep the samples whose stack has a match, re-rooted at the outermost matching frame.

    Calls of the function from different places merge into one tree below it.
    """
    st = profile.stacks
    top = retree.nearest_marked(st, _node_matches(profile, pattern, "--focus-root"), outermost=True)
    inside = top >= 0
    real = inside & retree.reached(st, profile.samples.stack[inside[profile.samples.stack]])
    ids = np.arange(len(st))
    new_depth = np.where(inside, st.depth - st.depth[np.maximum(top, 0)], 0)
    new_parent = np.where(ids == top, -1, st.parent)
    stacks, canon = retree.build(
        new_depth, new_parent, st.frame, real, np.full(len(st), -1), len(profile.frames)
    )
    samples = _remap_samples(profile, canon)
    return profile.replace(
        stacks=stacks, samples=samples, line_ticks=_moved_line_ticks(profile, canon, len(stacks))
    )


def _moved_line_ticks(
    profile: Profile, canon: np.ndarray, nodes: int, lines_kept: np.ndarray | None = None
) -> LineTicks | None:
    """Line ticks on the new call tree of a transform that moves each old node's self weight
    to new node ``canon[old]`` (-1: dropped), as weights: a new node may gather old nodes whose
    ticks were in other units. Old nodes not in ``lines_kept`` (default all) and old nodes
    without ticks put their self weight on line 0 (unknown) of their new node."""
    lt = profile.line_ticks
    if lt is None:
        return None
    self_w = node_self(profile).astype(np.float64)
    per_node = np.bincount(lt.node, weights=lt.ticks, minlength=len(self_w))
    bare = np.flatnonzero((per_node == 0) & (self_w > 0))
    node = np.r_[lt.node, bare].astype(np.int64)
    line = np.r_[lt.line, np.zeros(len(bare), dtype=np.int32)]
    weight = np.r_[lt.ticks / per_node[lt.node] * self_w[lt.node], self_w[bare]]
    if lines_kept is not None:
        line = np.where(lines_kept[node], line, 0)
    new = canon[node]
    keep = (new >= 0) & (weight > 0)
    if not keep.any() or nodes == 0:
        return None
    return LineTicks(
        node=new[keep].astype(np.int32), line=line[keep].astype(np.int32), ticks=weight[keep]
    )


def hide(profile: Profile, pattern) -> Profile:
    """Remove the frames matching ``pattern`` from every stack; their time goes to the caller.

    Samples all of whose frames are hidden keep their weight under one ``(hidden)`` root.
    """
    return _hide_nodes(profile, _node_matches(profile, pattern, "--hide"))


def hide_areas(profile: Profile, areas: Sequence[str]) -> Profile:
    """Remove the frames of the code ``areas`` (keys of AREAS), as :func:`hide` does."""
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        raise UsageError(f"--hide-area {unknown[0]!r}: not one of {', '.join(AREAS)}")
    kinds = [int(k) for a in areas for k in AREAS[a]]
    return _hide_nodes(profile, np.isin(profile.frames.kind, kinds)[profile.stacks.frame])


def _hide_nodes(profile: Profile, hidden: np.ndarray) -> Profile:
    """Remove the call-tree nodes marked ``hidden``; their time goes to the caller."""
    st = profile.stacks
    if not hidden.any():
        return profile
    real = ~hidden
    anc = retree.nearest_marked(st, real)
    new_parent = np.where(st.parent >= 0, anc[np.maximum(st.parent, 0)], -1)
    new_depth = accumulate_down(st, real.astype(np.int64)) - 1
    keep = real & retree.reached(st, profile.samples.stack)
    stacks, canon = retree.build(new_depth, new_parent, st.frame, keep, anc, len(profile.frames))
    new = canon[profile.samples.stack]
    if not (new < 0).any():
        return profile.replace(
            stacks=stacks,
            samples=replace(profile.samples, stack=new),
            line_ticks=_moved_line_ticks(profile, canon, len(stacks), real),
        )
    strings, frames, fid = _add_frame(profile, HIDDEN, FrameKind.SYNTHETIC)
    root = len(stacks)
    stacks = type(stacks)(
        parent=np.append(stacks.parent, np.int32(-1)).astype(np.int32),
        frame=np.append(stacks.frame, np.int32(fid)).astype(np.int32),
        depth=np.append(stacks.depth, np.int32(0)).astype(np.int32),
    )
    new = np.where(new < 0, root, new).astype(np.int32)
    moved = _moved_line_ticks(profile, np.where(canon < 0, root, canon), len(stacks), real)
    return profile.replace(
        strings=strings,
        frames=frames,
        stacks=stacks,
        samples=replace(profile.samples, stack=new),
        line_ticks=moved,
    )


def collapse_recursion(profile: Profile, *, direct_only: bool = False) -> Profile:
    """Merge recursive calls of a function into its outer call.

    Direct recursion (``a;a;a;b`` -> ``a;b``) always; unless ``direct_only``, indirect too: when a
    function already on the stack is called again, the frames between the two calls are dropped
    (``a;b;a;c`` -> ``a;c``). Each sample keeps its leaf function, so per-function self weight is
    unchanged; a function called only inside a recursion cycle loses that part of its total.
    """
    st = profile.stacks
    of_frame = function_table(profile).of_frame
    repeat = ~first_occurrence(st, of_frame)
    if not repeat.any():
        return profile
    func = of_frame[st.frame].tolist()
    parent = st.parent.tolist()
    frame = st.frame.tolist()
    rep = repeat.tolist()
    new_parent: list[int] = []
    new_frame: list[int] = []
    new_func: list[int] = []
    new_depth: list[int] = []
    index: dict[tuple[int, int], int] = {}
    mapping = [0] * len(parent)
    for i, p in enumerate(parent):
        up = mapping[p] if p >= 0 else -1
        f = func[i]
        if rep[i]:
            q = up
            if direct_only:
                q = q if q >= 0 and new_func[q] == f else -1
            else:
                while q >= 0 and new_func[q] != f:
                    q = new_parent[q]
            if q >= 0:
                mapping[i] = q
                continue
        key = (up, frame[i])
        node = index.get(key)
        if node is None:
            node = len(new_parent)
            index[key] = node
            new_parent.append(up)
            new_frame.append(frame[i])
            new_func.append(f)
            new_depth.append(new_depth[up] + 1 if up >= 0 else 0)
        mapping[i] = node
    stacks = type(st)(
        parent=np.array(new_parent, dtype=np.int32),
        frame=np.array(new_frame, dtype=np.int32),
        depth=np.array(new_depth, dtype=np.int32),
    )
    canon = np.array(mapping, dtype=np.int64)
    samples = replace(profile.samples, stack=canon[profile.samples.stack].astype(np.int32))
    moved = _moved_line_ticks(profile, canon, len(stacks))
    return profile.replace(stacks=stacks, samples=samples, line_ticks=moved)


def merge_threads(profile: Profile) -> Profile:
    """All samples in one thread (pid kept when every thread shares it)."""
    th = profile.threads
    if len(th) <= 1:
        return profile
    pids = np.unique(th.pid)
    strings = profile.strings
    sid = _string_id(profile, "all threads")
    if sid is None:
        sid = len(strings)
        strings = (*strings, "all threads")
    threads = Threads(
        pid=np.array([pids[0] if len(pids) == 1 else -1], dtype=np.int64),
        tid=np.array([-1], dtype=np.int64),
        name=np.array([sid], dtype=np.int32),
    )
    samples = replace(profile.samples, thread=np.zeros(len(profile.samples), dtype=np.int32))
    return profile.replace(
        strings=strings, threads=threads, samples=samples, sample_lines=profile.sample_lines
    )


def package_of(name: str, file: str, module: str) -> str:
    """The package a frame belongs to: the npm or Python distribution, else the top module,
    else the file's folder, else the frame's own name."""
    path = file.replace("\\", "/")
    for marker in ("node_modules/", "site-packages/", "dist-packages/"):
        at = path.rfind(marker)
        if at >= 0:
            parts = path[at + len(marker) :].split("/")
            if parts[0].startswith("@") and len(parts) > 1:
                return f"{parts[0]}/{parts[1]}"
            return parts[0].removesuffix(".py")
    if module.startswith("[") and module.endswith("]"):
        return module  # a pseudo-object of perf's, such as [kernel.kallsyms] or [vdso]
    if module:
        return re.split(r"[./:]", module, maxsplit=1)[0] or module
    if "/" in path:
        return path.rsplit("/", 1)[0] or "/"
    return file or name


def group_by(profile: Profile, by: GroupBy) -> Profile:
    """Replace frames by coarser ones: one per function (as the importer identifies functions,
    see :func:`~flamekit.analyze.weights.function_table`), file, module or package.

    Frames without a file (or module) keep their own name. For file, module and package, calls
    within one group (consecutive frames of one group) fold into a single frame.
    """
    if by not in GROUP_BY:
        raise UsageError(f"--group-by {by!r}: choose one of {', '.join(GROUP_BY)}")
    fr = profile.frames
    s = profile.strings
    strings = list(s)
    ids = {text: i for i, text in enumerate(strings)}

    def sid(text: str) -> int:
        got = ids.get(text)
        if got is None:
            got = ids[text] = len(strings)
            strings.append(text)
        return got

    if by == "function":
        table = function_table(profile)
        of_frame = table.of_frame.astype(np.int64)
        first = np.full(len(table.name), len(fr), dtype=np.int64)
        np.minimum.at(first, of_frame, np.arange(len(fr)))
        frames = Frames(
            name=table.name.astype(np.int32),
            file=table.file.astype(np.int32),
            module=table.module.astype(np.int32),
            line=table.line.astype(np.int32),
            column=table.column.astype(np.int32),
            kind=fr.kind[first],
            own_line=table.line > 0,
        )
        ngroups = len(table.name)
    else:
        of_frame, frames = _coarse_frames(profile, by, sid)
        ngroups = len(frames)
    st = profile.stacks
    real = retree.reached(st, profile.samples.stack)
    stacks, canon = retree.build(
        st.depth, st.parent, of_frame[st.frame], real, np.full(len(st), -1), ngroups
    )
    out = profile.replace(
        strings=tuple(strings),
        frames=frames,
        stacks=stacks,
        samples=_remap_samples(profile, canon),
        line_ticks=_moved_line_ticks(profile, canon, len(stacks)) if by == "function" else None,
    )
    return out if by == "function" else collapse_recursion(out, direct_only=True)


def _coarse_frames(profile: Profile, by: GroupBy, sid) -> tuple[np.ndarray, Frames]:
    """One frame per file, module or package (frames without one keep their own name)."""
    fr = profile.frames
    s = profile.strings
    keys: list[int] = []
    for n, f, m in zip(fr.name.tolist(), fr.file.tolist(), fr.module.tolist(), strict=True):
        if by == "file":
            keys.append(sid(s[f] or s[m] or s[n]))
        elif by == "module":
            keys.append(sid(s[m] or s[f] or s[n]))
        else:
            keys.append(sid(package_of(s[n], s[f], s[m])))
    group_of: dict[int, int] = {}
    of_frame = np.array([group_of.setdefault(k, len(group_of)) for k in keys], dtype=np.int64)
    first = np.full(len(group_of), len(fr), dtype=np.int64)
    np.minimum.at(first, of_frame, np.arange(len(fr)))
    zeros = np.zeros(len(group_of), dtype=np.int32)
    frames = Frames(
        name=np.array(list(group_of), dtype=np.int32),
        file=zeros,
        module=zeros,
        line=zeros,
        column=zeros,
        kind=fr.kind[first],
    )
    return of_frame, frames


def invert(profile: Profile) -> Profile:
    """Stacks leaf-first: the roots are the frames where samples were taken."""
    leaves, where = np.unique(profile.samples.stack, return_inverse=True)
    stacks, final = retree.inverted(profile.stacks, leaves)
    samples = replace(profile.samples, stack=final[where].astype(np.int32))
    return profile.replace(stacks=stacks, samples=samples)


# -- all of them, in order -----------------------------------------------------------------
@dataclass(frozen=True)
class TransformOptions:
    """The transforms to apply; defaults change nothing. See :func:`apply` for the order."""

    threads: tuple[str, ...] = ()
    from_ns: int | None = None
    to_ns: int | None = None
    no_idle: bool = False
    exclude: tuple[str, ...] = ()
    focus: str | None = None
    focus_root: str | None = None
    hide: tuple[str, ...] = ()
    hide_area: tuple[str, ...] = ()
    group_by: GroupBy | None = None
    collapse_recursion: bool = False
    collapse_direct_recursion: bool = False
    merge_threads: bool = False
    invert: bool = False

    @property
    def any(self) -> bool:
        return self != TransformOptions()

    def describe(self) -> str:
        """The chosen options as command-line text, e.g. ``--focus 'parse' --no-idle``."""
        parts = []
        for field in fields(self):
            value = getattr(self, field.name)
            flag = "--" + _OPTION_NAMES.get(field.name, field.name).replace("_", "-")
            if value is True:
                parts.append(flag)
            elif field.name in ("from_ns", "to_ns") and value is not None:
                parts.append(f"{flag} {value / 1e9:g}s")
            elif isinstance(value, tuple):
                parts.extend(f"{flag} {v!r}" for v in value)
            elif value not in (None, False):
                parts.append(f"{flag} {value!r}")
        return " ".join(parts)


_OPTION_NAMES = {"threads": "thread", "from_ns": "from_time", "to_ns": "to_time"}


def has_lines(profile: Profile) -> bool:
    """Whether the profile places time on source lines (see :mod:`flamekit.analyze.lines`)."""
    fr = profile.frames
    running = bool(np.any((fr.line > 0) & ~fr.owns_line()))
    return running or profile.line_ticks is not None or profile.sample_lines is not None


def _note_lost_lines(before: Profile, after: Profile, option: str) -> Profile:
    """``after``, recording in its meta that ``option`` dropped the lines ``before`` had."""
    if after.meta.lines_dropped_by or not has_lines(before) or has_lines(after):
        return after
    return after.replace(meta=replace(after.meta, lines_dropped_by=option))


def apply(profile: Profile, options: TransformOptions | None = None, **kwargs) -> Profile:
    """Run the transforms chosen in ``options`` (or keyword arguments) in the documented order.
    A transform that drops the source lines says so in ``meta.lines_dropped_by``."""
    o = replace(options or TransformOptions(), **kwargs)
    if o.threads:
        profile = select_threads(profile, o.threads)
    if o.from_ns is not None or o.to_ns is not None:
        profile = time_slice(profile, o.from_ns, o.to_ns)
    if o.no_idle:
        profile = no_idle(profile)
    if o.exclude:
        profile = exclude(profile, o.exclude)
    if o.focus:
        profile = focus(profile, o.focus)
    if o.focus_root:
        profile = _note_lost_lines(profile, focus_root(profile, o.focus_root), "--focus-root")
    if o.hide:
        profile = _note_lost_lines(profile, hide(profile, o.hide), "--hide")
    if o.hide_area:
        profile = _note_lost_lines(profile, hide_areas(profile, o.hide_area), "--hide-area")
    if o.group_by:
        profile = _note_lost_lines(profile, group_by(profile, o.group_by), "--group-by")
    if o.collapse_recursion or o.collapse_direct_recursion:
        collapsed = collapse_recursion(profile, direct_only=not o.collapse_recursion)
        profile = _note_lost_lines(profile, collapsed, "--collapse-recursion")
    if o.merge_threads:
        profile = merge_threads(profile)
    if o.invert:
        profile = _note_lost_lines(profile, invert(profile), "--invert")
    return profile


def parse_time(text: str, option: str = "time") -> int:
    """A time offset such as ``1.5s``, ``250ms``, ``30us`` or ``2`` (seconds), in ns."""
    try:
        return parse_duration_ns(text, default_unit="s")
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: not a time", hint="write e.g. 1.5s, 250ms or 2"
        ) from None
