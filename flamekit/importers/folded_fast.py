"""Vectorized import of clean folded files: the common case of ``folded.load``, in numpy.

A file qualifies when every line ends in a space and an integer count (at most 15 digits) after
a character that is not whitespace, ends with a bare newline and is valid UTF-8; anything else
returns ``None`` and the line-by-line importer (with its precise error messages) takes over.

How it works: consecutive lines are compared 128, then 8 bytes at a time to find how many whole
frames each line shares with the one before. Only the frames after that become candidate call-tree
nodes, whose parents follow from depth alone (the node at depth d on the previous line's path is
the latest candidate at depth d). Files sorted byte-wise can revisit a path after a sibling that
sorts between (``a;b``, ``a;b2``, ``a;b;c``); such duplicate (parent, frame) pairs are merged
level by level, so the result is exact whatever the line order.

Big plain files are cut at the line start nearest after their middle and, where two CPUs are
free (:func:`.parallel.jobs_wanted`), the halves parsed in two processes (a fork); the second
half's call tree is joined to the first by walking down from its roots, which gives the nodes,
node order and samples of one pass over the whole file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from ..core.builder import ProfileBuilder
from ..core.model import Profile
from ..core.tree import depth_groups, first_and_groups, has_repeats, stable_argsort
from ..sources import MAX_LINE, Source
from . import parallel

_CHUNK = 8 << 20
_MAX_DIGITS = 15  # counts stay exact in float64
PARALLEL_MIN = 32 << 20  # smaller files are parsed in one process


class _Text:
    """The text being parsed: ``size`` bytes from ``base`` in ``buf`` (bytes, or a file's
    memory map, whose slices are bytes too)."""

    __slots__ = ("base", "buf", "size")

    def __init__(self, buf, base: int = 0, size: int | None = None) -> None:
        self.buf = buf
        self.base = base
        self.size = len(buf) - base if size is None else size

    def items(self, dtype) -> np.ndarray:
        """Every ``dtype`` item of the text, one starting at each byte (a strided view)."""
        width = np.dtype(dtype).itemsize
        count = max(self.size - width + 1, 0)
        return np.ndarray((count,), dtype=dtype, buffer=self.buf, offset=self.base, strides=(1,))

    def cut(self, start: np.ndarray, end: np.ndarray) -> list[bytes]:
        """The bytes [start, end) of each pair of offsets."""
        buf, base = self.buf, self.base
        return [
            buf[a:b] for a, b in zip((start + base).tolist(), (end + base).tolist(), strict=True)
        ]


def _positions(arr: np.ndarray, byte: int, dtype) -> np.ndarray:
    """Offsets of ``byte`` in ``arr``, found a chunk at a time to bound temporary memory."""
    parts = [
        (np.flatnonzero(arr[i : i + _CHUNK] == byte) + i).astype(dtype)
        for i in range(0, len(arr), _CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _lines(text: _Text, arr: np.ndarray):
    """(stack starts, stack ends, counts), or None when a line needs the careful path."""
    n = text.size
    nl = _positions(arr, 10, np.int64)
    if len(nl) == 0 or nl[-1] != n - 1:
        nl = np.r_[nl, n]
    starts = np.r_[0, nl[:-1] + 1]
    if (nl - starts).max() > MAX_LINE:
        return None
    lastsp = np.full(len(nl), -1, dtype=np.int64)
    looking = np.arange(len(nl))  # lines whose space is not found yet
    for back in range(2, _MAX_DIGITS + 2):  # the count has 1..15 digits
        pos = nl[looking] - back
        inside = pos > starts[looking]
        looking, pos = looking[inside], pos[inside]
        space = arr[pos] == 32
        lastsp[looking[space]] = pos[space]
        looking = looking[~space]
        if looking.size == 0:
            break
    if np.any(lastsp < 0):
        return None
    before = arr[lastsp - 1]
    if np.any((before < 33) | (before == 127) | (before == 59)):
        return None
    # a name may end in any non-ASCII character except Unicode whitespace, which the line
    # importer would strip along with the space before the count
    wide = np.flatnonzero(before > 127)
    tail_ends = lastsp[wide]
    for raw in text.cut(np.maximum(starts[wide], tail_ends - 4), tail_ends):
        tail = raw.decode("utf-8", "ignore")
        if not tail or tail[-1].isspace():
            return None
    digits = nl - lastsp - 1
    counts = np.zeros(len(nl), dtype=np.int64)
    for j in range(int(digits.max())):
        sel = np.flatnonzero(digits > j)
        c = arr[lastsp[sel] + 1 + j].astype(np.int64) - 48
        if np.any((c < 0) | (c > 9)):
            return None
        counts[sel] = counts[sel] * 10 + c
    return starts, lastsp, counts


def _first_set_byte(x: np.ndarray) -> np.ndarray:
    """Index of the lowest non-zero byte of each (non-zero) little-endian word."""
    low = x & (~x + np.uint64(1))
    return np.log2(low.astype(np.float64)).astype(np.int64) // 8


def _shared_bytes(text: _Text, arr: np.ndarray, s: np.ndarray, length: np.ndarray) -> np.ndarray:
    """For each line after the first, the offset of the first byte where it differs from the
    line before (or the shorter length when one stack is a prefix of the other)."""
    # a block of lines at a time keeps the gathered words small
    parts = [
        _shared_block(text, arr, s[i : i + _LINES + 1], length[i : i + _LINES + 1])
        for i in range(0, max(len(s) - 1, 1), _LINES)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


_LINES = 8192
_BLOCK = 128  # bytes compared at a time while both stacks have that much left


def _shared_block(text: _Text, arr: np.ndarray, s: np.ndarray, length: np.ndarray) -> np.ndarray:
    a_start, b_start = s[1:], s[:-1]
    m = np.minimum(length[1:], length[:-1])
    at = np.zeros(len(m), dtype=np.int64)
    resolved = np.zeros(len(m), dtype=bool)
    if text.size >= 8:
        words = text.items("<u8")
        # a block at a time while both stacks have that much left (gathered as one item each,
        # several times faster than word by word)
        active = np.flatnonzero(m >= _BLOCK)
        blocks = text.items(f"V{_BLOCK}")
        off = 0
        while active.size:
            x = blocks[a_start[active] + off].view("<u8").reshape(-1, _BLOCK // 8)
            x ^= blocks[b_start[active] + off].view("<u8").reshape(-1, _BLOCK // 8)
            nonzero = x != 0
            differs = nonzero.any(axis=1)
            rows = np.flatnonzero(differs)
            word = nonzero[rows].argmax(axis=1)
            idx = active[rows]
            at[idx] = off + word * 8 + _first_set_byte(x[rows, word])
            resolved[idx] = True
            same = active[~differs]
            at[same] = off + _BLOCK
            active = same[m[same] >= off + 2 * _BLOCK]
            off += _BLOCK
        # then a word at a time, each pair from where it got to
        active = np.flatnonzero(~resolved & (at + 8 <= m))
        while active.size:
            x = words[a_start[active] + at[active]] ^ words[b_start[active] + at[active]]
            differs = x != 0
            idx = active[differs]
            at[idx] += _first_set_byte(x[differs])
            resolved[idx] = True
            same = active[~differs]
            at[same] += 8
            active = same[at[same] + 8 <= m[same]]
    todo = np.flatnonzero(~resolved & (at < m))
    while todo.size:
        equal = arr[a_start[todo] + at[todo]] == arr[b_start[todo] + at[todo]]
        at[todo[equal]] += 1
        todo = todo[equal]
        todo = todo[at[todo] < m[todo]]
    return at


def _in_frame_order(arr: np.ndarray, s: np.ndarray, length: np.ndarray, at: np.ndarray):
    """For each line after the first, whether it comes after (or equals) the line before when
    stacks are compared frame by frame, each frame as bytes. ``at`` is where the two first
    differ (:func:`_shared_bytes`). Byte order agrees except where a frame name continues with
    a byte below ';' (``a;x`` sorts after ``a b;x`` as bytes, before it by frames)."""
    last = len(arr) - 1
    prev_ended = at >= length[:-1]
    # the byte at the first difference, with the end of a frame (';' or of the line) as 59
    prev = np.where(prev_ended, 59, arr[np.minimum(s[:-1] + at, last)])
    cur = np.where(at >= length[1:], 59, arr[np.minimum(s[1:] + at, last)])
    return np.where(prev == 59, (cur != 59) | prev_ended, (cur != 59) & (prev < cur))


class _Tables(NamedTuple):
    """One text's call tree with frames by local id (``names``), before anything is interned."""

    parent: np.ndarray
    fid: np.ndarray
    depth: np.ndarray
    leaf: np.ndarray  # node of each line
    counts: np.ndarray
    names: list[bytes]
    in_frame_order: bool  # every line sorts after (or equals) the one before, frame by frame


