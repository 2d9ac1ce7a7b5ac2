"""The folded importer's shared-prefix shortcut, against a plain-Python reference."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.core.weights import node_self
from flamekit.importers import load_path
from flamekit.importers.folded import _shared_frames

from .conftest import count_forks

# names that are prefixes of each other and sort around ';' (0x3b) in byte order
NAMES = ["a", "ab", "a b", "a(1)", "a:b", "b", "ä", "z~", "0"]
stacks = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5).map(";".join)


def naive_shared(a: bytes, b: bytes) -> int:
    fa, fb = a.split(b";"), b.split(b";")
    n = 0
    while n < min(len(fa), len(fb)) and fa[n] == fb[n]:
        n += 1
    return n


@settings(max_examples=300, deadline=None)
@given(stacks, stacks)
def test_shared_frames_matches_a_frame_by_frame_count(a, b):
    ab, bb = a.encode(), b.encode()
    shared, start = _shared_frames(ab, bb)
    assert shared == naive_shared(ab, bb)
    assert ab[start:].split(b";") == ab.split(b";")[shared:] or start > len(ab)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(stacks, st.integers(min_value=1, max_value=9)), min_size=1, max_size=25),
    st.booleans(),
)
def test_import_sums_every_path(tmp_path_factory, rows, sort):
    if sort:
        rows = sorted(rows, key=lambda r: f"{r[0]} {r[1]}".encode())
    path = tmp_path_factory.mktemp("prefix") / "x.folded"
    path.write_text("".join(f"{s} {c}\n" for s, c in rows), encoding="utf-8")
    expected: dict[tuple[str, ...], int] = defaultdict(int)
    for s, c in rows:
        expected[tuple(s.split(";"))] += c
    profile = load_path(str(path))
    got: dict[tuple[str, ...], int] = defaultdict(int)
    own = node_self(profile)
    for node in range(len(profile.stacks)):
        if own[node]:
            got[tuple(profile.stack_names(node))] += int(own[node])
    assert dict(got) == dict(expected)
    # every (parent, frame) pair is one node
    pairs = list(zip(profile.stacks.parent.tolist(), profile.stacks.frame.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))


def test_unicode_whitespace_before_the_count_is_part_of_the_name(tmp_path):
    """As flamegraph.pl reads bytes, only the one ASCII whitespace before the count separates
    it: a name ending in U+00A0 or U+2003 keeps it."""
    path = tmp_path / "nbsp.folded"
    path.write_text("main;leaf\u00a0 3\nmain;other\u2003 2\n", encoding="utf-8")
    profile = load_path(str(path))
    names = {profile.frame_name(i) for i in range(len(profile.frames))}
    assert names == {"main", "leaf\u00a0", "other\u2003"}


def paths_of(profile) -> dict[tuple[str, ...], float]:
    got: dict[tuple[str, ...], float] = defaultdict(float)
    own = node_self(profile)
    for node in range(len(profile.stacks)):
        if own[node]:
            got[tuple(profile.stack_names(node))] += float(own[node])
    return dict(got)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(stacks, st.integers(min_value=1, max_value=10**6)), min_size=1, max_size=30),
    st.sampled_from(["sorted", "as-is", "reversed"]),
    st.booleans(),
)
def test_vectorized_and_line_importers_agree(tmp_path_factory, rows, order, final_newline):
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind, load_lines
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    lines = [f"{s} {c}" for s, c in rows]
    if order == "sorted":
        lines.sort(key=str.encode)
    elif order == "by frames":
        lines.sort(key=lambda line: [f.encode() for f in line.rsplit(" ", 1)[0].split(";")])
    elif order == "reversed":
        lines.sort(key=str.encode, reverse=True)
    path = tmp_path_factory.mktemp("fast") / "x.folded"
    path.write_text("\n".join(lines) + ("\n" if final_newline else ""), encoding="utf-8")
    fast = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    slow = load_lines(open_source(str(path)))
    assert fast is not None
    assert paths_of(fast) == paths_of(slow)
    assert len(fast.stacks) == len(slow.stacks)
    pairs = list(zip(fast.stacks.parent.tolist(), fast.stacks.frame.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))


def test_unusual_files_take_the_line_path(tmp_path):
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    for text in (b"a;b 1.5\n", b"a;b 1\r\n", b"a;b\t1\n", b"a;b  1\n", b"a;\xff 1\n", b"a;b 1 \n"):
        path = tmp_path / "u.folded"
        path.write_bytes(text)
        assert load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind) is None
        assert load_path(str(path)).total_weight() > 0


LONG_NAMES = [(n * 9).strip() for n in ("alpha", "alphb", "alpha ", "x(1)", "q")] + [
    "alpha" * 9 + "z"
]
long_stacks = st.lists(st.sampled_from(LONG_NAMES), min_size=1, max_size=9).map(";".join)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(long_stacks, st.integers(min_value=1, max_value=99)), min_size=2, max_size=30
    ),
    st.booleans(),
)
def test_vectorized_importer_on_long_shared_prefixes(tmp_path_factory, rows, sort):
    """Stacks of hundreds of bytes take the 64-byte and 8-byte comparison steps."""
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind, load_lines
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    lines = [f"{s} {c}" for s, c in rows]
    if sort:
        lines.sort(key=str.encode)
    path = tmp_path_factory.mktemp("long") / "x.folded"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    slow = load_lines(open_source(str(path)))
    assert fast is not None
    assert paths_of(fast) == paths_of(slow)
    assert len(fast.stacks) == len(slow.stacks)


def test_carriage_returns_inside_names_are_kept_by_both_importers(tmp_path):
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind, load_lines
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    path = tmp_path / "cr.folded"
    path.write_bytes(b"a;b\rc 2\na;d 1\n")
    fast = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    assert fast is not None
    assert (
        paths_of(fast)
        == paths_of(load_lines(open_source(str(path))))
        == {
            ("a", "b\rc"): 2.0,
            ("a", "d"): 1.0,
        }
    )


def node_paths(profile) -> list[tuple[str, ...]]:
    """Every call-tree node's path, in node order."""
    return [tuple(profile.stack_names(node)) for node in range(len(profile.stacks))]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(stacks, st.integers(min_value=1, max_value=10**6)), min_size=1, max_size=30),
    st.sampled_from(["sorted", "by frames", "as-is", "reversed"]),
    st.booleans(),
)
def test_two_process_import_equals_one_pass(tmp_path_factory, rows, order, final_newline):
    """Split at the middle line, parsed in two processes and merged: the same nodes in the same
    order, the same samples, and the paths a plain-Python sum gives. (Sorted frame by frame,
    the halves are joined where they meet; otherwise by a search of every level.)"""
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    lines = [f"{s} {c}" for s, c in rows]
    if order == "sorted":
        lines.sort(key=str.encode)
    elif order == "by frames":
        lines.sort(key=lambda line: [f.encode() for f in line.rsplit(" ", 1)[0].split(";")])
    elif order == "reversed":
        lines.sort(key=str.encode, reverse=True)
    path = tmp_path_factory.mktemp("two") / "x.folded"
    path.write_text("\n".join(lines) + ("\n" if final_newline else ""), encoding="utf-8")
    one = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    two = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind, split_at_least=0)
    assert one is not None and two is not None
    assert node_paths(two) == node_paths(one)
    assert two.stacks.depth.tolist() == one.stacks.depth.tolist()
    assert two.samples.stack.tolist() == one.samples.stack.tolist()
    assert two.samples.weight.tolist() == one.samples.weight.tolist()
    expected: dict[tuple[str, ...], float] = defaultdict(float)
    for s, c in rows:
        expected[tuple(s.split(";"))] += c
    assert paths_of(two) == dict(expected)


