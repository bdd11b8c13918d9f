"""Events a follower could not handle, parked with their reason (Axon's sequenced dead-letter queue is the anchor).

When a follower fails on an event for a reason of the event's own (not a database fault), it parks that event and,
from then on, every later event of the same aggregate, and goes on with everything else: one bad record never
stops the register. Parked items are shown to the registrar (``/casework``) and by ``regledger status``, and retried
on demand (``regledger worker --retry-parked``) and by the worker every few minutes; an aggregate's parked events
are retried in order and released together once they all go through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, String, Table, Text, delete, select, update
from sqlalchemy.exc import DBAPIError

from ledger.app.db import metadata

parked_events = Table(
    "parked_events",
    metadata,
    Column("follower", String(64), primary_key=True),
    Column("notification_id", Integer, primary_key=True, autoincrement=False),
    Column("originator_id", String(36), nullable=False, index=True),
    Column("originator_version", Integer, nullable=False),
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),  # the error's kind and message; blocked events say which they wait on
    Column("parked_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("tried_at", DateTime(timezone=True), nullable=False),
)

MAX_REASON = 500


def is_database_fault(error: BaseException) -> bool:
    """A fault of the database or the connection (tried again later as it is), not of the event being handled."""
    from eventsourcing.persistence import InterfaceError, OperationalError

    return isinstance(error, DBAPIError | OperationalError | InterfaceError | ConnectionError | TimeoutError)


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "\u2026"


@dataclass(frozen=True)
class Parked:
    follower: str
    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    reason: str
    parked_at: datetime
    attempts: int

    @property
    def kind(self) -> str:
        """The event's kind, from its topic (``ledger.aggregates.registration:Registration.LevelAwarded``)."""
        return self.topic.rsplit(":", 1)[-1]


def park(engine: Engine, follower: str, notification: Any, reason: str) -> None:
    """Park ``notification`` (a stored event) for ``follower``, with why."""
    with engine.begin() as conn:
        park_in(conn, follower, notification, reason)


def park_in(conn: Connection, follower: str, notification: Any, reason: str) -> None:
    """The same, in the caller's transaction (a follower parks the events waiting behind a parked one together
    with its own progress)."""
    found = conn.execute(
        select(parked_events.c.notification_id).where(
            parked_events.c.follower == follower, parked_events.c.notification_id == notification.id
        )
    ).first()
    if found is None:
        now = datetime.now(UTC)
        conn.execute(
            parked_events.insert().values(
                follower=follower,
                notification_id=notification.id,
                originator_id=str(notification.originator_id),
                originator_version=notification.originator_version,
                topic=notification.topic,
                reason=reason,
                parked_at=now,
                attempts=1,
                tried_at=now,
            )
        )


def blocked(engine: Engine, follower: str) -> set[UUID]:
    """The aggregates whose events ``follower`` parks (each has a parked event)."""
    with engine.connect() as conn:
        return {
            UUID(row)
            for row in conn.execute(
                select(parked_events.c.originator_id).where(parked_events.c.follower == follower).distinct()
            ).scalars()
        }


def blocked_by_follower(engine: Engine, followers: Iterable[str]) -> dict[str, set[UUID]]:
    """``blocked`` for several followers at once (one query)."""
    names = list(followers)
    found: dict[str, set[UUID]] = {name: set() for name in names}
    with engine.connect() as conn:
        for follower, originator in conn.execute(
            select(parked_events.c.follower, parked_events.c.originator_id)
            .where(parked_events.c.follower.in_(names))
            .distinct()
        ):
            found[follower].add(UUID(originator))
    return found


def parked(engine: Engine, follower: str | None = None) -> list[Parked]:
    query = select(parked_events).order_by(parked_events.c.follower, parked_events.c.notification_id)
    if follower is not None:
        query = query.where(parked_events.c.follower == follower)
    with engine.connect() as conn:
        return [
            Parked(
                follower=r.follower,
                notification_id=r.notification_id,
                originator_id=UUID(r.originator_id),
                originator_version=r.originator_version,
                topic=r.topic,
                reason=r.reason,
                parked_at=r.parked_at,
                attempts=r.attempts,
            )
            for r in conn.execute(query)
        ]


def release(engine: Engine, follower: str, notification_ids: Iterable[int]) -> None:
    with engine.begin() as conn:
        release_in(conn, follower, notification_ids)


def release_in(conn: Connection, follower: str, notification_ids: Iterable[int]) -> None:
    conn.execute(
        delete(parked_events).where(
            parked_events.c.follower == follower, parked_events.c.notification_id.in_(list(notification_ids))
        )
    )


def tried_again(engine: Engine, follower: str, notification_id: int, reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(parked_events)
            .where(parked_events.c.follower == follower, parked_events.c.notification_id == notification_id)
            .values(reason=reason, attempts=parked_events.c.attempts + 1, tried_at=datetime.now(UTC))
        )


def counts(engine: Engine) -> dict[str, int]:
    """Parked events by follower."""
    from sqlalchemy import func

    with engine.connect() as conn:
        return dict(
            conn.execute(select(parked_events.c.follower, func.count()).group_by(parked_events.c.follower)).all()
        )
