"""Compiled templates kept in the cache folder: the same output, and no harm where there is none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "folded" / "deep.folded"


def _flame(tmp_path: Path, cache: str | None, name: str) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "FLAMEKIT_CACHE_DIR"}
    if cache is not None:
        env["FLAMEKIT_CACHE_DIR"] = cache
    out = tmp_path / name
    subprocess.run(
        [sys.executable, "-m", "flamekit", "flame", str(SAMPLE), "-o", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )
    return out.read_bytes()


def test_cached_templates_draw_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    uncached = _flame(tmp_path, "", "none.svg")
    first = _flame(tmp_path, str(cache), "first.svg")  # compiles and stores
    stored = sorted((cache / "templates").iterdir())
    assert stored, "nothing was cached"
    assert _flame(tmp_path, str(cache), "second.svg") == first == uncached  # loads
    assert sorted((cache / "templates").iterdir()) == stored


def test_a_cache_folder_that_cannot_be_made_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert _flame(tmp_path, str(blocker / "sub"), "a.svg") == _flame(tmp_path, "", "b.svg")
    assert blocker.read_text() == "not a folder"


def test_a_cache_that_cannot_be_written_still_renders(tmp_path, monkeypatch):
    """A full disk (or a folder the user cannot write) when the compiled template is stored."""
    import errno
    import tempfile

    from flamekit import resources

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("FLAMEKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    resources.jinja_environment.cache_clear()
    try:
        template = resources.jinja_environment().get_template("result_table.html.j2")
        assert template is not None
        assert list((tmp_path / "cache" / "templates").iterdir()) == []
    finally:
        resources.jinja_environment.cache_clear()


def test_a_corrupt_cache_file_is_compiled_again(tmp_path):
    cache = tmp_path / "cache"
    good = _flame(tmp_path, str(cache), "good.svg")
    for entry in (cache / "templates").iterdir():
        entry.write_bytes(entry.read_bytes()[:40])  # cut short
    assert _flame(tmp_path, str(cache), "again.svg") == good
