"""The normalized profile: frames, call tree, samples and threads as numpy columns.

Every table is a frozen dataclass of equally long numpy arrays. Strings are interned once in
``Profile.strings`` and referred to by index. The call tree is a prefix trie: ``stacks.parent[i]``
is the parent node (-1 for a root) and always smaller than ``i``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

import numpy as np

from .extensions import profile_class_made

Unit = Literal["nanoseconds", "samples", "bytes"]


def column_rows(table: object, *columns: str) -> zip:
    """The rows of the named numpy columns of ``table`` as Python values (a strict zip)."""
    return zip(*(getattr(table, c).tolist() for c in columns), strict=True)


class FrameKind(IntEnum):
    """What kind of code a frame stands for; used for colouring and filtering."""

    UNKNOWN = 0
    USER = 1  # the application's own code (JS user code, Python, ...)
    DEPENDENCY = 2  # third-party code (node_modules, site-packages)
    RUNTIME = 3  # the language runtime's own library (node: internals, stdlib)
    NATIVE = 4  # native code, V8 internals, (program)
    KERNEL = 5
    JIT = 6
    GC = 7
    IDLE = 8
    SYNTHETIC = 9  # process/thread roots and other frames made up by an importer

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, eq=False)
class Frames:
    """One row per distinct frame. Lines and columns are 1-based; 0 means unknown.

    ``own_line[f]`` says whether frame f's line and column are the position of the function
    itself (V8 call frames, speedscope frames) rather than the line being run (py-spy, perf
    srcline). The importer sets it; a function is identified by name, file, module and, only
    where ``own_line`` holds, line and column (see :func:`flamekit.analyze.weights.function_table`).
    """

    name: np.ndarray  # int32 string ids
    file: np.ndarray  # int32 string ids (0 = empty string = unknown)
    module: np.ndarray  # int32 string ids
    line: np.ndarray  # int32
    column: np.ndarray  # int32
    kind: np.ndarray  # uint8 FrameKind
    own_line: np.ndarray | None = None  # bool; None: no frame has its function's own line

    def __len__(self) -> int:
        return len(self.name)

    def owns_line(self) -> np.ndarray:
        """Boolean per frame: line and column are the function's own position."""
        if self.own_line is None:
            return np.zeros(len(self.name), dtype=bool)
        return self.own_line


@dataclass(frozen=True, eq=False)
class Stacks:
    """The call tree as a prefix trie; node i is the path root..frame[i]."""

    parent: np.ndarray  # int32, -1 for roots, parent[i] < i
    frame: np.ndarray  # int32 index into Frames
    depth: np.ndarray  # int32, 0 for roots

    def __len__(self) -> int:
        return len(self.parent)


@dataclass(frozen=True, eq=False)
class Samples:
    """One row per sample (or per aggregated folded line)."""

    stack: np.ndarray  # int32 node of the leaf frame
    weight: np.ndarray  # int64 (float64 only for fractional folded counts), in Meta.unit
    thread: np.ndarray  # int32 index into Threads
    time: np.ndarray | None = None  # int64 ns since profile start, or None

    def __len__(self) -> int:
        return len(self.stack)


@dataclass(frozen=True, eq=False)
class Threads:
    pid: np.ndarray  # int64, -1 unknown
    tid: np.ndarray  # int64, -1 unknown
    name: np.ndarray  # int32 string ids

    def __len__(self) -> int:
        return len(self.pid)


@dataclass(frozen=True, eq=False)
class LineTicks:
    """Where inside its function a node's self time ran, as the format records it (V8
    ``positionTicks``, Chrome trace chunk ``lines``): node ``node[k]`` spent ``ticks[k]`` (a share
    of its self weight, in any unit) on source line ``line[k]`` (0: unknown)."""

    node: np.ndarray  # int32 call-tree node
    line: np.ndarray  # int32, 1-based, 0 unknown
    ticks: np.ndarray  # float64 relative share

    def __len__(self) -> int:
        return len(self.node)


