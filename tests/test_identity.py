"""Function identity: every number names the code it belongs to.

The ``anon-*`` samples are real ``node --cpu-prof`` recordings of samples/workloads/anon.js,
whose hot code is anonymous callbacks and two methods named ``get``. ``top`` must agree with the
plain-Python reference per (name, file, line, column), and no text output may show two
different functions under one name.
"""

from __future__ import annotations

import json
import re

import orjson
import pytest

import flamekit
from flamekit.analyze.naming import function_labels, unique_labels
from flamekit.builder import ProfileBuilder
from flamekit.core.weights import function_table

from .conftest import run_cli, sample
from .reference import ref_display_names
from .v8_reference import compare_top, same_name_functions

ANON_CPU = sample("cpuprofile", "anon-cpu.cpuprofile")
ANON_LOOP = sample("cpuprofile", "anon-loop.cpuprofile")
ANON_WORKERS = sorted(sample("cpuprofile", "anon-workers").glob("CPU.*.cpuprofile"))
REAL_V8 = [
    ANON_CPU,
    ANON_LOOP,
    *ANON_WORKERS,
    sample("cpuprofile", "cpu.cpuprofile"),
    sample("cpuprofile", "eventloop.cpuprofile"),
    sample("blocks", "blocks.cpuprofile"),
]


def read(path):
    return json.loads(path.read_text())


def cli_ok(*args) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def top_json(*paths) -> dict:
    return orjson.loads(cli_ok("top", *paths, "--format", "json", "-n", "0"))


@pytest.mark.parametrize("path", REAL_V8, ids=lambda p: p.name)
def test_top_matches_the_reference_per_function(path):
    doc = read(path)
    # the check has teeth: functions share a (name, file) that a merge by name would join
    assert same_name_functions(doc) >= 2
    compare_top(top_json(path), doc)


def test_worker_threads_together_match_the_reference():
    assert len(ANON_WORKERS) == 3
    compare_top(top_json(*ANON_WORKERS), *(read(p) for p in ANON_WORKERS))


def test_the_comparator_is_not_the_module_wrapper():
    rows = top_json(ANON_CPU)["functions"]
    mine = {(f["name"], f["line"], f["column"]): f for f in rows if "anon.js" in (f["file"] or "")}
    comparator = mine[("(anonymous)", 18, 17)]  # a.sort((p, q) => p - q)
    wrapper = mine[("(anonymous)", 1, 1)]
    assert comparator["label"] == "(anonymous) anon.js:18"
    assert wrapper["label"] == "(anonymous) anon.js:1"
    assert comparator["self"] > 20 * wrapper["self"]  # the hot callback, not the wrapper
    # two methods named get in two classes of one file
    assert mine[("get", 8, 6)]["label"] == "get anon.js:8"
    assert mine[("get", 12, 6)]["label"] == "get anon.js:12"
    # three callbacks on line 20: the column tells them apart
    line20 = sorted(
        f["label"] for (n, line, _c), f in mine.items() if n == "(anonymous)" and line == 20
    )
    assert line20 == [
        "(anonymous) anon.js:20:49",
        "(anonymous) anon.js:20:66",
        "(anonymous) anon.js:20:91",
    ]


def test_labels_follow_the_documented_rule_on_real_profiles():
    for path in REAL_V8:
        p = flamekit.load(str(path))
        labels = function_labels(p)
        of_frame = function_table(p).of_frame
        assert [labels[i] for i in of_frame] == ref_display_names(p)
        assert len(set(labels)) == len(labels)


def _rows_after(text: str, title: str) -> list[str]:
    """The text of the function column of a table or tree (indentation kept) whose header's
    last column begins with ``title``."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if re.search(r"  " + re.escape(title), line))
    at = lines[head].index(title)
    out = []
    for line in lines[head + 1 :]:
        if not line.strip():
            break
        out.append(line[at:].rstrip())
    return out


def _siblings_alike(rows: list[str]) -> list[str]:
    """Rows of an indented tree that repeat a sibling's text under the same parent."""
    stack: list[tuple[int, set[str]]] = [(-1, set())]
    alike = []
    for row in rows:
        indent = len(row) - len(row.lstrip(" "))
        label = re.sub(r"\s+\[#\d+\]$", "", row.strip())
        while stack[-1][0] >= indent:
            stack.pop()
        siblings = stack[-1][1]
        if label in siblings:
            alike.append(row)
        siblings.add(label)
        stack.append((indent, set()))
    return alike


