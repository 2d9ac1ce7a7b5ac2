"""perf script import: stackcollapse-perf parity, samples, threads, times, options, bad input.

Expected folded files were made by FlameGraph's stackcollapse-perf.pl from the same inputs (see
tests/data/perf/README.md); per-sample facts are checked against a small reference parser below,
written independently of the importer.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flamekit.errors import InputError
from flamekit.importers import load_path, perf
from flamekit.importers.perf_parse import EVENT, FAST_HEADER, HEADER, TIME_AT
from flamekit.model import FrameKind
from flamekit.render.folded import render_folded

from .conftest import ROOT, corpus_dir, run_cli

SAMPLES = ROOT / "samples/perf"
DATA = ROOT / "tests/data/perf"
OPTIONS = ["pid", "tid", "kernel", "jit", "all", "addrs"]


def fold(path: Path | str, *opts: str, **options) -> bytes:
    for opt in opts:
        if opt != "none":
            options[opt] = True
    return render_folded(load_path(str(path), "perf", options))


# -- conformance with stackcollapse-perf.pl --------------------------------------------------
def test_corpus_has_every_expected_file():
    folder = corpus_dir("perf-collapse")
    results = sorted((folder / "results").glob("*-collapsed-*.txt"))
    assert len(results) == 78
    stems = {p.name.rsplit("-collapsed-", 1)[0] for p in results}
    assert all((folder / f"{stem}.txt").is_file() for stem in stems)


@pytest.mark.corpus
@pytest.mark.parametrize("opt", OPTIONS)
def test_corpus_byte_identical(opt):
    folder = corpus_dir("perf-collapse")
    expected_files = sorted((folder / "results").glob(f"*-collapsed-{opt}.txt"))
    assert len(expected_files) == 13
    mismatches = []
    for expected in expected_files:
        stem = expected.name.rsplit("-collapsed-", 1)[0]
        if fold(folder / f"{stem}.txt", opt) != expected.read_bytes():
            mismatches.append(expected.name)
    assert mismatches == []


@pytest.mark.corpus
def test_corpus_through_the_cli():
    folder = corpus_dir("perf-collapse")
    src = folder / "perf-java-stacks-01.txt"
    proc = run_cli("convert", src, "--to", "folded", "--all", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (folder / "results/perf-java-stacks-01-collapsed-all.txt").read_bytes()


@pytest.mark.corpus
def test_corpus_mixed_events_warns_and_filters():
    folder = corpus_dir("perf-collapse")
    src = folder / "perf-cycles-instructions-01.txt"
    proc = run_cli("convert", src, "--to", "folded", "-o", "-")
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert "kept the 333 samples of event 'instructions'" in err
    assert "dropped 111 samples of other events: cycles (111)" in err
    other = run_cli("convert", src, "--to", "folded", "--event-filter", "cycles", "-o", "-")
    assert other.returncode == 0
    assert sum(int(line.rsplit(b" ", 1)[1]) for line in other.stdout.splitlines()) == 111
    assert "dropped 333 samples of other events: instructions (333)" in other.stderr.decode()


@pytest.mark.corpus
def test_corpus_example_gz():
    folder = corpus_dir("perf-collapse")
    profile = load_path(str(folder / "example-perf-stacks.txt.gz"))
    assert len(profile.samples) == 1315  # one per header line of the capture
    text = gzip.decompress((folder / "example-perf-stacks.txt.gz").read_bytes())
    assert len(re.findall(rb"^[^#\s].* cycles: *$", text, re.M)) == 1315


# -- our own captures and odd cases, against stackcollapse-perf.pl outputs ------------------
GOLDEN = sorted((DATA / "expected").glob("*.folded"))


@pytest.mark.parametrize("expected", GOLDEN, ids=lambda p: p.stem)
def test_matches_stackcollapse_perf(expected: Path):
    stem, opt = expected.stem.rsplit("-", 1)
    src = DATA / f"{stem}.perf.txt" if stem == "odd" else SAMPLES / f"{stem}.perf.txt"
    assert fold(src, opt) == expected.read_bytes()


def test_deep_sample_matches_committed_folded():
    assert fold(SAMPLES / "deep.perf.txt") == (ROOT / "samples/folded/deep.folded").read_bytes()


def test_odd_cases_cover_what_they_claim():
    text = (DATA / "odd.perf.txt").read_bytes()
    assert b"(inlined)" in text and b"/tmp/perf-100.map" in text
    assert not text.endswith(b"\n")  # the last sample has no blank line after it
    folded = fold(DATA / "odd.perf.txt", "all").decode()
    assert "app;last_sample_without_blank_line 250000" in folded  # last sample counts
    assert "app 250000\n" in folded  # a sample without a stack: just the process
    assert "org/mozilla/javascript/ContextFactory:.call_[j]" in folded  # Java L stripped
    assert "std::vector<std::pair<int, std::string> >::push_back;" in folded
    assert "net/http.(*Client).Do" in folded  # Go method names keep their parentheses
    assert "a;b_[i];c_[i]" in folded  # '->' inline chains
    assert "tcp_sendmsg_[k]" in folded  # versioned vmlinux module
    assert "V8_WorkerThread;" in folded


# -- a reference reading of the real captures ------------------------------------------------
def reference_samples(path: Path) -> list[dict]:
    """Plain reading of perf script's default layout: header fields and leaf-first frames."""
    out = []
    for block in path.read_text().split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        fields = lines[0].split()
        time_field = next(f for f in fields if re.fullmatch(r"\d+\.\d+:", f))
        sec, frac = time_field[:-1].split(".")
        pid, _, tid = fields[1].rpartition("/")
        after = fields[fields.index(time_field) + 1 :]
        period = int(after[0]) if len(after) == 2 else 1
        frames = []
        for ln in lines[1:]:
            name = ln.split(None, 1)[1].rsplit(" (", 1)[0]
            name = re.sub(r"\+0x[0-9a-f]+$", "", name)
            frames.append(name.split("(")[0])  # stackcollapse-perf drops argument lists
        out.append(
            {
                "comm": fields[0],
                "pid": int(pid) if pid else -1,
                "tid": int(tid),
                "ns": int(sec) * 10**9 + int(frac.ljust(9, "0")),
                "period": period,
                "stack": [fields[0], *reversed(frames)],
            }
        )
    return out


