"""`flamekit blocks` on real Node recordings, checked against the workload's own measurements."""

from __future__ import annotations

import itertools
import json
import statistics

import orjson
import pytest

from .conftest import run_cli, sample

BLOCKS = sample("blocks", "blocks.cpuprofile")
MEASURED = json.loads(sample("blocks", "blocks.measured.json").read_text())["measured"]
CPU = sample("cpuprofile", "cpu.cpuprofile")


def blocks_json(*args) -> dict:
    res = run_cli("blocks", *args, "--format", "json")
    assert res.returncode == 0, res.stderr.decode()
    return orjson.loads(res.stdout)


def raw_samples(path) -> list[tuple[float, str]]:
    """(time in ms since startTime, leaf function name) straight from the file, no flamekit."""
    doc = json.loads(path.read_text())
    names = {n["id"]: n["callFrame"]["functionName"] for n in doc["nodes"]}
    out = []
    t = doc["startTime"]
    for node, delta in zip(doc["samples"], doc["timeDeltas"], strict=True):
        t += delta
        out.append(((t - doc["startTime"]) / 1000.0, names[node]))
    return out


@pytest.fixture(scope="module")
def report() -> dict:
    return blocks_json(str(BLOCKS))


def test_json_shape_is_stable(report):
    assert list(report)[:4] == ["threshold_ms", "profile_ms", "blocks", "below_threshold"]
    assert report["threshold_ms"] == 10.0
    for b in report["blocks"]:
        assert list(b) == [
            "thread",
            "start_ms",
            "duration_ms",
            "samples",
            "entry",
            "hottest",
            "areas",
            "stack",
        ]
        assert set(b["areas"]) == {"user", "dependency", "runtime", "native", "gc", "other"}
        assert sum(b["areas"].values()) == pytest.approx(1.0, abs=1e-3)
        assert all(
            list(f) == ["name", "label", "file", "line", "column", "kind"] for f in b["stack"]
        )
    starts = [b["start_ms"] for b in report["blocks"]]
    assert starts == sorted(starts)


def test_finds_exactly_the_workloads_blocks(report):
    """Startup (bootstrap + main script) and the four deliberate blocks; nothing else."""
    raw = raw_samples(BLOCKS)
    interval = statistics.median(b[0] - a[0] for a, b in itertools.pairwise(raw))
    assert report["interval_ms"] == pytest.approx(interval, abs=0.01)
    blocks = report["blocks"]
    deliberate = [m for m in MEASURED if m["name"] != "main"]
    assert len(blocks) == 1 + len(deliberate)
    startup, found = blocks[0], blocks[1:]
    # each deliberate block: the right entry and a duration within 10% or 2 intervals
    for got, want in zip(found, deliberate, strict=True):
        assert got["entry"] == want["entry"]
        tolerance = max(0.10 * want["duration_ms"], 2 * interval)
        assert abs(got["duration_ms"] - want["duration_ms"]) <= tolerance, (got, want)
    # the blocks sit where the workload says they ran: one clock offset explains every start
    offsets = [w["start_ms"] - g["start_ms"] for g, w in zip(found, deliberate, strict=True)]
    offset = statistics.median(offsets)
    assert max(offsets) - min(offsets) <= 4 * interval
    # the startup block holds the main script's own run
    main = next(m for m in MEASURED if m["name"] == "main")
    assert startup["start_ms"] <= main["start_ms"] - offset + 2 * interval
    end = main["start_ms"] + main["duration_ms"] - offset
    assert startup["start_ms"] + startup["duration_ms"] >= end - 2 * interval
    assert startup["entry"] == "(anonymous) blocks.js:1"  # the main script's module wrapper
    assert startup["stack"][0]["kind"] == "runtime"