@pytest.mark.parametrize("path", [ANON_CPU, ANON_LOOP, ANON_WORKERS[1]], ids=lambda p: p.name)
def test_text_outputs_never_show_two_functions_alike(path):
    top = _rows_after(cli_ok("top", path, "-n", "0"), "function")
    assert len(top) > 20 and len(set(top)) == len(top)
    hot = _rows_after(cli_ok("hotpaths", path, "-n", "20"), "hot paths")
    assert len(hot) > 10 and _siblings_alike(hot) == []
    calls = cli_ok("calls", path, "^(get|sortAll|mapAll|work)$", "--min-share", "0")
    for title in ("callers", "callees"):
        rows = _rows_after(calls, title)
        assert len(rows) >= 5 and _siblings_alike(rows) == []
    functions = orjson.loads(cli_ok("calls", path, "^get$", "--format", "json"))["functions"]
    assert len(functions) == len(set(functions))


def test_blocks_groups_keep_anonymous_entries_apart():
    report = orjson.loads(cli_ok("blocks", ANON_LOOP, "--format", "json"))
    hottest = {b["hottest"] for b in report["blocks"]}
    assert "(anonymous) anon.js:18" in hottest and "sortAll" in hottest
    for b in report["blocks"]:
        assert all({"label", "column"} <= set(f) for f in b["stack"])
    text = cli_ok("blocks", ANON_LOOP)
    assert "(anonymous) anon.js:18" in text


def test_fail_over_names_the_anonymous_entry(tmp_path):
    b = ProfileBuilder("cpuprofile", unit="nanoseconds")
    root = b.frame("(anonymous)", "file:///srv/app/x.js", line=1, column=1, own_line=True)
    cb = b.frame("(anonymous)", "file:///srv/app/x.js", line=7, column=3, own_line=True)
    node = b.stack_path([root, cb])
    for k in range(100):
        b.sample(node, 1_000_000, time=k * 1_000_000)
    p = b.build(has_idle_marker=True)
    from flamekit.render.speedscope import render_speedscope

    path = tmp_path / "x.speedscope.json"
    path.write_bytes(render_speedscope(p))
    proc = run_cli("blocks", path, "--fail-over", "50ms")
    assert proc.returncode == 1
    assert "(anonymous) x.js:7" in proc.stderr.decode() + proc.stdout.decode()


def test_folded_places_keep_same_named_functions_apart():
    plain = cli_ok("convert", ANON_CPU, "--to", "folded", "-o", "-")
    placed = cli_ok("convert", ANON_CPU, "--to", "folded", "--places", "-o", "-")
    assert ";(anonymous);" in plain  # stackcollapse names: the anonymous functions merge
    leaves = {line.rsplit(" ", 1)[0].rsplit(";", 1)[-1] for line in placed.splitlines()}
    assert {"(anonymous) anon.js:18", "get anon.js:8", "get anon.js:12"} <= leaves
    assert "sortAll anon.js:15" in leaves  # with --places every frame with a file has its place
    total = lambda text: sum(int(line.rsplit(" ", 1)[1]) for line in text.splitlines())  # noqa: E731
    assert total(plain) == total(placed)
    proc = run_cli("convert", ANON_CPU, "--to", "speedscope", "--places", "-o", "-")
    assert proc.returncode == 2


def test_diff_keeps_anonymous_functions_apart():
    doc = orjson.loads(cli_ok("diff", ANON_CPU, ANON_LOOP, "--format", "json"))
    names = [f["name"] for f in doc["functions"]]
    assert len(names) == len(set(names))
    assert "(anonymous) anon.js:18" in names and "get anon.js:8" in names


