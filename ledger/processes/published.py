"""The documents verifiers fetch (both status lists and the trust bundle), signed by the worker's publisher and kept
here; the web serves the last good copy. A failure to publish never becomes an error for the public: the copy
before it stays up (verifiers judge its age themselves: "status as of ...").

The publisher signs anew after any event that can change the status bits or the issuer's keys, and before the
lists' short validity runs out (half way through it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, String, Table, Text, select

from ledger.app.db import metadata
from ledger.domain.clock import utc

published_documents = Table(
    "published_documents",
    metadata,
    Column("name", String(64), primary_key=True),  # "status/revocation", "status/suspension", "trust-bundle"
    Column("body", Text, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
)

TRUST_BUNDLE = "trust-bundle"


@dataclass(frozen=True)
class Published:
    name: str
    body: str
    made_at: datetime
    valid_until: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((utc(self.valid_until) - utc(now)).total_seconds()))


def latest(engine: Engine, name: str) -> Published | None:
    with engine.connect() as conn:
        row = conn.execute(select(published_documents).where(published_documents.c.name == name)).first()
    if row is None:
        return None
    return Published(row.name, row.body, utc(row.made_at), utc(row.valid_until))


def status_topics() -> list[str]:
    """The kinds of event that can change what the published documents state: anything that happens to a
    registration (its status drives the bits), a credential, or an issuer key."""
    from eventsourcing.domain import DomainEvent
    from eventsourcing.utils import get_topic

    from ledger.domain.aggregates import Credential, Registration, RequestedCredential
    from ledger.domain.aggregates.issuer_key import IssuerKey

    return [
        get_topic(value)
        for cls in (Registration, Credential, RequestedCredential, IssuerKey)
        for value in vars(cls).values()
        if isinstance(value, type) and issubclass(value, DomainEvent)
    ]


def stale(engine: Engine, now: datetime, lifetime: timedelta) -> bool:
    """Whether to publish again by age: nothing yet, or half the lifetime has gone (or the clock went back)."""
    with engine.connect() as conn:
        made = list(conn.execute(select(published_documents.c.made_at)).scalars())
    if len(made) < 3:
        return True
    return any(utc(now) - utc(m) >= lifetime / 2 or utc(m) > utc(now) for m in made)
