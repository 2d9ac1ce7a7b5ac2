"""The source-map decoder: VLQ against a plain encoder, lookups against trace-mapping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.sourcemaps.mapfile import MapError, SourceMap, parse
from flamekit.sourcemaps.vlq import MappingsError, decode
from tests.conftest import sample
from tests.node_tools import reference

from .vlq_reference import BASE64, vlq

APP = sample("sourcemaps", "workloads", "tsapp")


def encode(lines: list[list[tuple[int, ...]]]) -> str:
    """A ``mappings`` string from absolute segments per line (1, 4 or 5 fields)."""
    prev = [0, 0, 0, 0]
    out = []
    for segments in lines:
        column = 0
        parts = []
        for seg in segments:
            text = vlq(seg[0] - column)
            column = seg[0]
            for k, value in enumerate(seg[1:]):
                text += vlq(value - prev[k])
                prev[k] = value
            parts.append(text)
        out.append(",".join(parts))
    return ";".join(out)


segment = st.one_of(
    st.tuples(st.integers(0, 5000)),
    st.tuples(*(st.integers(0, 5000) for _ in range(4))),
    st.tuples(*(st.integers(0, 5000) for _ in range(5))),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(segment, max_size=6), max_size=8))
def test_decode_inverts_the_plain_encoder(lines):
    lines = [sorted(line, key=lambda s: s[0]) for line in lines]
    seg = decode(encode(lines))
    flat = [(n, s) for n, line in enumerate(lines) for s in line]
    assert seg.line.tolist() == [n for n, _ in flat]
    assert seg.column.tolist() == [s[0] for _, s in flat]
    expected_source, last = [], [0, 0, 0, 0]
    for _, s in flat:
        if len(s) > 1:
            last = [*s[1:4], s[4] if len(s) == 5 else last[3]]
        expected_source.append(last[0] if len(s) > 1 else -1)
    assert seg.source.tolist() == expected_source
    named = [s[4] if len(s) == 5 else -1 for _, s in flat]
    assert seg.name.tolist() == named
    with_source = [s for _, s in flat if len(s) > 1]
    assert seg.original_line[seg.source >= 0].tolist() == [s[2] for s in with_source]
    assert seg.original_column[seg.source >= 0].tolist() == [s[3] for s in with_source]


def test_decode_known_values():
    seg = decode("AAAA,SAAS;;gBACiBC")
    assert seg.line.tolist() == [0, 0, 2]
    assert seg.column.tolist() == [0, 9, 16]
    assert seg.original_column.tolist() == [0, 9, 26]
    assert seg.original_line.tolist() == [0, 0, 1]
    assert seg.name.tolist() == [-1, -1, 1]
    assert vlq(-17) == "jB" and decode("jB").column.tolist() == [-17]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("AA!A", "not base64"),
        ("AAAg", "ends inside a number"),
        ("AAg,A", "cut off by a separator"),
        ("AA", "2 fields"),
        ("AAAAAA", "6 fields"),
        ("gggggggggA", "more digits"),
    ],
)
def test_decode_refuses_bad_vlq(text, why):
    with pytest.raises(MappingsError, match=why):
        decode(text)


def test_parse_refuses_out_of_range_indexes():
    with pytest.raises(MapError, match="names source 1"):
        parse({"version": 3, "sources": ["a.ts"], "mappings": "ACAA"}, "file:///x.js.map")
    with pytest.raises(MapError, match="names name 0"):
        parse({"version": 3, "sources": ["a.ts"], "mappings": "AAAAA"}, "file:///x.js.map")
    with pytest.raises(MapError, match="beyond"):
        big = vlq(2**31)
        parse({"version": 3, "sources": ["a.ts"], "mappings": f"AA{big}A"}, "file:///x.js.map")
    with pytest.raises(MapError, match="no 'mappings'"):
        parse({"version": 3, "sources": []}, "file:///x.js.map")


def _synthetic() -> dict[str, dict]:
    rows = [
        [(0, 0, 0, 0), (4, 0, 0, 4, 0), (9,), (12, 1, 3, 2, 1)],
        [],
        [(7, 1, 5, 0), (2, 0, 9, 9)],  # not in column order
    ]
    unsorted = encode(rows)
    plain = {"version": 3, "names": ["alpha", "beta"], "sources": ["a.ts", "lib/b.ts"]}
    maps = {
        f"root-{k}": {**plain, "sourceRoot": root, "mappings": unsorted}
        for k, root in enumerate(["", "src", "src/", "/abs/maps/", "http://h.example/r/", "../up"])
    }
    sub = {**plain, "mappings": encode([[(0, 0, 0, 0, 1), (5, 1, 2, 3)], [(3, 0, 7, 1)]])}
    maps["sections"] = {
        "version": 3,
        "sections": [
            {"offset": {"line": 0, "column": 0}, "map": sub},
            {"offset": {"line": 1, "column": 2}, "map": {**sub, "sourceRoot": "two"}},
            {"offset": {"line": 3, "column": 0}, "map": {**sub, "sources": ["c.ts", "d.ts"]}},
        ],
    }
    return maps


MAPS = {
    "tsc-sort": APP / "dist" / "sort.js.map",
    "tsc-parse": APP / "dist" / "parse.js.map",
    "esbuild": APP / "bundle" / "app.min.js.map",
}


def _queries(smap: SourceMap) -> list[list[int]]:
    lines = (smap.key >> 32).tolist()
    cols = (smap.key & 0xFFFFFFFF).tolist()
    out = {(0, 0), (max(lines, default=0) + 1, 0)}
    for line, col in zip(lines, cols, strict=True):
        for c in (col - 1, col, col + 1, col + 1000):
            out.add((line, max(c, 0)))
    return sorted([line + 1, col] for line, col in out)  # trace-mapping: 1-based lines


@pytest.mark.parametrize("name", [*MAPS, *_synthetic()])
def test_lookups_match_trace_mapping(tmp_path, name):
    if name in MAPS:
        path = MAPS[name]
        map_url = "file:///srv/app/tsapp/" + str(path.relative_to(APP))
    else:
        path = tmp_path / "x.js.map"
        path.write_text(json.dumps(_synthetic()[name]))
        map_url = "file:///srv/app/build/x.js.map"
    smap = parse(json.loads(Path(path).read_text()), map_url)
    queries = _queries(smap)
    query_file = tmp_path / "queries.json"
    query_file.write_text(json.dumps(queries))
    expected = reference("lookup", path, map_url, query_file)
    q = np.asarray(queries, dtype=np.int64)
    found = smap.find(q[:, 0] - 1, q[:, 1])
    ours = []
    for k in found.tolist():
        if k < 0:
            ours.append(None)
            continue
        n = int(smap.name[k])
        ours.append(
            [
                smap.sources[int(smap.source[k])],
                int(smap.original_line[k]) + 1,
                int(smap.original_column[k]),
                smap.names[n] if n >= 0 else None,
            ]
        )
    assert ours == expected
    assert any(e is not None for e in expected)


json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.text(BASE64 + ",;!-", max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
map_doc = st.fixed_dictionaries(
    {},
    optional={
        "version": json_value,
        "sources": st.lists(json_value, max_size=4) | json_value,
        "names": st.lists(json_value, max_size=4) | json_value,
        "sourceRoot": json_value,
        "mappings": st.text(BASE64 + ",;", max_size=60) | json_value,
        "sections": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "offset": st.fixed_dictionaries(
                        {}, optional={"line": json_value, "column": json_value}
                    ),
                    "map": json_value,
                },
            ),
            max_size=3,
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(map_doc)
def test_any_map_parses_or_is_refused_as_a_map(doc):
    try:
        smap = parse(doc, "file:///srv/app/x.js.map")
    except MapError:
        return
    found = smap.find(np.arange(5), np.arange(5))
    assert found.shape == (5,)
    assert all(0 <= smap.source[k] < len(smap.sources) for k in found.tolist() if k >= 0)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200) | map_doc.map(lambda d: json.dumps(d).encode()))
def test_any_map_file_warns_at_most_and_never_fails_the_import(tmp_path_factory, data):
    from flamekit.sourcemaps import SourceMaps

    folder = tmp_path_factory.mktemp("maps")
    (folder / "app.js.map").write_bytes(data)
    frames = [("f", "file:///elsewhere/app.js", 1, 3, True), ("g", "node:fs", 2, 1, True)]
    warnings: list[str] = []
    maps = SourceMaps(dirs=(str(folder),))
    lm = maps.map_frames(frames, warnings.append)
    assert len(warnings) <= 1
    assert frames[1] == ("g", "node:fs", 2, 1, True)
    assert lm.map_of[1] == -1
    if warnings:
        assert frames[0] == ("f", "file:///elsewhere/app.js", 1, 3, True)
