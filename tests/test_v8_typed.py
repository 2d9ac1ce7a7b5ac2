"""The typed decoder of big ``.cpuprofile`` files gives exactly what the plain parse gives.

Every recorded V8 profile, a node-heavy random walk and a set of unusual documents are loaded
twice: with the typed decoder taking every file (as it does files of 1 MB and more), and with
it turned off (orjson parses the nodes). Profiles must be equal column for column, and inputs
that fail must fail with the same message.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from flamekit.errors import InputError
from flamekit.importers import load_path, v8_bulk, v8_typed, v8json

from .conftest import ROOT
from .test_v8_bulk import columns, walk_profile

CPUPROFILES = sorted(ROOT.glob("samples/**/*.cpuprofile"))
FRAME = {"functionName": "f", "scriptId": "1", "url": "/a.js", "lineNumber": 1, "columnNumber": 2}


def outcome(path: Path) -> tuple[str, object]:
    """("ok", the profile's columns) or ("error", the message)."""
    try:
        return "ok", columns(load_path(str(path)))
    except InputError as exc:
        return "error", str(exc)


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple, list]:
    """The outcome with the typed decoder on every file, without it, and which files it took."""
    taken = []
    decode = v8_typed.decode

    def spy(text: bytes):
        doc = decode(text)
        taken.append(doc is not None)
        return doc

    with monkeypatch.context() as m:
        m.setattr(v8json, "SMALL", 0)
        m.setattr(v8_typed, "decode", spy)
        typed = outcome(path)
    with monkeypatch.context() as m:
        m.setattr(v8_typed, "decode", lambda text: None)
        plain = outcome(path)
    return typed, plain, taken


@pytest.mark.parametrize("path", CPUPROFILES, ids=lambda p: p.name)
def test_recorded_profiles_same_both_ways(path, monkeypatch):
    typed, plain, taken = both_ways(path, monkeypatch)
    assert typed == plain
    assert typed[0] == "ok" and taken == [True]  # the typed decoder read them


def test_random_walk_same_both_ways(tmp_path, monkeypatch):
    path = tmp_path / "walk.cpuprofile"
    path.write_bytes(orjson.dumps(walk_profile(20000, seed=5)))
    typed, plain, taken = both_ways(path, monkeypatch)
    assert typed == plain and taken == [True]
    assert len(typed[1]["stacks"]["parent"][1]) > 1000


def test_typed_records_fill_the_table_as_plain_objects_do():
    doc = walk_profile(3000, seed=6)
    text = orjson.dumps({"nodes": doc["nodes"]})
    decoded = v8_typed.decode(text)
    assert decoded is not None
    typed, plain = v8_bulk_tables(decoded["nodes"].nodes, doc["nodes"])
    assert typed == plain


def v8_bulk_tables(records: list, nodes: list) -> tuple[dict, dict]:
    from flamekit.importers import v8

    a, b = v8.V8Nodes(), v8.V8Nodes()
    assert v8_bulk.add_decoded(a, records)
    assert v8_bulk.add_nodes(b, nodes, v8._position_ticks)
    return vars(a), vars(b)


def profile_text(nodes: list, **top) -> bytes:
    doc = {"nodes": nodes, "startTime": 0, "endTime": 3000, "samples": [2, 2, 1]}
    doc["timeDeltas"] = [1000, 1000, 1000]
    return orjson.dumps({**doc, **top})


ROOT_NODE = {"id": 1, "callFrame": {**FRAME, "functionName": "(root)"}, "children": [2]}


def leaf(**fields) -> dict:
    return {"id": 2, "callFrame": FRAME, "hitCount": 2, **fields}


UNUSUAL = {
    "unknown node key": profile_text([ROOT_NODE, leaf(deoptReason="x")]),
    "unknown top key": profile_text([ROOT_NODE, leaf()], title="x"),
    "null hit count": profile_text([ROOT_NODE, leaf(hitCount=None)]),
    "float hit count": profile_text([ROOT_NODE, leaf(hitCount=2.0)]),
    "boolean id": profile_text([ROOT_NODE, leaf(id=True)]),
    "id beyond 64 bits": profile_text([ROOT_NODE, leaf()]).replace(
        b'"id":2', b'"id":2' + b"0" * 20
    ),
    "call frame a string": profile_text([ROOT_NODE, leaf(callFrame="f")]),
    "call frame without url": profile_text([ROOT_NODE, leaf(callFrame={"functionName": "f"})]),
    "odd position ticks": profile_text([ROOT_NODE, leaf(positionTicks=[{"line": 1}])]),
    "ticks not a list": profile_text([ROOT_NODE, leaf(positionTicks={"line": 1})]),
    "duplicate ids": profile_text([ROOT_NODE, leaf(), leaf()]),
    "child not a node": profile_text([ROOT_NODE, leaf(children=[9])]),
    "invalid UTF-8 in a name": profile_text([ROOT_NODE, leaf()]).replace(b'"f"', b'"f\xff"'),
    "lone surrogate in a name": profile_text([ROOT_NODE, leaf()]).replace(b'"f"', b'"\\ud800"'),
    "number out of range in a frame": profile_text([ROOT_NODE, leaf()]).replace(
        b'"lineNumber":1', b'"lineNumber":1e999'
    ),
    "null start": profile_text([ROOT_NODE, leaf()], startTime=None),
    "string start": profile_text([ROOT_NODE, leaf()], startTime="0"),
    "no nodes": profile_text([]),
}


@pytest.mark.parametrize("name", UNUSUAL)
def test_unusual_documents_same_both_ways(name, tmp_path, monkeypatch):
    path = tmp_path / "odd.cpuprofile"
    path.write_bytes(UNUSUAL[name])
    typed, plain, _ = both_ways(path, monkeypatch)
    assert typed == plain
