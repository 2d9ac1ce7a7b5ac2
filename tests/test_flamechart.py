"""``flame --flamechart``: rectangles on a time axis, checked against a plain-Python reference."""

from __future__ import annotations

import itertools
import json
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flamekit
from flamekit.builder import ProfileBuilder
from flamekit.errors import UsageError
from flamekit.model import FrameKind
from flamekit.render.flame import FlameOptions, build_flamegraph, render_svg
from tests.conftest import run_cli, sample
from tests.reference import ref_display_names

MS = 1_000_000


def chart(profile, **options):
    options.setdefault("minwidth", "0")
    return build_flamegraph(profile, FlameOptions(flamechart=True, **options))


def rects(graph) -> list[tuple[int, str, int, int]]:
    """(depth, name, start ns, end ns) of every drawn rectangle but 'all', in drawing order."""
    lay = graph.layout
    return [
        (int(lay.depth[i]), graph.names[i], int(lay.start[i]), int(lay.start[i] + lay.duration[i]))
        for i in range(1, len(lay))
    ]


def reference_rects(profile) -> list[tuple[int, str, int, int, float, int]]:
    """The flame chart worked out sample by sample, independently of the numpy code.

    A sample lasts its weight (nanosecond profiles) or one sampling interval, up to the next
    sample; a shortfall of at most one interval is closed. Idle samples are dropped. At each
    depth, neighbouring samples with the same node at that depth and no empty time between them
    form one rectangle: (depth, name, start, end, weight, samples).
    """
    stacks = profile.stacks
    rows = sorted(
        zip(
            profile.samples.time.tolist(),
            profile.samples.weight.tolist(),
            profile.samples.stack.tolist(),
            strict=True,
        ),
        key=lambda r: r[0],
    )
    times = [r[0] for r in rows]
    diffs = [b - a for a, b in itertools.pairwise(times) if b > a]
    interval = int(statistics.median(diffs)) if diffs else profile.meta.period_ns or MS
    timed = []
    for i, (t, w, leaf) in enumerate(rows):
        end = t + (w if profile.unit == "nanoseconds" else interval)
        if i + 1 < len(rows):
            nxt = rows[i + 1][0]
            end = nxt if nxt - end <= interval else min(end, nxt)
        path = []
        node = leaf
        while node >= 0:
            path.append(node)
            node = int(stacks.parent[node])
        path.reverse()
        kinds = [int(profile.frames.kind[stacks.frame[n]]) for n in path]
        if FrameKind.IDLE in kinds:
            continue
        timed.append((t, end, w, path))
    out = []
    depth = max((len(p) for *_, p in timed), default=0)
    for d in range(depth):
        current = None
        for t, end, w, path in timed:
            node = path[d] if len(path) > d else None
            if current and node == current[0] and t == current[2]:
                current[2] = end
                current[3] += w
                current[4] += 1
                continue
            if current:
                out.append(current)
            current = [node, t, end, w, 1] if node is not None else None
        if current:
            out.append(current)
    shown = ref_display_names(profile)
    name = lambda n: shown[stacks.frame[n]]  # noqa: E731
    return sorted(
        (len(flamekit.tree.ancestors_or_self(stacks, n)), name(n), s, e, w, c)
        for n, s, e, w, c in out
        if e > s
    )


def timed_profile(spans, unit="nanoseconds"):
    """A profile from (path, first ms, last ms) spans sampled every millisecond."""
    builder = ProfileBuilder("test", unit=unit)
    for path, lo, hi in spans:
        node = builder.stack_path([builder.frame(f) for f in path.split(";")])
        for t in range(lo, hi):
            builder.sample(node, MS if unit == "nanoseconds" else 1, time=t * MS)
    return builder.build()


