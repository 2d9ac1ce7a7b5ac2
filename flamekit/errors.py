"""Exceptions raised by flamekit; the CLI turns them into one-line messages."""

from __future__ import annotations


class FlamekitError(Exception):
    """Base class of every error flamekit reports to the user.

    ``exit_code`` is 2 for bad input or usage and 1 for a failed check.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self):
        # picklable whatever the subclass's constructor takes (errors of pool or Dask workers)
        return (_restore, (type(self), self.__dict__))


class InputError(FlamekitError):
    """A problem with an input file, located by line or byte offset where known."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.path = path
        self.line = line
        self.offset = offset

    @property
    def location(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.offset is not None:
            return f"{self.path}: byte {self.offset}"
        return self.path

    def __str__(self) -> str:
        return f"{self.location}: {super().__str__()}"


class UnknownFormat(InputError):
    """The input's format could not be determined or is not supported."""


class UsageError(FlamekitError):
    """Options that do not fit together or do not fit the input."""


class CheckFailed(FlamekitError):
    """A requested check (such as ``diff --fail-on``) did not pass."""

    exit_code = 1


class InvalidProfile(FlamekitError):
    """A Profile broke one of the model's invariants (a bug in an importer or transform)."""


def _restore(cls: type[FlamekitError], state: dict) -> FlamekitError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, state.get("message", ""))
    exc.__dict__.update(state)
    return exc
