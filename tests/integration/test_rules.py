"""Each rule of the framework, enforced by a command: a clear error, and nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from tests.builders.records import (
    QUALIFICATION,
    assessed,
    assessors,
    awarded,
    enrol,
    judgements,
    log_ppd,
    start,
    submitted,
)


def refused(ledger, error, call, *args, match=None, **kwargs):
    """Run a command that must be refused; check nothing was written."""
    before = ledger.recorder.max_notification_id()
    with pytest.raises(error, match=match):
        call(*args, **kwargs)
    assert ledger.recorder.max_notification_id() == before


def test_enrolment_input_is_checked(ledger):
    refused(ledger, InvalidInput, ledger.enrol, "", "a@example.org", ["x"], match="name")
    refused(
        ledger,
        InvalidInput,
        ledger.enrol,
        "Jo",
        "not-an-email",
        [ledger.framework.disciplines[0].code],
        match="email",
    )
    refused(ledger, InvalidInput, ledger.enrol, "Jo", "jo@example.org", ["juggling"], match="disciplines")
    refused(
        ledger,
        InvalidInput,
        ledger.enrol,
        "Jo",
        "jo@example.org",
        [ledger.framework.disciplines[0].code],
        background_answers={"parental_occupation_14": "astronaut"},
        match="astronaut",
    )
    refused(
        ledger,
        InvalidInput,
        ledger.enrol,
        "J" * 5000,
        "jo@example.org",
        [ledger.framework.disciplines[0].code],
        match="too long",
    )


def test_standard_route_needs_a_qualification_at_the_level(ledger):
    registrant = enrol(ledger)
    refused(ledger, InvalidInput, ledger.start_application, registrant, "RCT", "standard", match="qualification")
    refused(
        ledger,
        RuleBroken,
        ledger.start_application,
        registrant,
        "ACP",
        "standard",
        qualification=QUALIFICATION[3],
        match="level 6",
    )
    refused(
        ledger,
        InvalidInput,
        ledger.start_application,
        registrant,
        "XYZ",
        "standard",
        qualification=QUALIFICATION[3],
        match="XYZ",
    )


def test_equivalency_route_needs_enough_years(ledger):
    registrant = enrol(ledger)
    experience = {"years": 1, "portfolio": "p", "referee_name": "R", "referee_email": "r@example.org"}
    refused(
        ledger,
        RuleBroken,
        ledger.start_application,
        registrant,
        "ACP",
        "equivalency",
        experience=experience,
        match="years of practice",
    )


def test_submission_needs_evidence_for_every_required_area(ledger):
    registrant = enrol(ledger)
    application = start(ledger, registrant, "RCP")
    ledger.add_evidence(application, "A", "Some evidence")
    refused(ledger, RuleBroken, ledger.submit_application, application, match="B, C, D, E, F")
    refused(ledger, InvalidInput, ledger.add_evidence, application, "Z", "x", match="not a competency area")


def test_leadership_is_not_assessed_at_entry(ledger):
    registrant = enrol(ledger)
    application = start(ledger, registrant, "RCT")
    refused(ledger, InvalidInput, ledger.add_evidence, application, "F", "Led a team", match="'F'")


def test_two_assessors_never_three_never_the_same_twice(ledger):
    pair = assessors(ledger, 3)
    application = submitted(ledger, enrol(ledger))
    ledger.assign_assessor(application, pair[0], "None")
    refused(ledger, RuleBroken, ledger.assign_assessor, application, pair[0], "None", match="already assigned")
    ledger.assign_assessor(application, pair[1], "None")
    refused(ledger, RuleBroken, ledger.assign_assessor, application, pair[2], "None", match="exactly 2")


def test_an_assessor_never_assesses_their_own_application(ledger):
    registrant, _ = awarded(ledger, "Sam Senior", level="RCP")
    own_assessor = ledger.appoint_assessor("Sam Senior", registrant_id=registrant)
    application = submitted(ledger, registrant, "ACP")  # an upgrade
    refused(ledger, RuleBroken, ledger.assign_assessor, application, own_assessor, "None", match="own application")


def test_registrant_assessors_must_hold_the_level_they_assess(ledger):
    junior, _ = awarded(ledger, "Jo Junior", level="RCT")
    junior_assessor = ledger.appoint_assessor("Jo Junior", registrant_id=junior)
    application = submitted(ledger, enrol(ledger, "Pat Applicant"), "RCP")
    refused(
        ledger, RuleBroken, ledger.assign_assessor, application, junior_assessor, "None", match="at or above the level"
    )
    entry = submitted(ledger, enrol(ledger, "Lee Entry"), "RCT")
    ledger.assign_assessor(entry, junior_assessor, "None")  # at the level they hold: allowed


def test_assessment_covers_every_area_with_known_judgements(ledger):
    pair = assessors(ledger)
    application = submitted(ledger, enrol(ledger))
    for a in pair:
        ledger.assign_assessor(application, a, "None")
    partial = judgements(ledger, "RCT")
    partial.pop("A")
    refused(ledger, InvalidInput, ledger.record_assessment, application, pair[0], partial, "award", match="judgements")
    refused(
        ledger,
        InvalidInput,
        ledger.record_assessment,
        application,
        pair[0],
        judgements(ledger, "RCT", "excellent"),
        "award",
        match="excellent",
    )
    stranger = ledger.appoint_assessor("Not Assigned")
    refused(
        ledger,
        RuleBroken,
        ledger.record_assessment,
        application,
        stranger,
        judgements(ledger, "RCT"),
        "award",
        match="assigned",
    )


def test_a_decision_needs_two_assessments_and_reasons(ledger):
    pair = assessors(ledger)
    application = submitted(ledger, enrol(ledger))
    refused(ledger, RuleBroken, ledger.decide, application, "award", "", "registrar", match="2 assessments")
    assessed(ledger, application, pair)
    refused(ledger, InvalidInput, ledger.decide, application, "reject", " ", "registrar", match="reasons")
    refused(ledger, InvalidInput, ledger.decide, application, "maybe", "x", "registrar", match="outcome")


def test_no_award_when_an_area_is_not_met(ledger):
    pair = assessors(ledger)
    application = submitted(ledger, enrol(ledger))
    assessed(ledger, application, pair, "reject", "not_met")
    refused(ledger, RuleBroken, ledger.decide, application, "award", "", "registrar", match="not met")


def test_equivalency_award_needs_the_referee_and_the_discussion(ledger):
    pair = assessors(ledger)
    application = submitted(ledger, enrol(ledger), "RCT", "equivalency")
    for a in pair:
        ledger.assign_assessor(application, a, "None")
    for a in pair:
        ledger.record_assessment(application, a, judgements(ledger, "RCT"), "award")
    refused(ledger, RuleBroken, ledger.decide, application, "award", "", "registrar", match="referee")
    ledger.confirm_referee(application, True)
    refused(ledger, RuleBroken, ledger.decide, application, "award", "", "registrar", match="discussion")
    ledger.record_discussion(application, ledger.clock.today())
    assert ledger.decide(application, "award", "", "registrar").startswith("RG-")


def test_appeals_only_against_deferral_or_rejection_within_28_days(ledger, clock):
    pair = assessors(ledger)
    application = submitted(ledger, enrol(ledger))
    assessed(ledger, application, pair, "reject", "not_met")
    ledger.decide(application, "reject", "Not enough evidence.", "registrar")
    clock.advance(timedelta(days=29))
    refused(ledger, RuleBroken, ledger.appeal, application, "Unfair", match="28 days")
    other = submitted(ledger, enrol(ledger, "Kim Other"))
    assessed(ledger, other, pair)
    ledger.decide(other, "award", "", "registrar")
    refused(ledger, RuleBroken, ledger.appeal, other, "I wanted more", match="deferral or rejection")


def test_upgrades_must_be_to_a_higher_level(ledger):
    registrant, _ = awarded(ledger, level="RCP")
    refused(
        ledger,
        RuleBroken,
        ledger.start_application,
        registrant,
        "RCT",
        "standard",
        qualification=QUALIFICATION[3],
        match="higher level",
    )


def test_renewal_needs_ppd_in_three_categories_inside_the_window(ledger, clock):
    registrant, _ = awarded(ledger)
    refused(ledger, RuleBroken, ledger.submit_renewal, registrant, match="can be submitted from")
    clock.advance(timedelta(days=330))
    log_ppd(ledger, registrant, ["work_based", "formal"])
    refused(ledger, RuleBroken, ledger.submit_renewal, registrant, match="at least 3")
    log_ppd(ledger, registrant, ["self_directed"])
    ledger.submit_renewal(registrant)
    refused(ledger, RuleBroken, ledger.submit_renewal, registrant, match="already submitted")


def test_ppd_input_is_checked(ledger):
    registrant, _ = awarded(ledger)
    today = ledger.clock.today()
    refused(ledger, InvalidInput, ledger.record_ppd, registrant, today, "napping", 1, ["A"], "x", "y", match="category")
    refused(ledger, InvalidInput, ledger.record_ppd, registrant, today, "formal", -3, ["A"], "x", "y", match="hours")
    refused(
        ledger,
        InvalidInput,
        ledger.record_ppd,
        registrant,
        today + timedelta(days=3),
        "formal",
        3,
        ["A"],
        "x",
        "y",
        match="future",
    )
    rct_areas = {a.code for a in ledger.framework.required_areas("RCT")}
    beyond = sorted({a.code for a in ledger.framework.areas} - rct_areas)
    assert beyond, "the framework has an area RCT does not assess"
    before = len(ledger.registration(registrant).ppd)
    refused(
        ledger, InvalidInput, ledger.record_ppd, registrant, today, "formal", 3, beyond[:1], "x", "y", match="areas"
    )
    assert len(ledger.registration(registrant).ppd) == before  # nothing recorded


def test_lapse_only_after_the_grace_period(ledger, clock):
    registrant, _ = awarded(ledger)
    valid_until = ledger.registration(registrant).valid_until
    clock.set(valid_until + timedelta(days=30))
    refused(ledger, RuleBroken, ledger.lapse, registrant, match="grace period")
    clock.set(valid_until + timedelta(days=31))
    ledger.lapse(registrant)
    assert ledger.registration(registrant).status == "lapsed"


def test_only_a_registered_person_renews_and_status_transitions_are_guarded(ledger):
    registrant, _ = awarded(ledger)
    refused(ledger, RuleBroken, ledger.lift_suspension, registrant, "registrar", match="no suspension")
    ledger.suspend(registrant, "Complaint", "registrar")
    refused(ledger, RuleBroken, ledger.submit_renewal, registrant, match="only a registered person")
    refused(ledger, RuleBroken, ledger.resign, registrant, match="suspended")
    refused(ledger, RuleBroken, ledger.suspend, registrant, "Again", "registrar", match="only a registered")
    ledger.remove(registrant, "Misconduct", "registrar")
    refused(ledger, RuleBroken, ledger.remove, registrant, "Again", "registrar", match="already removed")
    refused(ledger, RuleBroken, ledger.reinstate, registrant, "registrar", match="lapsed or resigned")


def test_unknown_records_are_not_found(ledger):
    import uuid

    refused(ledger, NotFound, ledger.submit_application, uuid.uuid4())
    refused(ledger, NotFound, ledger.lapse, uuid.uuid4())
    refused(ledger, InvalidInput, ledger.registrant_by_number, "RG-0000001-00", match="check digits")


def test_one_open_application_at_a_time(ledger):
    registrant = enrol(ledger)
    first = start(ledger, registrant, "RCT")
    refused(ledger, RuleBroken, start, ledger, registrant, "RCP", match="open application")
    ledger.withdraw_application(first)
    assert start(ledger, registrant, "RCP")


def test_events_that_apply_framework_rules_record_its_version(ledger, clock):
    registrant, _ = awarded(ledger)
    clock.advance(timedelta(days=300))
    log_ppd(ledger, registrant, ["work_based", "formal", "other"])
    ledger.submit_renewal(registrant)
    ledger.renew(registrant, "registrar")
    stored = ledger.recorder.select_events(ledger.registration(registrant).id)
    versioned = {s.topic.rsplit(".", 1)[-1] for s in stored if b'"framework_version":"2026.1"' in s.state}
    assert {"LevelAwarded", "PpdRecorded", "RenewalSubmitted", "Renewed"} <= versioned
