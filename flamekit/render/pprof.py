"""pprof output: a gzipped ``Profile`` protobuf that ``go tool pprof``, speedscope, Pyroscope
and Parca read.

Sample types: ``samples/count`` and, for timed profiles, ``cpu/nanoseconds`` (the default), or
``space/bytes`` for memory. One sample per distinct (stack, thread), its values summed, as Go
writes them. A function is a flamekit function (name, file, own line); a location is a frame
(its line and column); a module becomes a mapping. Threads are ``pid``, ``thread_id`` and
``thread_name`` labels. Written gzipped, as Go's runtime/pprof writes every profile.
"""

from __future__ import annotations

import gzip

import numpy as np

from ..core.model import Profile
from ..core.tree import ancestors_or_self
from ..core.weights import function_table
from ..errors import UsageError
from ..pprof_schema import LabelMessage, ProfileMessage

EPOCH_2000_NS = 946_684_800 * 10**9  # earlier start times are a profiler's clock, not a date


class _Strings:
    def __init__(self, msg) -> None:
        self._msg = msg
        self._ids: dict[str, int] = {}
        self.id("")

    def id(self, text: str) -> int:
        sid = self._ids.get(text)
        if sid is None:
            sid = self._ids[text] = len(self._ids)
            self._msg.string_table.append(text)
        return sid


def render_pprof(profile: Profile) -> bytes:
    """The profile as gzipped pprof protobuf bytes."""
    return gzip.compress(build_message(profile).SerializeToString(), compresslevel=6, mtime=0)


def build_message(profile: Profile):
    """The pprof ``Profile`` message of ``profile``."""
    weight = profile.samples.weight
    if weight.dtype.kind == "f":
        raise UsageError(
            "pprof values are integers and this profile has fractional weights",
            hint="convert it to folded or speedscope instead",
        )
    msg = ProfileMessage()
    strings = _Strings(msg)
    _write_header(msg, strings, profile)
    _write_code(msg, strings, profile)
    _write_samples(msg, strings, profile)
    return msg


def _value_types(profile: Profile) -> list[tuple[str, str]]:
    if profile.unit == "nanoseconds":
        return [("samples", "count"), ("cpu", "nanoseconds")]
    if profile.unit == "bytes":
        return [("space", "bytes")]
    return [("samples", "count")]


def _write_header(msg, strings: _Strings, profile: Profile) -> None:
    types = _value_types(profile)
    for kind, unit in types:
        msg.sample_type.add(type=strings.id(kind), unit=strings.id(unit))
    msg.default_sample_type = strings.id(types[-1][0])
    meta = profile.meta
    if profile.unit == "nanoseconds" and meta.period_ns > 0:
        msg.period_type.type = strings.id("cpu")
        msg.period_type.unit = strings.id("nanoseconds")
        msg.period = meta.period_ns
    if meta.start_ns >= EPOCH_2000_NS:
        msg.time_nanos = meta.start_ns
    if meta.duration_ns > 0:
        msg.duration_nanos = meta.duration_ns


def _write_code(msg, strings: _Strings, profile: Profile) -> None:
    """One function per flamekit function, one mapping per module, one location per frame."""
    table = function_table(profile)
    text = profile.strings
    for fid in range(len(table.name)):
        name = strings.id(text[table.name[fid]])
        msg.function.add(
            id=fid + 1,
            name=name,
            system_name=name,
            filename=strings.id(text[table.file[fid]]),
            start_line=int(table.line[fid]),
        )
    modules: dict[int, int] = {}
    frames = profile.frames
    own = frames.owns_line()
    for f in range(len(frames)):
        module = int(frames.module[f])
        mapping = 0
        if module:
            mapping = modules.get(module, 0)
            if not mapping:
                mapping = modules[module] = len(modules) + 1
                msg.mapping.add(id=mapping, filename=strings.id(text[module]), has_functions=True)
        loc = msg.location.add(id=f + 1, mapping_id=mapping)
        column = int(frames.column[f]) if own[f] else 0
        loc.line.add(
            function_id=int(table.of_frame[f]) + 1, line=int(frames.line[f]), column=column
        )


def _write_samples(msg, strings: _Strings, profile: Profile) -> None:
    samples = profile.samples
    threads = len(profile.threads)
    key = samples.stack.astype(np.int64) * threads + samples.thread
    distinct, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.reshape(-1)
    exact = np.zeros(len(distinct), dtype=np.int64)
    np.add.at(exact, inverse, samples.weight.astype(np.int64))
    counts = _counts(profile, inverse, len(distinct))
    labels = _thread_labels(strings, profile)
    paths = _location_paths(profile, (distinct // threads).tolist())
    timed = profile.unit == "nanoseconds"
    for i, (node_key, total) in enumerate(zip(distinct.tolist(), exact.tolist(), strict=True)):
        sample = msg.sample.add()
        sample.location_id.extend(paths[node_key // threads])
        sample.value.extend([int(counts[i]), total] if timed else [total])
        sample.label.extend(labels[node_key % threads])


def _counts(profile: Profile, inverse: np.ndarray, n: int) -> np.ndarray:
    """Samples per output row: the weights of counted formats, whole periods of pprof-like
    ones, else one per sample row."""
    weight = profile.samples.weight.astype(np.int64)
    period = profile.meta.period_ns
    if profile.meta.counted and profile.unit == "samples":
        per_row = weight
    elif period > 0 and len(weight) and not np.any(weight % period):
        per_row = weight // period
    else:
        per_row = np.ones(len(weight), dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, inverse, per_row)
    return out


def _thread_labels(strings: _Strings, profile: Profile) -> list[list]:
    """The labels naming each thread (none for an unnamed thread without ids)."""
    th = profile.threads
    out = []
    for t in range(len(th)):
        labels = []
        pid, tid, name = int(th.pid[t]), int(th.tid[t]), profile.strings[th.name[t]]
        if pid >= 0:
            labels.append(LabelMessage(key=strings.id("pid"), num=pid))
        if tid >= 0:
            labels.append(LabelMessage(key=strings.id("thread_id"), num=tid))
        if name:
            labels.append(LabelMessage(key=strings.id("thread_name"), str=strings.id(name)))
        out.append(labels)
    return out


def _location_paths(profile: Profile, nodes: list[int]) -> dict[int, list[int]]:
    """Location ids (frame + 1), leaf first, of each call-tree node in ``nodes``."""
    stacks = profile.stacks
    out: dict[int, list[int]] = {}
    for node in nodes:
        if node not in out:
            path = ancestors_or_self(stacks, node)[::-1]
            out[node] = (stacks.frame[path] + 1).tolist()
    return out
