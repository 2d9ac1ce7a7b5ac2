"""Defaults shared by the command line and the option objects, so that each is written once.

The flame graph's are flamegraph.pl's. This module imports nothing, so the command line can
show them without loading the renderers.
"""

# flame graphs (FlameOptions)
FLAME_WIDTH = 1200  # pixels
FLAME_FRAME_HEIGHT = 16  # pixels
FLAME_FONTSIZE = 12.0  # pixels
FLAME_FONT_WIDTH = 0.59  # average character width relative to the font size
FLAME_MINWIDTH = "0.1"  # pixels, or a percentage such as "0.5%"
FLAME_NAMETYPE = "Function:"
FLAME_MIN_WIDTH = 40  # the narrowest image that has room for a frame

# blocks (find_blocks)
BLOCKS_THRESHOLD_NS = 10_000_000

# diff (DiffOptions)
DIFF_ALPHA = 0.01  # family-wise significance level of the report
DIFF_TOP = 10  # rows per table of the summary
