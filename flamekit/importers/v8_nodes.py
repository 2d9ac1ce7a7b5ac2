"""The node table of a V8 profile as the importers fill it, and nodes decoded as typed
records: the data the V8 modules (:mod:`.v8`, :mod:`.v8_bulk`, :mod:`.v8json`,
:mod:`.v8_typed`) hand each other."""

from __future__ import annotations

from dataclasses import dataclass, field

# How the per-node and the bulk readers both read a node (they must agree):
NO_SCRIPT = (None, 0, "0", "")  # a call frame's scriptId for none: not in a script
MAX_HITS = 2**53  # a hitCount must be a whole number in 0..MAX_HITS,
BAD_HITS = -1  # else the table holds this


@dataclass
class V8Nodes:
    """The node table of one V8 profile, in the order the file lists it."""

    ids: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)  # index into ids, -1 for none (yet)
    parent_ids: list[int | None] = field(default_factory=list)  # a trace node's 'parent' id
    # distinct call frames (name, url, 1-based line, column, in a script) and each node's one
    frames: list[tuple[str, str, int, int, bool]] = field(default_factory=list)
    frame_index: dict[tuple[str, str, int, int, bool], int] = field(default_factory=dict)
    frame_of: list[int] = field(default_factory=list)
    children: list[list[int] | None] = field(default_factory=list)  # child ids as listed
    hits: list[int] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)
    ticks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # positionTicks
    # Chrome traces may lose chunks: nodes whose parent never arrived (``orphans``) and samples
    # of nodes that never arrived then go under a MISSING_FRAMES node instead of failing
    lenient: bool = False
    orphans: list[int] = field(default_factory=list)

    def frame_code(self, row: tuple[str, str, int, int, bool]) -> int:
        """Index of a distinct call frame in ``frames``, adding it if new."""
        code = self.frame_index.setdefault(row, len(self.frames))
        if code == len(self.frames):
            self.frames.append(row)
        return code


@dataclass(frozen=True, eq=False)
class DecodedNodes:
    """A document's nodes as typed records (:class:`~.v8_typed.Node`); their call frames' raw
    JSON keeps the text it points into alive."""

    nodes: list
