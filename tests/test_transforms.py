"""Transforms against plain-Python references, on hand-made, random and real profiles."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit import transforms as T
from flamekit.analyze.weights import top_functions
from flamekit.builder import ProfileBuilder
from flamekit.errors import UsageError
from flamekit.importers import load_path

from .conftest import ROOT
from .reference import (
    as_folded,
    build,
    check_tree,
    folded,
    ref_collapse,
    ref_exclude,
    ref_focus,
    ref_focus_root,
    ref_hide,
    ref_invert,
    ref_self_total,
    samples_of,
    stack_lists,
)

SMALL = [
    (["main", "a", "a", "a"], 4),
    (["main", "a", "b", "a"], 2),
    (["main", "b"], 3),
    (["main", "a", "b"], 1),
    (["main", "x", "a", "c"], 5),
]
REAL = [
    ROOT / "samples/folded/deep.folded",
    *sorted((ROOT / "tests/data").glob("*.folded")),
]


# -- hand-made profiles with obvious answers -----------------------------------------------
def test_focus_keeps_whole_stacks():
    got = folded(T.focus(build(SMALL), "^b$"))
    assert got == {"main;a;b": 1, "main;a;b;a": 2, "main;b": 3}


def test_exclude_drops_matching_stacks():
    assert folded(T.exclude(build(SMALL), "^b$|^x$")) == {"main;a;a;a": 4}


def test_focus_root_reroots_at_the_outermost_match():
    got = folded(T.focus_root(build(SMALL), "^a$"))
    assert got == {"a;a;a": 4, "a;b;a": 2, "a;b": 1, "a;c": 5}


def test_hide_gives_time_to_the_caller():
    got = folded(T.hide(build(SMALL), "^a$"))
    assert got == {"main": 4, "main;b": 6, "main;x;c": 5}


def test_hide_everything_keeps_the_weight():
    p = T.hide(build(SMALL), ".")
    assert folded(p) == {"(hidden)": 15}
    check_tree(p)


def test_collapse_recursion_direct_and_indirect():
    p = build(SMALL)
    assert folded(T.collapse_recursion(p)) == {
        "main;a": 6,
        "main;a;b": 1,
        "main;b": 3,
        "main;x;a;c": 5,
    }
    assert folded(T.collapse_recursion(p, direct_only=True)) == {
        "main;a": 4,
        "main;a;b": 1,
        "main;a;b;a": 2,
        "main;b": 3,
        "main;x;a;c": 5,
    }


def test_invert_puts_leaves_first():
    got = folded(T.invert(build([(["m", "a", "b"], 2), (["m", "c", "b"], 3), (["m"], 1)])))
    assert got == {"b;a;m": 2, "b;c;m": 3, "m": 1}


def test_no_idle_drops_idle_leaves_only():
    p = build([(["IDLE"], 5), (["main", "work"], 3), (["main", "IDLE"], 2)])
    assert folded(T.no_idle(p)) == {"main;work": 3}
    b = ProfileBuilder("test")
    b.sample(b.stack_path([b.frame("(root)"), b.frame("(idle)")]), 7)
    b.sample(b.stack_path([b.frame("(root)"), b.frame("f")]), 1)
    assert folded(T.no_idle(b.build())) == {"(root);f": 1}


def test_threads_select_by_name_glob_tid_and_merge():
    p = build(
        [(["a"], 1), (["b"], 2), (["c"], 4)],
        threads=["main", "worker-1", "worker-22"],
    )
    assert folded(T.select_threads(p, ["main"])) == {"a": 1}
    assert folded(T.select_threads(p, ["worker*"])) == {"b": 2, "c": 4}
    tid = int(p.threads.tid[p.samples.thread[2]])
    one = T.select_threads(p, [str(tid)])
    assert folded(one) == {"c": 4}
    assert len(one.threads) == 1 and one.thread_label(0) == f"worker-22 ({tid})"
    merged = T.merge_threads(p)
    assert len(merged.threads) == 1 and set(merged.samples.thread.tolist()) == {0}
    assert folded(merged) == folded(p)
    with pytest.raises(UsageError, match="no such thread"):
        T.select_threads(p, ["nope"])


def test_time_slice():
    p = build([(["a"], 1), (["b"], 1), (["c"], 1)], times=[0, 1_000_000, 2_000_000])
    s = T.time_slice(p, 500_000, 2_000_000)
    assert folded(s) == {"b": 1}
    assert s.samples.time.tolist() == [500_000]
    assert folded(T.time_slice(p, 1_000_000)) == {"b": 1, "c": 1}
    with pytest.raises(UsageError, match="no timestamps"):
        T.time_slice(build(SMALL), 0, 10)


def test_parse_time_units():
    assert T.parse_time("1.5s") == 1_500_000_000
    assert T.parse_time("250ms") == 250_000_000
    assert T.parse_time("30us") == 30_000
    assert T.parse_time("2") == 2_000_000_000
    with pytest.raises(UsageError):
        T.parse_time("soon")


def test_bad_regex_is_a_usage_error():
    with pytest.raises(UsageError, match="not a valid regular expression"):
        T.focus(build(SMALL), "(")


def test_group_by_file_module_package():
    b = ProfileBuilder("test")
    f1 = b.frame("main", "/app/main.py", line=1, module="app")
    f2 = b.frame("helper", "/app/main.py", line=9, module="app")
    f3 = b.frame("get", "/v/site-packages/requests/api.py", line=5, module="requests.api")
    f4 = b.frame("send", "/v/site-packages/requests/sessions.py", module="requests.sessions")
    f5 = b.frame("main", "/app/main.py", line=3, module="app")  # same function, another line
    b.sample(b.stack_path([f1, f2, f3, f4]), 5)
    b.sample(b.stack_path([f5, f2]), 2)
    p = b.build()
    assert folded(T.group_by(p, "file")) == {
        "/app/main.py": 2,
        "/app/main.py;/v/site-packages/requests/api.py;/v/site-packages/requests/sessions.py": 5,
    }
    assert folded(T.group_by(p, "package")) == {"app": 2, "app;requests": 5}
    assert folded(T.group_by(p, "module")) == {
        "app": 2,
        "app;requests.api;requests.sessions": 5,
    }
    by_function = T.group_by(p, "function")
    assert len(by_function.frames) == 4  # the two 'main' frames are one function
    assert folded(by_function) == {"main;helper": 2, "main;helper;get;send": 5}
    stats = {s.name: (s.self, s.total) for s in top_functions(T.group_by(p, "package"))}
    assert stats == {"app": (2, 7), "requests": (5, 5)}


def test_package_of():
    assert T.package_of("f", "/x/node_modules/@scope/pkg/index.js", "") == "@scope/pkg"
    assert T.package_of("f", "/x/node_modules/lodash/a.js", "") == "lodash"
    assert T.package_of("f", "/v/site-packages/numpy/core.py", "numpy.core") == "numpy"
    assert T.package_of("f", "", "json.decoder") == "json"
    assert T.package_of("f", "/srv/app/lib/util.js", "") == "/srv/app/lib"
    assert T.package_of("f", "", "") == "f"


def test_apply_runs_in_the_documented_order():
    p = build(SMALL)
    # exclude runs before focus-root, hide after it: the result is fully determined
    got = T.apply(p, exclude=("^x$",), focus_root="^a$", hide=("^b$",))
    assert folded(got) == {"a;a;a": 4, "a;a": 2, "a": 1}
    assert folded(T.apply(p)) == folded(p)


def test_deep_recursion_without_python_recursion():
    depth = 20_000
    p = build([(["main", *["rec"] * depth, "leaf"], 5), (["main", "other"], 1)])
    assert folded(T.collapse_recursion(p)) == {"main;rec;leaf": 5, "main;other": 1}
    assert folded(T.hide(p, "^rec$")) == {"main;leaf": 5, "main;other": 1}
    assert folded(T.focus_root(p, "leaf")) == {"leaf": 5}
    inv = T.invert(p)
    check_tree(inv)
    assert int(inv.stacks.depth.max()) == depth + 1


# -- random profiles: references and invariants --------------------------------------------
@settings(max_examples=150, deadline=None)
@given(stack_lists, st.sampled_from(["a", "^b$", "c|d", "main", "IDLE"]))
def test_transforms_match_references(stacks, rx):
    p = build(stacks)
    cases = [
        (T.focus(p, rx), ref_focus(stacks, rx), True),
        (T.exclude(p, rx), ref_exclude(stacks, rx), True),
        (T.focus_root(p, rx), ref_focus_root(stacks, rx), True),
        (T.hide(p, rx), ref_hide(stacks, rx), False),
        (T.collapse_recursion(p), ref_collapse(stacks), False),
        (T.collapse_recursion(p, direct_only=True), ref_collapse(stacks, True), False),
        (T.invert(p), ref_invert(stacks), False),
        (T.no_idle(p), [(s, w) for s, w in stacks if s[-1] != "IDLE"], True),
    ]
    for got, expected, is_filter in cases:
        check_tree(got)
        assert folded(got) == as_folded(expected)
        # filters never create weight; the reshaping transforms keep it all
        if is_filter:
            assert got.total_weight() <= p.total_weight()
        else:
            assert got.total_weight() == p.total_weight()


@settings(max_examples=150, deadline=None)
@given(stack_lists)
def test_collapse_recursion_keeps_self_per_function(stacks):
    p = build(stacks)
    before = {s.name: s.self for s in top_functions(p) if s.self}
    for direct_only in (False, True):
        q = T.collapse_recursion(p, direct_only=direct_only)
        assert {s.name: s.self for s in top_functions(q) if s.self} == before
        # indirect mode: no function appears twice on any stack
        if not direct_only:
            for node in range(len(q.stacks)):
                names = q.stack_names(node)
                assert len(names) == len(set(names))


@settings(max_examples=60, deadline=None)
@given(stack_lists, st.data())
def test_time_and_thread_filters_never_create_weight(stacks, data):
    n = len(stacks)
    times = sorted(data.draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)))
    threads = data.draw(st.lists(st.sampled_from(["t1", "t2"]), min_size=n, max_size=n))
    p = build(stacks, times=times, threads=threads)
    lo = data.draw(st.integers(0, 10**6))
    s = T.time_slice(p, lo)
    check_tree(s)
    expected = sum(w for (_, w), t in zip(stacks, times, strict=True) if t >= lo)
    assert s.total_weight() == expected <= p.total_weight()
    q = T.select_threads(p, [threads[0]])
    check_tree(q)
    assert q.total_weight() == sum(
        w for (_, w), t in zip(stacks, threads, strict=True) if t == threads[0]
    )


# -- the real samples ----------------------------------------------------------------------
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_samples_every_transform(path):
    p = load_path(str(path))
    stacks = [
        (p.stack_names(int(s)), w) for s, w in zip(p.samples.stack, p.samples.weight, strict=True)
    ]
    first = stacks[0][0][-1]
    rx = "^" + re.escape(first) + "$"
    assert folded(T.focus(p, rx)) == as_folded(ref_focus(stacks, rx))
    assert folded(T.exclude(p, rx)) == as_folded(ref_exclude(stacks, rx))
    assert folded(T.focus_root(p, rx)) == as_folded(ref_focus_root(stacks, rx))
    assert folded(T.hide(p, rx)) == as_folded(ref_hide(stacks, rx))
    assert folded(T.collapse_recursion(p)) == as_folded(ref_collapse(stacks))
    assert folded(T.invert(p)) == as_folded(ref_invert(stacks))
    for by in T.GROUP_BY:
        g = T.group_by(p, by)
        check_tree(g)
        assert g.total_weight() == p.total_weight()


def test_deep_sample_recursion_collapses():
    p = load_path(str(ROOT / "samples/folded/deep.folded"))
    q = T.collapse_recursion(p)
    ref_self, _ = ref_self_total(samples_of(p))
    assert {s.name: s.self for s in top_functions(q) if s.self} == {
        k: v for k, v in ref_self.items() if v
    }
    depth = Counter(q.stack_names(int(s)).count("recurse") for s in q.samples.stack)
    assert set(depth) <= {0, 1}
    assert int(p.stacks.depth.max()) > 20 >= int(q.stacks.depth.max())
