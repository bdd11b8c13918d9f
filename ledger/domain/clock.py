"""The one clock: business time for every event's ``occurred_at``.

Commands never call ``datetime.now()`` themselves; they ask the ledger's clock, so tests and the demo can drive
years of simulated time and replays never depend on when they run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from credentials.open_badges import MONTHS  # English month names whatever the locale


def utc(dt: datetime) -> datetime:
    """The same instant, as an aware UTC datetime (naive datetimes are taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The last instant of a calendar day, UTC: 'as it stood at the end of DATE'."""
    return datetime.combine(day, time.max, tzinfo=UTC)


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class SettableClock(Clock):
    """A clock that stands still until told to move: for tests, the demo and catch-up ticks."""

    def __init__(self, start: datetime | date) -> None:
        self._now = utc(start if isinstance(start, datetime) else datetime.combine(start, time(9), UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime | date) -> None:
        self._now = utc(when if isinstance(when, datetime) else datetime.combine(when, time(9), UTC))

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 29th-31st fall back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def written(day: date) -> str:
    """A date as people write it: ``2 December 2026`` (English month names whatever the locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
