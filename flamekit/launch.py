"""The ``flamekit`` command's entry point: ``flamekit --version`` is answered before the
commands (and numpy, which they need) are imported; everything else goes to :mod:`.cli`.

numpy's OpenBLAS starts a thread per core when it is imported, and they spin for about a tenth
of a second waiting for work: CPU time the command's second process needs. The commands do
no linear algebra, so they ask for one thread (unless the environment says otherwise).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"flamekit, version {__version__}")  # click's version_option, word for word
        return
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import main as run

    run()
