"""Sync-block detection on profiles made with ProfileBuilder, checked against plain Python."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.analyze.blocks import AREAS, find_blocks, median_interval, require_times
from flamekit.builder import ProfileBuilder
from flamekit.errors import InputError
from flamekit.model import FrameKind

K = FrameKind
MS = 1_000_000
IDLE = [("(idle)", K.IDLE)]
PROGRAM = [("(program)", K.NATIVE)]
GC = [("(garbage collector)", K.GC)]
TIMER = [("processTimers", K.RUNTIME), ("listOnTimeout", K.RUNTIME)]


def build(
    samples, *, idle_marker=True, period_ns=MS, duration_ns=None, fmt="cpuprofile", weights="period"
):
    """``samples``: (time ns, thread number, stack as [(name, kind), ...] root first).

    ``weights``: "period" (each sample weighs one period, in ns), "chain" (until the thread's
    next sample, as the V8 importer does) or "count" (1 each, unit samples).
    """
    b = ProfileBuilder(fmt, unit="samples" if weights == "count" else "nanoseconds")
    following = {}
    if weights == "chain":
        by_thread = {}
        for i, (time, thread, _stack) in sorted(enumerate(samples), key=lambda x: x[1][:2][::-1]):
            if thread in by_thread:
                following[by_thread[thread]] = time
            by_thread[thread] = i
    for i, (time, thread, stack) in enumerate(samples):
        frames = [b.frame(name, f"/app/{name}.js" if kind == K.USER else "", kind=kind)
                  for name, kind in stack]  # fmt: skip
        node = b.stack_path(frames)
        weight = {"period": period_ns, "count": 1}.get(weights)
        if weight is None:
            weight = following.get(i, time + period_ns) - time
        b.sample(node, weight, time=time, thread=b.thread(1, thread, f"t{thread}"))
    last = max(s[0] for s in samples)
    return b.build(
        has_idle_marker=idle_marker,
        period_ns=period_ns,
        duration_ns=duration_ns if duration_ns is not None else last + period_ns,
    )


def timeline(*segments, start=0, step=MS, thread=0):
    """Samples every ``step`` ns: each segment is (count, stack)."""
    out = []
    t = start
    for count, stack in segments:
        for _ in range(count):
            out.append((t, thread, stack))
            t += step
    return out


def user(*names):
    return [(n, K.USER) for n in names]


def test_blocks_between_idle_stretches():
    a = TIMER + user("onTimer", "busy")
    b = [("processImmediate", K.RUNTIME), *user("onImmediate", "work")]
    p = build(timeline((10, IDLE), (50, a), (40, IDLE), (120, b), (30, IDLE), (5, a), (20, IDLE)))
    r = find_blocks(p)
    assert r.interval_ns == MS and r.max_gap_ns == 2 * MS
    assert [(x.start_ns, x.duration_ns, x.samples) for x in r.blocks] == [
        (10 * MS, 50 * MS, 50),
        (100 * MS, 120 * MS, 120),
    ]
    assert r.below_threshold == 1  # the 5-sample block
    assert r.longest_ns == 120 * MS
    assert [x.entry.name for x in r.blocks] == ["onTimer", "onImmediate"]
    assert [x.hottest.name for x in r.blocks] == ["busy", "work"]
    assert r.blocks[0].stack[-1].name == "busy"
    assert [f.name for f in r.blocks[1].stack] == ["processImmediate", "onImmediate", "work"]
    assert r.blocks[0].areas["user"] == 1.0
    assert r.profile_ns == 275 * MS
    assert not r.notes


def test_threshold_counts_shorter_blocks():
    a = user("f")
    p = build(timeline((3, a), (5, IDLE), (9, a), (5, IDLE), (10, a), (5, IDLE), (4, a)))
    r = find_blocks(p)
    assert [x.samples for x in r.blocks] == [10]
    assert r.below_threshold == 3
    r0 = find_blocks(p, threshold_ns=0)
    assert [x.samples for x in r0.blocks] == [3, 9, 10, 4]
    assert r0.below_threshold == 0


@pytest.mark.parametrize("weights", ["period", "count"])
def test_gaps_without_samples_split_blocks_unless_within_max_gap(weights):
    a = user("f")
    samples = timeline((20, a)) + timeline((20, a), start=25 * MS)  # 5 ms that no sample covers
    p = build(samples, idle_marker=False, fmt="perf", weights=weights)
    r = find_blocks(p)
    assert r.max_gap_ns == 2 * MS
    assert [(x.start_ns, x.duration_ns) for x in r.blocks] == [(0, 20 * MS), (25 * MS, 20 * MS)]
    joined = find_blocks(p, max_gap_ns=5 * MS).blocks  # exactly at the limit stays joined
    assert [(x.start_ns, x.duration_ns, x.samples) for x in joined] == [(0, 45 * MS, 40)]
    assert len(find_blocks(p, max_gap_ns=5 * MS - 1).blocks) == 2


def test_ticks_lost_inside_a_busy_run_are_covered_by_the_sample_before():
    """V8 weighs a sample until the next one: ticks it lost leave no gap, and are noted."""
    a = user("f")
    samples = timeline((2, IDLE), (20, a)) + timeline((20, a), (3, IDLE), start=34 * MS)
    r = find_blocks(build(samples, weights="chain"))  # 13 ms without samples
    assert [(x.start_ns, x.duration_ns, x.samples) for x in r.blocks] == [(2 * MS, 52 * MS, 40)]
    assert any("missed ticks" in n and "13.0 ms" in n for n in r.notes)
    # where samples weigh one tick, the same stretch is a gap that ends the block
    r = find_blocks(build(samples, weights="period"))
    assert [x.samples for x in r.blocks] == [20, 20]
    assert not any("missed ticks" in n for n in r.notes)
    # idle samples end a block however close the busy samples are
    samples = timeline((2, IDLE), (20, a), (1, IDLE), (20, a), (2, IDLE))
    assert [x.samples for x in find_blocks(build(samples, weights="chain")).blocks] == [20, 20]


def test_program_and_gc_samples_do_not_end_a_block():
    a = TIMER + user("handler", "loop")
    p = build(timeline((5, IDLE), (10, a), (3, PROGRAM), (4, GC), (13, a), (5, IDLE)))
    (blk,) = find_blocks(p).blocks
    assert blk.samples == 30
    assert blk.entry.name == "handler"
    assert blk.areas["native"] == pytest.approx(3 / 30)
    assert blk.areas["gc"] == pytest.approx(4 / 30)
    assert blk.areas["user"] == pytest.approx(23 / 30)
    assert sum(blk.areas.values()) == pytest.approx(1.0)
    assert set(blk.areas) == set(AREAS)


def test_block_of_only_program_samples_names_program():
    p = build(timeline((5, IDLE), (15, PROGRAM), (5, IDLE)))
    (blk,) = find_blocks(p).blocks
    assert blk.entry.name == "(program)" and blk.entry.kind == "native"


def test_entry_is_outermost_user_or_dependency_frame():
    dep = [("express.handle", K.DEPENDENCY)]
    s1 = [("emit", K.RUNTIME), *dep, ("route", K.USER), ("JSON.parse", K.NATIVE)]
    s2 = [("emit", K.RUNTIME), *dep, ("route", K.USER)]
    s3 = GC
    p = build(timeline((2, IDLE), (12, s1), (3, s2), (6, s3), (2, IDLE)))
    (blk,) = find_blocks(p).blocks
    assert blk.entry.name == "express.handle" and blk.entry.kind == "dependency"
    assert blk.hottest.name == "JSON.parse"
    assert [f.name for f in blk.stack] == ["emit", "express.handle", "route", "JSON.parse"]
    assert blk.areas["native"] == pytest.approx(12 / 21)
    assert blk.areas["user"] == pytest.approx(3 / 21)


def test_runtime_only_block_falls_back_to_outermost_frame():
    s = [("processTicksAndRejections", K.RUNTIME), ("afterWrite", K.RUNTIME)]
    p = build(timeline((2, IDLE), (12, s), (2, IDLE)))
    (blk,) = find_blocks(p).blocks
    assert blk.entry.name == "processTicksAndRejections"


def test_threads_are_separate_and_blocks_sorted_by_start():
    a = user("mainWork")
    w = user("workerWork")
    samples = timeline((30, a), (10, IDLE), thread=0) + timeline(
        (5, IDLE), (20, w), (5, IDLE), thread=1, start=2 * MS
    )
    r = find_blocks(build(samples))
    assert [(x.thread_label, x.entry.name, x.samples) for x in r.blocks] == [
        ("t0 (0)", "mainWork", 30),
        ("t1 (1)", "workerWork", 20),
    ]
    assert r.blocks[1].start_ns == 7 * MS


def test_cpu_bound_profile_is_one_block_per_thread_and_says_so():
    a = user("main", "fib")
    samples = timeline((500, a), start=MS) + timeline((300, a), thread=1, start=MS)
    r = find_blocks(build(samples))
    assert [x.samples for x in r.blocks] == [500, 300]
    assert r.blocks[0].duration_ns == 500 * MS
    assert len(r.notes) == 2
    assert all("never went idle" in n and "one synchronous block" in n for n in r.notes)


def test_format_without_idle_marker_is_noted():
    a = user("f")
    samples = timeline((20, a)) + timeline((20, a), start=40 * MS)
    r = find_blocks(build(samples, idle_marker=False, fmt="perf"))
    assert len(r.blocks) == 2
    assert any("do not mark idle time" in n for n in r.notes)


def test_groups_by_entry_and_by_hottest():
    a = user("onTimer", "busy")
    b = user("onTimer", "parse")
    c = user("onRequest", "busy")
    p = build(timeline((1, IDLE), (20, a), (5, IDLE), (30, b), (5, IDLE), (15, c), (5, IDLE)))
    r = find_blocks(p)
    assert [(g.name, g.count, g.total_ns) for g in r.groups] == [
        ("onTimer", 2, 50 * MS),
        ("onRequest", 1, 15 * MS),
    ]
    h = find_blocks(p, group_by="hot")
    assert [(g.name, g.count, g.total_ns) for g in h.groups] == [
        ("busy", 2, 35 * MS),
        ("parse", 1, 30 * MS),
    ]
    assert r.groups[0].area == "user"


def test_deep_stacks_do_not_recurse():
    deep = [(f"f{i}", K.USER) for i in range(12000)]
    p = build(timeline((3, IDLE), (15, deep), (3, IDLE)))
    (blk,) = find_blocks(p).blocks
    assert blk.entry.name == "f0" and blk.hottest.name == "f11999"
    assert len(blk.stack) == 12000


def test_heaviest_stack_follows_the_heaviest_child():
    s1 = user("a", "b", "c")
    s2 = user("a", "b")
    s3 = user("a", "d")
    p = build(
        timeline((1, IDLE), (4, s1), (5, s2), (6, s3), (1, IDLE), (3, s1), (3, s3), (1, IDLE))
    )
    first, second = find_blocks(p, threshold_ns=0).blocks
    # b holds 9 samples (4 in c) against d's 6: the path goes into b, then to c
    assert [f.name for f in first.stack] == ["a", "b", "c"]
    assert first.hottest.name == "d"  # the heaviest self time is elsewhere
    assert [f.name for f in second.stack] == ["a", "b", "c"]  # a 3:3 tie goes to the older node
    assert first.entry.name == second.entry.name == "a"


@pytest.mark.parametrize("seed", range(6))
def test_heaviest_stack_matches_a_plain_walk(seed):
    """Against a dictionary-based reference on a random tree."""
    import random

    rnd = random.Random(seed)
    paths = [user(*[f"f{rnd.randrange(4)}" for _ in range(rnd.randrange(1, 6))]) for _ in range(30)]
    segments = [(1, IDLE)]
    chosen = []
    for _ in range(200):
        path = rnd.choice(paths)
        chosen.append(path)
        segments.append((1, path))
    p = build(timeline(*segments, (1, IDLE)))
    (blk,) = find_blocks(p, threshold_ns=0).blocks
    totals: dict[tuple, int] = {}
    age: dict[tuple, int] = {}  # ties go to the call path seen first
    for path in chosen:
        names = tuple(n for n, _ in path)
        for k in range(1, len(names) + 1):
            totals[names[:k]] = totals.get(names[:k], 0) + 1
            age.setdefault(names[:k], len(age))
    walk: tuple = ()
    while True:
        kids = [k for k in totals if len(k) == len(walk) + 1 and k[: len(walk)] == walk]
        if not kids:
            break
        walk = min(kids, key=lambda k: (-totals[k], age[k]))
    assert len(walk) > 1
    assert tuple(f.name for f in blk.stack) == walk


def test_median_interval_ignores_thread_changes():
    a = user("f")
    samples = timeline((10, a), step=2 * MS) + timeline((10, a), step=2 * MS, start=MS, thread=1)
    assert median_interval(build(samples)) == 2 * MS


def test_profile_without_times_is_a_clear_error():
    b = ProfileBuilder("folded")
    b.sample(b.stack(-1, b.frame("main")), 3)
    with pytest.raises(InputError) as err:
        require_times(b.build(), "x.folded")
    text = str(err.value)
    assert text.startswith("x.folded: the blocks report needs a profile with timestamps")
    assert "node --cpu-prof" in text and "py-spy record --format chrometrace" in text


# -- property test against a plain-Python reference ------------------------------------------------


def reference(events, max_gap, cover):
    """Blocks as (thread, first sample time, last sample time, count, start, duration).

    Each sample covers ``cover`` ns from its time, but not past the thread's next sample.
    """
    out = []
    for thread in sorted({e[0] for e in events}):
        mine = sorted((e for e in events if e[0] == thread), key=lambda e: e[1])
        ends = [
            min(t + cover, mine[i + 1][1]) if i + 1 < len(mine) else t + cover
            for i, (_, t, _) in enumerate(mine)
        ]
        runs = []
        current = None
        for i, (_, t, idle) in enumerate(mine):
            if idle:
                current = None
                continue
            if current is not None and t - ends[current[-1]] <= max_gap:
                current.append(i)
            else:
                current = [i]
                runs.append(current)
        for run in runs:
            first, last = mine[run[0]][1], mine[run[-1]][1]
            out.append((thread, first, last, len(run), first, ends[run[-1]] - first))
    return out


events_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 4_000_000), st.booleans()),
    min_size=1,
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(events_strategy, st.integers(500_000, 5_000_000))
def test_detection_matches_reference(steps, max_gap):
    events = []
    clock = {0: 0, 1: 0, 2: 0}
    for thread, dt, idle in steps:
        clock[thread] += dt
        events.append((thread, clock[thread], idle))
    samples = [(t, th, IDLE if idle else user("f")) for th, t, idle in events]
    p = build(samples, duration_ns=0)
    r = find_blocks(p, threshold_ns=0, max_gap_ns=max_gap)
    expected = reference(events, max_gap, MS)
    got = []
    for b in r.blocks:
        times = p.samples.time[b.sample_ids]
        tid = int(p.threads.tid[b.thread])
        got.append((tid, int(times[0]), int(times[-1]), b.samples, b.start_ns, b.duration_ns))
    assert sorted(got, key=lambda x: (x[4], x[0])) == sorted(expected, key=lambda x: (x[4], x[0]))
    assert [b.start_ns for b in r.blocks] == sorted(b.start_ns for b in r.blocks)
    assert r.below_threshold == 0
