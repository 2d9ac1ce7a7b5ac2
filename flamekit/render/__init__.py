"""Outputs: each module turns a Profile (or an analysis result) into a file's content."""
