"""The npm packages some tests run (TypeScript, esbuild, @jridgewell/trace-mapping).

They are found in ``FLAMEKIT_NODE_MODULES`` or this checkout's ``.cache/npm/node_modules`` (where
``.ci/run`` installs them); tests that need them skip when they are absent, unless
``FLAMEKIT_REQUIRE_NODE_TOOLS=1`` says they must be there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "sourcemap_reference.cjs"


def node_modules(package: str = "@jridgewell/trace-mapping") -> Path:
    """The node_modules folder holding ``package``, or skip (fail when required)."""
    folder = Path(os.environ.get("FLAMEKIT_NODE_MODULES") or ROOT / ".cache/npm/node_modules")
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (folder / package / "package.json").is_file():
        missing = f"the npm package {package} is not in {folder}"
    if missing:
        if os.environ.get("FLAMEKIT_REQUIRE_NODE_TOOLS") == "1":
            pytest.fail(f"{missing} (FLAMEKIT_REQUIRE_NODE_TOOLS=1)")
        pytest.skip(missing)
    return folder


def reference(mode: str, *args: str | Path) -> object:
    """Run the trace-mapping reference script and return its JSON answer."""
    modules = node_modules()
    done = subprocess.run(
        ["node", str(REFERENCE), mode, str(modules), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
