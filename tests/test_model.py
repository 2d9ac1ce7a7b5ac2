"""The model's invariants and the builder's interning."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from flamekit.builder import ProfileBuilder, validate
from flamekit.errors import InvalidProfile
from flamekit.model import FrameKind


def small_profile():
    b = ProfileBuilder("test")
    main = b.frame("main", "app.js", line=1)
    foo = b.frame("foo", "app.js", line=10, kind=FrameKind.USER)
    n_main = b.stack(-1, main)
    n_foo = b.stack(n_main, foo)
    t = b.thread(1, 2, "main")
    b.sample(n_foo, 3, thread=t)
    b.sample(n_main, 1, thread=t)
    return b.build()


def test_builder_interns_frames_stacks_threads():
    b = ProfileBuilder("test")
    assert b.frame("f", "x.py", line=3) == b.frame("f", "x.py", line=3)
    assert b.frame("f", "x.py", line=3) != b.frame("f", "x.py", line=4)
    root = b.stack(-1, 0)
    assert b.stack(-1, 0) == root
    assert b.stack_path([0, 1, 0]) == b.stack_path([0, 1, 0])
    assert b.thread(1, 2, "a") == b.thread(1, 2, "a") != b.thread(1, 3, "a")


def test_build_produces_columns_and_depths():
    p = small_profile()
    assert p.stacks.parent.tolist() == [-1, 0]
    assert p.stacks.depth.tolist() == [0, 1]
    assert p.samples.weight.dtype == np.int64
    assert p.samples.time is None
    assert p.total_weight() == 4
    assert p.stack_names(1) == ["main", "foo"]
    assert p.frame_file(1) == "app.js"
    assert p.thread_label(0) == "main (2)"


def test_fractional_weights_stay_float():
    b = ProfileBuilder("test")
    node = b.stack(-1, b.frame("x"))
    b.sample(node, 0.5)
    p = b.build()
    assert p.samples.weight.dtype == np.float64
    assert p.total_weight() == 0.5


def test_times_all_or_none():
    b = ProfileBuilder("test", unit="nanoseconds")
    node = b.stack(-1, b.frame("x"))
    b.sample(node, 10, time=0)
    b.sample(node, 10)
    with pytest.raises(InvalidProfile, match="1 of 2 samples have a timestamp"):
        b.build()


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("stacks", "parent", np.array([-1, 1]), "has parent 1"),
        ("stacks", "depth", np.array([0, 2]), "has depth 2"),
        ("stacks", "frame", np.array([0, 9]), "frame that does not exist"),
        ("samples", "weight", np.array([3, -1]), "negative weight"),
        ("samples", "stack", np.array([1, 7]), "stack node that does not exist"),
        ("samples", "thread", np.array([0, 5]), "thread that does not exist"),
    ],
)
def test_validate_names_the_broken_invariant(table, column, value, message):
    p = small_profile()
    broken_table = dataclasses.replace(getattr(p, table), **{column: value.astype(np.int32)})
    broken = p.replace(**{table: broken_table})
    with pytest.raises(InvalidProfile, match=message):
        validate(broken)


def test_unknown_unit_is_refused():
    b = ProfileBuilder("test", unit="furlongs")
    b.sample(b.stack(-1, b.frame("x")), 1)
    with pytest.raises(InvalidProfile, match="unit"):
        b.build()


@pytest.mark.parametrize("top", [1, 200, 60_000, 10**9, 2**40])
def test_stable_argsort_is_numpys_stable_order(top):
    from flamekit.tree import stable_argsort

    rng = np.random.default_rng(top)
    for n in (0, 1, 7, 5000):
        values = rng.integers(0, top, n)
        assert stable_argsort(values).tolist() == np.argsort(values, kind="stable").tolist()


def test_a_root_after_bulk_nodes_is_the_one_the_memo_finds():
    def filled() -> ProfileBuilder:
        b = ProfileBuilder("test")
        f, g = b.frame("f"), b.frame("g")
        b.extend_stacks([-1, 0, -1], [f, g, g], [0, 1, 0])  # the memo is stale now
        return b

    for frame in ("f", "g", "h"):
        quick, memo = filled(), filled()
        memo._rebuild_memo()
        fid = quick.frame(frame)
        assert quick.stack(-1, fid) == memo.stack(-1, memo.frame(frame))
        assert quick.stack(1, fid) == memo.stack(1, fid)  # the memo, rebuilt, has the new root
        assert quick.node_count == memo.node_count


def test_first_and_groups_is_what_np_unique_returns():
    from flamekit.tree import first_and_groups, has_repeats

    rng = np.random.default_rng(9)
    for n, top in ((0, 1), (1, 5), (300, 7), (5000, 2**62), (20000, 400)):
        keys = rng.integers(0, top, n, dtype=np.int64)
        _, first, groups = np.unique(keys, return_index=True, return_inverse=True)
        got = first_and_groups(keys)
        assert got[0].tolist() == first.tolist() and got[1].tolist() == groups.tolist()
        assert has_repeats(keys) == (len(set(keys.tolist())) < n)
