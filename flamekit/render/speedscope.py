"""speedscope JSON export: one shared frame table and one profile per thread.

Profiles with timestamps in nanoseconds become ``evented`` profiles (open/close events at the
samples' times, so the time line is kept), unless their events would explode (samples jumping
between deep stacks): those become ``sampled`` profiles in time order with an empty sample for
each gap, which speedscope lays out on the same time line. All others become ``sampled``
profiles whose samples keep the model's order and weights. The file is made in chunks while it
is written. Threads with a known id get py-spy's profile names,
``Process P Thread T "NAME"``, which the importer reads back into the thread table.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import orjson

from .. import __version__
from ..core.model import EMPTY_STACK, FrameKind, Profile, column_rows

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
CHUNK = 65_536  # samples or events serialized at a time
# A thread's events may take this much (estimated) before a sampled form half their size is
# preferred: below it the exact time line is worth the size.
EVENTED_LIMIT = 64 * 2**20


def profile_name(profile: Profile, thread: int) -> str:
    """The speedscope profile name of ``thread``."""
    th = profile.threads
    pid, tid = int(th.pid[thread]), int(th.tid[thread])
    name = profile.strings[th.name[thread]]
    if tid >= 0:
        prefix = f"Process {pid} " if pid >= 0 else ""
        return f'{prefix}Thread {tid} "{name}"'
    if pid >= 0:
        return f'Process {pid} "{name}"'
    return name or profile.meta.name


class _Paths:
    """The exported frame table and each used node's root-first path of exported frames.

    Frames that stand for an empty stack are left out of the table: such samples are written as
    empty stacks, as the source had them.
    """

    def __init__(self, profile: Profile) -> None:
        st = profile.stacks
        self.parent = st.parent.tolist()
        self.depth = st.depth.tolist()
        s = profile.strings
        fr = profile.frames
        self.table: list[dict] = []
        index: list[int] = []  # model frame id -> exported index (-1: an empty stack)
        rows = column_rows(fr, "name", "file", "line", "column", "kind")
        for name, file, line, col, kind in rows:
            if kind == FrameKind.SYNTHETIC and s[name] == EMPTY_STACK:
                index.append(-1)
                continue
            item: dict = {"name": s[name]}
            if file:
                item["file"] = s[file]
            if line:
                item["line"] = line
            if col:
                item["col"] = col
            index.append(len(self.table))
            self.table.append(item)
        exported = np.asarray(index, dtype=np.int64)[st.frame] if len(st) else np.zeros(0, int)
        self.frame = exported.tolist()
        # exported frames from the root to each node (empty-stack frames sit only at roots)
        self.path_len = np.where(exported >= 0, st.depth.astype(np.int64) + 1, 0)
        self.parent_array = st.parent.astype(np.int64)
        self.depth_array = st.depth.astype(np.int64)
        self._texts: dict[int, bytes] = {}

    def text(self, node: int) -> bytes:
        """``node``'s path as a JSON array of exported frame indices, root first."""
        out = self._texts.get(node)
        if out is None:
            frames = []
            parent, frame = self.parent, self.frame
            n = node
            while n >= 0:
                if frame[n] >= 0:
                    frames.append(frame[n])
                n = parent[n]
            frames.reverse()
            out = self._texts[node] = orjson.dumps(frames)
        return out


def _json_list(values: list) -> Iterator[bytes]:
    """A JSON array of numbers, in chunks."""
    yield b"["
    for k in range(0, len(values), CHUNK):
        if k:
            yield b","
        yield orjson.dumps(values[k : k + CHUNK])[1:-1]
    yield b"]"


def _samples_list(paths: _Paths, nodes: list[int]) -> Iterator[bytes]:
    """The ``samples`` array; node -1 is an empty stack (a gap)."""
    yield b"["
    text = paths.text
    for k in range(0, len(nodes), CHUNK):
        if k:
            yield b","
        yield b",".join(text(n) if n >= 0 else b"[]" for n in nodes[k : k + CHUNK])
    yield b"]"


def _profile_head(kind: str, name: str, unit: str, end: int | float) -> bytes:
    head = orjson.dumps(
        {"type": kind, "name": name, "unit": unit, "startValue": 0, "endValue": end}
    )
    return head[:-1]  # left open for the samples or events


def _sampled(
    name: str, unit: str, paths: _Paths, nodes: list[int], weights: list
) -> Iterator[bytes]:
    total = sum(weights) if weights else 0
    yield _profile_head("sampled", name, unit, total) + b',"samples":'
    yield from _samples_list(paths, nodes)
    yield b',"weights":'
    yield from _json_list(weights)
    yield b"}"


