"""Reading a ``.cpuprofile`` fast: the two long number arrays are parsed straight into numpy.

In a big profile almost all bytes are ``samples`` and ``timeDeltas``: two flat lists of integers.
Parsing them into Python lists costs ~40 bytes and a few hundred nanoseconds per number. Here the
spans of those two top-level arrays are cut out of the bytes and parsed by numpy, and orjson parses
the rest (the node tree; msgspec first, see :mod:`.v8_typed`). Whenever anything looks unusual
the whole file is parsed by orjson instead, so that results and error messages are exactly those
of a plain parse.
"""

from __future__ import annotations

import warnings

import numpy as np
import orjson

from ..sources import Source

SMALL = 1 << 20  # below this size a plain parse is as fast
ARRAY_KEYS = (b"samples", b"timeDeltas")
_WS = b" \t\r\n"


def read_profile(source: Source, typed: bool = True) -> object:
    """The profile document; ``samples``/``timeDeltas`` as int64 arrays when they could be cut
    (and then, unless not ``typed``, its nodes as :class:`DecodedNodes` where they
    have the plain shape)."""
    data = source.read_bytes()
    if len(data) >= SMALL:
        doc = _parse_split(data, typed)
        if doc is not None:
            return doc
    return source.parse_json(data)


def _find_key(data: bytes, key: bytes) -> tuple[int, int] | None:
    """Span (``[`` index, ``]`` index) of the array that is the value of top-level-looking ``key``.

    An unescaped quote that follows ``{`` or ``,`` always opens a key, so a match is a key at some
    depth; the caller checks that the parsed remainder has the key, emptied, at the top.
    """
    quoted = b'"' + key + b'"'
    end = len(data)
    for _ in range(64):
        at = data.rfind(quoted, 0, end)
        if at < 0:
            return None
        end = at
        before = at - 1
        while before >= 0 and data[before] in _WS:
            before -= 1
        if before < 0 or data[before] not in b"{,":
            continue
        after = at + len(quoted)
        while after < len(data) and data[after] in _WS:
            after += 1
        if after >= len(data) or data[after] != ord(":"):
            continue
        after += 1
        while after < len(data) and data[after] in _WS:
            after += 1
        if after >= len(data) or data[after] != ord("["):
            return None
        close = data.find(b"]", after)
        if close < 0:
            return None
        return after, close
    return None


def _numbers(span: bytes) -> np.ndarray | None:
    """The integers of a comma-separated span, or None if it is anything else."""
    if not span.strip(_WS):
        return np.zeros(0, dtype=np.int64)
    expected = span.count(b",") + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            arr = np.fromstring(span, dtype=np.int64, sep=",")  # text mode: no copy of bytes
        except (ValueError, DeprecationWarning):
            return None
    if len(arr) != expected:
        return None
    # fromstring also reads floats' integer parts and some non-JSON forms: allow digits only
    if span.translate(None, b"0123456789,- \t\r\n"):
        return None
    return arr


def _parse_rest(text: bytes, typed: bool) -> dict | None:
    """The document without its long arrays: by the typed decoder when it has the plain shape
    (its nodes then come as :class:`DecodedNodes`), else by orjson."""
    if typed:
        from . import v8_typed  # msgspec is imported only for files this big

        doc = v8_typed.decode(text)
        if doc is not None:
            return doc
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _parse_split(data: bytes, typed: bool = True) -> dict | None:
    spans = []
    for key in ARRAY_KEYS:
        found = _find_key(data, key)
        if found is None:
            return None
        spans.append((key, *found))
    spans.sort(key=lambda s: s[1])
    if len(spans) == 2 and spans[0][2] >= spans[1][1]:
        return None
    arrays = {}
    pieces = []
    pos = 0
    for key, lb, rb in spans:
        arr = _numbers(data[lb + 1 : rb])
        if arr is None:
            return None
        arrays[key.decode()] = arr
        pieces.append(data[pos : lb + 1])
        pos = rb
    pieces.append(data[pos:])
    doc = _parse_rest(b"".join(pieces), typed)
    if not isinstance(doc, dict):
        return None
    for key, arr in arrays.items():
        if doc.get(key) != []:
            return None
        doc[key] = arr
    return doc
