"""What a command says when it refuses. Nothing is written when one of these is raised."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a caller."""


class RuleBroken(LedgerError):
    """A rule of the framework or of the register forbids this command (HTTP 409)."""


class InvalidInput(LedgerError, ValueError):
    """The command's input is malformed (HTTP 422). ``field`` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(LedgerError, LookupError):
    """No such registrant, application, registration or assessor (HTTP 404)."""


class Conflict(LedgerError):
    """Someone else changed the same record at the same moment; retry with fresh data (HTTP 409)."""
