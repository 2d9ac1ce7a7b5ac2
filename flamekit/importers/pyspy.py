"""py-spy ``--format raw``: folded stacks whose frames are ``name (file:line)``.

py-spy writes one ``frame;frame;...;leaf COUNT`` line per distinct stack. Each frame is
``name (file:line)``, ``name (file)`` (with ``--nolineno``) or a bare name. With ``--threads`` the
root frame is ``thread (TID): NAME`` (or ``thread (0xPTHREAD)`` where no OS thread id is known);
with ``--subprocesses`` the stack starts with one ``process PID:"COMMAND LINE"`` frame per process
from the recorded one down to the one sampled. Those frames become the thread table (pid, tid,
name), not frames. ``--idle``, ``--gil``, ``--nonblocking`` and ``--native`` do not change the
format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.builder import ProfileBuilder, ValueOutOfRange
from ..core.model import EMPTY_STACK, FrameKind, Profile
from ..sources import Source
from .folded import PathCache, iter_stack_lines
from .folded import sniff as sniff_folded
from .python_frames import python_kind

_THREAD = re.compile(r"^thread \((0x[0-9A-Fa-f]+|\d+)\)(?:: (.*))?$", re.S)
_PROCESS = re.compile(r'^process (\d+):"(.*)"$', re.S)
_LOCATION = re.compile(r"^(.*?)(?::(\d+))?$", re.S)

# sniffing: a line starts with a thread or process frame, or has frames that look like Python's:
# ``^[^\s;()][^;]*? \((?:[^;()]*\.pyx?|<[^;]*>)(?::\d+)?\)$``, tested in linear time as a
# location without parentheses ending in .py/.pyx after the last '(', or the longest one in <>
_PY_LOCATION = re.compile(rb"[^;()]*\.pyx?(?::\d+)?")
_PY_SPECIAL = re.compile(rb"<[^;]*>(?::\d+)?")
_ROOT_FRAME = re.compile(
    rb'^(?:thread \((?:0x[0-9A-Fa-f]+|\d+)\)(?:: [^;]*)?|process \d+:"[^"]*")$'
)
_COUNT_TAIL = re.compile(rb"(?<!\s)\s++\d++\r?$")


def sniff(head: bytes) -> bool:
    """Folded lines whose frames are written the way py-spy writes them."""
    if not sniff_folded(head):
        return False
    lines = [ln for ln in head.split(b"\n")[:-1][:50] if ln.strip()] or [head.strip()]
    good = 0
    for line in lines:
        frames = _COUNT_TAIL.sub(b"", line).split(b";")
        # with --native the outermost frames are native ones: any Python frame will do
        if _ROOT_FRAME.match(frames[0]) or any(map(_looks_python, frames)):
            good += 1
    return good >= max(1, len(lines) * 3 // 4)


def _looks_python(frame: bytes) -> bool:
    """``name (file.py:line)`` or ``name (<special>:line)``, as py-spy writes frames."""
    if not frame.endswith(b")") or b";" in frame or frame[:1] in b" \t\n\r\x0b\x0c;()":
        return False
    opener = frame.rfind(b" (", 1)
    if opener > 0 and _PY_LOCATION.fullmatch(frame, opener + 2, len(frame) - 1):
        return True
    special = frame.find(b" (<", 1)
    return special > 0 and _PY_SPECIAL.fullmatch(frame, special + 2, len(frame) - 1) is not None


def split_frame(text: str) -> tuple[str, str, int]:
    """``name (file:line)`` -> (name, file, line); ``name (file)`` and bare names too."""
    if text.endswith(")"):
        name, sep, rest = text.rpartition(" (")
        if sep and name:
            m = _LOCATION.match(rest[:-1])
            assert m is not None  # the pattern matches every string
            file, line = m.group(1), m.group(2)
            if line is not None and not file:
                return text, "", 0
            return name, file, int(line) if line else 0
    return text, "", 0


def split_roots(frames: list[str]) -> tuple[int, int, str, str, int]:
    """Leading process and thread frames: (pid, tid, thread name, command line, how many)."""
    pid, tid, name, command = -1, -1, "", ""
    i = 0
    n = len(frames)
    while i < n and frames[i].startswith("process "):
        # a command line may itself contain ';': join frames until the closing quote
        j = i
        text = frames[i]
        while not _PROCESS.match(text) and j + 1 < n:
            j += 1
            text = f"{text};{frames[j]}"
        m = _PROCESS.match(text)
        if m is None:
            break
        pid, command = int(m.group(1)), m.group(2)
        i = j + 1
    if i < n and frames[i].startswith("thread ("):
        m = _THREAD.match(frames[i])
        if m is not None:
            raw = m.group(1)
            tid = int(raw, 16) if raw.startswith("0x") else int(raw)
            name = m.group(2) or ""
            i += 1
    return pid, tid, name, command, i


def thread_name(name: str, command: str) -> str:
    """A thread's display name: the process command line (if known) and the thread name."""
    if command and name:
        return f"{command}: {name}"
    return command or name


def load(source: Source, options: Mapping[str, Any]) -> Profile:
    """Import a py-spy raw file; each line becomes one aggregated sample on its thread."""
    builder = ProfileBuilder("pyspy", unit="samples", name=source.stem)

    def frame_id(text: str) -> int:
        if text == EMPTY_STACK:
            return builder.frame(EMPTY_STACK, kind=FrameKind.SYNTHETIC)
        name, file, line = split_frame(text)
        return builder.frame(name, file, line=line, kind=python_kind(file))

    paths = PathCache(builder, frame_id)
    # threads are numbered once every line is read: py-spy names a thread only once Python has
    # named it, so early lines of the same (pid, tid) may lack the name
    keys: dict[tuple[str, ...], tuple[int, int, str]] = {}
    names: dict[tuple[int, int], str] = {}
    nodes: list[int] = []
    counts: list[int | float] = []
    thread_keys: list[tuple[int, int, str]] = []
    for lineno, stack_text, count in iter_stack_lines(source):
        frames = stack_text.split(";") if stack_text else []
        pid, tid, name, command, skip = split_roots(frames)
        roots = tuple(frames[:skip])
        key = keys.get(roots)
        if key is None:
            label = thread_name(name, command)
            key = keys[roots] = (pid, tid, label)
            names[(pid, tid)] = names.get((pid, tid)) or label
        frames = frames[skip:] or [EMPTY_STACK]  # a thread seen with no Python frames on it
        try:
            nodes.append(paths.node(frames))
        except ValueOutOfRange as exc:
            raise source.error(
                exc.message, line=lineno, hint="is this py-spy raw output?"
            ) from None
        counts.append(count)
        thread_keys.append(key)
    thread_of = {
        key: builder.thread(key[0], key[1], names[(key[0], key[1])])
        for key in dict.fromkeys(thread_keys)
    }
    builder.add_samples(nodes, counts, threads=[thread_of[k] for k in thread_keys])
    if builder.sample_count == 0:
        raise source.error(
            "the file is empty", hint="expected py-spy raw lines of 'frame;frame;... count'"
        )
    return builder.build(counted=True, knows_kinds=True)
