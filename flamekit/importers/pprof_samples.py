"""The samples of a pprof profile as flat numpy columns.

A profile of a continuous profiler can hold millions of samples; walking them as protobuf
messages costs microseconds each. Every field of a ``Sample`` (packed or unpacked location ids
and values, labels of integer fields) is a varint, so the samples' bytes are one run of varints:
:func:`decode_fast` decodes them all at once and reads the fields one level at a time for every
sample together. Anything it does not expect (other wire types, misaligned lengths) sends the
profile to :func:`decode_messages`, which reads the parsed messages and gives the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WIRE_VARINT, WIRE_LEN = 0, 2
LOCATION_ID, VALUE, LABEL = 1, 2, 3
LABEL_FIELDS = ("key", "str", "num", "num_unit")  # Label field numbers 1..4


@dataclass(frozen=True)
class SampleColumns:
    """Sample ``i`` has location ids ``loc_id[loc_start[i]:loc_start[i + 1]]`` (leaf first) and
    values ``value[value_start[i]:value_start[i + 1]]``; label ``j`` belongs to sample
    ``label_sample[j]`` (labels of one sample are adjacent, in file order)."""

    loc_start: np.ndarray  # int64, one more than there are samples
    loc_id: np.ndarray  # uint64
    value_start: np.ndarray  # int64, one more than there are samples
    value: np.ndarray  # int64
    label_sample: np.ndarray  # int64
    label_key: np.ndarray  # int64 string index
    label_str: np.ndarray  # int64 string index
    label_num: np.ndarray  # int64
    label_num_unit: np.ndarray  # int64 string index

    def __len__(self) -> int:
        return len(self.loc_start) - 1


def decode_messages(samples) -> SampleColumns:
    """The columns of parsed ``Sample`` messages, one message at a time."""
    loc_counts, locs, value_counts, values = [], [], [], []
    labels: list[tuple[int, int, int, int, int]] = []
    for i, sample in enumerate(samples):
        ids = sample.location_id
        loc_counts.append(len(ids))
        locs.extend(ids)
        vals = sample.value
        value_counts.append(len(vals))
        values.extend(vals)
        labels.extend((i, lb.key, lb.str, lb.num, lb.num_unit) for lb in sample.label)
    table = np.array(labels, dtype=np.int64).reshape(-1, 5)
    return SampleColumns(
        loc_start=_starts(np.array(loc_counts, dtype=np.int64)),
        loc_id=np.array(locs, dtype=np.uint64),
        value_start=_starts(np.array(value_counts, dtype=np.int64)),
        value=np.array(values, dtype=np.int64),
        label_sample=table[:, 0].copy(),
        label_key=table[:, 1].copy(),
        label_str=table[:, 2].copy(),
        label_num=table[:, 3].copy(),
        label_num_unit=table[:, 4].copy(),
    )


def decode_fast(blobs: Sequence[bytes]) -> SampleColumns | None:
    """The columns of serialized ``Sample`` messages, or None if they are not plain varints."""
    n = len(blobs)
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
    buf = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    if len(buf) and buf[-1] >= 0x80:
        return None
    varints = _Varints(buf)
    if varints.values is None:
        return None
    bounds = varints.index_of(_starts(lengths))
    if bounds is None:
        return None
    fields = _read_fields(varints, bounds[:-1], bounds[1:], nested=True)
    if fields is None:
        return None
    loc = _gather(varints, fields, LOCATION_ID, n)
    val = _gather(varints, fields, VALUE, n)
    labels = _read_labels(varints, fields)
    if labels is None:
        return None
    return SampleColumns(
        loc_start=loc[0],
        loc_id=loc[1],
        value_start=val[0],
        value=val[1].view(np.int64),
        **labels,
    )


class _Varints:
    """Every varint of a buffer that is nothing but varints: start byte and value of each."""

    def __init__(self, buf: np.ndarray) -> None:
        last = buf < 0x80  # the last byte of a varint
        ends = np.flatnonzero(last)
        self.size = len(buf)
        # before[p]: how many varints end before byte p, i.e. the index of one starting there
        self._before = np.zeros(len(buf) + 1, dtype=np.int32 if len(buf) < 2**31 else np.int64)
        np.cumsum(last, out=self._before[1:])
        self._starts_here = np.ones(len(buf) + 1, dtype=bool)
        self._starts_here[1:-1] = last[:-1]
        self.end = ends + 1  # the byte after each varint
        self.values = self._decode(buf, ends)

    def _decode(self, buf: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
        """The value of every varint; None if one is longer than 10 bytes. Most varints are
        one byte: only the continuation bytes (high bit set) are placed one by one."""
        values = buf[ends].astype(np.uint64)
        more = np.flatnonzero(buf >= 0x80)
        if not len(more):
            return values
        owner = self._before[more].astype(np.int64)  # the varint each continuation byte is in
        start = np.where(owner > 0, ends[np.maximum(owner - 1, 0)] + 1, 0)
        shift = more - start
        last_shift = ends[owner] - start
        if int(last_shift.max()) > 9:
            return None
        low = (buf[more] & 0x7F).astype(np.uint64) << (7 * shift).astype(np.uint64)
        heads = np.flatnonzero(np.diff(owner, prepend=-1))
        multi = owner[heads]
        values[multi] = (values[multi] << (7 * last_shift[heads]).astype(np.uint64)) | (
            np.bitwise_or.reduceat(low, heads)
        )
        return values

    def index_of(self, offsets: np.ndarray) -> np.ndarray | None:
        """The varint starting at each byte offset (the count of varints at the end), or None
        if an offset falls inside a varint or past the end."""
        if len(offsets) and (offsets.min() < 0 or offsets.max() > self.size):
            return None
        if not np.all(self._starts_here[offsets]):
            return None
        return self._before[offsets].astype(np.int64)


@dataclass(frozen=True)
class _Fields:
    """One row per field met: field number, owner (sample), level (order within the owner) and
    the varints ``first:stop`` holding its value(s)."""

    number: np.ndarray
    owner: np.ndarray
    level: np.ndarray
    first: np.ndarray
    stop: np.ndarray


def _read_fields(
    v: _Varints, begin: np.ndarray, end: np.ndarray, *, nested: bool
) -> _Fields | None:
    """Walk the fields of messages spanning varints ``begin[i]:end[i]``, all at once."""
    values = v.values
    assert values is not None
    owner = np.arange(len(begin), dtype=np.int64)
    cur, end = begin.astype(np.int64), end.astype(np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    level = 0
    live = cur < end
    cur, end, owner = cur[live], end[live], owner[live]
    while len(cur):
        if np.any(cur + 1 >= end):
            return None  # a tag without its value
        tag = values[cur]
        wire = (tag & np.uint64(7)).astype(np.int64)
        number = (tag >> np.uint64(3)).astype(np.int64)
        first = cur + 1
        stop = cur + 2
        packed = wire == WIRE_LEN
        if np.any(~packed & (wire != WIRE_VARINT)) or (np.any(packed) and not nested):
            return None
        if np.any(packed):
            size = values[cur[packed] + 1]
            payload = v.end[cur[packed] + 1]
            if np.any(size > np.uint64(v.size)):
                return None
            after = v.index_of(payload + size.astype(np.int64))
            if after is None:
                return None
            first[packed] = cur[packed] + 2
            stop[packed] = after
        if np.any(stop > end):
            return None
        parts.append((number, owner, np.full(len(cur), level), first, stop))
        level += 1
        cur = stop
        live = cur < end
        cur, end, owner = cur[live], end[live], owner[live]
    cols = [np.concatenate(c) if c else np.zeros(0, np.int64) for c in zip(*parts, strict=True)]
    if not parts:
        cols = [np.zeros(0, np.int64)] * 5
    return _Fields(*cols)


def _gather(v: _Varints, fields: _Fields, number: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-owner starts and the concatenated values of one repeated varint field."""
    values = v.values
    assert values is not None
    rows = np.flatnonzero(fields.number == number)
    rows = rows[np.lexsort((fields.level[rows], fields.owner[rows]))]
    counts = fields.stop[rows] - fields.first[rows]
    flat = ranges(fields.first[rows], counts)
    per_owner = np.bincount(fields.owner[rows], weights=counts, minlength=n).astype(np.int64)
    return _starts(per_owner), values[flat]


def _read_labels(v: _Varints, fields: _Fields) -> dict[str, np.ndarray] | None:
    rows = np.flatnonzero(fields.number == LABEL)
    rows = rows[np.lexsort((fields.level[rows], fields.owner[rows]))]
    inner = _read_fields(v, fields.first[rows], fields.stop[rows], nested=False)
    if inner is None:
        return None
    out = {"label_sample": fields.owner[rows]}
    values = v.values
    assert values is not None
    for number, name in enumerate(LABEL_FIELDS, start=1):
        col = np.zeros(len(rows), dtype=np.uint64)
        hit = np.flatnonzero(inner.number == number)
        col[inner.owner[hit]] = values[inner.first[hit]]  # the last one wins, as in protobuf
        out[f"label_{name}"] = col.view(np.int64)
    return out


def ranges(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``range(first[i], first[i] + counts[i])`` for every i."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    keep = counts > 0
    first, counts = first[keep], counts[keep]
    steps = np.ones(total, dtype=np.int64)
    heads = _starts(counts)[:-1]
    steps[0] = first[0]
    steps[heads[1:]] = first[1:] - (first[:-1] + counts[:-1] - 1)
    return np.cumsum(steps)


def _starts(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out