@pytest.mark.parametrize("name", ["deep.perf.txt", "deep-F.perf.txt", "templates.perf.txt"])
def test_one_sample_per_event_with_time_thread_and_weight(name):
    ref = reference_samples(SAMPLES / name)
    p = load_path(str(SAMPLES / name))
    assert len(p.samples) == len(ref) > 100
    start = min(r["ns"] for r in ref)
    assert p.samples.time is not None
    assert p.samples.time.tolist() == [r["ns"] - start for r in ref]
    assert p.meta.start_ns == start
    assert p.samples.weight.tolist() == [r["period"] for r in ref]
    for i in (0, 1, len(ref) // 2, len(ref) - 1):
        assert p.stack_names(int(p.samples.stack[i])) == ref[i]["stack"]
        th = int(p.samples.thread[i])
        assert int(p.threads.tid[th]) == ref[i]["tid"]
        assert int(p.threads.pid[th]) == ref[i]["pid"]
        assert p.strings[p.threads.name[th]] == ref[i]["comm"]


def test_units():
    clock = load_path(str(SAMPLES / "deep.perf.txt"))
    assert clock.unit == "nanoseconds"  # cpu-clock periods are ns of CPU time
    assert clock.meta.period_ns == 2004008
    counted = load_path(str(SAMPLES / "deep-F.perf.txt"))  # no period field
    assert counted.unit == "samples"
    assert set(counted.samples.weight.tolist()) == {1}
    assert len(counted.samples) == len(clock.samples)


def test_capture_without_time_or_period():
    p = load_path(str(SAMPLES / "node-jit-notime.perf.txt"))
    assert p.samples.time is None
    assert p.unit == "samples"
    assert len(p.samples) == len(
        re.findall(rb"^node ", (SAMPLES / "node-jit-notime.perf.txt").read_bytes(), re.M)
    )


def test_frame_kinds_and_modules():
    p = load_path(str(SAMPLES / "node-jit.perf.txt"))
    kinds = Counter()
    for f in range(len(p.frames)):
        kinds[FrameKind(int(p.frames.kind[f]))] += 1
        module = p.strings[p.frames.module[f]]
        if re.fullmatch(r"/tmp/perf-\d+\.map", module):
            assert p.frames.kind[f] == FrameKind.JIT
        if module == "[kernel.kallsyms]":
            assert p.frames.kind[f] == FrameKind.KERNEL
    assert kinds[FrameKind.JIT] > 0 and kinds[FrameKind.SYNTHETIC] >= 1


# -- the fast header path agrees with stackcollapse-perf's regular expressions --------------
@settings(max_examples=400, deadline=None)
@given(
    comm=st.text("ab:/-_0123456789 ", min_size=1, max_size=12),
    pid=st.text("0123456789", min_size=1, max_size=6),
    tid=st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=6)),
    cpu=st.booleans(),
    sep=st.sampled_from([" ", "  ", "\t", " \t "]),
    period=st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=8)),
    event=st.text("abc:-0123456789", min_size=1, max_size=12),
    trail=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_fast_header_agrees_with_perl_regexes(comm, pid, tid, cpu, sep, period, event, trail):
    line = (
        f"{comm}{sep}{pid}{'/' + tid if tid else ''}{sep}{'[001]' + sep if cpu else ''}"
        f"12.345678:{sep}{period + sep if period else ''}{event}:{trail}"
    ).encode()
    f = FAST_HEADER.match(line)
    if f is None:
        return
    m = HEADER.match(line)
    ev = EVENT.search(line)
    assert m is not None and ev is not None
    assert f.group(1, 2, 3, 4) == (m[0], m[1], m[2], m[3])
    assert (f[7], f[8]) == (ev[1], ev[2])
    t = TIME_AT.match(line, m.end())
    assert t is not None and (f[5], f[6]) == (t[1], t[2])


