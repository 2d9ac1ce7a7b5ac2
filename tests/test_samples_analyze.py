"""Every transform and analysis on every bundled sample whose format flamekit reads.

Samples of formats whose importer has not landed yet are skipped; the same checks then run on
them as soon as it does.
"""

from __future__ import annotations

import re

import pytest

from flamekit import transforms as T
from flamekit.analyze.calls import calls
from flamekit.analyze.hotpaths import hot_paths
from flamekit.importers import load_path

from .conftest import ROOT
from .reference import (
    SEP,
    as_folded,
    check_tree,
    folded_by,
    ref_collapse,
    ref_ends,
    ref_focus_root,
    ref_hide,
    ref_invert,
    ref_sandwich,
    samples_of,
    tree_paths,
)

SKIP_SUFFIXES = {".md", ".js", ".py", ".c", ".cpp", ".ipynb"}  # not profiles
SAMPLES = sorted(
    p
    for p in (ROOT / "samples").rglob("*")
    if p.is_file()
    and p.suffix not in SKIP_SUFFIXES
    and "workloads" not in p.parts
    and not p.name.endswith(".measured.json")  # a workload's own timings, not a profile
)


def load_sample(path):
    return load_path(str(path))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(ROOT / "samples")))
def test_transforms_and_analyses_on_sample(path):
    p = load_sample(path)
    stacks = samples_of(p, "function")
    total = p.total_weight()
    leaf = max(stacks, key=lambda s: s[1])[0][-1].split(SEP)[0]
    rx = "^" + re.escape(leaf) + "$"
    # reshaping transforms keep every bit of weight and match the references
    for got, expected in (
        (T.hide(p, rx), ref_hide(stacks, rx)),
        (T.collapse_recursion(p), ref_collapse(stacks)),
        (T.invert(p), ref_invert(stacks)),
        (T.focus_root(p, rx), ref_focus_root(stacks, rx)),
    ):
        check_tree(got)
        assert folded_by(got, "function") == pytest.approx(as_folded(expected))
    for by in T.GROUP_BY:
        g = T.group_by(p, by)
        check_tree(g)
        assert g.total_weight() == pytest.approx(total)
    # filters: the parts add up to the whole
    assert T.focus(p, rx).total_weight() + T.exclude(p, rx).total_weight() == pytest.approx(total)
    idle = T.focus(p, r"^\(idle\)$").total_weight() if "(idle)" in p.strings else 0
    assert T.no_idle(p).total_weight() <= total
    assert T.no_idle(p).total_weight() >= total - idle - 1e-9 * total
    per_thread = 0
    for i in range(len(p.threads)):
        if (p.samples.thread == i).any():
            label = str(p.threads.tid[i]) if p.threads.tid[i] >= 0 else p.thread_label(i)
            if label:
                per_thread += T.select_threads(p, [label]).total_weight()
    if all(p.threads.tid >= 0):
        assert per_thread == pytest.approx(total)
    if p.has_times:
        mid = int(p.samples.time.max()) // 2 + 1
        early = T.time_slice(p, 0, mid)
        late = T.time_slice(p, mid)
        check_tree(early)
        assert early.total_weight() + late.total_weight() == pytest.approx(total)
    else:
        with pytest.raises(Exception, match="no timestamps"):
            T.time_slice(p, 0, 1)
    # analyses against the references
    result = hot_paths(p, 5)
    ends = ref_ends(samples_of(p, "frame"))
    assert [x.weight for x in result.paths] == pytest.approx(
        sorted(ends.values(), reverse=True)[:5]
    )
    sandwich = calls(p, rx)
    ref_callers, ref_callees = ref_sandwich(stacks, rx)
    assert tree_paths(sandwich.callers, True) == pytest.approx(dict(ref_callers))
    assert tree_paths(sandwich.callees, True) == pytest.approx(dict(ref_callees))
