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


@cache
def jinja_environment():
    """The Jinja2 environment for ``renderers/``: autoescaping everything, undefined names fatal."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("renderers"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_template(name: str, **context) -> str:
    """Render one template from ``renderers/`` with ``context``."""
    return jinja_environment().get_template(name).render(**context)


def inline_script(filename: str):
    """A file from ``web/`` marked safe for inlining in a ``<script>`` element."""
    from markupsafe import Markup

    text = read_web_asset(filename)
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"web/{filename} cannot be inlined in a <script> element")
    return Markup(text)


def inline_style(filename: str):
    """A file from ``web/`` marked safe for inlining in a ``<style>`` element."""
    from markupsafe import Markup

    text = read_web_asset(filename)
    if "</style" in text.lower():
        raise ValueError(f"web/{filename} cannot be inlined in a <style> element")
    return Markup(text)
