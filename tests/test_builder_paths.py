"""ProfileBuilder.stack_paths: many paths at once give the same tree as one at a time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.builder import ProfileBuilder

paths_strategy = st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=7), max_size=60)


def build(paths, bulk: bool):
    b = ProfileBuilder("test")
    frames = [b.frame(f"f{i}") for i in range(5)]
    if bulk:
        leaves = b.stack_paths([[frames[f] for f in p] for p in paths]).tolist()
    else:
        leaves = [b.stack_path([frames[f] for f in p]) for p in paths]
    for leaf in leaves:
        b.sample(leaf)
    return b, leaves


@settings(max_examples=200, deadline=None)
@given(paths_strategy)
def test_bulk_paths_equal_one_by_one(paths):
    if not paths:
        return
    bulk, bulk_leaves = build(paths, True)
    single, single_leaves = build(paths, False)
    pb, ps = bulk.build(), single.build()
    assert len(pb.stacks) == len(ps.stacks)  # same trie size: shared prefixes are shared
    for a, b in zip(bulk_leaves, single_leaves, strict=True):
        assert pb.stack_names(a) == ps.stack_names(b)
    # the builder keeps memoizing after a bulk insert
    again = bulk.stack_path([bulk.frame(f"f{f}") for f in paths[0]])
    assert again == bulk_leaves[0]
