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
from flamekit.importers.pprof_sniff import sniff
from flamekit.pprof_schema import (
    ProfileMessage,
    RawSamplesProfileMessage,
    SampleMessage,
)
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


# -- the whole importer on generated profiles, against plain Python over the messages ----------

BASE = ProfileMessage.FromString(gzip.decompress(PPROF[0].read_bytes()))  # go-cpu
LOCATION_IDS = [loc.id for loc in BASE.location]

generated = st.lists(
    st.tuples(
        st.lists(st.sampled_from(LOCATION_IDS), max_size=12),
        st.integers(0, 10**12),
        st.sampled_from(["", "main", "worker-1", "worker-2"]),
        st.integers(-1, 3),
    ),
    max_size=40,
)


def _reference(msg) -> tuple[dict, dict, dict]:
    """Per function name (flat, cum) and per thread name the total, from the messages."""
    s = msg.string_table
    fn = {f.id: s[f.name] for f in msg.function}
    lines = {loc.id: [fn[ln.function_id] for ln in loc.line] for loc in msg.location}
    flat: dict = {}
    cum: dict = {}
    threads: dict = {}
    for sample in msg.sample:
        value = sample.value[1]
        if not value:
            continue
        names = [n for lid in sample.location_id for n in lines[lid]]
        leaf = names[0] if names else "(empty stack)"
        flat[leaf] = flat.get(leaf, 0) + value
        for name in set(names) or {leaf}:
            cum[name] = cum.get(name, 0) + value
        thread = next((s[lb.str] for lb in sample.label if s[lb.key] == "thread_name"), "")
        tid = next((lb.num for lb in sample.label if s[lb.key] == "thread_id"), -1)
        threads[thread, tid] = threads.get((thread, tid), 0) + value
    return flat, cum, threads


@settings(max_examples=40, deadline=None)
@given(rows=generated)
def test_generated_profiles_import_as_plain_python_reads_them(tmp_path_factory, rows):
    from flamekit import load
    from flamekit.analyze.weights import top_functions

    msg = ProfileMessage()
    msg.CopyFrom(BASE)
    del msg.sample[:]
    key = len(msg.string_table)
    msg.string_table.extend(["thread_name", "thread_id"])
    for locs, value, thread, tid in rows:
        sample = msg.sample.add(location_id=locs, value=[1, value])
        if thread:
            msg.string_table.append(thread)
            sample.label.add(key=key, str=len(msg.string_table) - 1)
        if tid >= 0:
            sample.label.add(key=key + 1, num=tid)
    path = tmp_path_factory.mktemp("gen") / "gen.pb"
    path.write_bytes(msg.SerializeToString())
    profile = load(str(path))
    flat, cum, threads = _reference(msg)
    assert profile.total_weight() == sum(flat.values())
    got = {s.name: (s.self, s.total) for s in top_functions(profile)}
    assert got == {name: (flat.get(name, 0), cum[name]) for name in cum}
    per_thread: dict = {}
    for t, w in zip(profile.samples.thread.tolist(), profile.samples.weight.tolist(), strict=True):
        name = profile.strings[profile.threads.name[t]], int(profile.threads.tid[t])
        per_thread[name] = per_thread.get(name, 0) + w
    assert per_thread == threads