def test_idle_gap_gives_two_rectangles_at_the_right_times():
    profile = timed_profile([("A", 0, 10), ("A;B", 20, 30)])
    graph = chart(profile)
    assert rects(graph) == [
        (1, "A", 0, 10 * MS),
        (1, "A", 20 * MS, 30 * MS),
        (2, "B", 20 * MS, 30 * MS),
    ]
    lay = graph.layout
    assert lay.span == 30 * MS and lay.duration[0] == 30 * MS
    assert lay.parent.tolist() == [-1, 0, 0, 2] and lay.end.tolist() == [3, 1, 3, 3]
    assert lay.self_weight.tolist() == [0, 10 * MS, 0, 10 * MS]
    # pixels: 1180 px for 30 ms, the second A starts at 20 ms
    frames = graph.context["frames"]
    assert [f[1] for f in frames] == ["10", "10", "796.7", "796.7"]
    assert [f[3] for f in frames] == ["1180", "393.3", "393.3", "393.3"]
    assert "start: 20.000 ms\nduration: 10.0 ms" in frames[2][0]


def test_same_node_later_again_and_sample_counted_profiles():
    spans = [("m;a", 0, 3), ("m;b", 3, 5), ("m;a", 5, 6), ("x", 6, 8), ("m;a", 8, 9)]
    for unit in ("nanoseconds", "samples"):
        profile = timed_profile(spans, unit)
        got = rects(chart(profile))
        assert got == [
            (1, "m", 0, 6 * MS),
            (2, "a", 0, 3 * MS),
            (2, "b", 3 * MS, 5 * MS),
            (2, "a", 5 * MS, 6 * MS),
            (1, "x", 6 * MS, 8 * MS),
            (1, "m", 8 * MS, 9 * MS),
            (2, "a", 8 * MS, 9 * MS),
        ]
    # sample counts, not times, in the amount of a samples profile
    svg = render_svg(profile, FlameOptions(flamechart=True, js=False, minwidth="0"))
    assert "m (6 samples, 66.67%)\nstart: 0.000 ms\nduration: 6.0 ms" in svg


def test_sample_weight_shorter_than_the_gap_leaves_it_empty():
    builder = ProfileBuilder("test", unit="nanoseconds")
    a = builder.stack(-1, builder.frame("a"))
    for t in (0, 1, 2, 10, 11):
        builder.sample(a, MS, time=t * MS)
    got = rects(chart(builder.build()))
    assert got == [(1, "a", 0, 3 * MS), (1, "a", 10 * MS, 12 * MS)]


def test_minwidth_prunes_in_pixels_of_the_time_axis():
    profile = timed_profile([("A", 0, 100), ("A;B;X", 100, 101), ("C", 150, 200)])
    # 200 ms over 100 px: B (1 ms) is 0.5 px, A 50.5 px, C 25 px; X goes with B
    graph = chart(profile, minwidth="1", width=120)
    assert [r[1] for r in rects(graph)] == ["A", "C"]
    assert graph.layout.omitted_frames == 1 and graph.layout.omitted_weight == MS
    footer = "1 frame narrower than 1 px not drawn with its callees (0.66% of time)"
    assert footer in render_svg(profile, FlameOptions(flamechart=True, width=120, minwidth="1"))
    graph = chart(profile, minwidth="20%", width=120)
    assert [r[1] for r in rects(graph)] == ["A", "C"]
    graph = chart(profile, minwidth="30%", width=120)
    assert [r[1] for r in rects(graph)] == ["A"]
    assert graph.layout.omitted_frames == 2


@pytest.mark.parametrize(
    "path", [("cpuprofile", "eventloop.cpuprofile"), ("blocks", "blocks.cpuprofile")]
)
def test_real_profiles_match_the_reference(path):
    profile = flamekit.load([str(sample(*path))])
    graph = chart(profile)
    lay = graph.layout
    got = sorted(
        (
            int(lay.depth[i]),
            graph.names[i],
            int(lay.start[i]),
            int(lay.start[i] + lay.duration[i]),
            float(lay.total[i]),
            int(lay.samples[i]),
        )
        for i in range(1, len(lay))
    )
    assert got == reference_rects(profile)
    assert len(got) > 100
    # every drawn rectangle lies inside its parent and siblings never overlap
    start, end = lay.start, lay.start + lay.duration
    for i in range(1, len(lay)):
        p = lay.parent[i]
        assert start[p] <= start[i] and end[i] <= end[p]
    # idle time stays empty: nothing at depth 1 covers an idle sample
    samples = zip(profile.samples.time.tolist(), profile.samples.stack.tolist(), strict=True)
    idle = [
        t
        for t, leaf in samples
        if any(profile.frame_name(f) == "(idle)" for f in profile.stack_frames(leaf))
    ]
    assert idle
    tops = [(s, e) for d, _, s, e, *_ in got if d == 1]
    assert not any(s <= t < e for t in idle for s, e in tops)


