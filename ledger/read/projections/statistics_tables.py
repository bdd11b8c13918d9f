"""The statistics read model's tables (what the progression and fairness reports are made from, and nothing
personal: see ``ledger.read.projections.statistics`` for what each holds and how it is kept), and the query the
reports read them by."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Column, Connection, Date, Float, Integer, String, Table, select

from ledger.app.db import metadata

statistics_people = Table(
    "statistics_people",
    metadata,
    Column("person", String(32), primary_key=True),
    Column("enrolled_on", Date, nullable=True),  # NULL once erased
    Column("erased", Boolean, nullable=False),
)

statistics_answers = Table(
    "statistics_answers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person", String(32), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("seq", Integer, nullable=False),  # order within the person's record, for answers given on one day
    Column("responded", Boolean, nullable=False),  # answered at least one question (prefer-not-to-say counts)
    Column("band", String(16), nullable=True),  # from parental occupation at 14; NULL: none given
    # the broad group of each characteristic (ledger.domain.background.CHARACTERISTICS); NULL: not given
    Column("working_pattern", String(16), nullable=True),  # employed, freelance or both
    Column("sex", String(8), nullable=True),  # female or male
    Column("ethnic_group", String(8), nullable=True),  # asian, black, mixed, white or other (the census's five)
)

statistics_applications = Table(
    "statistics_applications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person", String(32), nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("route", String(16), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("submitted_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),  # first decision or withdrawal
    Column("first_outcome", String(16), nullable=True),  # award, defer, reject or withdrawn
    Column("appealed_on", Date, nullable=True),
    Column("appeal_decided_on", Date, nullable=True),
    Column("appeal_outcome", String(16), nullable=True),  # award, reassess (upheld) or dismissed
    Column("outcome", String(16), nullable=True),  # as it stands now
    Column("awarded_on", Date, nullable=True),
)

statistics_registrations = Table(
    "statistics_registrations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person", String(32), nullable=False, index=True),
    Column("level", String(8), nullable=True),
    Column("status", String(16), nullable=True),
    Column("first_awarded_on", Date, nullable=True),
    Column("level_awarded_on", Date, nullable=True),
    Column("audit_ended_on", Date, nullable=True),  # a 'not renewed' audit outcome took effect that day
)

statistics_audits = Table(
    "statistics_audits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person", String(32), nullable=False, index=True),
    Column("registration", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("selected_on", Date, nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("appeal", String(16), nullable=True),  # upheld or dismissed
    Column("ended_on", Date, nullable=True),
)

statistics_events = Table(
    "statistics_events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person", String(32), nullable=False, index=True),
    # awarded, renewed, lapsed, lapsed_after_audit, suspended, suspension_lifted, removed, resigned, reinstated,
    # audit_selected, audit_decided, audit_appeal_decided, audit_ended
    Column("kind", String(24), nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("seq", Integer, nullable=False),  # order within the registration (or audit), for one day's events
    Column("level", String(8), nullable=True),
    Column("previous_level", String(8), nullable=True),  # awarded: the level held before, if any
    Column("previous_on", Date, nullable=True),  # awarded: when that level was awarded
    Column("route", String(16), nullable=True),  # awarded: the route of the application that won it
    Column("year", Integer, nullable=True),  # audits
    Column("outcome", String(16), nullable=True),  # audit_decided: accepted, deferred, not_renewed; appeals: upheld
)

statistics_ppd = Table(
    "statistics_ppd",
    metadata,
    Column("id", String(32), primary_key=True),  # the PpdRecorded event's pseudonym
    Column("person", String(32), nullable=False, index=True),
    Column("on", Date, nullable=False),  # the activity's own date, as the registrant gave it
    Column("recorded_on", Date, nullable=False),  # the day it was recorded: what the reports count it by
    Column("category", String(64), nullable=False),  # a framework category code (the event was checked against them)
    Column("hours", Float, nullable=False),
)

statistics_assessors = Table(
    "statistics_assessors",
    metadata,
    Column("id", String(32), primary_key=True),  # the assessor's pseudonym: one row per appointment
    Column("person", String(32), nullable=False, index=True),  # only assessors who are registrants have a row
    Column("appointed_on", Date, nullable=False),
    Column("stood_down_on", Date, nullable=True),
)

PERSONAL_TABLES = (
    statistics_answers,
    statistics_applications,
    statistics_registrations,
    statistics_audits,
    statistics_events,
    statistics_ppd,
    statistics_assessors,
)
"""Every table with rows about a person (by pseudonym): an erasure deletes the person's rows from each."""

PSEUDONYMS_KEPT = 100_000


class Pseudonyms:
    """The tables' keys: a stable HMAC of an id (and an event's version) under the pseudonym key. The same id always
    gives the same key, and without the master key nobody can tell whose it is."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._known: dict[tuple[str, UUID, int | None], str] = {}  # pseudonyms worked out lately (prefetch, apply)

    def __call__(self, kind: str, value: UUID, version: int | None = None) -> str:
        found = self._known.get((kind, value, version))
        if found is None:
            if len(self._known) > PSEUDONYMS_KEPT:
                self._known.clear()
            message = kind.encode() + b":" + value.bytes + (b":%d" % version if version is not None else b"")
            found = self._known[(kind, value, version)] = hmac.digest(self._secret, message, hashlib.sha256).hex()[:32]
        return found


# -- queries: plain rows for the reports (ledger.reports.progression.analyses), never per person
def statistics_rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the statistics tables (the reports aggregate them in memory)."""
    tables = {
        "people": statistics_people,
        "answers": statistics_answers,
        "applications": statistics_applications,
        "events": statistics_events,
        "ppd": statistics_ppd,
        "assessors": statistics_assessors,
    }
    return {name: [dict(r) for r in conn.execute(select(table)).mappings()] for name, table in tables.items()}
