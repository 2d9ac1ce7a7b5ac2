"""Callers and callees of a function: the "sandwich" view.

The functions whose names match a regular expression are taken together. Each sample whose stack
contains one of them is counted once, at the outermost call (so recursion is not double counted):

- the *callees* tree is rooted at that call and holds everything it called (recursive calls
  included), merged over all the places it was called from;
- the *callers* tree is the same samples' stacks from that call up to the root, inverted: its
  roots are the function, their children its direct callers, and so on.

Both trees are flat lists in depth-first order (heaviest child first) with parent indices, so that
results stay JSON-friendly however deep the stacks are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import retree
from ..core.idle import idle_weight
from ..core.model import Profile
from ..core.transforms import focus_root, group_by, matching_frames
from ..core.tree import iter_preorder, subtree_sums
from ..core.weights import node_samples, node_self, node_total
from ..display import JSONFields, ShowsAsHTML
from ..errors import UsageError
from .naming import function_label_of_frames


@dataclass(frozen=True)
class CallNode(JSONFields):
    """One node of a callers or callees tree; ``parent`` indexes the same list (-1: a root).

    In the callees tree ``self`` is the node's own self weight; in the callers tree it is the
    weight of the stacks that begin at this frame (no further callers).
    """

    name: str
    file: str | None
    parent: int
    depth: int
    total: int | float
    self: int | float
    samples: int
    label: str = ""  # display name (analyze.naming)
    line: int | None = None  # the function's own line where the format records it
    column: int | None = None


@dataclass(frozen=True)
class Calls(JSONFields, ShowsAsHTML):
    """The sandwich of the functions matching ``pattern``."""

    pattern: str
    functions: list[str]
    unit: str
    profile_total: int | float
    idle: int | float
    total: int | float  # weight of the samples inside the functions (each counted once)
    self: int | float  # weight of the samples whose leaf is one of the functions
    samples: int
    callers: list[CallNode]
    callees: list[CallNode]


def _flatten(profile: Profile, stacks, total, self_, samples) -> list[CallNode]:
    """Nodes of ``stacks`` in depth-first order, heaviest first, with parent list indices."""
    out: list[CallNode] = []
    index: dict[int, int] = {}
    key = -np.asarray(total, dtype=np.float64)
    parent = stacks.parent.tolist()
    labels = function_label_of_frames(profile)
    own = profile.frames.owns_line()
    own_line = np.where(own, profile.frames.line, 0)
    own_column = np.where(own, profile.frames.column, 0)
    for node, depth in iter_preorder(stacks, key):
        f = int(stacks.frame[node])
        index[node] = len(out)
        p = parent[node]
        out.append(
            CallNode(
                name=profile.frame_name(f),
                file=profile.frame_file(f) or None,
                parent=index[p] if p >= 0 else -1,
                depth=depth,
                total=total[node].item(),
                self=self_[node].item(),
                samples=int(samples[node]),
                label=labels[f],
                line=int(own_line[f]) or None,
                column=int(own_column[f]) or None,
            )
        )
    return out


def calls(profile: Profile, pattern: str) -> Calls:
    """Callers and callees of the functions whose name matches ``pattern`` (``re.search``)."""
    grand = profile.total_weight()
    idle = idle_weight(profile)
    p = group_by(profile, "function")
    hit = matching_frames(p, pattern, "FUNCTION_REGEX")
    if not hit.any():
        raise UsageError(
            f"no function matches {pattern!r}", hint="the pattern is a regular expression"
        )
    labels = function_label_of_frames(p)
    names = sorted({labels[f] for f in np.flatnonzero(hit).tolist()})
    # callees: the profile re-rooted at the outermost call
    inner = focus_root(p, pattern)
    callees = _flatten(
        inner, inner.stacks, node_total(inner), node_self(inner), node_samples(inner)
    )
    # callers: from the outermost call up to the root, inverted
    st = p.stacks
    top = retree.nearest_marked(st, hit[st.frame], outermost=True)
    m = top[p.samples.stack]
    inside = m >= 0
    w = p.samples.weight[inside]
    at = np.bincount(m[inside], weights=w, minlength=len(st))
    rows = p.samples.weight[inside] if p.meta.counted else None
    cnt = np.bincount(m[inside], weights=rows, minlength=len(st))
    cnt = np.rint(cnt).astype(np.int64)
    leaves = np.flatnonzero(cnt)
    inv, last = retree.inverted(st, leaves)
    own = np.zeros(len(inv), dtype=np.float64)  # weight whose caller chain ends here
    own_cnt = np.zeros(len(inv), dtype=np.int64)
    np.add.at(own, last, at[leaves])
    np.add.at(own_cnt, last, cnt[leaves])
    ctotal = subtree_sums(inv, own)
    csamples = subtree_sums(inv, own_cnt)
    if np.issubdtype(p.samples.weight.dtype, np.integer):
        own = np.rint(own).astype(np.int64)
        ctotal = np.rint(ctotal).astype(np.int64)
    callers = _flatten(p, inv, ctotal, own, csamples)
    weight = sum(c.total for c in callees if c.parent < 0)
    # self: samples whose leaf frame is one of the functions
    leaf_hit = hit[st.frame][p.samples.stack]
    self_w = p.samples.weight[leaf_hit].sum().item()
    return Calls(
        pattern=pattern,
        functions=names,
        unit=p.unit,
        profile_total=grand,
        idle=idle,
        total=weight,
        self=self_w,
        samples=int(cnt.sum()),
        callers=callers,
        callees=callees,
    )
