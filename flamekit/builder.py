"""The public name of :mod:`flamekit.core.builder` (the same module object)."""

import sys

from .core import builder

sys.modules[__name__] = builder
