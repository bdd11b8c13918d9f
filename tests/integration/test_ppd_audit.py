"""The PPD audit after selection: the registrant's profile, an assessor's judgement of each standard, the registrar's
outcome (accepted, deferred, not renewed), the appeal within 28 days that keeps the registration as it is while it
is heard, and the lapse when 'not renewed' takes effect. Every refused step changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.processes.tick import Ticker
from ledger.read.projections.audits import audit_queue
from ledger.read.projections.credentials import credential_standing
from ledger.read.projections.outbox import outbox
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import assessors, awarded

YEAR = 2026


def ppd(ledger, person, count=3):
    categories = ledger.framework.rules.ppd_categories
    return [
        ledger.record_ppd(
            person,
            ledger.clock.today() - timedelta(days=5 + i),
            categories[i % len(categories)],
            5,
            ["A"],
            "Learned about cue stacks.",
            "Programmed the show faster.",
        )
        for i in range(count)
    ]


@pytest.fixture
def selected(ledger):
    """A registrant selected for the 2026 audit, with three PPD activities, and an assessor."""
    person, number = awarded(ledger)
    activities = ppd(ledger, person)
    ledger.select_for_audit(person, YEAR, "seed")
    (assessor,) = assessors(ledger, 1)
    return person, number, activities, assessor


def all_standards(ledger, value="met"):
    return {code: value for code in ledger.framework.rules.audit_standards}


def profile(ledger, person, activities):
    ledger.submit_audit_profile(
        person,
        YEAR,
        "Lighting programmer on touring shows.",
        "My PPD kept my console skills current.",
        [str(a) for a in activities],
        "https://portfolio.example.org/ppd",
    )


def stored(ledger, person):
    return ledger.recorder.select_events(ledger.ppd_audit(person, YEAR).id)


def letters(ledger, person):
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        return [r.kind for r in conn.execute(select(outbox).where(outbox.c.registrant_id == person.hex))]


def standing(ledger, person):
    registration = ledger.registration(person)
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        return conn.execute(
            select(credential_standing.c.status).where(credential_standing.c.id == registration.id.hex)
        ).scalar_one()


def test_profile_judged_met_is_accepted_with_the_feedback_in_a_letter(ledger, selected):
    person, number, activities, assessor = selected
    audit = ledger.ppd_audit(person, YEAR)
    assert audit.stage == "awaiting profile"
    assert audit.profile_due == ledger.clock.today() + timedelta(days=ledger.framework.rules.audit_profile_days)
    profile(ledger, person, activities)
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    assert ledger.ppd_audit(person, YEAR).stage == "with assessor"
    ledger.judge_audit(
        person,
        YEAR,
        assessor,
        all_standards(ledger) | {"benefit": "partly_met"},
        "A thoughtful profile; say more about who benefited.",
    )
    ledger.decide_audit(person, YEAR, "accepted", "", "registrar")
    audit = ledger.ppd_audit(person, YEAR)
    assert audit.stage == "accepted" and not audit.is_open and not audit.blocks_renewal
    assert "audit letter" in letters(ledger, person)
    with ledger.engine.connect() as conn:
        (row,) = audit_queue(conn, registrant_id=person.hex)
    assert row["number"] == number and row["stage"] == "accepted" and row["judged"] and row["outcome"] == "accepted"
    mail = ledger.repository.get(next(iter(_mail_ids(ledger, person))))
    body = ledger.vault.open(mail.body)
    assert "accepted" in body and "say more about who benefited" in body and "Partly met" in body


def _mail_ids(ledger, person):
    from uuid import UUID

    with ledger.engine.connect() as conn:
        return [
            UUID(r.id)
            for r in conn.execute(
                select(outbox.c.id).where(outbox.c.registrant_id == person.hex, outbox.c.kind == "audit letter")
            )
        ]


def test_each_wrong_step_is_refused_and_writes_nothing(ledger, selected):
    person, _, activities, assessor = selected
    before = len(stored(ledger, person))
    refused = [
        (InvalidInput, lambda: ledger.submit_audit_profile(person, YEAR, "s", "t", [])),
        (InvalidInput, lambda: ledger.submit_audit_profile(person, YEAR, "s", "t", ["not-an-id"])),
        (
            InvalidInput,
            lambda: ledger.submit_audit_profile(person, YEAR, "s", "t", ["00000000-0000-4000-8000-000000000000"]),
        ),
        (RuleBroken, lambda: ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")),  # no profile yet
        (RuleBroken, lambda: ledger.decide_audit(person, YEAR, "not_renewed", "Nothing sent.", "registrar")),
        (RuleBroken, lambda: ledger.decide_audit(person, YEAR, "accepted", "", "registrar")),
        (InvalidInput, lambda: ledger.decide_audit(person, YEAR, "maybe", "", "registrar")),
        (RuleBroken, lambda: ledger.appeal_audit(person, YEAR, "Unfair.")),
        (NotFound, lambda: ledger.submit_audit_profile(person, YEAR - 1, "s", "t", [str(activities[0])])),
        (InvalidInput, lambda: ledger.decide_audit(person, "2026", "accepted", "", "registrar")),
    ]
    for error, attempt in refused:
        with pytest.raises(error):
            attempt()
    profile(ledger, person, activities)
    other = ledger.appoint_assessor("Assessor Two")
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    after_assign = len(stored(ledger, person))
    for error, attempt in [
        (RuleBroken, lambda: profile(ledger, person, activities)),  # with the assessor now
        (RuleBroken, lambda: ledger.judge_audit(person, YEAR, other, all_standards(ledger))),  # not assigned
        (InvalidInput, lambda: ledger.judge_audit(person, YEAR, assessor, {"record": "met"})),  # not every one
        (InvalidInput, lambda: ledger.judge_audit(person, YEAR, assessor, all_standards(ledger, "brilliant"))),
        (InvalidInput, lambda: ledger.judge_audit(person, YEAR, assessor, all_standards(ledger) | {"x": "met"})),
        (RuleBroken, lambda: ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")),  # already
    ]:
        with pytest.raises(error):
            attempt()
    assert len(stored(ledger, person)) == after_assign > before
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger))
    with pytest.raises(RuleBroken):
        ledger.judge_audit(person, YEAR, assessor, all_standards(ledger))
    with pytest.raises(RuleBroken, match="not met"):
        ledger.decide_audit(person, YEAR, "not_renewed", "No.", "registrar")
    with pytest.raises(InvalidInput):
        ledger.decide_audit(person, YEAR, "deferred", "  ", "registrar")


def test_an_assessor_never_audits_their_own_ppd(ledger, selected):
    person, _, activities, _ = selected
    own = ledger.appoint_assessor("Jo as assessor", registrant_id=person)
    profile(ledger, person, activities)
    with pytest.raises(RuleBroken, match="own"):
        ledger.assign_audit_assessor(person, YEAR, own, "registrar")


def test_deferred_for_more_time_then_accepted_on_a_better_profile(ledger, clock, selected):
    person, _, activities, assessor = selected
    profile(ledger, person, activities[:1])
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger) | {"mix": "not_met"}, "One activity only.")
    ledger.decide_audit(person, YEAR, "deferred", "Show a mix of activities.", "registrar")
    audit = ledger.ppd_audit(person, YEAR)
    assert audit.stage == "awaiting profile" and audit.outcome == "deferred"
    assert audit.profile_due == clock.today() + timedelta(days=ledger.framework.rules.audit_deferral_days)
    with pytest.raises(RuleBroken, match="once"):
        ledger.decide_audit(person, YEAR, "deferred", "Again.", "registrar")
    clock.advance(timedelta(days=30))
    profile(ledger, person, activities)  # the same assessor judges the new profile
    assert ledger.ppd_audit(person, YEAR).stage == "with assessor"
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger), "Much better.")
    ledger.decide_audit(person, YEAR, "accepted", "", "registrar")
    assert ledger.ppd_audit(person, YEAR).stage == "accepted"
    assert ledger.registration(person).status == "registered"
    assert letters(ledger, person).count("audit letter") == 2


def test_not_renewed_keeps_the_status_through_the_appeal_window_then_lapses(ledger, clock, selected):
    person, _, activities, assessor = selected
    profile(ledger, person, activities)
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger, "not_met"))
    ledger.decide_audit(person, YEAR, "not_renewed", "No standard is met.", "registrar")
    audit = ledger.ppd_audit(person, YEAR)
    assert audit.appeal_by == clock.today() + timedelta(days=28) and audit.blocks_renewal
    ticker = Ticker(ledger)
    ticker.run_until(audit.appeal_by, start=clock.today())
    assert ledger.registration(person).status == "registered" and standing(ledger, person) == "registered"
    clock.set(ledger.registration(person).valid_until - timedelta(days=10))
    ticker.run_until(audit.appeal_by + timedelta(days=1))
    assert ledger.registration(person).status == "lapsed" and standing(ledger, person) == "lapsed"
    assert ledger.ppd_audit(person, YEAR).stage == "ended"
    with pytest.raises(RuleBroken):
        ledger.appeal_audit(person, YEAR, "Too late.")
    assert "audit letter" in letters(ledger, person)


def test_an_appeal_keeps_the_registration_while_heard_and_an_upheld_one_accepts(ledger, clock, selected):
    person, _, activities, assessor = selected
    profile(ledger, person, activities)
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger) | {"practice": "not_met"})
    ledger.decide_audit(person, YEAR, "not_renewed", "Practice not shown.", "registrar")
    clock.advance(timedelta(days=20))
    ledger.appeal_audit(person, YEAR, "The assessor missed my statement's second page.")
    with pytest.raises(RuleBroken, match="already"):
        ledger.appeal_audit(person, YEAR, "Again.")
    Ticker(ledger).run_until(clock.today() + timedelta(days=60), start=clock.today())  # long past the window
    assert ledger.registration(person).status == "registered" and ledger.ppd_audit(person, YEAR).stage == "appealed"
    with pytest.raises(InvalidInput):
        ledger.decide_audit_appeal(person, YEAR, True, "", "registrar")
    ledger.decide_audit_appeal(person, YEAR, True, "The statement shows the standard is met.", "registrar")
    audit = ledger.ppd_audit(person, YEAR)
    assert audit.stage == "accepted" and not audit.blocks_renewal
    assert ledger.registration(person).status == "registered"


def test_a_dismissed_appeal_lapses_the_registration_at_once(ledger, clock, selected):
    person, _, activities, assessor = selected
    profile(ledger, person, activities)
    ledger.assign_audit_assessor(person, YEAR, assessor, "registrar")
    ledger.judge_audit(person, YEAR, assessor, all_standards(ledger, "not_met"))
    ledger.decide_audit(person, YEAR, "not_renewed", "No standard is met.", "registrar")
    ledger.appeal_audit(person, YEAR, "Please look again.")
    ledger.decide_audit_appeal(person, YEAR, False, "The decision stands.", "registrar")
    assert ledger.registration(person).status == "lapsed" and standing(ledger, person) == "lapsed"
    assert ledger.ppd_audit(person, YEAR).stage == "ended"
    bodies = [ledger.vault.open(ledger.repository.get(m).body) for m in _mail_ids(ledger, person)]
    assert any("dismissed" in body and "has lapsed" in body for body in bodies), bodies


def test_no_profile_by_its_due_date_can_be_not_renewed_and_blocks_renewal_meanwhile(ledger, clock, selected):
    person, _, _, _ = selected
    due = ledger.ppd_audit(person, YEAR).profile_due
    clock.set(due)
    with pytest.raises(RuleBroken):
        ledger.decide_audit(person, YEAR, "not_renewed", "No profile.", "registrar")
    clock.set(due + timedelta(days=1))
    ledger.decide_audit(person, YEAR, "not_renewed", "No profile was sent.", "registrar")
    clock.set(ledger.registration(person).valid_until - timedelta(days=5))
    ppd(ledger, person)
    ledger.submit_renewal(person)
    with pytest.raises(RuleBroken, match="not renewed"):
        ledger.renew(person, "registrar")


def test_an_open_audit_of_a_registration_that_lapses_shows_as_closed(ledger, clock, selected):
    from ledger.read.views import audit_view

    person, _, _, _ = selected
    registration = ledger.registration(person)
    clock.set(registration.valid_until + timedelta(days=ledger.framework.rules.grace_days + 1))
    ledger.lapse(person)
    assert audit_view(ledger, person, YEAR)["stage"] == "closed: registration lapsed"
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        (row,) = audit_queue(conn, registrant_id=person.hex)
    assert row["stage"] == "closed: registration lapsed" and row["registration_status"] == "lapsed"
    with pytest.raises(RuleBroken, match="closed"):
        ledger.submit_audit_profile(person, YEAR, "s", "t", [str(a) for a in selected[2]])
