"""Source maps: V8 frames of compiled or bundled JavaScript moved to the code people wrote.

:class:`SourceMaps` holds one command's settings (``--source-map-dir``) and the maps it read;
the V8 importers call :meth:`SourceMaps.map_frames` on a node table before building its tree.
"""

from .apply import LineMap, SourceMaps, from_options

__all__ = ["LineMap", "SourceMaps", "from_options"]
