"""The ``mappings`` string of a source map (revision 3), decoded into columns with numpy.

``mappings`` is a list of generated lines separated by ``;``, each a list of segments separated
by ``,``; a segment is 1, 4 or 5 base64 VLQ numbers: generated column, source index, original
line, original column, name index. The generated column is relative to the previous segment of
the same line; the other four are relative to the previous segment that has them, across lines.
The whole string is decoded at once: every character becomes its 6-bit digit, the digits are
grouped into numbers where the continuation bit is clear, and the relative fields are summed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_COMMA, _SEMICOLON = 44, 59
_INVALID = 255
_DIGIT = np.full(256, _INVALID, dtype=np.uint8)
_DIGIT[np.frombuffer(_ALPHABET, dtype=np.uint8)] = np.arange(64, dtype=np.uint8)
MAX_DIGITS = 7  # 7 x 5 bits: enough for any 32-bit value, as the reference decoders accept


class MappingsError(ValueError):
    """The ``mappings`` string is not valid base64 VLQ."""


@dataclass(frozen=True)
class Segments:
    """Decoded segments, in the order of the string (0-based lines and columns)."""

    line: np.ndarray  # generated line
    column: np.ndarray  # generated column
    source: np.ndarray  # index into ``sources``, -1 for a segment without a source
    original_line: np.ndarray
    original_column: np.ndarray
    name: np.ndarray  # index into ``names``, -1 for none

    def __len__(self) -> int:
        return len(self.line)


def _empty() -> Segments:
    z = np.zeros(0, dtype=np.int64)
    return Segments(z, z, z, z, z, z)


def decode(mappings: str) -> Segments:
    """Decode a ``mappings`` string; raises :class:`MappingsError` on a malformed one."""
    raw = np.frombuffer(mappings.encode("ascii", "replace"), dtype=np.uint8)
    if len(raw) == 0:
        return _empty()
    is_semi = raw == _SEMICOLON
    is_sep = is_semi | (raw == _COMMA)
    digit_pos = np.flatnonzero(~is_sep)
    digits = _DIGIT[raw[digit_pos]]
    if np.any(digits == _INVALID):
        k = int(digit_pos[np.flatnonzero(digits == _INVALID)[0]])
        raise MappingsError(f"character {mappings[k]!r} at offset {k} is not base64")
    if len(digits) == 0:
        return _empty()
    digits = digits.astype(np.int64)
    ends = (digits & 32) == 0  # the last digit of a number has no continuation bit
    if not ends[-1]:
        raise MappingsError("the string ends inside a number")
    # a number must not run across a separator: the digit before a separator ends a number
    before_sep = np.flatnonzero(is_sep[1:] & ~is_sep[:-1])  # raw offsets of such digits
    if len(before_sep):
        at = np.searchsorted(digit_pos, before_sep)
        if not np.all(ends[at]):
            k = int(before_sep[np.flatnonzero(~ends[at])[0]])
            raise MappingsError(f"a number is cut off by a separator at offset {k + 1}")
    number = np.concatenate(([0], np.cumsum(ends)[:-1]))  # number of each digit
    starts = np.flatnonzero(np.concatenate(([True], ends[:-1])))
    place = np.arange(len(digits)) - starts[number]
    if int(place.max()) >= MAX_DIGITS:
        raise MappingsError("a number has more digits than 32 bits need")
    values = np.add.reduceat((digits & 31) << (5 * place), starts)  # a number's digits adjoin
    values = np.where(values & 1, -(values >> 1), values >> 1)
    # which segment and line each number belongs to, and its field within the segment
    first_digit = digit_pos[starts]
    seg_of_number = np.cumsum(is_sep)[first_digit]  # separators before: the same in a segment
    new_seg = np.concatenate(([True], seg_of_number[1:] != seg_of_number[:-1]))
    seg_start = np.flatnonzero(new_seg)
    width = np.diff(np.append(seg_start, len(values)))
    field = np.arange(len(values)) - np.repeat(seg_start, width)
    bad = ~np.isin(width, (1, 4, 5))
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise MappingsError(f"segment {k} has {int(width[k])} fields (1, 4 or 5 are allowed)")
    nseg = len(seg_start)
    table = np.zeros((5, nseg), dtype=np.int64)
    seg_index = np.repeat(np.arange(nseg), width)
    table[field, seg_index] = values
    line = np.cumsum(is_semi)[first_digit[seg_start]]
    column = _sum_within_lines(table[0], line)
    has_source = width >= 4
    source = np.cumsum(table[1])
    original_line = np.cumsum(table[2])
    original_column = np.cumsum(table[3])
    name = np.where(width == 5, np.cumsum(table[4]), -1)
    source = np.where(has_source, source, -1)
    return Segments(line, column, source, original_line, original_column, name)


def _sum_within_lines(deltas: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Running sums of ``deltas`` that restart at every new line."""
    total = np.cumsum(deltas)
    first = np.concatenate(([True], line[1:] != line[:-1]))
    base = np.where(first, total - deltas, 0)  # the sum before each line's first segment
    line_start = np.maximum.accumulate(np.where(first, np.arange(len(line)), 0))
    return total - base[line_start]