@pytest.mark.parametrize(
    "second",
    [
        [b"a;b;c;d;e 5", b"a;b;d 6", b"a;e 7"],  # in order: joined where the halves meet
        [b"a;b;c;d 5", b"a;c 6", b"b 7"],  # the same line on both sides of the cut
        [b"a;a;x 5", b"a;b;c 6", b"a;e 7"],  # each half in order, the second starts before
    ],
)
def test_two_process_join_of_two_sorted_halves(tmp_path, second):
    """Two halves each sorted frame by frame, whether or not the whole file is: the nodes,
    their order and the samples of one pass."""
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    first = [b"a;b 1", b"a;b;c 2", b"a;b;c;d 3"]
    path = tmp_path / "x.folded"
    path.write_bytes(b"\n".join(first + second) + b"\n")
    one = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    two = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind, split_at_least=0)
    assert one is not None and two is not None
    assert node_paths(two) == node_paths(one)
    assert two.samples.stack.tolist() == one.samples.stack.tolist()
    assert paths_of(two) == paths_of(load_path(str(path)))


def test_two_process_import_of_a_file_with_a_bad_second_half(tmp_path):
    """A line the fast path refuses in the second half sends the whole file to the line path."""
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    path = tmp_path / "x.folded"
    path.write_bytes(b"a;b 1\n" * 50 + b"a;c 1.5\n" + b"a;d 2\n" * 50)
    assert (
        load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind, split_at_least=0)
        is None
    )
    assert paths_of(load_path(str(path))) == {("a", "b"): 50.0, ("a", "c"): 1.5, ("a", "d"): 100.0}