# -- two processes give the same profile as one ---------------------------------------------
def profile_facts(p):
    names = [tuple(p.stack_names(int(s))) for s in p.samples.stack]
    threads = [
        (int(p.threads.pid[t]), int(p.threads.tid[t]), p.strings[p.threads.name[t]])
        for t in p.samples.thread
    ]
    return names, p.samples.weight.tolist(), p.samples.time.tolist(), threads, p.unit


def test_two_processes_match_one(tmp_path, monkeypatch):
    big = tmp_path / "big.perf.txt"
    big.write_bytes(
        b"\n".join(
            [(SAMPLES / "templates.perf.txt").read_bytes()] * 3
            + [(SAMPLES / "deep.perf.txt").read_bytes()] * 3
        )
    )
    monkeypatch.setattr(perf, "PARALLEL_MIN", 1)
    two = load_path(str(big), None, {"jobs": 2})
    one = load_path(str(big), None, {"jobs": 1})
    assert profile_facts(two) == profile_facts(one)
    assert render_folded(two) == render_folded(one)
    assert perf._split_points(perf_source(big), perf.options_from({}), 2) is not None


def test_three_processes_match_one(tmp_path, monkeypatch):
    big = tmp_path / "big.perf.txt"
    big.write_bytes(b"\n".join([(SAMPLES / "deep.perf.txt").read_bytes()] * 5))
    monkeypatch.setattr(perf, "PARALLEL_MIN", 1)
    points, _ = perf._split_points(perf_source(big), perf.options_from({}), 3)
    assert len(points) == 2 and points[0] < points[1]
    three = load_path(str(big), None, {"jobs": 3})
    one = load_path(str(big), None, {"jobs": 1})
    assert profile_facts(three) == profile_facts(one)
    assert render_folded(three) == render_folded(one)


def perf_source(path: Path):
    from flamekit.sources import open_source

    return open_source(str(path))


