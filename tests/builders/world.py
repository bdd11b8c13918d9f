"""Registers made through the Ledger's own commands for the statistics: many people decided in 2025 Q1, then one
target decided alone."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.read.projections.runner import ProjectionRunner
from ledger.settings import Settings
from tests.builders.records import assessed, assessors, enrol, submitted
from tests.conftest import MASTER_KEY

TODAY = date(2026, 11, 23)
PROFESSIONAL, INTERMEDIATE, LOWER = "professional", "clerical", "routine"  # an answer in each band


def world(
    path: Any,
    people: list[str | None],
    target: str,
    *,
    target_decided: date = date(2025, 5, 12),
    target_outcome: str = "defer",
    target_route: str = "standard",
) -> Ledger:
    """Everyone in ``people`` (an occupation answer, or None for no answer) applies and is awarded in 2025 Q1; then
    one more person, the target, answers ``target`` and is decided alone on ``target_decided``."""
    clock = SettableClock(date(2025, 1, 6))
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=clock, rng=random.Random(7)
    )
    pair = assessors(ledger)
    with ledger.batch():  # one transaction
        for i, answer in enumerate(people):
            clock.set(date(2025, 1, 6) + timedelta(days=i % 70))
            registrant = enrol(
                ledger,
                f"Person {i}",
                email=f"person{i}@example.org",
                background_answers={"parental_occupation_14": answer} if answer else None,
            )
            application = submitted(ledger, registrant)
            assessed(ledger, application, pair)
            ledger.decide(application, "award", "", "registrar")
    clock.set(target_decided)
    registrant = enrol(
        ledger, "Tess Target", email="tess@example.org", background_answers={"parental_occupation_14": target}
    )
    application = submitted(ledger, registrant, "RCT", target_route)
    assessed(ledger, application, pair, "award" if target_outcome == "award" else "defer", "partly_met")
    ledger.decide(application, target_outcome, "" if target_outcome == "award" else "Not yet.", "registrar")
    clock.set(TODAY)
    ProjectionRunner(ledger).catch_up()
    return ledger