def test_idle_stretches_are_not_reported(report):
    """Between the blocks the raw file shows (idle) samples, and only short busy blips."""
    raw = raw_samples(BLOCKS)
    blocks = report["blocks"]
    for a, b in itertools.pairwise(blocks):
        lo = a["start_ms"] + a["duration_ms"]
        hi = b["start_ms"]
        between = [name for t, name in raw if lo < t < hi]
        assert hi - lo > 100  # the workload waits 100+ ms between blocks
        assert between.count("(idle)") / len(between) > 0.85
    assert report["below_threshold"] >= 1  # the client's connect and write are short blocks


def test_entry_and_stack_of_the_http_block(report):
    http = next(b for b in report["blocks"] if b["entry"] == "handleRequest")
    names = [f["name"] for f in http["stack"]]
    assert names.index("handleRequest") < names.index("busy")
    entry_frame = next(f for f in http["stack"] if f["name"] == "handleRequest")
    assert entry_frame["file"].endswith("/blocks.js") and entry_frame["kind"] == "user"
    # everything above the entry is Node's own HTTP machinery
    above = http["stack"][: names.index("handleRequest")]
    assert above and all(f["kind"] == "runtime" for f in above)


def test_cpu_bound_profile_is_one_block_and_says_so():
    report = blocks_json(str(CPU))
    raw = raw_samples(CPU)
    (block,) = report["blocks"]
    assert report["below_threshold"] == 0
    span = raw[-1][0] - raw[0][0]
    assert block["duration_ms"] == pytest.approx(span, abs=2 * report["interval_ms"])
    assert block["samples"] == len(raw)
    assert any("never went idle" in n and "one synchronous block" in n for n in report["notes"])
    text = run_cli("blocks", str(CPU)).stdout.decode()
    assert "never went idle" in text


def test_text_table_lists_longest_first():
    res = run_cli("blocks", str(BLOCKS))
    assert res.returncode == 0
    lines = res.stdout.decode().splitlines()
    assert lines[0].startswith("5 blocks of 10.0 ms or more (3 shorter not shown)")
    # the summary wraps at 80 columns: the rows follow the header line
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["start", "duration"])
    rows = [line for line in lines[header + 1 :] if line[:1] == " "]
    assert [r.split()[5] for r in rows] == [
        "handleRequest",
        "parsePayload",
        "immediateBlock",
        "(anonymous)",
        "timerBlock",
    ]


def test_threshold_and_group_by():
    report = blocks_json(str(BLOCKS), "--threshold", "100ms")
    assert [b["entry"] for b in report["blocks"]] == [
        "immediateBlock",
        "handleRequest",
        "parsePayload",
    ]
    assert report["below_threshold"] == 5
    assert report["threshold_ms"] == 100.0
    # the same blocks with any spelling of the duration
    assert blocks_json(str(BLOCKS), "--threshold", "0.1s")["blocks"] == report["blocks"]
    res = run_cli("blocks", str(BLOCKS), "--group-by", "hot", "-o", "-", "--format", "html")
    assert res.returncode == 0 and b"hottest function" in res.stdout


def test_ticks_v8_lost_do_not_split_blocks():
    """V8 weighs each sample until the next: the loops stay whole even with a tight --max-gap."""
    raw = raw_samples(BLOCKS)
    deltas = [b[0] - a[0] for a, b in itertools.pairwise(raw)]
    assert max(deltas) > 10  # the recording lost more than 10 ms of ticks at least once
    default = blocks_json(str(BLOCKS))
    tight = blocks_json(str(BLOCKS), "--max-gap", "0.5ms")
    assert tight["max_gap_ms"] == 0.5
    assert tight["blocks"] == default["blocks"]
    assert any("missed ticks" in n for n in default["notes"])


def test_fail_over():
    ok = run_cli("blocks", str(BLOCKS), "--fail-over", "400ms")
    assert ok.returncode == 0, ok.stderr.decode()
    bad = run_cli("blocks", str(BLOCKS), "--fail-over", "100ms")
    assert bad.returncode == 1
    err = bad.stderr.decode().strip()
    assert err.startswith("flamekit: error: 3 blocks longer than 100.0 ms")
    longest = max(blocks_json(str(BLOCKS))["blocks"], key=lambda b: b["duration_ms"])
    assert f"{longest['duration_ms']:.1f} ms" in err and "handleRequest" in err
    assert len(err.splitlines()) == 1
    assert bad.stdout  # the report is still printed