def test_two_processes_report_errors_with_the_right_line(tmp_path, monkeypatch):
    text = (SAMPLES / "deep.perf.txt").read_bytes()
    lines = text.split(b"\n")
    bad_line = len(lines) * 3 // 4  # in the second half
    lines[bad_line] = b"\x00garbage"
    bad = tmp_path / "bad.perf.txt"
    bad.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(perf, "PARALLEL_MIN", 1)
    for jobs in (1, 2):
        with pytest.raises(InputError) as err:
            load_path(str(bad), None, {"jobs": jobs})
        assert err.value.line == bad_line + 1
        assert "NUL" in err.value.message


# -- bad input -------------------------------------------------------------------------------
def test_truncated_capture_names_the_line(tmp_path):
    text = (SAMPLES / "deep.perf.txt").read_bytes()
    cut = text.index(b"recurse+0x19 (/srv", len(text) // 2) + 10
    trunc = tmp_path / "trunc.perf.txt"
    trunc.write_bytes(text[:cut])
    proc = run_cli("convert", trunc, "--to", "folded", "-o", tmp_path / "out.folded")
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    line = text[:cut].count(b"\n") + 1
    assert f"trunc.perf.txt:{line}: the capture ends in the middle of a line" in err
    assert not (tmp_path / "out.folded").exists()


def test_capture_cut_after_a_frame_line_tab_is_truncated(tmp_path):
    # cut inside the indentation of a frame line: only a tab and spaces are left of it
    text = (SAMPLES / "deep.perf.txt").read_bytes()
    cut = text.index(b"\n\t", len(text) // 2) + 8
    trunc = tmp_path / "cut.perf.txt"
    trunc.write_bytes(text[:cut])
    proc = run_cli("top", trunc)
    assert proc.returncode == 2
    line = text[:cut].count(b"\n") + 1
    assert f"cut.perf.txt:{line}: the capture ends in the middle of a line" in proc.stderr.decode()


def test_corrupted_line_is_reported_with_its_number(tmp_path):
    lines = (SAMPLES / "deep.perf.txt").read_bytes().split(b"\n")
    lines[10] = b"\t    ##corrupted"
    lines[20] = b"\t    #@!$ not a frame"
    bad = tmp_path / "bad.perf.txt"
    bad.write_bytes(b"\n".join(lines))
    proc = run_cli("convert", bad, "--to", "folded", "-o", "-")
    assert proc.returncode == 0
    assert b"bad.perf.txt:11: ignored 2 unrecognized line(s)" in proc.stderr


def test_binary_garbage(tmp_path):
    bad = tmp_path / "x.perf"
    bad.write_bytes((SAMPLES / "deep.perf.txt").read_bytes()[:5000] + b"\x00\x01\x02" * 10)
    proc = run_cli("info", bad)
    assert proc.returncode == 2
    assert b"x.perf:" in proc.stderr and b"NUL byte" in proc.stderr


def test_not_perf_at_all(tmp_path):
    bad = tmp_path / "notes.perf"
    bad.write_text("hello\nworld\n\n")
    with pytest.raises(InputError, match="no perf samples found") as err:
        load_path(str(bad))
    assert err.value.line == 1


def test_unknown_event_filter():
    with pytest.raises(InputError, match="no samples of event 'cycles'") as err:
        load_path(str(SAMPLES / "deep.perf.txt"), None, {"event_filter": "cycles"})
    assert "cpu-clock:ppp" in str(err.value)


def test_crlf_line_ends(tmp_path):
    crlf = tmp_path / "crlf.perf.txt"
    crlf.write_bytes((SAMPLES / "deep.perf.txt").read_bytes().replace(b"\n", b"\r\n"))
    assert fold(crlf) == fold(SAMPLES / "deep.perf.txt")


def test_gzip_and_stdin(tmp_path):
    gz = tmp_path / "deep.perf.txt.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "deep.perf.txt").read_bytes()))
    assert fold(gz) == fold(SAMPLES / "deep.perf.txt")
    proc = run_cli(
        "convert",
        "-",
        "--to",
        "folded",
        "--tid",
        "-o",
        "-",
        input=(SAMPLES / "deep.perf.txt").read_bytes(),
    )
    assert proc.returncode == 0
    assert proc.stdout == (DATA / "expected/deep-tid.folded").read_bytes()


@pytest.mark.parametrize("command", ["info", "top"])
def test_options_on_every_reading_command(command):
    proc = run_cli(command, SAMPLES / "deep-F.perf.txt", "--tid", "--kernel")
    assert proc.returncode == 0, proc.stderr
    assert b"deep" in proc.stdout


def test_no_progress_bar_when_piped(tmp_path):
    big = tmp_path / "big.perf.txt"
    chunk = (SAMPLES / "deep.perf.txt").read_bytes()
    big.write_bytes(chunk * (33 * 1024 * 1024 // len(chunk) + 1))
    proc = run_cli("convert", big, "--to", "folded", "-o", "-")
    assert proc.returncode == 0
    assert proc.stderr == b""
    counts = [int(line.rsplit(b" ", 1)[1]) for line in proc.stdout.splitlines()]
    assert sum(counts) == int(np.sum(load_path(str(SAMPLES / "deep.perf.txt")).samples.weight)) * (
        33 * 1024 * 1024 // len(chunk) + 1
    )


def test_progress_bar_on_a_terminal(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    big = tmp_path / "big.perf.txt"
    chunk = (SAMPLES / "deep.perf.txt").read_bytes()
    big.write_bytes(chunk * (33 * 1024 * 1024 // len(chunk) + 1))
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "flamekit", "convert", str(big), "--to", "folded", "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        timeout=300,
    )
    os.close(follower)
    seen = b""
    try:
        while chunk := os.read(leader, 65536):
            seen += chunk
    except OSError:
        pass
    os.close(leader)
    assert proc.returncode == 0
    assert b"reading big.perf.txt [" in seen and b"MB" in seen


def test_the_programs_own_binary_is_user_code_and_the_dso_is_shown():
    from flamekit.model import FrameKind
    from flamekit.render.flame import build_flamegraph

    p = load_path(str(SAMPLES / "templates.perf.txt"))
    kinds = {}
    for f in range(len(p.frames)):
        module = p.strings[p.frames.module[f]]
        kinds.setdefault(module.rsplit("/", 1)[-1], set()).add(FrameKind(int(p.frames.kind[f])))
    assert kinds["templates"] == {FrameKind.USER}  # the profiled program itself
    assert kinds["libc.so.6"] == {FrameKind.NATIVE}
    assert kinds["[kernel.kallsyms]"] == {FrameKind.KERNEL}
    # a JIT runtime's own binary is the runtime, not the code profiled
    node = load_path(str(SAMPLES / "node-jit.perf.txt"))
    node_kinds = {
        FrameKind(int(node.frames.kind[f]))
        for f in range(len(node.frames))
        if node.strings[node.frames.module[f]].endswith("/node")
    }
    assert node_kinds == {FrameKind.RUNTIME}
    # tooltips say which DSO a frame is in
    titles = build_flamegraph(p).context["frames"]
    assert any("libc.so.6" in str(t[0]) for t in titles)


def test_perf_script_without_call_chains():
    """perf record without -g: the sample's one frame is on its header line. Each sample becomes
    that frame under the process, with a note; checked against a plain reading of the file."""
    path = SAMPLES / "deep-nog.perf.txt"
    want: dict[str, int] = {}
    for line in path.read_text().splitlines():
        m = re.match(
            r"^\s*(\S+)\s+\d+\s+[\d.]+:\s+(\d+)\s+\S+:\s+[0-9a-f]+\s+(\S+?)(?:\+0x[0-9a-f]+)? \(",
            line,
        )
        assert m, line
        key = f"{m[1]};{m[3]}"
        want[key] = want.get(key, 0) + int(m[2])
    proc = run_cli("convert", path, "--to", "folded", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    got = {k: int(v) for k, v in (ln.rsplit(" ", 1) for ln in proc.stdout.decode().splitlines())}
    assert got == want and len(want) >= 3
    assert b"no call chain (perf record without -g)" in proc.stderr