class _Timeline:
    """One thread's samples with weight, in time order, each moved past the previous one's end
    (speedscope needs non-decreasing times)."""

    def __init__(self, profile: Profile, rows: np.ndarray) -> None:
        sa = profile.samples
        assert sa.time is not None
        rows = rows[np.argsort(sa.time[rows], kind="stable")]
        self.first_time = int(sa.time[rows[0]]) if len(rows) else 0
        rows = rows[sa.weight[rows] != 0]
        self.nodes = sa.stack[rows].astype(np.int64)
        self.weights = sa.weight[rows].astype(np.int64)
        times = sa.time[rows].astype(np.int64)
        done = np.cumsum(self.weights)
        # end of sample i = max(time i, end of i - 1) + weight i, without a Python loop
        self.ends = done + np.maximum.accumulate(times - (done - self.weights))
        self.starts = self.ends - self.weights
        previous_end = np.concatenate([[self.first_time], self.ends[:-1]])
        self.gaps = self.starts - previous_end  # > 0: nothing runs before this sample
        self.end = int(self.ends[-1]) if len(self.ends) else self.first_time

    def opened(self, paths: _Paths) -> int:
        """How many frames the evented form opens (as many close): after a gap a sample opens
        its whole path, else the frames below its common ancestor with the sample before."""
        nodes = self.nodes
        if not len(nodes):
            return 0
        fresh = self.gaps > 0
        fresh[0] = True
        before = np.where(fresh, -1, np.concatenate([[-1], nodes[:-1]]))
        # each distinct (before, after) pair once, keyed by one integer
        size = len(paths.path_len) + 1
        keys, counts = np.unique((before + 1) * size + nodes, return_counts=True)
        first, second = keys // size - 1, keys % size
        ancestor = _common_ancestors(paths, first, second)
        common = np.where(ancestor >= 0, paths.path_len[np.maximum(ancestor, 0)], 0)
        opened = paths.path_len[second] - common
        return int((opened * counts).sum())

    def as_samples(self) -> tuple[list[int], list[int]]:
        """Nodes and weights with an empty sample (node -1) filling every gap."""
        where = np.flatnonzero(self.gaps > 0)
        nodes = np.insert(self.nodes, where, -1)
        weights = np.insert(self.weights, where, self.gaps[where])
        if self.first_time > 0 and len(self.nodes):  # the time before the first sample
            nodes = np.insert(nodes, 0, -1)
            weights = np.insert(weights, 0, self.first_time)
        return nodes.tolist(), weights.tolist()


