"""Shared fixtures: paths to the bundled samples, the corpus, a CLI runner and a fork counter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# Text outputs fit COLUMNS when it is set; the tests check them as a pipe gets them (whole names),
# so a COLUMNS exported by the shell or set by the parallel runner's workers (80) must not leak in.
# A test that wants a width sets it itself.
for _size in ("COLUMNS", "LINES"):
    os.environ.pop(_size, None)


def sample(*parts: str) -> Path:
    return SAMPLES.joinpath(*parts)


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


def corpus_dir(name: str) -> Path:
    """A folder of the conformance corpus: skip when FLAMEKIT_CORPUS is unset, fail when missing."""
    root = os.environ.get("FLAMEKIT_CORPUS")
    if not root:
        pytest.skip("FLAMEKIT_CORPUS is not set")
    path = Path(root) / name
    if not path.is_dir():
        pytest.fail(f"FLAMEKIT_CORPUS is set but {path} does not exist")
    return path


def count_forks(monkeypatch) -> list[int]:
    """A list that gains an item at each ``os.fork()`` from now on (the forks still happen)."""
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counted_fork)
    return forks


def run_cli(*args: str, input: bytes | None = None, cwd: Path | None = None):
    """Run this checkout's ``python -m flamekit`` as a user would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "flamekit", *map(str, args)],
        input=input,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli
