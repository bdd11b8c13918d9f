"""The demo tells every part of the story the issue asks for, and the same seed tells it the same way."""

from __future__ import annotations

import random
from datetime import date

from ledger.clock import SettableClock
from ledger.demo import run_demo
from ledger.projections.casework import applications
from ledger.projections.runner import ProjectionRunner
from sqlalchemy import select

EVERY_KIND = {
    "Registrant.Enrolled", "Registrant.Erased", "Registrant.ApplicationStarted", "Assessor.Appointed",
    "Application.Started", "Application.EvidenceAdded", "Application.Submitted", "Application.Withdrawn",
    "Application.AssessorAssigned", "Application.RefereeResponded", "Application.ProfessionalDiscussionHeld",
    "Application.Assessed", "Application.InformationRequested", "Application.Decided", "Application.Appealed",
    "Application.AppealDecided", "Registration.Opened", "RegistrationNumberClaim.Claimed",
    "Registration.LevelAwarded", "Registration.PpdRecorded", "Registration.RenewalSubmitted", "Registration.Renewed",
    "Registration.Lapsed", "Registration.Suspended", "Registration.SuspensionLifted", "Registration.Removed",
    "Registration.Resigned", "Registration.Reinstated",
}


def test_a_three_year_demo_has_every_kind_of_event_and_breaks_no_rule(make_ledger):
    clock = SettableClock(date(2026, 11, 1))
    ledger = make_ledger(clock=clock, rng=random.Random(1), single_writer_cache=10_000)
    result = run_demo(ledger, clock, registrants=600, years=3, seed=1)
    assert result.refused == 0, result.refusals
    assert EVERY_KIND <= set(result.kinds), EVERY_KIND - set(result.kinds)
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        awarded = conn.execute(select(applications.c.level, applications.c.route, applications.c.outcome)
                               .distinct()).all()
    assert {(level, route) for level, route, outcome in awarded if outcome == "award"} == {
        (level, route) for level in ("RCT", "RCP", "ACP") for route in ("standard", "equivalency")}
    assert {outcome for _, _, outcome in awarded} == {"award", "defer", "reject", None}