@dataclass(frozen=True, eq=False)
class SampleLines:
    """The source line each frame of a sample was running, where the format records it per
    sample apart from the frame (perf ``srcline``), so that frames and call tree stay as without
    it. Sample ``k`` ran path ``path[k]`` (-1: none recorded); path ``p`` is the entries
    ``start[p]:start[p + 1]``, one per frame of the sample's stack below the root, root first:
    ``frame`` ran line ``line`` (0: unknown) of file ``file`` (a string id)."""

    path: np.ndarray  # int32 per sample
    start: np.ndarray  # int64, one more than there are paths
    frame: np.ndarray  # int32 frame id per entry
    file: np.ndarray  # int32 string id per entry
    line: np.ndarray  # int32 per entry, 0 unknown

    def __len__(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class Meta:
    """Facts about the profile as a whole."""

    source_format: str
    unit: Unit = "samples"
    name: str = ""
    period_ns: int = 0  # the nominal sampling interval, 0 when unknown
    start_ns: int = 0  # absolute start in the profiler's clock, 0 when unknown
    duration_ns: int = 0  # wall-clock length of the profile, 0 when unknown
    has_idle_marker: bool = False  # the format marks idle time (e.g. V8's (idle))
    counted: bool = False  # a sample row's weight is how many samples it stands for (folded)
    lines_dropped_by: str = ""  # the transform that dropped the source lines the format had
    # Facts about the format, set by its importer and read instead of the format's name:
    samples_ordered: bool = False  # rows are in sampling order per thread, even without times
    rows_are_intervals: bool = False  # timed rows are stack-change intervals, not one sample each
    knows_kinds: bool = True  # False: the format cannot say what a frame is (folded stacks)
    times_hint: str = ""  # how to record this format with timestamps, for commands needing them
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Profile:
    """An immutable, validated profile; :class:`~flamekit.core.builder.ProfileBuilder` builds one.

    The transforms of :mod:`flamekit.core.transforms` are also methods, for chaining; the
    analyses are free functions (:mod:`flamekit.analyze`), which :mod:`flamekit.api` also
    offers as methods.
    """

    strings: tuple[str, ...]
    frames: Frames
    stacks: Stacks
    samples: Samples
    threads: Threads
    meta: Meta
    line_ticks: LineTicks | None = None  # per-node line shares, where the format has them
    sample_lines: SampleLines | None = None  # per-sample running lines (perf srcline)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # -- convenience accessors -------------------------------------------------------------
    @property
    def unit(self) -> Unit:
        return self.meta.unit

    @property
    def has_times(self) -> bool:
        return self.samples.time is not None

    @property
    def rows_are_samples(self) -> bool:
        """Whether each sample row of a timed profile is one sample taken by a profiler.

        Profiles that record stack changes (evented speedscope, py-spy chrometrace) hold the
        intervals between them instead: consecutive samples with the same stack are one row.
        """
        return not (self.meta.rows_are_intervals and self.has_times)

    def total_weight(self) -> int | float:
        """Sum of all sample weights, in ``unit``."""
        total = self.samples.weight.sum()
        return total.item()

    def sample_count(self) -> int:
        """How many samples the profile holds: the summed counts of formats whose rows are
        counts (folded, py-spy raw), else the number of sample rows."""
        w = self.samples.weight
        if self.meta.counted and np.issubdtype(w.dtype, np.integer):
            return int(w.sum())
        return len(self.samples)

    def frame_name(self, frame: int) -> str:
        return self.strings[self.frames.name[frame]]

    def frame_file(self, frame: int) -> str:
        return self.strings[self.frames.file[frame]]

    def stack_frames(self, node: int) -> list[int]:
        """Frame ids from the root to ``node`` (inclusive)."""
        parent = self.stacks.parent
        frame = self.stacks.frame
        out = []
        while node >= 0:
            out.append(int(frame[node]))
            node = int(parent[node])
        out.reverse()
        return out

    def stack_names(self, node: int) -> list[str]:
        return [self.frame_name(f) for f in self.stack_frames(node)]

    def thread_label(self, thread: int) -> str:
        name = self.strings[self.threads.name[thread]]
        tid = int(self.threads.tid[thread])
        if name and tid >= 0:
            return f"{name} ({tid})"
        return name or (str(tid) if tid >= 0 else "")

    def replace(self, **changes) -> Profile:
        """A new Profile with some tables replaced (the rest shared). Line ticks refer to
        call-tree nodes: a new call tree without its own line ticks has none. Sample lines
        refer to samples and frames: new samples or frames without their own have none."""
        changes.setdefault("_cache", {})
        if "stacks" in changes:
            changes.setdefault("line_ticks", None)
        if "samples" in changes or "frames" in changes:
            changes.setdefault("sample_lines", None)
        return dataclasses.replace(self, **changes)

    def cached(self, key, compute):
        """Memoize a derived value (such as weights) on this immutable profile."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # -- transforms ------------------------------------------------------------------------
    def focus(self, pattern: str) -> Profile:
        """Samples whose stack has a frame matching ``pattern``, stacks whole."""
        from .transforms import focus

        return focus(self, pattern)

    def focus_root(self, pattern: str) -> Profile:
        """Samples whose stack has a match, re-rooted at the outermost matching frame."""
        from .transforms import focus_root

        return focus_root(self, pattern)

    def exclude(self, pattern: str | Sequence[str]) -> Profile:
        """Without the samples whose stack has a matching frame."""
        from .transforms import exclude

        return exclude(self, pattern)

    def hide(self, pattern: str | Sequence[str]) -> Profile:
        """Matching frames removed from the stacks, their time given to the caller."""
        from .transforms import hide

        return hide(self, pattern)

    def collapse_recursion(self, *, direct_only: bool = False) -> Profile:
        """Recursive calls merged into the outer call."""
        from .transforms import collapse_recursion

        return collapse_recursion(self, direct_only=direct_only)

    def select_threads(self, *selectors: str | int) -> Profile:
        """Only the threads with these names (globs) or tids."""
        from .transforms import select_threads

        return select_threads(self, selectors)

    def merge_threads(self) -> Profile:
        """All samples in one thread."""
        from .transforms import merge_threads

        return merge_threads(self)

    def time_slice(self, start_ns: int | None = None, end_ns: int | None = None) -> Profile:
        """The samples taken in ``[start_ns, end_ns)``."""
        from .transforms import time_slice

        return time_slice(self, start_ns, end_ns)

    def no_idle(self) -> Profile:
        """Without idle samples."""
        from .transforms import no_idle

        return no_idle(self)

    def group_by(self, by: str) -> Profile:
        """Frames replaced by their function, file, module or package."""
        from .transforms import group_by

        return group_by(self, by)  # type: ignore[arg-type]

    def invert(self) -> Profile:
        """Stacks leaf first."""
        from .transforms import invert

        return invert(self)

    def transform(self, **options) -> Profile:
        """Several transforms at once, in the CLI order (:func:`flamekit.transforms.apply`)."""
        from .transforms import apply

        return apply(self, **options)

    def __repr__(self) -> str:
        return (
            f"<Profile {self.meta.source_format} {self.meta.name!r}: {len(self.samples)} samples, "
            f"{len(self.stacks)} nodes, {len(self.frames)} frames, {len(self.threads)} threads, "
            f"unit={self.unit}>"
        )


profile_class_made(Profile)

# The frame an importer gives a sample whose stack is empty (py-spy writes such samples for a
# thread with no Python frames; speedscope allows empty sampled stacks). Kind SYNTHETIC.
EMPTY_STACK = "(empty stack)"