def test_blocks_sample_rectangles_sit_at_the_measured_times():
    measured = json.loads(sample("blocks", "blocks.measured.json").read_text())["measured"]
    profile = flamekit.load([str(sample("blocks", "blocks.cpuprofile"))])
    graph = chart(profile)
    lay = graph.layout
    interval = profile.meta.period_ns / MS
    offsets, ends = [], []
    top = [i for i in range(1, len(lay)) if lay.depth[i] == 1]
    tops = [(int(lay.start[i]), int(lay.start[i] + lay.duration[i])) for i in top]
    starts = dict(tops)
    for block in measured:
        idx = [i for i, name in enumerate(graph.names) if name == block["entry"]]
        if not idx:  # the top-level script is '(anonymous)' in the profile
            continue
        first = min(int(lay.start[i]) for i in idx)
        entry_end = max(int(lay.start[i] + lay.duration[i]) for i in idx)
        # the busy stretch: touching top-level rectangles from the entry's first one to idle
        busy_end = next(e for s, e in tops if s <= first < e)
        while busy_end in starts:
            busy_end = starts[busy_end]
        offsets.append(block["start_ms"] - first / MS)
        ends.append(((entry_end - first) / MS, (busy_end - first) / MS, block["duration_ms"]))
    assert len(offsets) == 4
    # one clock offset explains every start; the measured end lies between the entry's last
    # sample and the next idle time (GC or the runtime may finish the block's work)
    assert max(offsets) - min(offsets) <= 4 * interval
    for entry_ms, busy_ms, real_ms in ends:
        assert entry_ms - 2 * interval <= real_ms <= busy_ms + 2 * interval
        assert entry_ms >= 0.9 * real_ms


def test_profiles_without_times_are_refused_in_one_line(tmp_path):
    path = tmp_path / "a.folded"
    path.write_text("a;b 1\n")
    result = run_cli("flame", path, "--flamechart", "-o", tmp_path / "out.svg")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "--flamechart needs timestamped samples" in err
    assert "node --cpu-prof" in err and "py-spy record --format chrometrace" in err
    assert not (tmp_path / "out.svg").exists()


def test_several_threads_get_one_lane_each():
    builder = ProfileBuilder("test", unit="nanoseconds")
    one = builder.thread(1, 11, "main")
    two = builder.thread(1, 12, "worker")
    a = builder.stack(-1, builder.frame("A"))
    b = builder.stack(a, builder.frame("B"))
    for t in range(10):
        builder.sample(b, MS, time=t * MS, thread=one)
    for t in range(20, 30):
        builder.sample(a, MS, time=t * MS, thread=one)
    for t in range(5, 15):
        builder.sample(a, MS, time=t * MS, thread=two)
    profile = builder.build()
    graph = chart(profile)
    lay = graph.layout
    # the lane's root spans the thread's busy time; calls keep their own runs
    assert rects(graph) == [
        (1, "main (11)", 0, 30 * MS),
        (2, "A", 0, 10 * MS),
        (3, "B", 0, 10 * MS),
        (2, "A", 20 * MS, 30 * MS),
        (1, "worker (12)", 5 * MS, 15 * MS),
        (2, "A", 5 * MS, 15 * MS),
    ]
    # worker's lane sits on main's: rows 4 and 5 (main uses rows 1-3)
    assert lay.row.tolist() == [0, 1, 2, 3, 2, 4, 5] and lay.max_depth == 5
    assert lay.parent.tolist() == [-1, 0, 1, 2, 1, 0, 5] and lay.end.tolist() == [
        6,
        4,
        3,
        3,
        4,
        6,
        6,
    ]
    assert lay.total.tolist() == [30 * MS, 20 * MS, 10 * MS, 10 * MS, 10 * MS, 10 * MS, 10 * MS]
    frames = graph.context["frames"]
    assert [f[2] for f in frames] == ["117", "101", "85", "69", "85", "53", "37"]
    # per-node hooks are indexed by the profile's own nodes: not with lanes
    with pytest.raises(UsageError, match="one-thread flame chart"):
        chart(profile, node_colors=["#000000"] * len(profile.stacks))
    assert rects(chart(profile.select_threads("worker"))) == [(1, "A", 5 * MS, 15 * MS)]


