"""How far each follower has got: its position, its lag behind the event store (in events and in seconds), what
it has parked and which worker leads it. For ``regledger status``, the registrar's casework page and the tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from sqlalchemy import func, select

from ledger.app.ledger import Ledger
from ledger.processes.workers import seen
from ledger.read import parking
from ledger.read.projections import ALL_PROJECTIONS
from ledger.read.projections.base import projection_positions


@dataclass(frozen=True)
class Progress:
    follower: str
    position: int
    lag_events: int
    lag_seconds: float | None  # how long the first event it has not handled has waited (None: nothing waits)
    parked: int
    led_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def progress(ledger: Ledger) -> dict[str, Any]:
    """Every follower's progress, the workers heard from, and the event store's head."""
    from ledger.processes.issuance import POSITION as ISSUER
    from ledger.processes.transparency_log import log_leaves
    from ledger.processes.watch import POSITION as WATCH
    from ledger.processes.worker import PUBLISHER

    engine = ledger.engine
    head = ledger.recorder.max_notification_id() or 0
    names = [p.name for p in ALL_PROJECTIONS]
    with engine.connect() as conn:
        rows = dict(conn.execute(select(projection_positions.c.name, projection_positions.c.position)).all())
        log_position = conn.execute(select(func.max(log_leaves.c.notification_id))).scalar() or 0
    parked = parking.counts(engine)
    workers = seen(engine)
    leaders = {duty: w.id for w in workers for duty in w.leads}
    now = datetime.now(UTC)

    def entry(follower: str, position: int, duty: str, parked_under: list[str]) -> Progress:
        return Progress(
            follower=follower,
            position=position,
            lag_events=max(head - position, 0),
            lag_seconds=_waited(ledger, position, head, now),
            parked=sum(parked.get(name, 0) for name in parked_under),
            led_by=leaders.get(duty),
        )

    followers = [
        entry(f"projections ({name})", rows.get(name, 0), "projections", [f"projection:{name}"]) for name in names
    ]
    followers.append(entry("issuer", rows.get(ISSUER, 0), "issuer", [ISSUER]))
    followers.append(entry("watch", rows.get(WATCH, 0), "watch", [WATCH]))
    followers.append(entry("log", log_position, "log", []))
    followers.append(entry(PUBLISHER, rows.get(PUBLISHER, 0), PUBLISHER, []))
    return {
        "head": head,
        "followers": [f.as_dict() for f in followers],
        "duties": {duty: leaders.get(duty) for duty in ("checkpoints", "mail", "webhooks", "tick", "parked")},
        "workers": [
            {
                "id": w.id,
                "started_at": w.started_at.isoformat(),
                "seen_at": w.seen_at.isoformat(),
                "leads": w.leads,
                "errors": w.errors,
            }
            for w in workers
        ],
        "parked": [
            {
                "follower": p.follower,
                "event": p.notification_id,
                "kind": p.kind,
                "record": str(p.originator_id),
                "reason": p.reason,
                "parked_at": p.parked_at.isoformat(),
                "attempts": p.attempts,
            }
            for p in parking.parked(engine)
        ],
    }


def _waited(ledger: Ledger, position: int, head: int, now: datetime) -> float | None:
    """Seconds since the first event after ``position`` was recorded."""
    if position >= head:
        return None
    found = ledger.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
    if not found:
        return None
    try:
        event = ledger.mapper.to_domain_event(found[0])
    except Exception:  # noqa: BLE001 - an event that cannot be read has no age to tell
        return None
    if not isinstance(event, CanMutateAggregate):  # every event of the ledger's aggregates is
        return None
    recorded = event.timestamp
    from ledger.domain.clock import utc

    return round(max((now - utc(recorded)).total_seconds(), 0.0), 1)
