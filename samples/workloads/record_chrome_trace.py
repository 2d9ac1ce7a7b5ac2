"""Record a Chrome performance trace and a .cpuprofile of one page run in headless Chromium.

Serves the folder given as SERVE_DIR on 127.0.0.1, opens ``page.html`` and, through the DevTools
protocol, records at the same time (1) a trace with the ``disabled-by-default-v8.cpu_profiler``
category (Profile/ProfileChunk events for the page and its worker) and (2) the page's
``Profiler.stop`` profile. Usage::

    python record_chrome_trace.py SERVE_DIR OUT_DIR [--chromium PATH] [--ms 400]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("serve_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--port", type=int, default=8765, help="0 for any free port")
    parser.add_argument("--ms", type=int, default=400, help="how long the page and worker burn CPU")
    args = parser.parse_args()
    handler = functools.partial(_QuietHandler, directory=str(Path(args.serve_dir).resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    port = server.server_address[1]  # --port 0 picks a free one
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    events: list[dict] = []
    done = threading.Event()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/page.html")
            cdp = page.context.new_cdp_session(page)
            cdp.on("Tracing.dataCollected", lambda params: events.extend(params["value"]))
            cdp.on("Tracing.tracingComplete", lambda params: done.set())
            cdp.send("Profiler.enable")
            cdp.send(
                "Tracing.start",
                {
                    "transferMode": "ReportEvents",
                    "traceConfig": {
                        "includedCategories": ["disabled-by-default-v8.cpu_profiler"],
                        "excludedCategories": ["*"],
                    },
                },
            )
            cdp.send("Profiler.start")
            page.evaluate(f"runWorkload({args.ms})")
            profile = cdp.send("Profiler.stop")["profile"]
            cdp.send("Tracing.end")
            deadline = time.monotonic() + 30
            while not done.is_set() and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            browser.close()
    finally:
        server.shutdown()
    (out / "page.trace.json").write_text(json.dumps({"traceEvents": events}, separators=(",", ":")))
    (out / "page.cpuprofile").write_text(json.dumps(profile, separators=(",", ":")))
    print(f"{len(events)} trace events; profile with {len(profile['samples'])} samples")


if __name__ == "__main__":
    main()