def test_two_process_import_when_the_second_process_fails(tmp_path, monkeypatch):
    """If the forked process dies for a reason of its own, its half is parsed in the first."""
    import os

    from flamekit.builder import ProfileBuilder
    from flamekit.importers import folded_fast
    from flamekit.importers.folded import frame_kind
    from flamekit.sources import open_source

    path = tmp_path / "x.folded"
    path.write_bytes(b"".join(b"m;f%d;g %d\n" % (i % 7, i + 1) for i in range(200)))
    parent = os.getpid()
    real = folded_fast._read_range
    read_here = []

    def failing_in_child(*args):
        if os.getpid() != parent:
            raise MemoryError("child out of memory")
        read_here.append(args[1:])
        return real(*args)

    monkeypatch.setattr(folded_fast, "_read_range", failing_in_child)
    two = folded_fast.load_fast(
        open_source(str(path)), ProfileBuilder("folded"), frame_kind, split_at_least=0
    )
    assert two is not None
    at = read_here[0][1]
    assert read_here == [(0, at), (at, None)]  # both halves were read in this process
    expected: dict[tuple[str, ...], float] = defaultdict(float)
    for i in range(200):
        expected[("m", f"f{i % 7}", "g")] += i + 1
    assert paths_of(two) == dict(expected)
    assert node_paths(two) == node_paths(load_path(str(path)))


@pytest.mark.parametrize(
    ("jobs_env", "cpus", "forked"),
    [("1", 2, False), ("2", 1, True), (None, 1, False), (None, 2, True), ("x", 2, False)],
)
def test_two_processes_only_when_asked_or_two_cpus(tmp_path, monkeypatch, jobs_env, cpus, forked):
    """FLAMEKIT_JOBS=1 keeps a big folded file in one process, as it does a perf text; without
    it a second process is started only where this one may run on two CPUs. The result is the
    same either way."""
    import os

    from flamekit.importers import folded_fast

    path = tmp_path / "x.folded"
    path.write_bytes(b"".join(b"m;f%d;g%d %d\n" % (i % 7, i % 3, i + 1) for i in range(300)))
    monkeypatch.setattr(folded_fast, "PARALLEL_MIN", 1)
    if jobs_env is None:
        monkeypatch.delenv("FLAMEKIT_JOBS", raising=False)
    else:
        monkeypatch.setenv("FLAMEKIT_JOBS", jobs_env)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    forks = count_forks(monkeypatch)
    profile = load_path(str(path))
    assert bool(forks) == forked
    expected: dict[tuple[str, ...], float] = defaultdict(float)
    for i in range(300):
        expected[("m", f"f{i % 7}", f"g{i % 3}")] += i + 1
    assert paths_of(profile) == dict(expected)