def test_unique_labels_rules():
    rows = [
        ("get", "a/x.js", 3, 5),
        ("get", "b/x.js", 3, 5),
        ("(anonymous)", "a/x.js", 9, 2),
        ("(anonymous)", "a/x.js", 9, 30),
        ("main", "a/x.js", 1, 1),
        ("memcpy", "libc.so.6", 0, 0),
        ("memcpy", "app", 0, 0),
    ]
    assert unique_labels(rows) == [
        "get a/x.js:3:5",
        "get b/x.js:3:5",
        "(anonymous) x.js:9:2",
        "(anonymous) x.js:9:30",
        "main",
        "memcpy libc.so.6",
        "memcpy app",
    ]


def to_old_shape(doc: dict) -> dict:
    """A current .cpuprofile written in the old shape (nested ``head``, ``timestamps``, seconds),
    as Node <= 10 and v8-profiler wrote it."""
    by_id = {n["id"]: n for n in doc["nodes"]}
    made: dict = {}
    for node in reversed(doc["nodes"]):  # children are listed after their parents
        frame = node["callFrame"]
        made[node["id"]] = {
            "functionName": frame["functionName"],
            "url": frame.get("url", ""),
            "lineNumber": frame.get("lineNumber", -1),
            "columnNumber": frame.get("columnNumber", -1),
            "scriptId": frame.get("scriptId", "0"),
            "hitCount": node.get("hitCount", 0),
            "id": node["id"],
            "children": [made[c] for c in node.get("children", []) if c in by_id],
        }
    stamps, t = [], doc["startTime"]
    for delta in doc["timeDeltas"]:
        t += delta
        stamps.append(t)
    return {
        "head": made[doc["nodes"][0]["id"]],
        "startTime": doc["startTime"] / 1e6,
        "endTime": doc["endTime"] / 1e6,
        "samples": doc["samples"],
        "timestamps": stamps,
    }


def test_old_shape_cpuprofile_imports_like_the_current_one(tmp_path):
    doc = read(ANON_CPU)
    old = tmp_path / "old.cpuprofile"
    old.write_text(json.dumps(to_old_shape(doc)))
    assert "head" in json.loads(old.read_text())
    got = top_json(old)
    compare_top(got, doc)
    assert got["functions"] == top_json(ANON_CPU)["functions"]
    # found by content too
    plain = tmp_path / "old.json"
    plain.write_bytes(old.read_bytes())
    assert top_json(plain)["functions"] == got["functions"]


def test_trace_with_a_lost_chunk_imports_under_missing_frames(tmp_path):
    from .v8_reference import trace_profiles, without_a_node_chunk

    events = read(sample("chrome", "page.trace.json"))["traceEvents"]
    lossy = without_a_node_chunk(events)
    path = tmp_path / "lossy.trace.json"
    path.write_text(json.dumps({"traceEvents": lossy}))
    proc = run_cli("top", "--format", "json", "-n", "0", path)
    assert proc.returncode == 0, proc.stderr.decode()
    err = proc.stderr.decode()
    assert "trace chunks were lost" in err and "(missing frames)" in err
    assert re.search(r"(\d+) nodes whose parent never arrived", err).group(1) != "0"
    got = orjson.loads(proc.stdout)
    assert any(f["name"] == "(missing frames)" for f in got["functions"])
    profiles = trace_profiles(lossy)
    compare_top(got, *[p for p in profiles.values() if p["_source"] == "Internal"])


def test_a_large_recorded_profile_matches_the_reference():
    """A ~20 MB ``node --cpu-prof`` profile, kept outside the repository: record it from
    samples/workloads/anon_big.js (``node --cpu-prof --cpu-prof-name=anon-big.cpuprofile
    anon_big.js 90 10``) and point FLAMEKIT_BIG_CPUPROFILE at it."""
    import os
    from pathlib import Path

    where = os.environ.get("FLAMEKIT_BIG_CPUPROFILE")
    if not where:
        pytest.skip("FLAMEKIT_BIG_CPUPROFILE is not set")
    path = Path(where)
    doc = read(path)
    assert same_name_functions(doc) >= 100  # hundreds of anonymous functions in one file
    compare_top(top_json(path), doc)
