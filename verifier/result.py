"""What a verification says: the named checks in their fixed order, their outcomes (pass, fail, not checked), the
``Verification`` with the ``Subject`` it names, and the wording of both for a person -- dates as ``05 January 2027
09:00 UTC`` and ages as ``24 hours`` or ``7 days``, in English whatever the locale. ``verifier.verify`` builds it;
``verifier.checks`` words its reasons with the same dates."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final, Literal, NamedTuple

CHECKS = (
    "format",
    "header",
    "key known",
    "key valid",
    "signature",
    "issuer",
    "validity",
    "revocation",
    "suspension",
    "status freshness",
    "data model",
    "status",
)
"""The checks in the order they are reported. "data model" (VC Data Model 2.0 sections 4 and 5 without JSON-LD,
``verifier.data_model``) is made right after the format check but listed last, so that the positions of the others
stay as verifiers' scripts know them; it is not checked for a QR badge, which is not a VC Data Model document.
"status" (every status entry is one the verifier could check, ``verifier.checks.status_entries_check``) is listed
after it for the same reason; it must pass, so a credential whose status cannot be checked is not valid."""
REQUIRED = ("format", "header", "key known", "key valid", "signature", "issuer", "validity", "status")

Outcome = Literal["pass", "fail", "not checked"]
PASS: Final = "pass"
FAIL: Final = "fail"
NOT_CHECKED: Final = "not checked"


class Check(NamedTuple):
    name: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class Subject:
    name: str
    registration_number: str
    level: str
    valid_until: str


@dataclass(frozen=True)
class Verification:
    valid: bool
    kind: str | None  # "full", "compact" or None when the input could not be read
    checks: tuple[Check, ...]
    subject: Subject | None  # only when valid
    status_as_of: datetime | None

    @property
    def summary(self) -> str:
        """One sentence for a person."""
        if self.valid and self.subject:
            s = self.subject
            status = f"; status as of {when(self.status_as_of)}" if self.status_as_of else ""
            return (
                f"Valid: {s.name} holds {s.level}, registration number {s.registration_number}, until "
                f"{s.valid_until}{status}."
            )
        if self.valid:
            return "Valid: the credential verifies, but it does not name a registrant in the register's form."
        failed = [c for c in self.checks if c.outcome == FAIL]
        if failed:
            return "Not valid: " + "; ".join(c.reason for c in failed) + "."
        missing = [c for c in self.checks if c.name in REQUIRED and c.outcome != PASS]
        return "Not valid: " + "; ".join(c.reason for c in missing) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "summary": self.summary,
            "checks": [c._asdict() for c in self.checks],
            "subject": asdict(self.subject) if self.subject else None,
            "status_as_of": self.status_as_of.isoformat() if self.status_as_of else None,
        }


# -- wording
@lru_cache(maxsize=1024)
def when(moment: datetime) -> str:
    """``05 January 2027 09:00 UTC``, in English whatever the locale."""
    return f"{day(moment)} {moment:%H:%M} UTC"


@lru_cache(maxsize=1024)
def day(moment: datetime) -> str:
    """``05 January 2027``."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year}"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def duration(age: timedelta) -> str:
    """``24 hours``, ``7 days``, ``1.5 hours``: whole days from two days up, hours below."""
    if age.days >= 2 and not age.seconds and not age.microseconds:
        return f"{age.days} days"
    hours = age.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
