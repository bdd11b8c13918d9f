"""The register's calendar: each day the daily tick closed (what it did stays in the ``Day.Closed`` event). The tick
asks it which day it closed last, so a tick after a gap of any length carries on from there."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Column, Date, Table, func, select

from ledger.app.db import metadata
from ledger.domain.aggregates import Day
from ledger.read.projections.base import Projection

closed_days = Table(
    "closed_days",
    metadata,
    Column("day", Date, primary_key=True),
)


class CalendarProjection(Projection):
    name = "calendar"
    tables = (closed_days,)
    handlers = {Day.Closed: "closed"}

    def closed(self, e: Any) -> None:
        self.put("closed_days", {"day": e.day})


def last_closed_day(conn: Any, before: date | None = None) -> date | None:
    """The latest day the tick closed (before ``before``, if given)."""
    statement = select(func.max(closed_days.c.day))
    if before is not None:
        statement = statement.where(closed_days.c.day < before)
    found: date | None = conn.execute(statement).scalar()
    return found
