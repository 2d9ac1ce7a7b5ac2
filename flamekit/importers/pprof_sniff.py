"""Telling a pprof profile by its first bytes (after gzip, which sources undo).

The head must read as the top-level fields of a ``Profile``: known field numbers with their wire
types, length-delimited fields within the data, sample types that are (type, unit) pairs and at
least one of them. A head that is the whole file must end on a field boundary and hold a string
table whose first string is empty. Text and JSON fail on their first byte or two.
"""

from __future__ import annotations

from ..sources import HEAD_SIZE

VARINT, LEN = 0, 2
# Profile field number -> wire types it may use (13, comment, may be packed or not)
WIRES: dict[int, tuple[int, ...]] = {
    **{n: (LEN,) for n in (1, 2, 3, 4, 5, 6, 11)},
    **{n: (VARINT,) for n in (7, 8, 9, 10, 12, 14, 15)},
    13: (VARINT, LEN),
}
SAMPLE_TYPE, STRING_TABLE = 1, 6


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """(value, next position), or None if the data ends inside it or it is too long."""
    value = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7
    return None


def _is_value_type(payload: bytes) -> bool:
    """A ValueType message: varint fields 1 (type) and 2 (unit) only."""
    pos = 0
    while pos < len(payload):
        tag = _varint(payload, pos)
        if tag is None or tag[0] not in (0x08, 0x10):
            return False
        value = _varint(payload, tag[1])
        if value is None:
            return False
        pos = value[1]
    return True


def sniff(head: bytes) -> bool:
    """Whether ``head`` starts a pprof Profile message."""
    whole = len(head) < HEAD_SIZE
    pos, seen, first_string = 0, set(), None
    while pos < len(head):
        tag = _varint(head, pos)
        if tag is None:
            return False if whole else bool(seen)
        number, wire = tag[0] >> 3, tag[0] & 7
        if wire not in WIRES.get(number, ()):
            return False
        value = _varint(head, tag[1])
        if value is None:
            break
        pos = value[1]
        if wire == LEN:
            payload = head[pos : pos + value[0]]
            if number == SAMPLE_TYPE and len(payload) == value[0] and not _is_value_type(payload):
                return False
            if number == STRING_TABLE and first_string is None:
                first_string = value[0]
            pos += value[0]
        seen.add(number)
    if SAMPLE_TYPE not in seen:
        return False
    if whole:
        return pos == len(head) and first_string == 0
    return True