def _token_spans(s, e, semi, semi_s, shared, new_count) -> tuple[np.ndarray, np.ndarray]:
    """Byte (start, end) of each frame of each line after the ``shared`` ones it has in common
    with the line before, in file order (int32: the text is under 2 GiB)."""
    ntok = int(new_count.sum())
    line_end_tok = np.cumsum(new_count)  # one past each line's last new token
    line_first_tok = line_end_tok - new_count
    # the ';' after each new frame (if it is not its line's last), by its index in ``semi``
    semi_at = np.arange(ntok, dtype=np.int32)
    semi_at += np.repeat((semi_s + shared - line_first_tok).astype(np.int32), new_count)
    padded = np.append(semi, np.int32(0))
    start = padded[np.maximum(semi_at - 1, 0)] + 1
    end = padded[np.minimum(semi_at, len(semi))]
    del semi_at, padded
    has_new = new_count > 0
    starts_line = has_new & (shared == 0)  # the line's first new frame is its first frame
    start[line_first_tok[starts_line]] = s[starts_line]
    end[line_end_tok[has_new] - 1] = e[has_new]
    return start, end


def _tokens_by_slicing(text: _Text, start: np.ndarray, end: np.ndarray):
    """(name id per token, names by id), each distinct name checked to be UTF-8 once; names is
    None when one is not."""
    frame_ids: dict[bytes, int] = {}
    names: list[bytes] = []
    fid_parts = []
    for i in range(0, len(start), 50000):
        tokens = text.cut(start[i : i + 50000], end[i : i + 50000])
        lookup = itemgetter(*tokens, tokens[0])  # two or more keys: always a tuple back
        try:
            found = lookup(frame_ids)
        except KeyError:
            for raw in sorted(set(tokens).difference(frame_ids)):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return None, None
                frame_ids[raw] = len(names)
                names.append(raw)
            found = lookup(frame_ids)
        fid_parts.append(np.array(found[:-1], dtype=np.int64))
    fid = np.concatenate(fid_parts) if fid_parts else np.zeros(0, dtype=np.int64)
    return fid, names


