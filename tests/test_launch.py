"""Start-up: --version answers without importing the commands or numpy; profiles keep their
analysis methods however the core model is first imported."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from flamekit.cli import cli

from .conftest import ROOT


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return done.stdout


def test_version_is_what_click_prints_without_numpy():
    out = run_python(
        "import sys; sys.argv = ['flamekit', '--version']\n"
        "from flamekit.launch import main; main()\n"
        "print(sorted(m for m in ('numpy', 'click', 'flamekit.cli') if m in sys.modules))"
    )
    version, imported = out.splitlines()
    assert version == CliRunner().invoke(cli, ["--version"]).output.strip()
    assert imported == "[]"


def test_other_arguments_go_to_the_commands():
    done = subprocess.run(
        [sys.executable, "-m", "flamekit", "--debug", "--version"], capture_output=True, text=True
    )
    assert done.stdout.strip() == CliRunner().invoke(cli, ["--version"]).output.strip()
    done = subprocess.run([sys.executable, "-m", "flamekit", "nope"], capture_output=True)
    assert done.returncode == 2 and b"No such command" in done.stderr


def test_profile_methods_whichever_module_comes_first():
    for first in ("flamekit.core.model", "flamekit.importers", "flamekit.model", "flamekit"):
        out = run_python(
            f"import {first}\n"
            "from flamekit.core.model import Profile\n"
            "print(all(hasattr(Profile, m) for m in ('top', 'hot_paths', 'calls', 'flame')))"
        )
        assert out.strip() == "True", first


def test_the_command_asks_openblas_for_one_thread_unless_told_otherwise():
    code = (
        "import os, sys; sys.argv = ['flamekit', '--help']\n"
        "from flamekit.launch import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    for preset, expected in ((None, "1"), ("3", "3")):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        if preset is not None:
            env["OPENBLAS_NUM_THREADS"] = preset
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
        )
        assert done.stdout.splitlines()[-1] == expected
