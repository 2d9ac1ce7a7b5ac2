"""Analyses over a Profile that return plain result objects."""
