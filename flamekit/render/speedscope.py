"""speedscope JSON export: one shared frame table and one profile per thread.

Profiles with timestamps in nanoseconds become ``evented`` profiles (open/close events at the
samples' times, so the time line is kept); all others become ``sampled`` profiles whose samples
keep the model's order and weights. Threads with a known id get py-spy's profile names,
``Process P Thread T "NAME"``, which the importer reads back into the thread table.
"""

from __future__ import annotations

import numpy as np
import orjson

from .. import __version__
from ..model import EMPTY_STACK, FrameKind, Profile

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


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
    """The exported frame table and the root-first frame-index path of every node used.

    Frames that stand for an empty stack are left out of the table: such samples are written as
    empty stacks, as the source had them.
    """

    def __init__(self, profile: Profile) -> None:
        self.parent = profile.stacks.parent.tolist()
        self.depth = profile.stacks.depth.tolist()
        s = profile.strings
        fr = profile.frames
        self.table: list[dict] = []
        self.index: list[int] = []  # model frame id -> exported index (-1: an empty stack)
        rows = zip(
            fr.name.tolist(),
            fr.file.tolist(),
            fr.line.tolist(),
            fr.column.tolist(),
            fr.kind.tolist(),
            strict=True,
        )
        for name, file, line, col, kind in rows:
            if kind == FrameKind.SYNTHETIC and s[name] == EMPTY_STACK:
                self.index.append(-1)
                continue
            item: dict = {"name": s[name]}
            if file:
                item["file"] = s[file]
            if line:
                item["line"] = line
            if col:
                item["col"] = col
            self.index.append(len(self.table))
            self.table.append(item)
        self.frame = [self.index[f] for f in profile.stacks.frame.tolist()]
        self.cache: dict[int, list[int]] = {}

    def frames(self, node: int) -> list[int]:
        """Exported frame indices from the root to ``node``."""
        path = self.cache.get(node)
        if path is None:
            path = [self.frame[n] for n in self.nodes(node)]
            path = [f for f in path if f >= 0]
            self.cache[node] = path
        return path

    def nodes(self, node: int) -> list[int]:
        """Nodes from the root to ``node``, leaving out empty-stack frames."""
        out = []
        parent = self.parent
        while node >= 0:
            if self.frame[node] >= 0:
                out.append(node)
            node = parent[node]
        out.reverse()
        return out


def _sampled(profile: Profile, rows: np.ndarray, paths: _Paths, name: str) -> dict:
    sa = profile.samples
    if sa.time is not None:
        rows = rows[np.argsort(sa.time[rows], kind="stable")]
    weights = sa.weight[rows]
    samples = [paths.frames(node) for node in sa.stack[rows].tolist()]
    total = weights.sum().item() if len(weights) else 0
    return {
        "type": "sampled",
        "name": name,
        "unit": "nanoseconds" if profile.unit == "nanoseconds" else "none",
        "startValue": 0,
        "endValue": total,
        "samples": samples,
        "weights": weights.tolist(),
    }


def _evented(profile: Profile, rows: np.ndarray, paths: _Paths, name: str) -> dict:
    """Events for one thread: samples in time order, each from its time for its weight.

    A sample that starts before the previous one ends is moved to that end (speedscope needs
    non-decreasing times); a gap between samples closes every open frame.
    """
    sa = profile.samples
    assert sa.time is not None
    rows = rows[np.argsort(sa.time[rows], kind="stable")]
    times = sa.time[rows].tolist()
    weights = sa.weight[rows].tolist()
    stacks = sa.stack[rows].tolist()
    frame_of = paths.frame
    parent = paths.parent
    depth = paths.depth
    events: list[dict] = []
    open_nodes: list[int] = []  # open_nodes[d] is the open node at depth d
    end = times[0] if times else 0
    for t, w, node in zip(times, weights, stacks, strict=True):
        if not w:
            continue
        if t > end and open_nodes:
            for n in reversed(open_nodes):
                events.append({"type": "C", "frame": frame_of[n], "at": end})
            open_nodes.clear()
        t = max(t, end)
        # climb from the sample's node to the deepest node that is already open: only the
        # frames that change get events, however deep the stack
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
            events.append({"type": "C", "frame": frame_of[n], "at": t})
        del open_nodes[common:]
        for n in reversed(chain):
            events.append({"type": "O", "frame": frame_of[n], "at": t})
            open_nodes.append(n)
        end = t + w
    for n in reversed(open_nodes):
        events.append({"type": "C", "frame": frame_of[n], "at": end})
    return {
        "type": "evented",
        "name": name,
        "unit": "nanoseconds",
        "startValue": 0,
        "endValue": end,
        "events": events,
    }


def speedscope_document(profile: Profile) -> dict:
    """The speedscope file as a JSON-ready dict."""
    paths = _Paths(profile)
    sa = profile.samples
    evented = profile.has_times and profile.unit == "nanoseconds"
    order = np.argsort(sa.thread, kind="stable")
    threads, starts = np.unique(sa.thread[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    profiles = []
    for k, thread in enumerate(threads.tolist()):
        rows = order[bounds[k] : bounds[k + 1]]
        name = profile_name(profile, thread)
        if evented:
            profiles.append(_evented(profile, rows, paths, name))
        else:
            profiles.append(_sampled(profile, rows, paths, name))
    return {
        "$schema": SCHEMA,
        "exporter": f"flamekit@{__version__}",
        "name": profile.meta.name or "flamekit profile",
        "activeProfileIndex": 0,
        "shared": {"frames": paths.table},
        "profiles": profiles,
    }


def render_speedscope(profile: Profile) -> bytes:
    """The speedscope JSON file, serialized with orjson."""
    return orjson.dumps(speedscope_document(profile)) + b"\n"


__all__ = ["profile_name", "render_speedscope", "speedscope_document"]
