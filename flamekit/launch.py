"""The ``flamekit`` command's entry point: ``flamekit --version`` is answered before the
commands (and numpy, which they need) are imported; everything else goes to :mod:`.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"flamekit, version {__version__}")  # click's version_option, word for word
        return
    from .cli import main as run

    run()
