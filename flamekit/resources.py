"""Locating the templates (renderers/) and browser assets (web/) in a checkout or a wheel."""

from __future__ import annotations

import contextlib
import os
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


def cache_dir() -> Path | None:
    """Where flamekit keeps what it can make again (compiled templates): ``FLAMEKIT_CACHE_DIR``
    (empty: nowhere), else ``flamekit`` in ``XDG_CACHE_HOME`` or ``~/.cache``."""
    chosen = os.environ.get("FLAMEKIT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flamekit" if os.path.isabs(base) else None


def _template_cache():
    """Jinja2's cache of compiled templates in :func:`cache_dir` (a template is compiled again
    when its text changes), or None where there is no cache folder to be had. Compiling the
    flame graph's templates costs each run about 10 ms; loading them, about 1 ms."""
    import jinja2

    class QuietCache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # a file cut short or garbled: compile the template again
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            # a read-only or full disk: the template just compiles next time
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    folder = cache_dir()
    if folder is None:
        return None
    try:
        folder = folder / "templates"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return QuietCache(str(folder))


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
        bytecode_cache=_template_cache(),
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
