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


def test_named_frames_in_bulk_equal_one_at_a_time():
    """The bulk form gives the ids, tables and later memo answers of frame() per name, both
    on an empty builder (appended, indexed later) and on one that has frames already."""
    from flamekit.model import FrameKind

    names = ["main", "a_[k]", "b", "c (x.py:1)", ""]
    kinds = [FrameKind.UNKNOWN, FrameKind.KERNEL, FrameKind.UNKNOWN, FrameKind.USER, FrameKind.GC]
    bulk, single = ProfileBuilder("folded"), ProfileBuilder("folded")
    assert bulk.named_frames(names, kinds) == [
        single.frame(n, kind=k) for n, k in zip(names, kinds, strict=True)
    ]
    more = ["b", "new", "main", "new"]
    more_kinds = [FrameKind.UNKNOWN, FrameKind.UNKNOWN, FrameKind.KERNEL, FrameKind.UNKNOWN]
    assert bulk.named_frames(more, more_kinds) == [
        single.frame(n, kind=k) for n, k in zip(more, more_kinds, strict=True)
    ]
    for name, kind in [("a_[k]", FrameKind.KERNEL), ("a_[k]", FrameKind.UNKNOWN), ("z", 0)]:
        assert bulk.frame(name, kind=kind) == single.frame(name, kind=kind)
    built, expected = bulk.build(), single.build()
    assert built.strings == expected.strings
    for column in ("name", "file", "module", "line", "column", "kind"):
        assert getattr(built.frames, column).tolist() == getattr(expected.frames, column).tolist()
