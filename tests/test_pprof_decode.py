"""pprof decoding: the bulk sample decoder against protobuf's own messages, and detection."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.importers import detect
from flamekit.importers.pprof_samples import decode_fast, decode_messages
from flamekit.importers.pprof_schema import (
    ProfileMessage,
    RawSamplesProfileMessage,
    SampleMessage,
)
from flamekit.importers.pprof_sniff import sniff
from flamekit.sources import open_source

from .conftest import ROOT, run_cli
from .hostile import SAMPLES as ALL_SAMPLES

PPROF = sorted((ROOT / "samples" / "pprof").glob("*.pb.gz"))
COLUMNS = (
    "loc_start",
    "loc_id",
    "value_start",
    "value",
    "label_sample",
    "label_key",
    "label_str",
    "label_num",
    "label_num_unit",
)


def _same(a, b) -> None:
    for name in COLUMNS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def _both(raw: bytes):
    fast = decode_fast(RawSamplesProfileMessage.FromString(raw).sample)
    slow = decode_messages(ProfileMessage.FromString(raw).sample)
    return fast, slow


@pytest.mark.parametrize("path", PPROF, ids=lambda p: p.name)
def test_bulk_decoder_equals_messages_on_real_files(path):
    fast, slow = _both(gzip.decompress(path.read_bytes()))
    assert fast is not None and len(fast) > 0
    _same(fast, slow)


def _unpacked(sample) -> bytes:
    """A Sample encoded with one tag per location id and value (legal, though Go packs)."""

    def varint(v: int) -> bytes:
        v &= 2**64 - 1
        out = bytearray()
        while True:
            out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                return bytes(out)

    data = b"".join(b"\x08" + varint(i) for i in sample.location_id)
    data += b"".join(b"\x10" + varint(v) for v in sample.value)
    for lb in sample.label:
        body = lb.SerializeToString()
        data += b"\x1a" + varint(len(body)) + body
    return data


labels = st.lists(
    st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(-(2**63), 2**63 - 1)),
    max_size=3,
)
samples = st.lists(
    st.tuples(
        st.lists(st.integers(1, 2**64 - 1), max_size=6),
        st.lists(st.integers(-(2**63), 2**63 - 1), max_size=3),
        labels,
        st.booleans(),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(samples=samples)
def test_bulk_decoder_equals_messages(samples):
    """Any sample shapes, extreme values, packed or not: the same columns as protobuf's."""
    msg = RawSamplesProfileMessage()
    for locs, values, lbs, packed in samples:
        sample = SampleMessage(location_id=locs, value=values)
        for key, text, num in lbs:
            sample.label.add(key=key, str=text, num=num)
        msg.sample.append(sample.SerializeToString() if packed else _unpacked(sample))
    raw = msg.SerializeToString()
    fast, slow = _both(raw)
    assert fast is not None
    _same(fast, slow)


def test_unusual_fields_fall_back_to_messages():
    """A fixed64 field the bulk decoder does not read: it declines, protobuf reads it."""
    sample = SampleMessage(location_id=[1, 2], value=[3])
    odd = sample.SerializeToString() + b"\x21" + bytes(8)  # field 4, fixed64: unknown
    assert decode_fast([odd]) is None
    msg = RawSamplesProfileMessage()
    msg.sample.append(odd)
    slow = decode_messages(ProfileMessage.FromString(msg.SerializeToString()).sample)
    assert slow.loc_id.tolist() == [1, 2] and slow.value.tolist() == [3]


@pytest.mark.parametrize("path", PPROF, ids=lambda p: p.name)
def test_detected_by_content(tmp_path, path):
    raw = gzip.decompress(path.read_bytes())
    assert sniff(raw) and sniff(raw[:70_000])
    for name, data in (("noext", raw), ("noext.gz", path.read_bytes()), ("x.bin", raw)):
        target = tmp_path / name
        target.write_bytes(data)
        source = open_source(str(target))
        try:
            assert detect(source).name == "pprof"
        finally:
            source.close()


@pytest.mark.parametrize("name", ["x.pb", "x.pb.gz", "x.pprof"])
def test_detected_by_extension(tmp_path, name):
    target = tmp_path / name
    shutil.copy(PPROF[0], target)
    source = open_source(str(target))
    try:
        assert detect(source).name == "pprof"
    finally:
        source.close()


@pytest.mark.parametrize("path", PPROF, ids=lambda p: p.name)
def test_uncompressed_on_stdin(path):
    """Uncompressed pprof holds NUL bytes (packed zeros): stdin takes it all the same."""
    raw = gzip.decompress(path.read_bytes())
    done = run_cli("top", "-", "--format", "json", input=raw)
    assert done.returncode == 0, done.stderr.decode()
    want = run_cli("top", path, "--format", "json")
    assert done.stdout == want.stdout


def test_other_samples_are_not_pprof():
    for path in ALL_SAMPLES:
        if path.parent.name == "pprof":
            continue
        source = open_source(str(path))
        try:
            assert not sniff(source.head), path
        finally:
            source.close()


def test_sniff_refuses_near_misses():
    good = gzip.decompress(PPROF[0].read_bytes())
    assert not sniff(b"\x0a\x04\x08\x01\x10\x02")  # a whole file without a string table
    assert not sniff(good[: len(good) - 3])  # a whole file cut inside a field
    assert not sniff(b"\x0a\x02\x18\x01" + good[4:])  # a sample type that is not (type, unit)
    assert not sniff(b"{}" + good)
    assert sniff(b"\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x01a")  # types and strings "", "a"
