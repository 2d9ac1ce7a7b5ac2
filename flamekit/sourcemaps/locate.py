"""Where the source map of a script is, found as the runtime finds it.

A script names its map in its last ``//# sourceMappingURL=`` comment: a ``data:`` URL holding
the map, or a URL relative to the script. That is followed for scripts named by ``file://``
URLs or by paths that exist. Directories given by the user (``--source-map-dir``) are asked
first, by the script's file name: the script itself there (its comment is followed), else
``NAME.map``. Sources then resolve as they would have next to the script, so a profile maps
to the same original files on any machine.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit

_COMMENT = re.compile(rb"//[#@][ \t]*sourceMappingURL=([^\s'\"]+)")
_WINDOWS = re.compile(r"^[A-Za-z]:[/\\]")
MAX_SCRIPT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Found:
    """A map to read: its bytes (inline) or its file, and the URL its sources resolve against."""

    label: str  # how warnings name it
    map_url: str
    path: str | None = None
    inline: bytes | None = None
    missing: str = ""  # why the map the script names cannot be read ("" when it can)


def script_path(url: str) -> str | None:
    """The local file of a script URL (``file://`` or a path), None for other URLs."""
    if url.startswith("file:"):
        parts = urlsplit(url)
        return unquote(parts.path) if parts.netloc in ("", "localhost") else None
    if url.startswith("/") or _WINDOWS.match(url):
        return url
    return None


def script_url(url: str) -> str:
    """The script's URL as a base for relative URLs (paths become ``file://`` URLs)."""
    if url.startswith("/"):
        return Path(url).as_uri()
    return url


def file_name(url: str) -> str:
    """The last segment of a script URL's path, without a query or fragment."""
    path = urlsplit(url).path if "://" in url or url.startswith("file:") else url
    return os.path.basename(unquote(path).replace("\\", "/"))


def comment_of(path: str) -> bytes | None:
    """The URL in the last ``sourceMappingURL`` comment of a script file, None without one."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SCRIPT_BYTES)
    except OSError:
        return None
    last = None
    for last in _COMMENT.finditer(data):  # noqa: B007 (the last comment counts)
        pass
    return last.group(1) if last else None


def decode_data_url(url: bytes) -> bytes:
    """The bytes of a ``data:`` URL (base64 or percent-encoded)."""
    head, _, body = url.partition(b",")
    if head.lower().endswith(b";base64"):
        return base64.b64decode(unquote_to_bytes(body.decode("ascii", "replace")), validate=False)
    return unquote_to_bytes(body.decode("ascii", "replace"))


def _from_comment(comment: bytes, script: str, base_url: str, local_dir: str) -> Found:
    """The map a comment names; ``local_dir`` is where relative maps are read from."""
    text = comment.decode("utf-8", "replace")
    if comment[:5].lower() == b"data:":
        return Found(f"inline map of {script}", base_url, inline=decode_data_url(comment))
    map_url = urljoin(base_url, text)
    if urlsplit(text).scheme not in ("", "file"):
        why = "is not a local file (a --source-map-dir holding it maps the script)"
        return Found(text, map_url, missing=why)
    local = script_path(map_url) if urlsplit(text).scheme == "file" else None
    if local is None:
        local = os.path.join(local_dir, unquote(text.split("?")[0].split("#")[0]))
    missing = "" if os.path.isfile(local) else "the map file is missing"
    return Found(local, map_url, path=local, missing=missing)


def find_map(url: str, dirs: tuple[str, ...]) -> Found | None:
    """The map of the script at ``url``, None when it has none that can be found."""
    base_url = script_url(url)
    name = file_name(url)
    if name:
        for folder in dirs:
            candidate = os.path.join(folder, name)
            comment = comment_of(candidate) if os.path.isfile(candidate) else None
            if comment is not None:
                found = _from_comment(comment, candidate, base_url, folder)
                if not found.missing:
                    return found
            beside = candidate + ".map"
            if os.path.isfile(beside):
                return Found(beside, urljoin(base_url, name + ".map"), path=beside)
    path = script_path(url)
    if path is None or not os.path.isfile(path):
        return None
    comment = comment_of(path)
    if comment is None:
        return None
    return _from_comment(comment, path, base_url, os.path.dirname(path))