def _common_ancestors(paths: _Paths, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The deepest common ancestor of each pair of nodes (-1: none, or a node is -1).

    Climbs all pairs one level at a time in numpy while many are left, the last few (the
    deepest) one by one in Python.
    """
    a, b = a.copy(), b.copy()
    parent, depth = paths.parent_array, paths.depth_array
    active = np.flatnonzero((a != b) & (a >= 0) & (b >= 0))
    while len(active) > 64:
        aa, bb = a[active], b[active]
        da, db = depth[aa], depth[bb]
        aa = np.where(da >= db, parent[aa], aa)
        bb = np.where(db >= da, parent[bb], bb)
        a[active], b[active] = aa, bb
        active = active[(aa != bb) & (aa >= 0) & (bb >= 0)]
    up, level = paths.parent, paths.depth
    for k in active.tolist():
        x, y = int(a[k]), int(b[k])
        while x != y and x >= 0 and y >= 0:
            dx, dy = level[x], level[y]
            if dx >= dy:
                x = up[x]
            if dy >= dx:
                y = up[y]
        a[k] = b[k] = x if x == y else -1
    return np.where((a == b) & (a >= 0), a, -1)


def _digits(value: int) -> int:
    return len(str(abs(int(value))))


def _sizes(timeline: _Timeline, paths: _Paths, exact: bool) -> tuple[int, int]:
    """Estimated bytes of (the events, the samples with gaps) of one thread; with ``exact``
    false the events are bounded from above (every sample opening its whole path)."""
    n = len(timeline.nodes)
    if not n:
        return 0, 0
    frame_digits = _digits(max(len(paths.table), 1))
    time_digits = _digits(timeline.end)
    frames = int(paths.path_len[timeline.nodes].sum())
    opened = timeline.opened(paths) if exact else frames
    event_bytes = 2 * opened * (28 + frame_digits + time_digits)
    gaps = int((timeline.gaps > 0).sum()) + 1
    weight_digits = _digits(int(timeline.weights.max()))
    sampled_bytes = frames * (frame_digits + 1) + (n + gaps) * (4 + weight_digits + time_digits)
    return event_bytes, sampled_bytes


def evented_is_compact(timelines: list[_Timeline], paths: _Paths) -> bool:
    """Whether to write evented profiles, which keep the time line exactly: when their events
    take at most EVENTED_LIMIT bytes, or at most twice the sampled form with empty samples for
    the gaps (which speedscope draws on the same time line).

    Samples that jump between deep stacks open and close many frames each: their events can
    be ten times the size of the stacks written out. One form for all threads, so that the
    file reads back with its timestamps when it is evented.
    """
    if sum(_sizes(t, paths, exact=False)[0] for t in timelines) <= EVENTED_LIMIT:
        return True
    sizes = [_sizes(t, paths, exact=True) for t in timelines]
    events = sum(e for e, _ in sizes)
    return events <= max(EVENTED_LIMIT, 2 * sum(s for _, s in sizes))


def _evented(name: str, timeline: _Timeline, paths: _Paths) -> Iterator[bytes]:
    """Open/close events for one thread: each sample from its start for its weight; a gap
    between samples closes every open frame. Only the frames that change get events, however
    deep the stack."""
    frame_of = paths.frame
    parent = paths.parent
    depth = paths.depth
    yield _profile_head("evented", name, "nanoseconds", timeline.end) + b',"events":['
    buf: list[str] = []
    first = True
    open_nodes: list[int] = []  # open_nodes[d] is the open node at depth d
    end = timeline.first_time
    rows = zip(
        timeline.starts.tolist(), timeline.ends.tolist(), timeline.nodes.tolist(), strict=True
    )
    for t, sample_end, node in rows:
        if t > end and open_nodes:
            for n in reversed(open_nodes):
                buf.append(f'{{"type":"C","frame":{frame_of[n]},"at":{end}}}')
            open_nodes.clear()
        # climb from the sample's node to the deepest node that is already open
        chain: list[int] = []
        common = 0
        if frame_of[node] >= 0:  # (an empty-stack sample opens nothing)
            n = node
            k = len(open_nodes)
            while n >= 0 and not (depth[n] < k and open_nodes[depth[n]] == n):
                chain.append(n)
                n = parent[n]
            common = depth[n] + 1 if n >= 0 else 0
        for n in reversed(open_nodes[common:]):
            buf.append(f'{{"type":"C","frame":{frame_of[n]},"at":{t}}}')
        del open_nodes[common:]
        for n in reversed(chain):
            buf.append(f'{{"type":"O","frame":{frame_of[n]},"at":{t}}}')
            open_nodes.append(n)
        end = sample_end
        if len(buf) >= CHUNK:
            yield ("" if first else ",").encode() + ",".join(buf).encode()
            first = False
            buf.clear()
    for n in reversed(open_nodes):
        buf.append(f'{{"type":"C","frame":{frame_of[n]},"at":{end}}}')
    if buf:
        yield ("" if first else ",").encode() + ",".join(buf).encode()
    yield b"]}"


def _profiles(profile: Profile, paths: _Paths) -> Iterator[Iterator[bytes]]:
    """Each thread's profile, as chunks."""
    sa = profile.samples
    order = np.argsort(sa.thread, kind="stable")
    threads, starts = np.unique(sa.thread[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    rows = [order[bounds[k] : bounds[k + 1]] for k in range(len(threads))]
    names = [profile_name(profile, t) for t in threads.tolist()]
    if profile.has_times and profile.unit == "nanoseconds":
        timelines = [_Timeline(profile, r) for r in rows]
        evented = evented_is_compact(timelines, paths)
        for name, timeline in zip(names, timelines, strict=True):
            if evented:
                yield _evented(name, timeline, paths)
            else:
                nodes, weights = timeline.as_samples()
                yield _sampled(name, "nanoseconds", paths, nodes, weights)
        return
    unit = profile.unit if profile.unit in ("nanoseconds", "bytes") else "none"
    for name, r in zip(names, rows, strict=True):
        if sa.time is not None:
            r = r[np.argsort(sa.time[r], kind="stable")]
        yield _sampled(name, unit, paths, sa.stack[r].tolist(), sa.weight[r].tolist())


def speedscope_chunks(profile: Profile) -> Iterator[bytes]:
    """The speedscope file in pieces, made while they are written: memory stays bounded by
    the profile, not by the file.

    Threads are evented profiles when they have timestamps in nanoseconds, unless the events
    would be big and more than twice the size of the same samples written as stacks (samples
    that jump between deep stacks); then they are sampled profiles with an empty sample for
    each gap, which the speedscope app lays out on the same time line.
    """
    paths = _Paths(profile)
    head = {
        "$schema": SCHEMA,
        "exporter": f"flamekit@{__version__}",
        "name": profile.meta.name or "flamekit profile",
        "activeProfileIndex": 0,
    }
    yield orjson.dumps(head)[:-1] + b',"shared":{"frames":' + orjson.dumps(paths.table)
    yield b'},"profiles":['
    for k, chunks in enumerate(_profiles(profile, paths)):
        if k:
            yield b","
        yield from chunks
    yield b"]}\n"


def render_speedscope(profile: Profile) -> bytes:
    """The whole speedscope JSON file."""
    return b"".join(speedscope_chunks(profile))


def speedscope_document(profile: Profile) -> dict:
    """The speedscope file as a JSON-ready dict."""
    return orjson.loads(render_speedscope(profile))


__all__ = ["profile_name", "render_speedscope", "speedscope_chunks", "speedscope_document"]