def test_many_samples_are_laid_out_without_a_loop_per_sample():
    rng = np.random.default_rng(7)
    builder = ProfileBuilder("test", unit="nanoseconds")
    leaves = [builder.stack_path([builder.frame(f"f{d}") for d in range(k)]) for k in range(1, 30)]
    n = 300_000
    stack = np.asarray(leaves, dtype=np.int32)[rng.integers(0, len(leaves), n)]
    builder.add_samples(stack, np.full(n, 1000), times=np.arange(n) * 1000)
    graph = chart(builder.build(), minwidth="0.1")
    assert graph.layout.omitted_frames > 0 and len(graph.layout) > 1000


@pytest.mark.parametrize(
    ("path", "thread"),
    [
        (("perf", "deep.perf.txt"), "4965"),
        (("pyspy", "threads.chrometrace.json"), "140318572803776"),
    ],
)
def test_lanes_of_real_multithreaded_profiles(path, thread, tmp_path):
    profile = flamekit.load([str(sample(*path))])
    graph = chart(profile)
    lay = graph.layout
    lanes = [i for i in range(1, len(lay)) if lay.depth[i] == 1]
    threads = np.unique(profile.samples.thread).tolist()
    assert len(lanes) == len(threads) > 1
    previous_top = 0
    for root, t in zip(lanes, threads, strict=True):
        tid = int(profile.threads.tid[t])
        assert str(tid) in graph.names[root]
        one = profile.select_threads(str(tid))
        got = sorted(
            (
                int(lay.depth[i]) - 1,
                graph.names[i],
                int(lay.start[i]),
                int(lay.start[i] + lay.duration[i]),
                float(lay.total[i]),
                int(lay.samples[i]),
            )
            for i in range(root + 1, lay.end[root] + 1)
        )
        reference = reference_rects(one)
        assert got == reference and len(got) > 5
        # the lane's root spans its thread's busy time and sits above the lane before it
        assert lay.start[root] == min(r[2] for r in reference)
        assert lay.start[root] + lay.duration[root] == max(r[3] for r in reference)
        rows = lay.row[root : lay.end[root] + 1]
        assert rows.min() == previous_top + 1
        previous_top = rows.max()
    out = tmp_path / "chart.svg"
    result = run_cli("flame", sample(*path), "--flamechart", "--thread", thread, "-o", out)
    assert result.returncode == 0, result.stderr.decode()
    one = profile.select_threads(thread)
    assert out.read_text(encoding="utf-8") == render_svg(one, FlameOptions(flamechart=True))


def test_the_time_axis_is_the_whole_recording():
    builder = ProfileBuilder("test", unit="nanoseconds")
    a = builder.stack(-1, builder.frame("a"))
    for t in range(5, 10):
        builder.sample(a, MS, time=t * MS)
    graph = chart(builder.build(duration_ns=20 * MS))
    assert graph.layout.span == 20 * MS and rects(graph) == [(1, "a", 5 * MS, 10 * MS)]
    # 1180 px for 20 ms: 'a' starts a quarter of the way in
    assert [f[1:4:2] for f in graph.context["frames"]] == [("10", "1180"), ("305", "295")]


