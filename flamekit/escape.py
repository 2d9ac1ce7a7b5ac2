"""Names are data: making frame, thread and file names safe to show in text and markdown.

A profile's names come from the profiled program and may hold anything. In terminal text,
control characters (escape sequences, carriage returns, backspaces, C1 codes), bidirectional
overrides, line separators and unpaired surrogates are shown as Python-style escapes
(``\\x1b``, ``\\u202e``) so that they cannot move the cursor, recolour, reorder or split a
report. In markdown, a name is a code span: literal text that no renderer turns into a link,
emphasis, HTML or a table cell boundary.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks, line and paragraph
# separators, unpaired surrogates (from undecodable bytes)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_BACKTICKS = re.compile("`+")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every character that could act on a terminal shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def markdown_code(text: str, *, in_table: bool = True) -> str:
    """``text`` as one CommonMark code span (empty for empty text).

    The fence is one backtick longer than the longest run inside; a space pads both ends when
    the text starts or ends with a backtick or a space (CommonMark strips one from each end).
    Inside a GFM table a pipe still ends the cell, even in a code span, so it is escaped
    (``\\|``), which GFM turns back into ``|`` within the span.
    """
    if not text:
        return ""
    text = escape_controls(text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    if pad and not text.strip(" "):
        pad = ""
    return f"{fence}{pad}{text}{pad}{fence}"
