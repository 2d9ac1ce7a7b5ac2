"""Hot paths, critical path and callers/callees against plain-Python references."""

from __future__ import annotations

import re
from collections import Counter

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.analyze.calls import calls
from flamekit.analyze.hotpaths import critical_path, hot_paths
from flamekit.errors import UsageError
from flamekit.importers import load_path

from .conftest import ROOT
from .reference import build, ref_ends, ref_sandwich, stack_lists, tree_paths

SMALL = [
    (["main", "a", "a", "a"], 4),
    (["main", "a", "b", "a"], 2),
    (["main", "b"], 3),
    (["main", "a", "b"], 1),
    (["main", "x", "a", "c"], 5),
]


def test_hot_paths_on_a_small_tree():
    result = hot_paths(build(SMALL), 10)
    got = [
        ([f.name for f in p.frames], p.weight, p.branch_from, p.branch_depth) for p in result.paths
    ]
    assert got == [
        (["main", "x", "a", "c"], 5, None, 0),
        (["main", "a", "a", "a"], 4, 1, 1),
        (["main", "b"], 3, 1, 1),
        (["main", "a", "b", "a"], 2, 2, 2),
    ]
    assert result.paths[1].branch_frame == "main"
    assert result.paths[3].branch_frame == "a"
    assert result.paths[0].share == pytest.approx(5 / 15)
    assert [f.total for f in result.paths[1].frames] == [15, 7, 4, 4]
    doc = orjson.loads(orjson.dumps(result.to_dict()))
    assert doc["paths"][0]["frames"][-1] == {
        "name": "c",
        "file": None,
        "line": None,
        "total": 5,
        "self": 5,
        "samples": 1,
        "label": "c",
    }


def test_hot_path_stops_where_self_time_dominates():
    stacks = [(["main", "work"], 6), (["main", "work", "tiny"], 1), (["main", "idle"], 3)]
    result = hot_paths(build(stacks), 2)
    assert [[f.name for f in p.frames] for p in result.paths] == [
        ["main", "work"],
        ["main", "idle"],
    ]
    assert result.paths[0].weight == 7


def test_threshold_ends_paths_at_spread_out_nodes():
    stacks = [(["main", "loop", f"f{i}"], 1) for i in range(10)]
    assert hot_paths(build(stacks), 1).paths[0].weight == 1
    wide = hot_paths(build(stacks), 1, threshold=0.5).paths[0]
    assert [f.name for f in wide.frames] == ["main", "loop"] and wide.weight == 10


def test_critical_path():
    stacks = [(["m", "a", "b"], 6), (["m", "a", "c"], 3), (["m", "d"], 1)]
    p = build(stacks)
    assert [f.name for f in critical_path(p, 0.5).frames] == ["m", "a", "b"]
    assert [f.name for f in critical_path(p, 0.7).frames] == ["m", "a"]
    assert [f.total for f in critical_path(p, 0.5).frames] == [10, 9, 6]


@settings(max_examples=150, deadline=None)
@given(stack_lists, st.sampled_from([0.0, 0.3, 0.6]), st.integers(1, 6))
def test_hot_paths_match_reference(stacks, threshold, n):
    result = hot_paths(build(stacks), n, threshold)
    ends = ref_ends(stacks, threshold)
    expected = sorted(ends.values(), reverse=True)[:n]
    assert [p.weight for p in result.paths] == expected
    seen: set[tuple] = set()
    for p in result.paths:
        path = tuple(f.name for f in p.frames)
        assert ends[path] == p.weight
        assert path not in seen
        seen.add(path)
        if p.branch_from is not None:
            earlier = [f.name for f in result.paths[p.branch_from - 1].frames]
            assert earlier[: p.branch_depth] == list(path[: p.branch_depth])


def test_hot_paths_on_the_deep_sample():
    p = load_path(str(ROOT / "samples/folded/deep.folded"))
    result = hot_paths(p, 3)
    first = result.paths[0]
    assert [f.name for f in first.frames] == ["deep", "start_thread", "hash_loop"]
    assert first.weight == 535070136
    assert first.share == pytest.approx(535070136 / p.total_weight())
    assert result.paths[1].branch_frame == "start_thread"
    assert [f.name for f in critical_path(p).frames] == ["deep", "start_thread", "hash_loop"]


# -- callers and callees -------------------------------------------------------------------
def test_calls_on_a_small_tree():
    result = calls(build(SMALL), "^a$")
    assert result.functions == ["a"]
    assert (result.total, result.self, result.samples) == (12, 6, 4)
    assert tree_paths(result.callers) == {
        ("a",): 12,
        ("a", "main"): 7,
        ("a", "x"): 5,
        ("a", "x", "main"): 5,
    }
    assert tree_paths(result.callees) == {
        ("a",): 12,
        ("a", "a"): 4,
        ("a", "a", "a"): 4,
        ("a", "b"): 3,
        ("a", "b", "a"): 2,
        ("a", "c"): 5,
    }
    doc = orjson.loads(orjson.dumps(result.to_dict()))
    assert doc["callees"][0] == {
        "name": "a",
        "file": None,
        "parent": -1,
        "depth": 0,
        "total": 12,
        "self": 0,
        "samples": 4,
        "label": "a",
        "line": None,
        "column": None,
    }
    with pytest.raises(UsageError, match="no function matches"):
        calls(build(SMALL), "^zzz$")


@settings(max_examples=150, deadline=None)
@given(stack_lists, st.sampled_from(["a", "^b$", "c|d", "main"]))
def test_calls_match_reference(stacks, rx):
    if not any(re.search(rx, f) for s, _ in stacks for f in s):
        return
    result = calls(build(stacks), rx)
    ref_callers, ref_callees = ref_sandwich(stacks, rx)
    assert tree_paths(result.callers) == ref_callers
    assert tree_paths(result.callees) == ref_callees
    assert result.total == sum(v for k, v in ref_callees.items() if len(k) == 1)
    assert result.self == sum(w for s, w in stacks if re.search(rx, s[-1]))
    for nodes in (result.callers, result.callees):
        children: Counter = Counter()
        for n in nodes:
            if n.parent >= 0:
                children[n.parent] += n.total
        for i, n in enumerate(nodes):
            assert n.total == n.self + children[i]


def test_calls_on_the_deep_sample():
    p = load_path(str(ROOT / "samples/folded/deep.folded"))
    result = calls(p, "^recurse$")
    total = sum(
        w
        for s, w in zip(p.samples.stack.tolist(), p.samples.weight.tolist(), strict=True)
        if "recurse" in p.stack_names(s)
    )
    assert result.total == total
    assert [n.name for n in result.callers[:4]] == ["recurse", "worker", "start_thread", "deep"]
    assert result.callees[0].total == total
