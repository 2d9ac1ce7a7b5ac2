"""The public name of :mod:`flamekit.core.model` (the same module object)."""

import sys

from .core import model

sys.modules[__name__] = model
