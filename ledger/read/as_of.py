"""The register as it stood at the end of a day, built from the events (never from stored snapshots): by business
time (each event's ``occurred_at``: "who was registered on 1 March") or by recording time (the store's timestamp:
"what did the register show on 1 March"). The register's read model is rebuilt in a temporary in-memory database
from the events up to that moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from ledger.app.db import metadata
from ledger.app.ledger import Ledger
from ledger.domain.clock import end_of_day, utc
from ledger.read.projections.register import RegisterProjection, search_register
from ledger.read.projections.runner import ProjectionRunner


def register_as_of(ledger: Ledger, day: date, *, recorded: bool = False) -> Callable[..., list[dict[str, Any]]]:
    """A search function (``search_register``'s arguments) over the register as it stood at the end of ``day``."""
    moment = end_of_day(day)
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    runner = ProjectionRunner(ledger, (RegisterProjection,))
    runner.engine = engine
    if recorded:
        runner.keep = lambda event: utc(event.timestamp) <= moment
    else:
        runner.keep = lambda event: utc(getattr(event, "occurred_at", event.timestamp)) <= moment
    runner.catch_up()

    def search(**criteria: Any) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return search_register(conn, **criteria)

    return search
