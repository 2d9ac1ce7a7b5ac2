"""pprof profiles (``profile.proto``, usually ``.pb.gz``): Go's ``runtime/pprof``, Node's pprof
packages, cloud and continuous profilers.

One sample type becomes the weight (``sample_type``: by name or index; else the profile's
``default_sample_type``, else the last one, as pprof chooses). Each location's lines become
frames, inlined ones included; a function is its name, system name, file and start line, and a
mapping's file is the module of its frames. Labels naming a thread (``thread``, ``thread_name``,
``thread_id``) make the thread table; ``tag`` filters keep samples whose label matches, as
``pprof -tagfocus`` does. Times, bytes and counts keep their units.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from ..core.builder import ProfileBuilder, ValueOutOfRange, one_row_per_sample
from ..core.model import EMPTY_STACK, FrameKind, Profile
from ..errors import UsageError
from ..pprof_schema import ProfileMessage, RawSamplesProfileMessage
from ..sources import Source
from .pprof_samples import SampleColumns, decode_fast, decode_messages
from .pprof_sniff import sniff
from .pprof_stacks import unique_paths, unique_rows
from .pprof_tables import Strings, location_frames

__all__ = ["load", "sniff"]

# (long name, short name, flamekit unit, factor to it) of each unit pprof files name
_SCALES = (
    ("nanoseconds", "ns", "nanoseconds", 1),
    ("microseconds", "us", "nanoseconds", 1_000),
    ("milliseconds", "ms", "nanoseconds", 1_000_000),
    ("seconds", "s", "nanoseconds", 1_000_000_000),
    ("bytes", "b", "bytes", 1),
    ("kilobytes", "kb", "bytes", 1024),
    ("megabytes", "mb", "bytes", 1024**2),
    ("gigabytes", "gb", "bytes", 1024**3),
)
# unit name -> (flamekit unit, factor to it)
UNITS: dict[str, tuple[str, int]] = {
    name: (unit, factor) for long, short, unit, factor in _SCALES for name in (long, short)
}
THREAD_NAME_KEYS = ("thread", "thread_name", "thread name")
THREAD_ID_KEYS = ("thread_id", "thread id", "tid")
PID_KEYS = ("pid", "process_id", "process id")
COUNT_TYPES = ("samples", "sample")
HINT = "is this a pprof profile? 'go tool pprof -raw FILE' shows what it holds"


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a pprof profile."""

    def fail(message: str, hint: str = HINT):
        return source.error(message, hint=hint)

    msg, samples = _parse(source.read_bytes(), fail)
    strings = Strings(msg.string_table, fail)
    index, _type_name, unit_name = choose_sample_type(msg, strings, options.get("sample_type"))
    unit, scale = UNITS.get(unit_name.lower(), ("samples", 1))
    builder = ProfileBuilder("pprof", unit=unit, name=_stem(source.stem))
    try:
        loc_ids, loc_frames = location_frames(msg, strings, builder, fail)
    except ValueOutOfRange as exc:
        raise fail(exc.message) from None
    weight = _weights(samples, index, scale, len(msg.sample_type), fail)
    keep = weight > 0  # pprof leaves out samples without a value
    for spec in options.get("tag") or ():
        keep &= tag_filter(samples, strings, spec)
    nodes = _sample_nodes(samples, loc_ids, loc_frames, builder, keep, fail)
    threads = _threads(samples, strings, builder, keep)
    weight = weight[keep]
    if unit == "nanoseconds":  # times: one row per sample taken, where the profile counts them
        counts = _sample_counts(msg, strings, samples, fail)
        if counts is not None:
            nodes, threads, weight = one_row_per_sample(nodes, threads, weight, counts[keep])
    builder.add_samples(nodes, weight, threads=threads)
    try:
        return builder.build(
            period_ns=_period_ns(msg, strings),
            start_ns=max(0, int(msg.time_nanos)),
            duration_ns=max(0, int(msg.duration_nanos)),
            counted=unit == "samples",
            knows_kinds=False,  # pprof says nothing of what a frame is
        )
    except ValueOutOfRange as exc:
        raise fail(exc.message) from None


