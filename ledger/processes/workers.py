"""Which workers are running and what each leads: a heartbeat row per worker, every few seconds, for
``regledger status`` and the registrar's page. (Who leads is decided by the leases, never by this table.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, String, Table, Text, delete, select

from ledger.app.db import metadata

workers = Table(
    "workers",
    metadata,
    Column("id", String(200), primary_key=True),  # host:pid:random
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("leads", Text, nullable=False),  # JSON list of duty names
    Column("errors", Text, nullable=False),  # JSON object: duty -> last error
)

SEEN_WITHIN = timedelta(seconds=30)  # a worker not heard from for this long is shown as gone


@dataclass(frozen=True)
class WorkerSeen:
    id: str
    started_at: datetime
    seen_at: datetime
    leads: list[str]
    errors: dict[str, str]


def beat(engine: Engine, worker_id: str, leads: list[str], errors: dict[str, str]) -> None:
    from ledger.app.db import upsert

    now = datetime.now(UTC)
    with engine.begin() as conn:
        started = conn.execute(select(workers.c.started_at).where(workers.c.id == worker_id)).scalar()
        conn.execute(
            upsert(conn, workers),
            [
                {
                    "id": worker_id,
                    "started_at": started or now,
                    "seen_at": now,
                    "leads": json.dumps(leads),
                    "errors": json.dumps(errors),
                }
            ],
        )
        conn.execute(delete(workers).where(workers.c.seen_at < now - 10 * SEEN_WITHIN))


def forget(engine: Engine, worker_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(workers).where(workers.c.id == worker_id))


def seen(engine: Engine) -> list[WorkerSeen]:
    """The workers heard from recently, newest first."""
    since = datetime.now(UTC) - SEEN_WITHIN
    with engine.connect() as conn:
        rows = conn.execute(select(workers).order_by(workers.c.started_at)).all()
    from ledger.domain.clock import utc

    return [
        WorkerSeen(r.id, utc(r.started_at), utc(r.seen_at), json.loads(r.leads), json.loads(r.errors))
        for r in rows
        if utc(r.seen_at) >= since
    ]