_HASH_WORDS = 16  # names shorter than 128 bytes are grouped in numpy; longer ones are sliced
_TAIL_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)], dtype=np.uint64)


def _odd_keys(count: int, seed: int) -> np.ndarray:
    """``count`` odd 64-bit numbers from the SplitMix64 sequence of ``seed`` (made here, not
    by numpy.random, whose import costs every run of the command a few milliseconds)."""
    mask = 2**64 - 1
    keys = []
    for _ in range(count):
        seed = (seed + 0x9E3779B97F4A7C15) & mask
        z = ((seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        keys.append((z ^ (z >> 31)) | 1)
    return np.array(keys, dtype=np.uint64)


# odd multipliers of a multilinear hash; fixed so that runs are reproducible (a collision only
# costs time: every grouping is checked byte for byte)
_HASH_KEYS = _odd_keys(_HASH_WORDS + 2, 0x5EED)
_HASH_ROWS = 1 << 15  # tokens whose words are gathered at a time


_PROBES = 8  # rounds of the hash table before the hashes left are grouped by sorting


def _hash_groups(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups of equal values of ``h`` (well-mixed 64-bit hashes): where each group first
    occurs, and each value's group (groups in no particular order).

    A table of twice as many slots as values, indexed by a hash's top bits, with linear
    probing: each round, every value not yet placed writes its index into its slot, and takes
    the index found there as its group's if the hashes agree (all the values of one hash move
    together, so they agree among themselves). Hashes still unplaced after a few rounds (a
    crowded table) are grouped by sorting. Several times faster than sorting a million values.
    """
    n = len(h)
    bits = max(n.bit_length() + 1, 4)
    index = np.int32 if n < 2**31 else np.intp  # (half the memory of intp)
    slot = (h >> np.uint64(64 - bits)).astype(index)
    owner = np.empty(1 << bits, dtype=index)  # read only where just written
    rep = np.empty(n, dtype=index)  # an index of the same hash, the same for all of them
    todo = np.arange(n, dtype=index)
    for _ in range(_PROBES):
        if todo.size == 0:
            break
        owner[slot] = todo
        found = owner[slot]
        ok = h[found] == h[todo]
        rep[todo[ok]] = found[ok]
        todo, slot = todo[~ok], (slot[~ok] + 1) & ((1 << bits) - 1)
    if todo.size:
        left_first, left_groups = first_and_groups(h[todo])
        rep[todo] = todo[left_first][left_groups]
    ids = np.arange(n, dtype=index)
    first_of = np.full(n, n, dtype=index)
    np.minimum.at(first_of, rep, ids)
    reps = np.flatnonzero(rep == ids)
    group_of = np.empty(n, dtype=index)
    group_of[reps] = np.arange(len(reps), dtype=index)
    return first_of[reps], group_of[rep]


def _tokens_by_hashing(text: _Text, start: np.ndarray, end: np.ndarray):
    """What :func:`_tokens_by_slicing` returns, grouping the tokens in numpy.

    Tokens are taken in buckets of the same number of whole 8-byte words; in each, a token's
    words and last partial word are hashed, tokens are grouped by hash, and every token is
    compared with its group's first one word by word (a collision falls back to slicing).
    Tokens of 128 bytes or more are sliced (they cannot equal a shorter one). Names are
    numbered by first appearance.
    """
    n = text.size
    if n < 8 or len(start) == 0:
        return _tokens_by_slicing(text, start, end)
    start = start.astype(np.int32, copy=False)  # the text is under 2 GiB
    length = end.astype(np.int32, copy=False) - start
    bucket = np.minimum(length >> 3, _HASH_WORDS).astype(np.uint8)
    by_bucket = stable_argsort(bucket)
    bounds = np.searchsorted(bucket[by_bucket], np.arange(_HASH_WORDS + 2)).tolist()
    del bucket
    words = text.items("<u8")

    def word_rows(tokens: np.ndarray, part: np.ndarray, width: int) -> np.ndarray:
        """The ``width`` whole words of each token and then its last ``part`` (0 to 7) bytes
        as a word, gathered as one item of 8 * (width + 1) bytes where the text has them."""
        at = start[tokens]
        items = text.items(f"V{8 * (width + 1)}")
        late = at >= len(items)  # the token ends in the text's last word: read word by word
        if late.any():
            rows = np.empty((len(at), width + 1), dtype=np.uint64)
            rows[~late] = items[at[~late]].view("<u8").reshape(-1, width + 1)
            late_at = at[late].astype(np.int64)
            rows[late, :width] = words[late_at[:, None] + 8 * np.arange(width)]
            # the tail starts in the text's last word: that word, shifted down to the tail
            shift = (late_at + 8 * width - (n - 8)).astype(np.uint64) * np.uint64(8)
            rows[late, width] = words[n - 8] >> shift
        else:
            rows = items[at].view("<u8").reshape(-1, width + 1)
        rows[:, width] &= _TAIL_MASKS[part]
        return rows

    group = np.zeros(len(start), dtype=np.int32)
    firsts = []
    groups = 0
    for width in range(_HASH_WORDS):
        sel = by_bucket[bounds[width] : bounds[width + 1]]
        if sel.size == 0:
            continue
        part = length[sel] & 7
        keys = np.append(_HASH_KEYS[:width], _HASH_KEYS[-1])  # the whole words', the tail's
        h = part.astype(np.uint64) * _HASH_KEYS[-2]
        for i in range(0, len(sel), _HASH_ROWS):
            rows = word_rows(sel[i : i + _HASH_ROWS], part[i : i + _HASH_ROWS], width)
            h[i : i + len(rows)] += rows @ keys  # (mod 2**64, as every sum here)
        first, inverse = _hash_groups(h)
        del h
        same = np.array_equal(part[first][inverse], part)
        if same:
            reps = word_rows(sel[first], part[first], width)
            for i in range(0, len(sel), _HASH_ROWS):
                rows = word_rows(sel[i : i + _HASH_ROWS], part[i : i + _HASH_ROWS], width)
                if not np.array_equal(rows, reps[inverse[i : i + _HASH_ROWS]]):
                    same = False
                    break
        if not same:
            return _tokens_by_slicing(text, start, end)
        group[sel] = inverse + groups
        firsts.append(sel[first])
        groups += len(first)
    rep = np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64)
    order = np.argsort(rep)
    rank = np.empty(max(groups, 1), dtype=np.int64)  # (one slot even when none is hashed)
    rank[order] = np.arange(groups)
    fid = rank[group]  # the long tokens' are set below
    del group
    rep = rep[order]
    names = text.cut(start[rep], start[rep] + length[rep])
    try:  # every name is UTF-8 (a newline between them keeps one's end from completing another)
        b"\n".join(names).decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    long = np.sort(by_bucket[bounds[_HASH_WORDS] :])
    if long.size:
        long_fid, long_names = _tokens_by_slicing(text, start[long], start[long] + length[long])
        if long_names is None:
            return None, None
        fid[long] = long_fid + len(names)
        names += long_names
    return fid, names


def _parse(read: Callable[[], _Text], report: Callable[[float], None] | None = None):
    """The call tree of the text ``read()`` returns (whole lines), or None when a line needs
    the careful path. The text is let go of as soon as its names are cut out. ``report`` is
    told what share of the work is done, now and then."""
    text = read()
    # (a carriage return before a newline fails the digit check below; inside a name it is
    # kept by both importers)
    if text.size == 0 or text.size >= 2**31 - 1:
        return None
    arr = np.frombuffer(text.buf, dtype=np.uint8, count=text.size, offset=text.base)
    parsed = _lines(text, arr)
    if parsed is None:
        return None
    if report is not None:
        report(0.2)
    s, e, counts = parsed
    nlines = len(s)
    semi = _positions(arr, 59, np.int32)
    semi_s = np.searchsorted(semi, s)
    # a line's semicolons are all in its stack (its count has none)
    frames_per_line = np.diff(semi_s, append=len(semi)) + 1

    # whole frames shared with the previous line
    length = e - s
    at = _shared_bytes(text, arr, s, length)
    si, li = s[1:], length[1:]
    shared = np.zeros(nlines, dtype=np.int64)
    sh = np.searchsorted(semi, si + at) - semi_s[1:]
    m = np.minimum(li, length[:-1])
    prefix = at == m
    end_a = (li == m) | (arr[np.minimum(si + m, len(arr) - 1)] == 59)
    end_b = (length[:-1] == m) | (arr[np.minimum(s[:-1] + m, len(arr) - 1)] == 59)
    sh += prefix & end_a & end_b
    shared[1:] = sh
    new_count = frames_per_line - shared
    sorted_by_frames = bool(_in_frame_order(arr, s, length, at).all())
    del at, sh, m, prefix, end_a, end_b

    # the frames after the shared part
    start, end = _token_spans(s, e, semi, semi_s, shared, new_count)
    del semi, semi_s
    if report is not None:
        report(0.5)
    fid, names = _tokens_by_hashing(text, start, end)
    del arr, text, start, end
    if names is None:
        return None
    if report is not None:
        report(0.9)
    ntok = len(fid)

    # candidate nodes: one per token; parents follow from depth
    ids = np.arange(ntok, dtype=np.int64)
    tok_line = np.repeat(np.arange(nlines), new_count)
    line_first_tok = np.cumsum(new_count) - new_count
    within = ids - line_first_tok[tok_line]
    depth = shared[tok_line] + within
    parent = ids - 1
    by_depth = stable_argsort(depth)  # by depth, then id
    keys = depth[by_depth] * (ntok + 1) + ids[by_depth]

    def latest(at_depth: np.ndarray, before: np.ndarray) -> np.ndarray:
        j = np.searchsorted(keys, at_depth * (ntok + 1) + before) - 1
        found = by_depth[np.maximum(j, 0)]
        if np.any((j < 0) | (depth[found] != at_depth)):
            raise AssertionError("folded fast path: inconsistent depths")
        return found

    heads = np.flatnonzero(within == 0)
    deep_heads = heads[depth[heads] > 0]
    parent[heads] = -1
    parent[deep_heads] = latest(depth[deep_heads] - 1, deep_heads)
    leaf = np.empty(nlines, dtype=np.int64)
    has_new = new_count > 0
    leaf[has_new] = line_first_tok[has_new] + new_count[has_new] - 1
    old = np.flatnonzero(~has_new)
    if old.size:
        leaf[old] = latest(frames_per_line[old] - 1, line_first_tok[old])

    if sorted_by_frames:  # lines sharing a path are adjacent: no pair is made twice
        return _Tables(parent, fid, depth, leaf, counts, names, True)
    # Only the first new frame of a line can repeat a (parent, frame) pair (the others hang
    # below a node made on the same line), so only siblings of those frames need checking.
    nf = len(names) + 1
    is_head_parent = np.zeros(ntok + 1, dtype=bool)
    is_head_parent[parent[heads] + 1] = True  # slot 0 stands for the roots
    suspects = np.flatnonzero(is_head_parent[parent + 1])
    suspect_keys = (parent[suspects] + 1) * nf + fid[suspects]
    if has_repeats(suspect_keys):
        parent, fid, depth, leaf = _merge_repeats(parent, fid, depth, leaf, nf)
    return _Tables(parent, fid, depth, leaf, counts, names, False)


def _merge_repeats(parent, fid, depth, leaf, nf: int):
    """Merge candidate nodes that repeat a (parent, frame) pair, shallowest level first; the
    first of each keeps its place. Returns (parent, fid, depth, leaf) renumbered."""
    ids = np.arange(len(parent), dtype=np.int64)
    canon = ids.copy()
    for level in depth_groups(depth):
        p = parent[level]
        cp = np.where(p >= 0, canon[np.maximum(p, 0)], -1)
        first, inverse = first_and_groups((cp + 1) * nf + fid[level])
        canon[level] = level[first][inverse]
    keep = canon == ids
    new_id = np.cumsum(keep) - 1
    kept_parent = parent[keep]
    final_parent = np.where(kept_parent >= 0, new_id[canon[np.maximum(kept_parent, 0)]], -1)
    return final_parent, fid[keep], depth[keep], new_id[canon[leaf]]


def _leaf_path(tables: _Tables, line: int) -> list[int]:
    """The nodes from a root down to the node of ``line``."""
    path = []
    node = int(tables.leaf[line])
    while node >= 0:
        path.append(node)
        node = int(tables.parent[node])
    return path[::-1]


def _boundary_matches(first: _Tables, second: _Tables) -> np.ndarray | None:
    """For each node of the second tree, the first tree's node with the same path (-1: none),
    when the two texts together are in frame order; else None.

    Then the lines under any one path are adjacent, so a path both trees have is on the
    first's last line and on the second's first line: the common start of those two lines."""
    if not (first.in_frame_order and second.in_frame_order):
        return None
    a_path = _leaf_path(first, len(first.leaf) - 1)
    b_path = _leaf_path(second, 0)
    a_frames = [first.names[i] for i in first.fid[a_path].tolist()]
    b_frames = [second.names[i] for i in second.fid[b_path].tolist()]
    if a_frames > b_frames:  # the second text starts before the first ends: search
        return None
    same = np.full(len(second.parent), -1, dtype=np.int64)
    for a_node, b_node, a_frame, b_frame in zip(a_path, b_path, a_frames, b_frames, strict=False):
        if a_frame != b_frame:
            break
        same[b_node] = a_node
    return same


def _level_matches(first: _Tables, second: _Tables, a_fid, b_fid) -> np.ndarray:
    """For each node of the second tree, the first tree's node with the same path (-1: none),
    found level by level from the roots: the second tree's nodes whose parent has a match (few,
    typically) are looked up among the first tree's nodes of the same depth. ``a_fid`` and
    ``b_fid`` are the trees' frames in one numbering."""
    nf = max(int(a_fid.max(initial=0)), int(b_fid.max(initial=0))) + 2
    a_parent, b_parent = first.parent, second.parent
    same = np.full(len(b_parent), -1, dtype=np.int64)
    a_levels = depth_groups(first.depth)
    b_levels = depth_groups(second.depth)
    for level, a_nodes in enumerate(a_levels):
        if level >= len(b_levels):
            break
        b_nodes = b_levels[level]
        if level:
            b_nodes = b_nodes[same[b_parent[b_nodes]] >= 0]
        if b_nodes.size == 0:
            break
        bp = b_parent[b_nodes]
        b_keys = (np.where(bp >= 0, same[np.maximum(bp, 0)], -1) + 1) * nf + b_fid[b_nodes]
        b_order = np.argsort(b_keys)
        b_sorted = b_keys[b_order]
        a_keys = (a_parent[a_nodes] + 1) * nf + a_fid[a_nodes]
        j = np.minimum(np.searchsorted(b_sorted, a_keys), len(b_sorted) - 1)
        hit = b_sorted[j] == a_keys  # keys are unique within each tree
        same[b_nodes[b_order[j[hit]]]] = a_nodes[hit]
    return same


def _join(first: _Tables, second: _Tables, a_fid: np.ndarray, b_fid: np.ndarray):
    """Two call trees in one: the second's nodes whose path the first already has are merged
    into it; the others follow the first tree's nodes in their own order (the order one pass
    over both texts gives). ``a_fid``/``b_fid`` are the frames of each tree's nodes, in the same
    numbering. Returns (parent, fid, depth) in int32 and each line's node."""
    n1 = len(first.parent)
    same = _boundary_matches(first, second)
    if same is None:
        same = _level_matches(first, second, a_fid, b_fid)
    new = same < 0
    b_id = np.where(new, n1 + np.cumsum(new) - 1, same)  # final id of each second-tree node
    b_kept_parent = second.parent[new]
    kept_parent = np.where(b_kept_parent >= 0, b_id[np.maximum(b_kept_parent, 0)], -1)
    out = [np.empty(n1 + len(kept_parent), dtype=np.int32) for _ in range(3)]
    for column, mine, theirs in zip(
        out,
        (first.parent, a_fid, first.depth),
        (kept_parent, b_fid[new], second.depth[new]),
        strict=True,
    ):
        column[:n1] = mine
        column[n1:] = theirs
    leaf = np.concatenate([first.leaf, b_id[second.leaf]])
    return *out, leaf


def _reporter(bar, source: Source) -> Callable[[float], None] | None:
    """The parse's progress on ``bar`` (if any), as a share of the input. A compressed input's
    bar fills as it is read (:meth:`Source.read_bytes`), so its parse leaves the bar alone."""
    if bar is None or source.gzipped:
        return None
    return lambda share: bar.update_to(int(source.size * share))


# -- two processes ----------------------------------------------------------------------------
def _split_point(source: Source, at_least: int, jobs: int) -> int | None:
    """Offset of the line start nearest after the middle of a plain file of ``at_least`` bytes
    or more, or None (also when ``jobs`` allows one process only)."""
    if jobs < 2 or source.gzipped or source.size < max(at_least, 2) or not parallel.can_fork():
        return None
    with source.open() as stream:
        stream.seek(source.size // 2)
        pos = stream.tell()
        while True:
            block = stream.read(1 << 16)
            if not block:
                return None
            nl = block.find(b"\n")
            if nl >= 0:
                at = pos + nl + 1
                return at if at < source.size else None
            pos += len(block)


def _read_range(source: Source, start: int, stop: int | None) -> _Text:
    """Bytes [start, stop) of ``source`` (None: to the end): a view of a plain file's memory
    map (unmapped when the last view of it goes), else read (the whole of a compressed or piped
    input with the import's progress bar)."""
    mapping = source.mapping()
    if mapping is not None:
        mm, base = mapping
        end = len(mm) if stop is None else base + stop
        return _Text(mm, base + start, end - base - start)
    if start == 0 and stop is None:
        return _Text(source.read_bytes())
    with source.open() as stream:
        stream.seek(start)
        return _Text(stream.read() if stop is None else stream.read(stop - start))


def _child_tables(source: Source, at: int, report=None) -> _Tables | None:
    """The tables of [at, end), in int32 columns (half the bytes to send back)."""
    tables = _parse(partial(_read_range, source, at, None))
    if tables is None:
        return None
    return tables._replace(
        parent=tables.parent.astype(np.int32),
        fid=tables.fid.astype(np.int32),
        depth=tables.depth.astype(np.int32),
        leaf=tables.leaf.astype(np.int32),
    )


def _parse_two(source: Source, at: int, bar=None) -> tuple[_Tables | None, _Tables | None]:
    """Parse [0, at) here and [at, end) in a second process; if the child fails for a reason
    of its own, its half is parsed here. A progress ``bar`` shows this half's progress for the
    whole file (the halves are parsed side by side, at about the same pace)."""
    with parallel.Beside(partial(_child_tables, source, at)) as child:
        mine = _parse(partial(_read_range, source, 0, at), _reporter(bar, source))
        if mine is None:  # the careful path reads the whole file: the child's half is moot
            return None, None
        theirs = child.join()
    if theirs is parallel.FAILED:
        theirs = _parse(partial(_read_range, source, at, None))
    return mine, theirs


def load_fast(
    source: Source,
    builder: ProfileBuilder,
    frame_kind,
    *,
    split_at_least: int | None = None,
    jobs: int = 2,
) -> Profile | None:
    """Import ``source`` into ``builder`` and build, or return None to use the careful path.

    Plain files of at least ``split_at_least`` bytes are parsed in two processes (when ``jobs``
    is 2 or more), one half each, and the two call trees merged: the result is the one a
    single pass gives.
    """
    if source.size >= 2**31 - 1:
        return None
    at = _split_point(source, PARALLEL_MIN if split_at_least is None else split_at_least, jobs)
    if at is not None:
        parts = _parse_two(source, at, source.progress_bar)
    else:
        whole = partial(_read_range, source, 0, None)
        parts = (_parse(whole, _reporter(source.progress_bar, source)),)
    if any(part is None for part in parts):
        return None
    frames = []
    interned: dict[bytes, int] = {}
    for part in parts:
        fresh = [raw for raw in part.names if raw not in interned] if interned else part.names
        # one decode for all (a name holds no newline; each was checked to be UTF-8)
        names = b"\n".join(fresh).decode("utf-8").split("\n") if fresh else []
        interned.update(
            zip(fresh, builder.named_frames(names, map(frame_kind, names)), strict=True)
        )
        frames.append(np.array(list(map(interned.__getitem__, part.names)), dtype=np.int64))
    del interned
    first = parts[0]
    if len(parts) == 1:
        parent, fid, depth, leaf = first.parent, frames[0][first.fid], first.depth, first.leaf
        counts = first.counts
    else:
        second = parts[1]
        a_fid, b_fid = frames[0][first.fid], frames[1][second.fid]
        parent, fid, depth, leaf = _join(first, second, a_fid, b_fid)
        counts = np.concatenate([first.counts, second.counts])
        del parts, first, second, a_fid, b_fid
    builder.extend_stacks(parent, fid, depth)
    builder.add_samples(leaf, counts, threads=builder.thread())
    return builder.build(counted=True, knows_kinds=False)
