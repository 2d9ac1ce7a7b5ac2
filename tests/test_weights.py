"""Self and total weights per node and per function, against a plain-Python reference."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.analyze.weights import top_functions
from flamekit.builder import ProfileBuilder
from flamekit.core.weights import node_self, node_total
from flamekit.importers import load_path

from .conftest import ROOT


def profile_from_stacks(stacks: list[tuple[list[str], int]]):
    b = ProfileBuilder("test")
    for names, weight in stacks:
        node = b.stack_path([b.frame(n) for n in names])
        b.sample(node, weight)
    return b.build()


def reference_function_weights(stacks):
    """Per-function (self, total) counting a function once per sample in its total."""
    self_w, total_w = Counter(), Counter()
    for names, weight in stacks:
        self_w[names[-1]] += weight
        for name in set(names):
            total_w[name] += weight
    return self_w, total_w


def test_recursion_counts_once_per_sample():
    p = load_path(str(ROOT / "tests/data/recursion.folded"))
    stats = {s.name: (s.self, s.total) for s in top_functions(p)}
    # main;a;a;a 4 / main;a;b;a 2 / main;b 3 / main;a;b 1
    assert stats == {"a": (6, 7), "b": (4, 6), "main": (0, 10)}


def test_node_weights_on_a_small_tree():
    p = profile_from_stacks([(["m", "a"], 2), (["m"], 1), (["m", "a", "b"], 4), (["m", "c"], 8)])
    names = [";".join(p.stack_names(i)) for i in range(len(p.stacks))]
    self_w = dict(zip(names, node_self(p).tolist(), strict=True))
    total_w = dict(zip(names, node_total(p).tolist(), strict=True))
    assert self_w == {"m": 1, "m;a": 2, "m;a;b": 4, "m;c": 8}
    assert total_w == {"m": 15, "m;a": 6, "m;a;b": 4, "m;c": 8}


def test_deep_recursion_has_no_recursion_limit():
    depth = 20_000
    p = profile_from_stacks([(["main"] + ["rec"] * depth, 5), (["main", "other"], 1)])
    stats = {s.name: (s.self, s.total) for s in top_functions(p)}
    assert stats["rec"] == (5, 5)
    assert stats["main"] == (0, 6)
    assert node_total(p)[0] == 6


names = st.sampled_from(["a", "b", "c", "d", "main"])
stack_lists = st.lists(
    st.tuples(st.lists(names, min_size=1, max_size=8), st.integers(min_value=0, max_value=50)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(stack_lists)
def test_weights_match_reference(stacks):
    p = profile_from_stacks(stacks)
    ref_self, ref_total = reference_function_weights(stacks)
    got = {s.name: (s.self, s.total) for s in top_functions(p)}
    expected = {k: (ref_self[k], ref_total[k]) for k in ref_total if ref_total[k] > 0}
    assert got == expected
    # invariants: the sum of self is the total; each node's total is self plus children's totals
    self_w, total_w = node_self(p), node_total(p)
    assert self_w.sum() == p.total_weight()
    children = Counter()
    for i, parent in enumerate(p.stacks.parent.tolist()):
        if parent >= 0:
            children[parent] += int(total_w[i])
    for i in range(len(p.stacks)):
        assert total_w[i] == self_w[i] + children[i]
