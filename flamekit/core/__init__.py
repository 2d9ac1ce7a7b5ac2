"""The closed core: the profile model, its builder, call-tree operations, transforms and the
measures they need (weights, idle). Nothing here imports analyses, renderers, importers or the
command line; see ARCHITECTURE.md."""
