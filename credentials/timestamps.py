"""Instants as credentials write them: RFC 3339 in UTC with a ``Z``, and JWT NumericDate (whole epoch seconds).

Naive datetimes are taken to be UTC, as the ledger's clock does. Fractions of a second are dropped (floored), so
the RFC 3339 text and the NumericDate of one instant always agree.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime, to the whole second."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is UTC and not moment.microsecond:
        return moment
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """``2026-01-05T09:00:00Z``."""
    return utc(moment).isoformat()[:19] + "Z"


def epoch_seconds(moment: datetime) -> int:
    """JWT NumericDate: whole seconds since 1970-01-01T00:00:00Z."""
    return int(utc(moment).timestamp())


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 date-time with an explicit offset (``Z`` or ``+hh:mm``), as an aware UTC datetime."""
    if not isinstance(text, str) or "T" not in text.upper():
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"RFC 3339 date-time without a time zone: {text!r}")
    return utc(parsed)
