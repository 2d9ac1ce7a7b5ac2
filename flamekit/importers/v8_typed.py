"""The plain shape of a ``.cpuprofile`` as typed records, decoded by msgspec.

A node-heavy profile is mostly node objects: orjson makes a dict per node and per call frame and
a string per field, and most call frames repeat (one per distinct function, nodes per call path).
msgspec decodes the nodes into slotted records of checked types instead, and keeps each call
frame as its raw JSON text, so that a repeated call frame is recognised by its bytes and parsed
once (by orjson, as a plain parse would). Anything but the plain shape (an unknown key, a
number of another type or beyond 64 bits, a value the plain parse would refuse) makes
:func:`decode` return None; the caller then parses with orjson, so results and errors never
depend on which decoder ran.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from .v8_nodes import DecodedNodes

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class Tick(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One entry of a node's ``positionTicks``."""

    line: Int64
    ticks: Int64


class Node(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One node object (an absent ``hitCount`` counts 0, as the per-node code has it)."""

    id: Int64
    callFrame: msgspec.Raw
    hitCount: Int64 = 0
    children: list[Int64] | None = None
    parent: Int64 | None = None
    positionTicks: list[Tick] | None = None


class _Document(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    nodes: list[Node]
    startTime: int | float | None = None
    endTime: int | float | None = None
    samples: list[Int64] | None = None
    timeDeltas: list[Int64] | None = None


_DECODER = msgspec.json.Decoder(_Document)


def decode(text: bytes) -> dict | None:
    """The document as a dict whose ``nodes`` are :class:`~.v8_nodes.DecodedNodes` (keys whose
    value is null left out), or None when ``text`` is not a plain ``.cpuprofile`` object.
    Every string is a key (which must be a field's name) or inside a call frame's raw text,
    which the caller parses with orjson: msgspec never decides what a string holds."""
    try:
        doc = _DECODER.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    out = {field: getattr(doc, field) for field in doc.__struct_fields__}
    out["nodes"] = DecodedNodes(doc.nodes)
    return {key: value for key, value in out.items() if value is not None}
