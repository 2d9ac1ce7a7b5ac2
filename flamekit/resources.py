"""Locating the templates (renderers/) and browser assets (web/) in a checkout or a wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The ``renderers`` or ``web`` folder: inside the installed package, else beside it."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"flamekit resource folder {name!r} is missing from the installation")


def read_web_asset(filename: str) -> str:
    """The text of one file from ``web/``."""
    return (resource_dir("web") / filename).read_text(encoding="utf-8")