def test_two_process_import_of_a_file_with_a_bad_first_half(tmp_path):
    """A line the fast path refuses in the first half: no result, and the child is reaped."""
    import os

    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    path = tmp_path / "x.folded"
    path.write_bytes(b"a;b 1\n" * 10 + b"a;c 1.5\n" + b"a;d 2\n" * 100)

    def children() -> list[str] | None:
        listing = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
        if not os.path.exists(listing):
            return None
        with open(listing) as fh:
            return fh.read().split()

    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    before = children()
    fast = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind, split_at_least=0)
    assert fast is None
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds  # the pipe is closed
    assert children() == before  # the child was stopped and reaped
    assert paths_of(load_path(str(path))) == {("a", "b"): 10.0, ("a", "c"): 1.5, ("a", "d"): 200.0}


def test_a_first_frame_named_nul_is_a_frame_like_any_other(tmp_path):
    """The line importer once took a first stack of b'\\x00' for its 'no previous line' marker."""
    from flamekit.importers.folded import load_lines
    from flamekit.sources import open_source

    path = tmp_path / "nul.folded"
    path.write_bytes(b"\x00 1\n\x00;a 2\nb;\x00 3\n")
    assert paths_of(load_lines(open_source(str(path)))) == {
        ("\x00",): 1.0,
        ("\x00", "a"): 2.0,
        ("b", "\x00"): 3.0,
    }


# names of every length around the 8-byte words and the 128-byte hashing limit, many sharing
# their length and their last bytes
WORDY_NAMES = [
    p + m + "Zq"
    for p in ("", "x", "abcdefgh", "abcdefgX")
    for m in ("", "1234567", "2234567", "m" * 117, "n" * 117, "m" * 126)
]


def _grouping_agrees_with_slicing(text: bytes) -> None:
    import numpy as np

    from flamekit.importers.folded_fast import _Text, _tokens_by_hashing, _tokens_by_slicing

    starts, ends, pos = [], [], 0
    for token in text.split(b";"):
        starts.append(pos)
        ends.append(pos + len(token))
        pos += len(token) + 1
    start, end = np.array(starts), np.array(ends)
    ref_fid, ref_names = _tokens_by_slicing(_Text(text), start, end)
    assert [ref_names[i] for i in ref_fid.tolist()] == text.split(b";")
    # the text alone, and the text inside a bigger buffer (as a file's memory map gives it)
    for where in (_Text(text), _Text(b"x;y " + text + b"z;w", 4, len(text))):
        fid, names = _tokens_by_hashing(where, start, end)
        assert [names[i] for i in fid.tolist()] == [ref_names[i] for i in ref_fid.tolist()]
        assert len(names) == len(set(names)) == len(ref_names)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDY_NAMES), min_size=1, max_size=60))
def test_hashed_name_grouping_equals_slicing(tokens):
    _grouping_agrees_with_slicing(";".join(tokens).encode() + b" 1\n")


def test_hash_collisions_fall_back_to_exact_grouping(monkeypatch):
    """With the word multipliers zeroed, names of one length and last word all collide: the
    byte-by-byte check must catch it. With every multiplier zeroed, everything collides."""
    import numpy as np

    from flamekit.importers import folded_fast

    text = ";".join(WORDY_NAMES * 3).encode() + b" 1\n"
    keys = folded_fast._HASH_KEYS.copy()
    keys[: folded_fast._HASH_WORDS] = 0
    monkeypatch.setattr(folded_fast, "_HASH_KEYS", keys)
    _grouping_agrees_with_slicing(text)
    monkeypatch.setattr(folded_fast, "_HASH_KEYS", np.zeros_like(keys))
    _grouping_agrees_with_slicing(text)