def _period_ns(msg, strings: Strings) -> int:
    """The sampling period, when it is a time (CPU profiles); else 0."""
    unit = strings[msg.period_type.unit].lower() if msg.HasField("period_type") else ""
    kind, scale = UNITS.get(unit, ("", 0))
    period = int(msg.period) * scale if kind == "nanoseconds" and msg.period > 0 else 0
    return period if period < 2**62 else 0


def _stem(stem: str) -> str:
    for suffix in (".pb", ".pprof", ".prof"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def _parse(data: bytes, fail):
    """The profile message (samples left as bytes) and its samples' columns."""
    try:
        msg = RawSamplesProfileMessage.FromString(data)
        columns = decode_fast(msg.sample)
        if columns is None:  # an unusual encoding: read the samples as messages
            columns = decode_messages(ProfileMessage.FromString(data).sample)
    except DecodeError:
        raise fail("not a valid pprof profile: the protobuf data is truncated or damaged") from None
    if not len(msg.sample_type):
        raise fail("the profile has no sample types, so its values mean nothing")
    return msg, columns


def choose_sample_type(msg, strings: Strings, wanted: str | None) -> tuple[int, str, str]:
    """(index, type, unit) of the sample type to use, as ``pprof -sample_index`` picks it."""
    types = [(strings[t.type], strings[t.unit]) for t in msg.sample_type]
    names = [t for t, _ in types]
    if wanted is None:
        default = strings[msg.default_sample_type] if msg.default_sample_type else ""
        index = names.index(default) if default in names else len(types) - 1
    elif wanted in names:
        index = names.index(wanted)
    elif wanted.isdigit() and int(wanted) < len(types):
        index = int(wanted)
    else:
        raise UsageError(
            f"--sample-type {wanted}: the profile has no such sample type",
            hint="choose one of: " + ", ".join(f"{t} ({u})" for t, u in types),
        )
    return index, *types[index]


def _weights(samples: SampleColumns, index: int, scale: int, count: int, fail) -> np.ndarray:
    sizes = np.diff(samples.value_start)
    if len(sizes) and np.any(sizes != count):
        bad = int(np.flatnonzero(sizes != count)[0])
        raise fail(f"sample {bad} has {int(sizes[bad])} values for {count} sample types")
    values = samples.value.reshape(-1, count)[:, index] if count else samples.value
    if len(values) and values.min() < 0:
        bad = int(np.argmin(values))
        raise fail(
            f"sample {bad} has a negative value ({int(values[bad])})",
            hint="a pprof diff profile? compare the two profiles with 'flamekit diff'",
        )
    if scale != 1:
        if len(values) and int(values.max()) > (2**63 - 1) // scale:
            raise fail("a sample value does not fit in 64 bits once converted")
        values = values * scale
    return values


def _sample_counts(msg, strings: Strings, samples: SampleColumns, fail) -> np.ndarray | None:
    """How many samples each sample row stands for, from a ``samples``/``sample`` type in
    ``count`` (Go, Node), or None."""
    types = [(strings[t.type], strings[t.unit]) for t in msg.sample_type]
    for index, (kind, unit) in enumerate(types):
        if kind in COUNT_TYPES and unit == "count":
            return _weights(samples, index, 1, len(types), fail)
    return None


def tag_filter(samples: SampleColumns, strings: Strings, spec: str) -> np.ndarray:
    """Which samples ``KEY=REGEX`` keeps: a string label KEY whose value matches one of the
    comma-separated REGEXes (searched, as pprof's -tagfocus does); without ``KEY=``, any
    label ``key:value`` matching."""
    key, sep, pattern = spec.partition("=")
    if not sep:
        key, pattern = "", spec
    try:
        regexes = [re.compile(p) for p in pattern.split(",")]
    except re.error as exc:
        raise UsageError(f"--tag {spec}: bad regular expression: {exc}") from None
    has_str = samples.label_str != 0
    if key:
        rows = np.flatnonzero(np.isin(samples.label_key, strings.ids_of(key)) & has_str)
    else:
        rows = np.flatnonzero(has_str)
    strings.check(samples.label_key[rows], "a label")
    strings.check(samples.label_str[rows], "a label")
    distinct, inverse = unique_rows(samples.label_key[rows], samples.label_str[rows])
    texts = [strings[v] if key else f"{strings[k]}:{strings[v]}" for k, v in distinct]

    def having(any_of: list[re.Pattern]) -> np.ndarray:
        matched = np.array([any(rx.search(t) for rx in any_of) for t in texts], dtype=bool)
        out = np.zeros(len(samples), dtype=bool)
        if len(rows):
            out[samples.label_sample[rows[matched[inverse]]]] = True
        return out

    if key:  # a KEY label matching any of the patterns
        return having(regexes)
    keep = np.ones(len(samples), dtype=bool)
    for rx in regexes:  # each pattern matched by some label
        keep &= having([rx])
    return keep


def _sample_nodes(samples, loc_ids, loc_frames, builder, keep, fail) -> np.ndarray:
    """The call-tree node of each kept sample."""
    ids = samples.loc_id
    where = np.searchsorted(loc_ids, ids)
    found = where < len(loc_ids)
    found[found] = loc_ids[where[found]] == ids[found]
    if not np.all(found):
        bad = int(np.flatnonzero(~found)[0])
        sample = int(np.searchsorted(samples.loc_start, bad, side="right") - 1)
        raise fail(f"sample {sample} refers to location {int(ids[bad])}, which is missing")
    first, inverse = unique_paths(samples.loc_start, where, keep)
    paths = []
    for s in first:
        frames = []
        for loc in where[samples.loc_start[s] : samples.loc_start[s + 1]]:
            frames.extend(loc_frames[loc])
        frames.reverse()  # leaf first in pprof, root first here
        paths.append(frames)
    try:
        leaves = builder.stack_paths(paths)
    except ValueOutOfRange as exc:
        raise fail(exc.message) from None
    if len(leaves) and leaves.min() < 0:
        empty = builder.stack(-1, builder.frame(EMPTY_STACK, kind=FrameKind.SYNTHETIC))
        leaves = np.where(leaves < 0, empty, leaves)
    return leaves[inverse]


def _threads(samples: SampleColumns, strings: Strings, builder, keep) -> np.ndarray:
    """The thread of each kept sample, from its thread labels (one unnamed thread without)."""
    name = _label_column(samples, strings, THREAD_NAME_KEYS, number=False)
    tid = _label_column(samples, strings, THREAD_ID_KEYS, number=True)
    pid = _label_column(samples, strings, PID_KEYS, number=True)
    distinct, inverse = unique_rows(pid[keep], tid[keep], name[keep])
    ids = [builder.thread(int(p), int(t), strings[int(s)]) for p, t, s in distinct]
    return np.array(ids, dtype=np.int32)[inverse] if ids else np.zeros(0, np.int32)


def _label_column(samples: SampleColumns, strings: Strings, keys, *, number: bool) -> np.ndarray:
    """Per sample, its label under one of ``keys``: a string id, or with ``number`` a number
    (a numeric label, or a string label of digits); 0 / -1 where it has none."""
    out = np.full(len(samples), -1 if number else 0, dtype=np.int64)
    sids = np.concatenate([strings.ids_of(k) for k in keys])
    rows = np.flatnonzero(np.isin(samples.label_key, sids))
    if not len(rows):
        return out
    text = samples.label_str[rows]
    strings.check(text, "a thread label")
    if not number:
        named = text != 0
        out[samples.label_sample[rows[named]]] = text[named]
        return out
    num = samples.label_num[rows].copy()
    for k in np.flatnonzero(text != 0).tolist():
        value = strings[int(text[k])]
        num[k] = int(value) if value.isdigit() and len(value) < 19 else -1
    out[samples.label_sample[rows]] = num
    return out
