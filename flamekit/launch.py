"""The ``flamekit`` command's entry point: ``flamekit --version`` is answered before the
commands (and numpy, which they need) are imported; everything else goes to :mod:`.cli`.

The command multiplies no matrices, so OpenBLAS (loaded with numpy) is asked for one thread
unless the environment says otherwise: starting its thread pool costs about 50 ms of every
run on a two-core machine. The library, imported by a program of its own, leaves it alone.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"flamekit, version {__version__}")  # click's version_option, word for word
        return
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import main as run

    run()