def test_time_ruler_ticks():
    from flamekit.render.flamechart import time_ticks

    assert time_ticks(0, 12 * MS, 1180) == [(k * 2 * MS, f"{2 * k} ms") for k in range(7)]
    # a window that starts mid-way: the first tick is the first round time inside it
    ticks = time_ticks(818.4 * MS, 317.9 * MS, 1180)
    assert [t for t, _ in ticks] == [k * 50 * MS for k in range(17, 23)]
    assert ticks[0][1] == "0.85 s" and ticks[-1][1] == "1.10 s"  # one unit, the step's decimals
    assert [label for _, label in time_ticks(7 * MS, 5 * MS, 1180)][:3] == [
        "7.0 ms",
        "7.5 ms",
        "8.0 ms",
    ]
    assert time_ticks(3, 7, 1180) == [(t, f"{t} ns") for t in range(3, 11)]
    assert time_ticks(0, 1.53e9, 380) == [(0, "0 s"), (1_000_000_000, "1 s")]
    assert time_ticks(0, 0, 1180) == [] and time_ticks(5, 10, 0) == []


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e12),
    st.floats(min_value=1, max_value=1e11),
    st.integers(min_value=40, max_value=4000),
)
def test_time_ruler_ticks_are_round_spaced_and_inside(start, span, width):
    from flamekit.render.flamechart import TICK_SPACING_PX, time_ticks

    ticks = time_ticks(start, span, width)
    times = [t for t, _ in ticks]
    assert all(start - 1 <= t <= start + span for t in times)
    if len(times) >= 2:
        step = times[1] - times[0]
        assert all(b - a == step for a, b in itertools.pairwise(times))
        digits = str(step).rstrip("0")
        assert digits in ("1", "2", "5")
        assert step / span * width >= min(TICK_SPACING_PX, width) - 1e-6


def _random_lanes(seed: int):
    """Three threads of random stacks (1 to 7 frames deep) sampled one per millisecond."""
    rng = np.random.default_rng(seed)
    builder = ProfileBuilder("test", unit="nanoseconds")
    threads = [builder.thread(1, 10 + k, f"t{k}") for k in range(3)]
    frames = [builder.frame(f"f{k}") for k in range(5)]
    for t in range(300):
        node = -1
        for _ in range(int(rng.integers(1, 8))):
            node = builder.stack(node, frames[int(rng.integers(0, 5))])
        builder.sample(node, MS, time=t * MS, thread=threads[int(rng.integers(0, 3))])
    return builder.build()


@pytest.mark.parametrize("seed", range(4))
def test_lane_first_view_keeps_the_rows_with_the_most_time(seed):
    """Lanes too tall together for the first view keep, per lane, its lowest rows: every lane
    at least its root row, and of all such choices one that draws the most time (checked by
    trying every choice)."""
    from flamekit.render.flame import _lane_view_rows

    lay = chart(_random_lanes(seed)).layout
    lane_of = lay.row - lay.depth
    lanes = sorted(set(lane_of[1:].tolist()))
    height = {k: int(lay.depth[1:][lane_of[1:] == k].max()) for k in lanes}
    width = {
        (k, d): float(lay.duration[1:][(lane_of[1:] == k) & (lay.depth[1:] == d)].sum())
        for k in lanes
        for d in range(1, height[k] + 1)
    }
    assert sum(height.values()) > 6
    for rows in range(4, sum(height.values()) + 1):
        view = _lane_view_rows(lay, rows + 1)
        if sum(height.values()) <= rows:
            assert view is None
            continue
        best = max(
            sum(width[k, d] for k, c in zip(lanes, caps, strict=True) for d in range(1, c + 1))
            for caps in itertools.product(*(range(1, height[k] + 1) for k in lanes))
            if sum(caps) <= rows
        )
        shown = ~view.hidden
        assert view.rows <= rows + 1 and int(view.row.max()) == view.rows - 1
        assert float(lay.duration[1:][shown[1:]].sum()) == pytest.approx(best)
        # each lane's rows are its lowest ones, lanes stacked in order above 'all'
        caps = [int(lay.depth[1:][shown[1:] & (lane_of[1:] == k)].max()) for k in lanes]
        for i in np.flatnonzero(shown)[1:].tolist():
            k = lanes.index(int(lane_of[i]))
            assert view.row[i] == sum(caps[:k]) + lay.depth[i]
            assert view.stub[i] == (lay.depth[i] == caps[k] and lay.end[i] > i)
        assert not view.stub[view.hidden].any()
