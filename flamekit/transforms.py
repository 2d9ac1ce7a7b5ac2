"""The public name of :mod:`flamekit.core.transforms` (the same module object)."""

import sys

from .core import transforms

sys.modules[__name__] = transforms
