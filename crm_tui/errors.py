"""Errors the core raises. Shells turn them into one clear line (CLI) or a notification (TUI)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CrmError(Exception):
    """Base of every error a user can act on. ``str(error)`` is the message to show."""

    exit_code = 1


class ValidationError(CrmError):
    """Input that cannot be stored; ``field`` names the offending field when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UsageError(ValidationError):
    """An option's value the command cannot use (an unknown profile, a --map naming no
    column): a usage error, exit 2, like the options the command line checks itself."""

    exit_code = 2


class FieldErrors(ValidationError):
    """Several fields failed validation at once (a form shows each beside its field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{name}: {text}" for name, text in self.errors.items())
        super().__init__(summary, field=next(iter(self.errors), None))


class ConfigError(CrmError):
    """The settings file cannot be read, or holds a setting crm does not know or cannot use."""


class NotFoundError(CrmError):
    """The record does not exist (or is in the trash when that matters)."""


class AmbiguousError(CrmError):
    """A reference such as a contact name matched more than one record."""

    def __init__(self, message: str, candidates: Sequence[str]) -> None:
        lines = "\n".join(f"  {candidate}" for candidate in candidates)
        super().__init__(f"{message}\n{lines}" if lines else message)
        self.message, self.candidates = message, list(candidates)

    def one_line(self) -> str:
        """For the command line, whose errors are one line: the candidates after a "·"."""
        return " · ".join([self.message, *self.candidates])


class ConflictError(CrmError):
    """Somebody saved a newer version of the record since it was read.

    ``current`` is the stored version (a read model) so a shell can show both sides.
    """

    def __init__(self, message: str, *, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class SchemaTooNewError(CrmError):
    """The database was written by a newer crm; opening it could damage it."""


class DatabaseError(CrmError):
    """The database cannot be opened or used (locked, unreadable, not a database)."""
