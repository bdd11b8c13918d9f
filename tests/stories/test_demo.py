"""The demo tells every part of the story the issue asks for, and the same seed tells it the same way."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from ledger.domain.clock import SettableClock
from ledger.ops.demo import run_demo
from ledger.read.projections.casework import applications
from ledger.read.projections.runner import ProjectionRunner

EVERY_KIND = {
    "Registrant.Enrolled",
    "Registrant.Erased",
    "Registrant.ApplicationStarted",
    "Assessor.Appointed",
    "Application.Started",
    "Application.EvidenceAdded",
    "Application.Submitted",
    "Application.Withdrawn",
    "Application.AssessorInvited",
    "Application.AssignmentAccepted",
    "Application.RefereeResponded",
    "Application.ProfessionalDiscussionHeld",
    "Application.Assessed",
    "Application.InformationRequested",
    "Application.Decided",
    "Application.Appealed",
    "Application.AppealDecided",
    "Registration.Opened",
    "RegistrationNumberClaim.Claimed",
    "Registration.LevelAwarded",
    "Registration.PpdRecorded",
    "Registration.RenewalSubmitted",
    "Registration.Renewed",
    "Registration.Lapsed",
    "Registration.Suspended",
    "Registration.SuspensionLifted",
    "Registration.Removed",
    "Registration.Resigned",
    "Registration.Reinstated",
}


def test_a_three_year_demo_has_every_kind_of_event_and_breaks_no_rule(make_ledger):
    clock = SettableClock(date(2026, 11, 1))
    ledger = make_ledger(clock=clock, rng=random.Random(1), single_writer_cache=10_000)
    result = run_demo(ledger, clock, registrants=600, years=3, seed=1, tick=False)
    assert result.refused == 0, result.refusals
    assert EVERY_KIND <= set(result.kinds), EVERY_KIND - set(result.kinds)
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        awarded = conn.execute(
            select(applications.c.level, applications.c.route, applications.c.outcome).distinct()
        ).all()
    assert {(level, route) for level, route, outcome in awarded if outcome == "award"} == {
        (level, route) for level in ("RCT", "RCP", "ACP") for route in ("standard", "equivalency")
    }
    assert {outcome for _, _, outcome in awarded} == {"award", "defer", "reject", None}


TICK_KINDS = {
    "Day.Closed",
    "Registration.ReminderSent",
    "Registration.MarkedOverdue",
    "Registration.Lapsed",
    "Registration.Renewed",
    "Registration.SelectedForAudit",
    "PpdAudit.Requested",
    "PpdAudit.ProfileSubmitted",
    "PpdAudit.AssessorAssigned",
    "PpdAudit.Judged",
    "PpdAudit.Decided",
    "Mail.Queued",
}


def test_a_demo_under_the_daily_tick_closes_every_day_and_audits_the_sample(tmp_path):
    """Four years lived day by day: the tick closes each day before its business, sends reminders, renews what
    was declared, lapses what was not, draws the 1 January sample, and those selected are audited. On SQLite only
    (the tick's own PostgreSQL runs are in test_tick and test_years; four years of days there take a minute)."""
    from ledger.app.ledger import Ledger
    from ledger.domain.aggregates import Day
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    clock = SettableClock(date(2026, 11, 1))
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{tmp_path / 'ticked.db'}", master_key=MASTER_KEY),
        clock=clock,
        rng=random.Random(2),
        single_writer_cache=10_000,
    )
    result = run_demo(ledger, clock, registrants=100, years=4, seed=2)
    assert result.refused == 0, result.refusals
    assert TICK_KINDS <= set(result.kinds), TICK_KINDS - set(result.kinds)
    assert result.ticked_days == (result.ended - result.started).days + 1 and result.audits >= 1
    assert ledger.repository.get(Day.id_for(result.ended)).day == result.ended  # the tick carries on from here
    ledger.close()
