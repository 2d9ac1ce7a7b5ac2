"""ProfileBuilder: the one way importers make a Profile."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from itertools import chain, repeat

import numpy as np

from ..errors import InvalidProfile
from .model import (
    FrameKind,
    Frames,
    LineTicks,
    Meta,
    Profile,
    SampleLines,
    Samples,
    Stacks,
    Threads,
)
from .paths import path_tree

NO_TIME = -(2**63)
INT64_MAX = 2**63 - 1
MAX_POSITION = 2**31 - 1  # frame lines and columns are stored as int32
MAX_ROWS = 50_000_000  # one_row_per_sample leaves more samples than this as they are


class ProfileBuilder:
    """Collects frames, call-tree nodes and samples, interning everything it is given.

    ``frame()``, ``stack()`` and ``thread()`` are memoized: the same arguments return the same id.
    ``build()`` turns the collected rows into numpy columns and validates the model's invariants.
    """

    def __init__(self, source_format: str, *, unit: str = "samples", name: str = "") -> None:
        self.meta = Meta(source_format=source_format, unit=unit, name=name)  # type: ignore[arg-type]
        self._strings: list[str] = [""]
        self._string_ids: dict[str, int] = {"": 0}
        self._frame_ids: dict[tuple, int] = {}
        self._frames: list[tuple[int, int, int, int, int, int]] = []
        self._own_line: set[int] = set()  # frames whose line is their function's own
        self._frame_memo_stale = False  # frames were added in bulk; rebuilt when needed
        self._node_ids: dict[tuple[int, int], int] = {}
        self._memo_stale = False  # nodes were added in bulk; _node_ids is rebuilt when needed
        self._parent = array("i")
        self._node_frame = array("i")
        self._depth = array("i")
        self._thread_ids: dict[tuple[int, int, str], int] = {}
        self._threads: list[tuple[int, int, int]] = []
        self._sample_stack = array("i")
        self._sample_weight = array("d")
        self._sample_time = array("q")
        self._sample_thread = array("i")
        self._timed = 0
        # add_samples() keeps numpy columns as chunks (stack, weight, thread, time) so that
        # millions of samples never pass through Python ints; sample() rows are flushed into
        # a chunk before each add_samples() call to keep the order.
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._chunked = 0
        self.warnings: list[str] = []
        self._line_ticks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._sample_lines: SampleLines | None = None

    # -- interning -------------------------------------------------------------------------
    def string(self, text: str) -> int:
        sid = self._string_ids.get(text)
        if sid is None:
            sid = len(self._strings)
            self._strings.append(text)
            self._string_ids[text] = sid
        return sid

    def frame(
        self,
        name: str,
        file: str = "",
        *,
        line: int = 0,
        column: int = 0,
        module: str = "",
        kind: FrameKind = FrameKind.UNKNOWN,
        own_line: bool = False,
    ) -> int:
        """Id of the frame with these attributes, adding it if new.

        ``own_line``: ``line``/``column`` are the function's own position (V8 call frames), so
        they are part of its identity; otherwise they are the line being run (py-spy).
        """
        if not (0 <= line <= MAX_POSITION and 0 <= column <= MAX_POSITION):
            what = "line" if not 0 <= line <= MAX_POSITION else "column"
            raise ValueOutOfRange(
                f"frame {name[:80]!r} has {what} number {line if what == 'line' else column}, "
                f"outside 0..{MAX_POSITION}"
            )
        if self._frame_memo_stale:
            self._rebuild_frame_memo()
        own_line = bool(own_line and (line or column))
        # an own position is part of the identity: the key gains a True (as _rebuild_frame_memo)
        key = (
            (name, file, line, column, module, kind, True)
            if own_line
            else (name, file, line, column, module, kind)
        )
        fid = self._frame_ids.get(key)
        if fid is None:
            fid = len(self._frames)
            self._frames.append(
                (self.string(name), self.string(file), self.string(module), line, column, int(kind))
            )
            self._frame_ids[key] = fid
            if own_line:
                self._own_line.add(fid)
        return fid

    def named_frames(self, names: Iterable[str], kinds: Iterable[FrameKind]) -> list[int]:
        """Ids of frames known by name and kind alone (no file, line or module), as
        :meth:`frame` gives them one at a time. The bulk case, distinct names into a builder
        with no frames yet, grows the tables through C-level zips and indexes them only when
        :meth:`frame` is next called."""
        names, kinds = list(names), list(kinds)
        if self._frames or len(set(names)) != len(names):
            return [self.frame(n, kind=k) for n, k in zip(names, kinds, strict=True)]
        unknown = [n for n in names if n not in self._string_ids]
        base = len(self._strings)
        self._strings.extend(unknown)
        self._string_ids.update(zip(unknown, range(base, base + len(unknown)), strict=True))
        empty = self.string("")
        self._frames.extend(
            zip(
                map(self._string_ids.__getitem__, names),
                repeat(empty),
                repeat(empty),
                repeat(0),
                repeat(0),
                map(int, kinds),
                strict=False,
            )
        )
        self._frame_memo_stale = True
        return list(range(len(names)))

    def stack(self, parent: int, frame: int) -> int:
        """Id of the call-tree node ``frame`` called from node ``parent`` (-1 for a root)."""
        if self._memo_stale:
            if parent < 0:
                return self._root_stack(frame)
            self._rebuild_memo()
        key = (parent, frame)
        node = self._node_ids.get(key)
        if node is None:
            node = len(self._parent)
            self._parent.append(parent)
            self._node_frame.append(frame)
            self._depth.append(0 if parent < 0 else self._depth[parent] + 1)
            self._node_ids[key] = node
        return node

    def _root_stack(self, frame: int) -> int:
        """:meth:`stack` of a root while the memo is stale (nodes were added in bulk): the roots
        are looked up in the columns, so that one root (an importer's synthetic frame) does not
        cost rebuilding the memo of every node; the memo stays stale and finds it later."""
        parents = np.frombuffer(self._parent, dtype=np.int32)
        roots = np.flatnonzero(parents == -1)
        found = roots[np.frombuffer(self._node_frame, dtype=np.int32)[roots] == frame]
        del parents  # no view may be left on the arrays when they grow
        if len(found):
            return int(found[-1])  # the rebuilt memo keeps the last node of a (parent, frame)
        node = len(self._parent)
        self._parent.append(-1)
        self._node_frame.append(frame)
        self._depth.append(0)
        return node

    @property
    def node_count(self) -> int:
        return len(self._parent)

    def extend_stacks(self, parent, frame, depth) -> None:
        """Append call-tree nodes in bulk (ids continue from ``node_count``), unmemoized.

        For importers that index their own nodes: the caller guarantees every (parent, frame)
        pair is new and each depth is its parent's plus one; ``build()`` validates them, and a
        later ``stack()`` call finds them (its memo is rebuilt then).
        """
        for target, values in (
            (self._parent, parent),
            (self._node_frame, frame),
            (self._depth, depth),
        ):
            target.frombytes(np.ascontiguousarray(values, dtype=np.int32).data.cast("B"))
        self._memo_stale = True

    def stack_path(self, frames: Iterable[int], parent: int = -1) -> int:
        """Node of the path ``frames`` (root first) below ``parent``; -1 for an empty path."""
        if self._memo_stale:
            self._rebuild_memo()
        node = parent
        ids = self._node_ids
        for frame in frames:
            found = ids.get((node, frame))
            node = found if found is not None else self.stack(node, frame)
        return node

    def stack_paths(self, paths: Sequence[Sequence[int]]) -> np.ndarray:
        """Leaf node of each root-first frame path (-1 for an empty one), adding the nodes.

        On an empty builder the tree is made at once (see :mod:`flamekit.core.paths`: the nodes
        are those of the sorted paths added one after another); otherwise each path goes through
        stack_path().
        """
        n = len(paths)
        if len(self._parent) or n < 2:
            return np.array([self.stack_path(p) for p in paths], dtype=np.int64)
        lengths = np.fromiter(map(len, paths), dtype=np.int64, count=n)
        frames = np.fromiter(chain.from_iterable(paths), dtype=np.int64, count=int(lengths.sum()))
        return self.stack_paths_flat(frames, lengths)

    def stack_paths_flat(self, frames: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """:meth:`stack_paths` of the paths given as one flat array of frame ids (path after
        path, root first) and the number of frames of each."""
        if len(self._parent) or len(lengths) < 2:
            ends = np.cumsum(lengths).tolist()
            flat = np.asarray(frames).tolist()
            starts = [0, *ends][: len(ends)]
            return np.array(
                [self.stack_path(flat[a:b]) for a, b in zip(starts, ends, strict=True)],
                dtype=np.int64,
            )
        tree = path_tree(frames, lengths)
        self.extend_stacks(tree.parent, tree.frame, tree.depth)
        return tree.leaf

    def _rebuild_frame_memo(self) -> None:
        strings = self._strings
        own = self._own_line
        self._frame_ids = {
            (strings[name], strings[file], line, column, strings[module], kind)
            + ((True,) if fid in own else ()): fid
            for fid, (name, file, module, line, column, kind) in enumerate(self._frames)
        }
        self._frame_memo_stale = False

    def _rebuild_memo(self) -> None:
        self._node_ids = {
            (p, f): i for i, (p, f) in enumerate(zip(self._parent, self._node_frame, strict=True))
        }
        self._memo_stale = False

    def thread(self, pid: int = -1, tid: int = -1, name: str = "") -> int:
        """Id of the thread (pid, tid, name), adding it if new."""
        if not (-INT64_MAX <= pid <= INT64_MAX and -INT64_MAX <= tid <= INT64_MAX):
            raise ValueOutOfRange(f"thread id {pid}/{tid} does not fit in 64 bits")
        key = (pid, tid, name)
        th = self._thread_ids.get(key)
        if th is None:
            th = len(self._threads)
            self._threads.append((pid, tid, self.string(name)))
            self._thread_ids[key] = th
        return th

    # -- samples ---------------------------------------------------------------------------
    def sample(
        self, stack: int, weight: float = 1, *, time: int | None = None, thread: int = 0
    ) -> None:
        """Add one sample whose leaf is call-tree node ``stack``."""
        self._sample_stack.append(stack)
        self._sample_weight.append(weight)
        self._sample_thread.append(thread)
        if time is None:
            self._sample_time.append(NO_TIME)
        else:
            self._sample_time.append(time)
            self._timed += 1

    def add_samples(
        self,
        stacks: Sequence[int] | np.ndarray,
        weights: Sequence[float] | np.ndarray,
        *,
        times: Sequence[int] | np.ndarray | None = None,
        threads: Sequence[int] | np.ndarray | int = 0,
        copy: bool = True,
    ) -> None:
        """Add many samples at once from equally long sequences (numpy arrays stay arrays).

        With ``copy=False`` arrays of the right dtype are kept as they are: the caller hands
        them over and must not change them afterwards.
        """
        self._flush_rows()
        stack = np.array(stacks, dtype=np.int32, copy=copy or None)
        n = len(stack)
        weight = np.asarray(weights)
        exact = weight.dtype.kind in "iub" or (n == 0 and weight.dtype.kind != "f")
        weight = np.array(weight, dtype=np.int64 if exact else np.float64, copy=copy or None)
        if isinstance(threads, int | np.integer):
            thread = np.full(n, threads, dtype=np.int32)
        else:
            thread = np.array(threads, dtype=np.int32, copy=copy or None)
        if times is None:
            time = np.full(n, NO_TIME, dtype=np.int64)
        else:
            time = np.array(times, dtype=np.int64, copy=copy or None)
            self._timed += n
        if not (len(weight) == len(thread) == len(time) == n):
            raise InvalidProfile("add_samples() was given columns of different lengths")
        self._chunks.append((stack, weight, thread, time))
        self._chunked += n

    def _flush_rows(self) -> None:
        if not self._sample_stack:
            return
        self._chunks.append(
            (
                np.frombuffer(self._sample_stack, dtype=np.int32).copy(),
                np.frombuffer(self._sample_weight, dtype=np.float64).copy(),
                np.frombuffer(self._sample_thread, dtype=np.int32).copy(),
                np.frombuffer(self._sample_time, dtype=np.int64).copy(),
            )
        )
        self._chunked += len(self._sample_stack)
        self._sample_stack = array("i")
        self._sample_weight = array("d")
        self._sample_thread = array("i")
        self._sample_time = array("q")

    def _sample_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        self._flush_rows()
        if not self._chunks:
            return (
                np.zeros(0, dtype=np.int32),
                np.zeros(0, dtype=np.float64),
                np.zeros(0, dtype=np.int32),
                np.zeros(0, dtype=np.int64),
            )
        if len(self._chunks) == 1:
            cols = self._chunks[0]
        else:
            cols = tuple(np.concatenate(parts) for parts in zip(*self._chunks, strict=True))
        self._chunks = [cols]  # type: ignore[list-item]
        return cols  # type: ignore[return-value]

    def add_line_ticks(self, nodes, lines, ticks) -> None:
        """Record that call-tree ``nodes[k]`` spent ``ticks[k]`` of its self time on source line
        ``lines[k]`` (1-based, 0 unknown); ticks of one node share its self weight."""
        lines = np.asarray(lines, dtype=object if isinstance(lines, list) else None)
        ticks = np.asarray(ticks, dtype=np.float64)
        if len(lines) and not (lines.min() >= 0 and lines.max() <= MAX_POSITION):
            bad = lines.max() if lines.max() > MAX_POSITION else lines.min()
            raise ValueOutOfRange(f"a source line number is {bad}, outside 0..{MAX_POSITION}")
        if len(ticks) and not (np.all(np.isfinite(ticks)) and ticks.max() < 2.0**53):
            raise ValueOutOfRange("a count of line ticks is not a finite number below 2**53")
        cols = (np.asarray(nodes, dtype=np.int32), lines.astype(np.int32), ticks)
        if not len(cols[0]) == len(cols[1]) == len(cols[2]):
            raise InvalidProfile("add_line_ticks() was given columns of different lengths")
        if len(cols[0]):
            self._line_ticks.append(cols)

    def _built_line_ticks(self) -> LineTicks | None:
        if not self._line_ticks:
            return None
        node, line, ticks = (np.concatenate(parts) for parts in zip(*self._line_ticks, strict=True))
        keep = ticks > 0
        return LineTicks(node=node[keep], line=np.maximum(line[keep], 0), ticks=ticks[keep])

    def set_sample_lines(self, path, start, frame, file, line) -> None:
        """Record the source line each frame of every sample was running (see
        :class:`~flamekit.model.SampleLines`; ``path`` has one entry per sample, in the order
        they were added, and ``file`` holds this builder's string ids)."""
        self._sample_lines = SampleLines(
            path=np.asarray(path, dtype=np.int32),
            start=np.asarray(start, dtype=np.int64),
            frame=np.asarray(frame, dtype=np.int32),
            file=np.asarray(file, dtype=np.int32),
            line=np.asarray(line, dtype=np.int32),
        )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def sample_count(self) -> int:
        return self._chunked + len(self._sample_stack)

    # -- build -----------------------------------------------------------------------------
    def build(self, **meta) -> Profile:
        """Freeze everything into a validated :class:`Profile`; ``meta`` overrides Meta fields."""
        if not self._threads:
            self.thread()
        frames_arr = np.array(self._frames, dtype=np.int64).reshape(-1, 6)
        frames = Frames(
            name=frames_arr[:, 0].astype(np.int32),
            file=frames_arr[:, 1].astype(np.int32),
            module=frames_arr[:, 2].astype(np.int32),
            line=frames_arr[:, 3].astype(np.int32),
            column=frames_arr[:, 4].astype(np.int32),
            kind=frames_arr[:, 5].astype(np.uint8),
            own_line=_flags(len(self._frames), self._own_line),
        )
        stacks = Stacks(
            parent=np.frombuffer(self._parent, dtype=np.int32).copy(),
            frame=np.frombuffer(self._node_frame, dtype=np.int32).copy(),
            depth=np.frombuffer(self._depth, dtype=np.int32).copy(),
        )
        threads_arr = np.array(self._threads, dtype=np.int64).reshape(-1, 3)
        threads = Threads(
            pid=threads_arr[:, 0].copy(),
            tid=threads_arr[:, 1].copy(),
            name=threads_arr[:, 2].astype(np.int32),
        )
        stack, weight, thread, time_col = self._sample_columns()
        n = len(stack)
        if self._timed not in (0, n):
            raise InvalidProfile(f"{self._timed} of {n} samples have a timestamp: all or none must")
        _check_weights(weight)
        if weight.dtype.kind == "f" and np.array_equal(weight, np.round(weight)):
            weight = weight.astype(np.int64)
        samples = Samples(
            stack=stack,
            weight=weight,
            thread=thread,
            time=time_col if self._timed and n else None,
        )
        fields = {"warnings": tuple(self.warnings), **meta}
        profile = Profile(
            strings=tuple(self._strings),
            frames=frames,
            stacks=stacks,
            samples=samples,
            threads=threads,
            meta=_replace_meta(self.meta, fields),
            line_ticks=self._built_line_ticks(),
            sample_lines=self._sample_lines,
        )
        validate(profile)
        return profile


def _flags(n: int, ids: set[int]) -> np.ndarray | None:
    if not ids:
        return None
    out = np.zeros(n, dtype=bool)
    out[list(ids)] = True
    return out


class ValueOutOfRange(InvalidProfile):
    """An importer handed over a number the model cannot hold (the input's fault)."""


def _check_weights(weight: np.ndarray) -> None:
    """Weights are finite, >= 0 and their total fits in int64 (sums are never wrapped)."""
    if len(weight) == 0:
        return
    as_float = weight.astype(np.float64, copy=False)
    if weight.dtype.kind == "f" and not np.all(np.isfinite(weight)):
        bad = int(np.flatnonzero(~np.isfinite(weight))[0])
        raise ValueOutOfRange(f"sample {bad} has a weight that is not a finite number")
    if as_float.min() < 0:
        bad = int(np.argmin(as_float))
        raise ValueOutOfRange(f"sample {bad} has a negative weight")
    if float(as_float.sum()) >= 2.0**63 or (
        weight.dtype.kind in "iu" and _exact_sum(weight) > INT64_MAX
    ):
        raise ValueOutOfRange("the sample weights add up to more than 2**63 - 1")


def _exact_sum(weight: np.ndarray) -> int:
    """The exact total of non-negative int64 weights: high and low 32 bits summed apart."""
    if float(weight.astype(np.float64).sum()) < 2.0**62:
        return 0  # far from the limit: no need for the exact value
    w = weight.astype(np.int64, copy=False)
    return (int((w >> 32).sum()) << 32) + int((w & 0xFFFFFFFF).sum())


def _replace_meta(meta: Meta, fields: dict) -> Meta:
    import dataclasses

    return dataclasses.replace(meta, **fields)


def validate(profile: Profile) -> None:
    """Raise :class:`InvalidProfile` naming the first broken invariant of ``profile``."""
    fr, st, sa, th = profile.frames, profile.stacks, profile.samples, profile.threads
    nstr = len(profile.strings)
    if profile.meta.unit not in ("nanoseconds", "samples", "bytes"):
        raise InvalidProfile(f"unknown weight unit {profile.meta.unit!r}")
    if fr.own_line is not None and len(fr.own_line) != len(fr.name):
        raise InvalidProfile(f"frames.own_line has {len(fr.own_line)} rows, not {len(fr)}")
    for col in ("file", "module", "line", "column", "kind"):
        if len(getattr(fr, col)) != len(fr.name):
            raise InvalidProfile(f"frames.{col} has {len(getattr(fr, col))} rows, not {len(fr)}")
    for col in ("name", "file", "module"):
        ids = getattr(fr, col)
        if len(ids) and (ids.min() < 0 or ids.max() >= nstr):
            raise InvalidProfile(f"frames.{col} refers to a string that does not exist")
    if len(fr) and (fr.line.min() < 0 or fr.column.min() < 0):
        raise InvalidProfile("frame lines and columns must be 1-based or 0 (unknown)")
    n = len(st.parent)
    if len(st.frame) != n or len(st.depth) != n:
        raise InvalidProfile("stacks columns differ in length")
    if n:
        idx = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
        if np.any(st.parent >= idx) or st.parent.min() < -1:
            bad = int(np.flatnonzero((st.parent >= idx) | (st.parent < -1))[0])
            raise InvalidProfile(
                f"stack node {bad} has parent {int(st.parent[bad])} (must be < {bad})"
            )
        if st.frame.min() < 0 or st.frame.max() >= len(fr):
            raise InvalidProfile("a stack node refers to a frame that does not exist")
        expected = st.depth[st.parent] + 1  # (a root's -1 reads the last node: set below)
        expected[st.parent < 0] = 0
        if not np.array_equal(expected, st.depth):
            bad = int(np.flatnonzero(expected != st.depth)[0])
            raise InvalidProfile(
                f"stack node {bad} has depth {int(st.depth[bad])}, not {expected[bad]}"
            )
    m = len(sa.stack)
    if len(sa.weight) != m or len(sa.thread) != m or (sa.time is not None and len(sa.time) != m):
        raise InvalidProfile("samples columns differ in length")
    if m:
        if sa.stack.min() < 0 or sa.stack.max() >= n:
            raise InvalidProfile("a sample refers to a stack node that does not exist")
        if sa.weight.min() < 0:
            bad = int(np.argmin(sa.weight))
            raise InvalidProfile(f"sample {bad} has a negative weight")
        if sa.thread.min() < 0 or sa.thread.max() >= len(th):
            raise InvalidProfile("a sample refers to a thread that does not exist")
        if sa.time is not None and sa.time.min() < 0:
            raise InvalidProfile("sample times must be >= 0 (ns since the profile start)")
    if len(th.tid) != len(th.pid) or len(th.name) != len(th.pid):
        raise InvalidProfile("threads columns differ in length")
    lt = profile.line_ticks
    if lt is not None and len(lt) and (lt.node.min() < 0 or lt.node.max() >= n):
        raise InvalidProfile("a line tick refers to a stack node that does not exist")
    _validate_sample_lines(profile)


def _validate_sample_lines(profile: Profile) -> None:
    sl = profile.sample_lines
    if sl is None:
        return
    if len(sl.path) != len(profile.samples.stack):
        raise InvalidProfile(f"sample_lines has {len(sl.path)} paths, not one per sample")
    entries = len(sl.frame)
    if len(sl.file) != entries or len(sl.line) != entries or int(sl.start[-1]) != entries:
        raise InvalidProfile("sample_lines columns differ in length")
    if len(sl.path) and sl.path.max(initial=-1) >= len(sl.start) - 1:
        raise InvalidProfile("a sample refers to a line path that does not exist")
    if entries and (sl.frame.min() < 0 or sl.frame.max() >= len(profile.frames)):
        raise InvalidProfile("a sample line refers to a frame that does not exist")


def one_row_per_sample(nodes, threads, weight, counts):
    """Rows repeated so that each stands for one sample: a row of ``counts[i]`` samples
    becomes that many rows sharing its weight (any remainder on the first). Rows that count
    no samples stay one row; past MAX_ROWS samples the rows stay as they are."""
    counts = np.maximum(counts, 1)
    total = int(counts.sum())
    if total > MAX_ROWS or total == len(counts):
        return nodes, threads, weight
    share = weight // counts
    each = np.repeat(share, counts)
    firsts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=firsts[1:])
    each[firsts] += weight - share * counts
    return np.repeat(nodes, counts), np.repeat(threads, counts), each
