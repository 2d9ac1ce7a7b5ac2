"""Bad pprof input: one line ``flamekit: error: ...``, exit status 2, no output file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flamekit.pprof_schema import ProfileMessage

from . import hostile
from .conftest import ROOT, run_cli

GO_CPU = ROOT / "samples" / "pprof" / "go-cpu.pb.gz"
RAW = gzip.decompress(GO_CPU.read_bytes())


def _message() -> ProfileMessage:
    return ProfileMessage.FromString(RAW)


def _fails(tmp_path: Path, data: bytes, *words: str, name: str = "bad.pb", args=()) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.folded"
    done = run_cli("convert", path, "-o", out, *args)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"flamekit: error: {path}"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".flamekit-*"))
    assert done.stdout == b""
    return lines[0]


def test_the_good_file_converts(tmp_path):
    out = tmp_path / "ok.folded"
    (tmp_path / "ok.pb").write_bytes(RAW)
    done = run_cli("convert", tmp_path / "ok.pb", "-o", out)
    assert done.returncode == 0, done.stderr.decode()
    assert out.read_text().count("\n") > 50


def test_truncated_gzip(tmp_path):
    data = GO_CPU.read_bytes()
    _fails(tmp_path, data[: len(data) // 2], "truncated gzip", name="cut.pb.gz")


@pytest.mark.parametrize("cut", [3, 100, len(RAW) // 3, len(RAW) - 7])
def test_truncated_protobuf(tmp_path, cut):
    line = _fails(tmp_path, RAW[:cut])
    assert "truncated or damaged" in line or "string table" in line or "missing" in line


def test_truncated_inside_a_field_names_it(tmp_path):
    _fails(tmp_path, RAW[: len(RAW) // 2 + 1], "protobuf data is truncated or damaged")


def test_string_table_without_empty_first_string(tmp_path):
    msg = _message()
    msg.string_table[0] = "oops"
    _fails(tmp_path, msg.SerializeToString(), "string table starts with 'oops'", 'not with ""')


def test_empty_string_table(tmp_path):
    msg = _message()
    del msg.string_table[:]
    _fails(tmp_path, msg.SerializeToString(), "string table is empty")


def test_function_name_out_of_range(tmp_path):
    msg = _message()
    msg.function[3].name = 10**6
    _fails(tmp_path, msg.SerializeToString(), "string index 1000000 is outside the string table")


def test_negative_string_index(tmp_path):
    msg = _message()
    msg.function[0].filename = -1
    _fails(tmp_path, msg.SerializeToString(), "string index -1")


def test_sample_location_missing(tmp_path):
    msg = _message()
    msg.sample[5].location_id[0] = 999_999
    _fails(tmp_path, msg.SerializeToString(), "sample 5 refers to location 999999")


def test_line_function_missing(tmp_path):
    msg = _message()
    msg.location[2].line[0].function_id = 4242
    _fails(tmp_path, msg.SerializeToString(), "refers to function 4242, which is missing")


def test_mapping_missing(tmp_path):
    msg = _message()
    msg.location[0].mapping_id = 77
    _fails(tmp_path, msg.SerializeToString(), "refers to mapping 77, which is missing")


def test_sample_type_out_of_range(tmp_path):
    msg = _message()
    msg.sample_type[0].type = 123_456
    _fails(tmp_path, msg.SerializeToString(), "string index 123456")


def test_label_out_of_range_under_tag(tmp_path):
    msg = _message()
    msg.sample[0].label[0].str = 10**7
    _fails(
        tmp_path, msg.SerializeToString(), "outside the string table", args=["--tag", "worker=a"]
    )


def test_wrong_number_of_values(tmp_path):
    msg = _message()
    msg.sample[4].value.append(1)
    _fails(tmp_path, msg.SerializeToString(), "sample 4 has 3 values for 2 sample types")


def test_negative_value(tmp_path):
    msg = _message()
    msg.sample[2].value[1] = -5
    _fails(tmp_path, msg.SerializeToString(), "sample 2 has a negative value (-5)", "flamekit diff")


def test_no_sample_types(tmp_path):
    msg = _message()
    del msg.sample_type[:]
    _fails(tmp_path, msg.SerializeToString(), "no sample types")


def test_duplicate_and_reserved_ids(tmp_path):
    msg = _message()
    msg.function[1].id = msg.function[0].id
    _fails(tmp_path, msg.SerializeToString(), "two functions have id")
    msg = _message()
    msg.location[0].id = 0
    _fails(tmp_path, msg.SerializeToString(), "a location has id 0")


def test_unknown_sample_type_is_a_usage_error(tmp_path):
    done = run_cli("top", GO_CPU, "--sample-type", "alloc_space")
    assert done.returncode == 2
    err = done.stderr.decode().splitlines()
    assert err == [
        "flamekit: error: --sample-type alloc_space: the profile has no such sample type "
        "(choose one of: samples (count), cpu (nanoseconds))"
    ]


def test_not_pprof_under_a_pprof_name(tmp_path):
    _fails(tmp_path, b'{"nodes": []}\n', "truncated or damaged", name="text.pb")


# -- hypothesis: mutated protobuf bytes (not only the gzip around them) -------------------------


def _mutants():
    def flip(pair):
        seed, where = pair
        data = bytearray(RAW)
        rng = __import__("random").Random(seed)
        for _ in range(rng.choice([1, 2, 8])):
            data[int(where * (len(data) - 1))] = rng.randrange(256)
            where = rng.random()
        return bytes(data)

    return st.tuples(st.integers(0, 2**32 - 1), st.floats(0, 1)).map(flip)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_mutants())
def test_mutated_protobuf_fails_cleanly_or_imports(tmp_path, data):
    outcome = hostile.check_mutant(
        data,
        GO_CPU.with_name("go-cpu.pb"),
        ["convert", "--to", "folded", "-o", "{out}.folded"],
        tmp_path,
    )
    assert outcome.problem is None, f"{outcome.problem}\n{outcome.stderr[-1500:]}"
