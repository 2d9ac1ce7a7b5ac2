"""The bulk V8 node path builds exactly the profile the per-node path builds.

The per-node path (every node checked, linked and added one at a time, the tree walked by a
plain-Python breadth-first queue) is forced by turning the bulk steps off; both must give the
same frames, call tree, samples and line ticks on every recorded V8 sample, on a node-heavy
profile from a random walk, and on shapes the bulk path hands over (siblings sharing a frame,
nodes without children lists, lost trace chunks).
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import orjson
import pytest

from flamekit.importers import load_path, v8, v8_bulk

from .conftest import ROOT

V8_SAMPLES = sorted(
    [*ROOT.glob("samples/**/*.cpuprofile"), *ROOT.glob("samples/chrome/*.trace.json")]
)


def python_breadth_first(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roots by index, then each node's children by index, with a plain list queue."""
    kids: list[list[int]] = [[] for _ in parent]
    order, level = [], []
    for i, p in enumerate(parent.tolist()):
        if p < 0:
            order.append(i)
            level.append(0)
        else:
            kids[p].append(i)
    for k, i in enumerate(order):
        order.extend(kids[i])
        level.extend([level[k] + 1] * len(kids[i]))
    return np.asarray(order, dtype=np.int64), np.asarray(level, dtype=np.int64)


def per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(v8_bulk, "add_nodes", lambda *args: False)
    monkeypatch.setattr(v8_bulk, "link_nodes", lambda *args: False)
    monkeypatch.setattr(v8_bulk, "breadth_first", python_breadth_first)
    monkeypatch.setattr(v8, "_add_stacks_bulk", lambda *args: None)


def columns(obj) -> dict:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            out[f.name] = (value.dtype.str, value.tolist())
        elif dataclasses.is_dataclass(value):
            out[f.name] = columns(value)
        else:
            out[f.name] = value
    return out


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    bulk = columns(load_path(str(path)))
    with monkeypatch.context() as m:
        per_node(m)
        slow = columns(load_path(str(path)))
    return bulk, slow


@pytest.mark.parametrize("path", V8_SAMPLES, ids=lambda p: p.name)
def test_recorded_samples_same_both_ways(path, monkeypatch):
    bulk, slow = both_ways(path, monkeypatch)
    assert bulk == slow


def walk_profile(samples: int, seed: int, duplicate_siblings: bool = False) -> dict:
    """A random walk over mutually recursive functions: one node per distinct call path."""
    rng = random.Random(seed)
    frames = [
        {
            "functionName": f"f{i}" if i % 5 else "",
            "scriptId": str(i % 3),
            "url": f"file:///srv/app/m{i % 7}.js" if i % 4 else "",
            "lineNumber": i,
            "columnNumber": i % 9 - 1,
        }
        for i in range(30)
    ]
    root = {"id": 1, "callFrame": {**frames[0], "functionName": "(root)", "url": ""}}
    nodes, kids, path, ids = [root], [{}], [0], []
    for _ in range(samples):
        if rng.random() < 0.55 or len(path) == 1:
            fn = rng.randrange(len(frames))
            nxt = kids[path[-1]].get(fn)
            if nxt is None or (duplicate_siblings and rng.random() < 0.05):
                nxt = len(nodes)
                node = {"id": nxt + 1, "callFrame": frames[fn], "hitCount": 0}
                if rng.random() < 0.3:
                    node["positionTicks"] = [{"line": fn + 1, "ticks": 2}]
                nodes.append(node)
                kids.append({})
                kids[path[-1]][fn] = nxt
                nodes[path[-1]].setdefault("children", []).append(nxt + 1)
            path.append(nxt)
        else:
            del path[-rng.randint(1, 3) :]
            path = path or [0]
        ids.append(path[-1] + 1)
    for node in nodes:
        node["hitCount"] = ids.count(node["id"])
    rng.shuffle(nodes)  # children lists name later and earlier nodes alike
    return {
        "nodes": nodes,
        "startTime": 0,
        "endTime": 1000 * samples,
        "samples": ids,
        "timeDeltas": [1000] * samples,
    }


@pytest.mark.parametrize("duplicates", [False, True])
def test_random_walk_same_both_ways(tmp_path, monkeypatch, duplicates):
    doc = walk_profile(20000, seed=3, duplicate_siblings=duplicates)
    path = tmp_path / "walk.cpuprofile"
    path.write_bytes(orjson.dumps(doc))
    table = v8.V8Nodes()
    assert v8_bulk.add_nodes(table, doc["nodes"], v8._position_ticks)  # the bulk path ran
    assert v8_bulk.link_nodes(table)
    bulk, slow = both_ways(path, monkeypatch)
    assert bulk == slow
    assert len(bulk["stacks"]["parent"][1]) > 1000


def test_breadth_first_matches_python_queue():
    rng = np.random.default_rng(4)
    for n in (1, 5, 300, 5000):
        parent = np.array([-1] + [int(rng.integers(i)) for i in range(1, n)], dtype=np.int64)
        perm = rng.permutation(n)
        inverse = np.argsort(perm)
        shuffled = np.where(parent[perm] < 0, -1, inverse[np.maximum(parent[perm], 0)])
        for tree in (parent, shuffled):
            got, want = v8_bulk.breadth_first(tree), python_breadth_first(tree)
            assert got[0].tolist() == want[0].tolist()
            assert got[1].tolist() == want[1].tolist()


def test_unusual_nodes_go_the_careful_way():
    table = v8.V8Nodes()
    frame = {"functionName": "f", "scriptId": "1", "url": "", "lineNumber": 1, "columnNumber": 2}
    for odd in (
        [{"id": True, "callFrame": frame}],
        [{"id": 1, "callFrame": {**frame, "lineNumber": 1.5}}],
        [{"id": 1, "callFrame": frame}, {"id": 1, "callFrame": frame}],
        [{"id": 1, "callFrame": frame, "children": "2"}],
        [{"id": 1, "callFrame": {**frame, "scriptId": []}}],
    ):
        assert v8_bulk.add_nodes(table, odd, v8._position_ticks) is False
        assert (table.ids, table.frames, table.frame_index) == ([], [], {})


def test_first_met_and_distinct_siblings_match_plain_python():
    rng = np.random.default_rng(8)
    for n in (0, 1, 50, 4000):
        codes = rng.integers(0, 60, n)
        assert v8_bulk.first_met(codes).tolist() == list(dict.fromkeys(codes.tolist()))
        parent = rng.integers(-1, 30, n)
        pairs = list(zip(parent.tolist(), codes.tolist(), strict=True))
        assert v8_bulk.siblings_distinct(parent, codes) == (len(set(pairs)) == n)