def test_a_name_at_the_very_end_is_the_same_frame_as_earlier(tmp_path):
    """The last frames of a text are sliced rather than hashed; they still share ids."""
    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    path = tmp_path / "end.folded"
    path.write_bytes(b"a;bb 1\nc;a 2\nd;bb 3\nbb;a 4\n")
    fast = load_fast(open_source(str(path)), ProfileBuilder("folded"), frame_kind)
    assert fast is not None
    assert sorted(fast.frame_name(i) for i in range(len(fast.frames))) == ["a", "bb", "c", "d"]
    assert paths_of(fast) == {("a", "bb"): 1, ("c", "a"): 2, ("d", "bb"): 3, ("bb", "a"): 4}


@settings(max_examples=300, deadline=None)
@given(st.lists(stacks, min_size=2, max_size=12))
def test_frame_order_of_neighbouring_lines(lines):
    """The check that lets sorted files skip the repeated-pair merge agrees with comparing the
    stacks as lists of frames."""
    import numpy as np

    from flamekit.importers.folded_fast import _in_frame_order, _lines, _shared_bytes, _Text

    data = "".join(f"{line} 1\n" for line in lines).encode()
    arr = np.frombuffer(data, dtype=np.uint8)
    s, e, _ = _lines(_Text(data), arr)
    at = _shared_bytes(_Text(data), arr, s, e - s)
    got = _in_frame_order(arr, s, e - s, at).tolist()
    frames = [[f.encode() for f in line.split(";")] for line in lines]
    assert got == [a <= b for a, b in pairwise(frames)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=40),
    st.lists(st.integers(min_value=0, max_value=39), max_size=300),
    st.booleans(),
)
def test_hash_table_groups_equal_values_as_sorting_does(pool, picks, crowded):
    """Each group holds the equal values and knows where it first occurs; crowded tables
    (values alike in their top bits, as small numbers are) end in the sorting fallback."""
    import numpy as np

    from flamekit.core.tree import first_and_groups
    from flamekit.importers.folded_fast import _hash_groups

    values = [pool[i % len(pool)] for i in picks] or pool
    if crowded:
        values = [v % 97 for v in values]
    h = np.array(values, dtype=np.uint64)
    first, group = _hash_groups(h)
    ref_first, ref_group = first_and_groups(h)
    assert sorted(first.tolist()) == sorted(ref_first.tolist())
    assert np.array_equal(h[first[group]], h)  # a value's group is its value's
    assert np.array_equal(first[group], ref_first[ref_group])  # and starts where it first occurs


@pytest.mark.parametrize("compressed", [False, True])
def test_progress_of_a_folded_import_only_moves_forward(tmp_path, compressed):
    """A plain file's bar follows the parse's stages; a compressed file's fills as it is read,
    and the parse after the read does not move it back."""
    import gzip

    from flamekit.builder import ProfileBuilder
    from flamekit.importers.folded import frame_kind
    from flamekit.importers.folded_fast import load_fast
    from flamekit.sources import open_source

    class Bar:
        def __init__(self) -> None:
            self.seen: list[int] = []

        def update_to(self, done: int, *, force: bool = False) -> None:
            self.seen.append(done)

    text = b"".join(b"main;f%d;g%d %d\n" % (i % 50, i % 7, i + 1) for i in range(20000))
    path = tmp_path / ("x.folded.gz" if compressed else "x.folded")
    path.write_bytes(gzip.compress(text) if compressed else text)
    source = open_source(str(path))
    source.progress_bar = bar = Bar()
    assert load_fast(source, ProfileBuilder("folded"), frame_kind, split_at_least=0) is not None
    assert bar.seen, "nothing was shown"
    assert bar.seen == sorted(bar.seen)
    assert max(bar.seen) <= source.size
