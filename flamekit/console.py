"""Messages to the user on stderr."""

from __future__ import annotations

import sys

import click

from .escape import escape_controls


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    click.echo(f"flamekit: warning: {escape_controls(message)}", err=True)


def info(message: str) -> None:
    click.echo(f"flamekit: {escape_controls(message)}", err=True)


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
