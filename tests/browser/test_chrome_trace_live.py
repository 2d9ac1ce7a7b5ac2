"""A Chrome trace recorded live from headless Chromium equals the profile its Profiler.stop gave."""

from __future__ import annotations

import shutil
import subprocess
import sys

import orjson
import pytest

from ..conftest import ROOT
from ..test_chrome_trace import inspector_only, top_json, write
from ..v8_reference import compare_top, trace_profiles
from .conftest import require_browser

pytestmark = pytest.mark.browser


def test_live_recording_trace_equals_profiler_stop(tmp_path):
    require_browser()
    serve = tmp_path / "site"
    shutil.copytree(ROOT / "samples/workloads/trace", serve)
    script = ROOT / "samples/workloads/record_chrome_trace.py"
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(serve),
            str(tmp_path / "out"),
            "--ms",
            "200",
            "--port",
            "0",
        ],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    events = orjson.loads((tmp_path / "out/page.trace.json").read_bytes())["traceEvents"]
    subset = write(tmp_path, inspector_only(events), "inspector.json")
    assert top_json(subset) == top_json(tmp_path / "out/page.cpuprofile")
    kept = [p for p in trace_profiles(events).values() if p["_source"] == "Internal"]
    compare_top(top_json(tmp_path / "out/page.trace.json"), *kept)
