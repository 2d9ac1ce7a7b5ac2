"""The public name of :mod:`flamekit.core.tree` (the same module object)."""

import sys

from .core import tree

sys.modules[__name__] = tree
