"""The public name of :mod:`flamekit.core.retree` (the same module object)."""

import sys

from .core import retree

sys.modules[__name__] = retree