def test_outputs_by_extension(tmp_path):
    for ext, start in ((".html", b"<!DOCTYPE html>"), (".svg", b"<?xml"), (".json", b"{")):
        out = tmp_path / f"report{ext}"
        res = run_cli("blocks", str(BLOCKS), "-o", str(out))
        assert res.returncode == 0, res.stderr.decode()
        assert out.read_bytes().startswith(start)
    res = run_cli("blocks", str(BLOCKS), "-o", str(tmp_path / "report.png"))
    assert res.returncode == 2 and b"cannot tell the report format" in res.stderr
    assert not (tmp_path / "report.png").exists()


def test_profile_without_timestamps_is_a_clear_error(tmp_path):
    res = run_cli("blocks", str(sample("folded", "deep.folded")), "-o", str(tmp_path / "r.html"))
    assert res.returncode == 2
    err = res.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "deep.folded: the blocks report needs a profile with timestamps" in err
    assert "node --cpu-prof" in err and "perf record" in err
    assert not (tmp_path / "r.html").exists()


def test_bad_duration_is_a_usage_error():
    res = run_cli("blocks", str(BLOCKS), "--threshold", "fast")
    assert res.returncode == 2 and b"not a duration" in res.stderr


def test_help():
    res = run_cli("blocks", "--help")
    assert res.returncode == 0 and b"--fail-over" in res.stdout


def test_chrome_trace_one_block_per_busy_thread():
    """The trace's page and worker each burn CPU for 400 ms (record_chrome_trace.py --ms 400)."""
    report = blocks_json(str(sample("chrome", "page.trace.json")))
    by_entry = {b["entry"]: b for b in report["blocks"]}
    worker = by_entry["onmessage"]
    page = by_entry["worker.onmessage"]
    assert worker["thread"].startswith("DedicatedWorker") and worker["hottest"] == "hashMany"
    assert page["thread"].startswith("CrRendererMain")
    assert "pageWork" in [f["name"] for f in page["stack"]]
    # V8 lost up to 87 ms of ticks inside pageWork: the loop still counts as one block
    assert 400 <= worker["duration_ms"] <= 440
    assert 400 <= page["duration_ms"] <= 500  # pageWork plus DevTools serializing its result
    assert any("missed ticks" in n and "87.3 ms" in n for n in report["notes"])


def test_time_slice_and_thread_selection():
    sliced = blocks_json(str(BLOCKS), "--from-time", "400ms", "--to-time", "1.2s")
    assert [b["entry"] for b in sliced["blocks"]] == ["immediateBlock", "handleRequest"]
    full = {b["entry"]: b for b in blocks_json(str(BLOCKS))["blocks"]}
    for b in sliced["blocks"]:  # same blocks, times relative to the slice
        assert b["duration_ms"] == pytest.approx(full[b["entry"]]["duration_ms"], abs=0.01)
        assert b["start_ms"] == pytest.approx(full[b["entry"]]["start_ms"] - 400, abs=0.01)
    worker = blocks_json(str(sample("chrome", "page.trace.json")), "--thread", "Dedicated*")
    assert [b["entry"] for b in worker["blocks"]] == ["onmessage"]


def test_transforms_that_would_fake_idle_time_are_not_offered():
    for option in ("--no-idle", "--merge-threads", "--invert", "--focus=busy"):
        res = run_cli("blocks", str(BLOCKS), option)
        assert res.returncode == 2 and b"No such option" in res.stderr, option
    # --group-by is the report's own
    res = run_cli("blocks", str(BLOCKS), "--group-by", "module")
    assert res.returncode == 2 and b"'entry', 'hot'" in res.stderr
