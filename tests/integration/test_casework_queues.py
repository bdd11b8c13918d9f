"""Casework people can work from: queues by state with the applicant's name (opened per row, gone once erased),
age against the service standard, assessors by name; the staff search by name or number; the registrant's timeline
in dated sentences; and the reason for a suspension, removal or rejection reaching the person's letter and their
record."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ledger.domain.aggregates.mail import Mail
from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.read.people import search_people
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.queues import queue_view
from ledger.read.timeline import timeline
from ledger.read.views import registrant_view
from tests.builders.records import assessed, assessors, awarded, enrol, judgements, submitted


def letters_to(ledger, registrant):
    return [
        (event.subject, ledger.vault.open(event.body))
        for event in ledger.events_of(Mail.Queued)
        if event.registrant_id == registrant
    ]


def test_queues_put_the_work_first_with_names_ages_and_assessors(ledger, clock):
    asha, ben = assessors(ledger)
    submitted(ledger, enrol(ledger, "Wendy Waiting"))
    clock.advance(timedelta(days=60))
    ready = submitted(ledger, enrol(ledger, "Rob Ready"))
    assessed(ledger, ready, [asha, ben])
    with_them = submitted(ledger, enrol(ledger, "Will With"))
    ledger.assign_assessor(with_them, asha)
    ledger.assign_assessor(with_them, ben)
    ledger.accept_assignment(with_them, ben, "")
    for name in ("Dee One", "Dee Two", "Dee Three"):
        _, _ = awarded(ledger, name, pair=[asha, ben])
        clock.advance(timedelta(days=1))
    ProjectionRunner(ledger).catch_up()

    new = queue_view(ledger, "new")
    assert new["counts"] == {
        "new": 1,
        "awaiting": 1,
        "assessed": 1,
        "information": 0,
        "appeals": 0,
        "decided": 3,
    }
    [row] = new["rows"]
    assert row["name"] == "Wendy Waiting" and row["level"] == "RCT" and row["assessors"] == []
    assert row["age"] == 63 and row["overdue"]  # past 8 weeks
    [row] = queue_view(ledger, "awaiting")["rows"]
    assert row["name"] == "Will With" and not row["overdue"]
    assert [(a["name"], a["state"]) for a in row["assessors"]] == [
        ("Assessor 1", "to accept"),
        ("Assessor 2", "accepted"),
    ]
    [row] = queue_view(ledger, "assessed")["rows"]
    assert row["name"] == "Rob Ready" and {a["state"] for a in row["assessors"]} == {"assessed"}
    decided = queue_view(ledger, "decided", per_page=2)
    assert [r["name"] for r in decided["rows"]] == ["Dee Three", "Dee Two"] and decided["pages"] == 2
    assert [r["name"] for r in queue_view(ledger, "decided", page=2, per_page=2)["rows"]] == ["Dee One"]
    assert queue_view(ledger, "decided", page=99, per_page=2)["page"] == 2  # past the end: the last page

    # a longer service standard: no longer overdue
    ledger.settings = replace(ledger.settings, service_standard_weeks=12)
    assert not queue_view(ledger, "new")["rows"][0]["overdue"]


def test_an_erased_applicant_shows_as_erased_and_is_not_found_by_name(ledger):
    ann = enrol(ledger, "Ann Erasable")
    submitted(ledger, ann)
    kept, number = awarded(ledger, "Kim Kept")
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        assert [p["name"] for p in search_people(conn, "erasable")] == ["Ann Erasable"]
        assert [p["name"] for p in search_people(conn, number)] == ["Kim Kept"]
        assert [p["name"] for p in search_people(conn, number.lower())] == ["Kim Kept"]
        assert search_people(conn, "") == [] and search_people(conn, "%") == []
    ledger.erase(ann, "registrar")
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        assert search_people(conn, "erasable") == []
    assert queue_view(ledger, "new")["rows"][0]["name"] == "[erased]"


def test_the_timeline_tells_every_event_in_dated_sentences(ledger, clock):
    person, number = awarded(ledger, "Tia Timeline")
    ledger.suspend(person, "Unpaid fee.", "registrar", until=clock.today() + timedelta(days=30))
    ProjectionRunner(ledger).catch_up()
    lines = [f"{e['on']}: {e['text']}" for e in timeline(ledger, person)]
    assert lines[0] == "5 January 2026: Enrolled with the register"
    text = "\n".join(lines)
    assert "Application for RCT submitted" in text
    assert "Assessor 1 accepted the application for RCT, declaring no conflict of interest" in text
    assert "Application for RCT decided: award" in text
    assert f"Registration number {number} given" in text
    assert "Awarded Registered Creative Technician (RCT), valid until" in text
    assert "Suspended until 4 February 2026: Unpaid fee." in text
    assert "Letter: \u201cYour registration is suspended\u201d" in text


def test_suspension_removal_and_rejection_reasons_reach_the_letter_and_the_record(ledger, clock):
    person, number = awarded(ledger, "Sal Suspended")
    refused_before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="reason"):
        ledger.suspend(person, "  ", "registrar")
    with pytest.raises(InvalidInput, match="until"):
        ledger.suspend(person, "Late.", "registrar", until=clock.today())
    assert ledger.recorder.max_notification_id() == refused_before
    ledger.suspend(person, "Complaint under review.", "registrar", until=clock.today() + timedelta(days=14))
    record = registrant_view(ledger, person, personal=False)["registration"]
    assert record["suspension"] == {"reason": "Complaint under review.", "since": "2026-01-05", "until": "2026-01-19"}
    subject, body = letters_to(ledger, person)[-1]
    assert subject == "Your registration is suspended"
    assert "Complaint under review." in body and "until 19 January 2026" in body
    ledger.lift_suspension(person, "registrar")
    assert registrant_view(ledger, person, personal=False)["registration"]["suspension"] is None
    with pytest.raises(InvalidInput, match="reason"):
        ledger.remove(person, "", "registrar")
    ledger.remove(person, "Found to have falsified evidence.", "registrar")
    record = registrant_view(ledger, person, personal=False)["registration"]
    assert record["removal"] == {"reason": "Found to have falsified evidence.", "on": "2026-01-05"}
    subject, body = letters_to(ledger, person)[-1]
    assert subject == "You have been removed from the register" and "Found to have falsified evidence." in body

    asha, ben = assessors(ledger)
    rex = enrol(ledger, "Rex Rejected")
    application = submitted(ledger, rex)
    assessed(ledger, application, [asha, ben], recommendation="reject", value="not_met")
    with pytest.raises(InvalidInput, match="reasons"):
        ledger.decide(application, "reject", "", "registrar")
    ledger.decide(application, "reject", "The evidence for area C is not your own work.", "registrar")
    subject, body = letters_to(ledger, rex)[-1]
    assert "not successful" in subject and "The evidence for area C is not your own work." in body


def test_appointing_a_registered_person_takes_their_name_and_only_once(ledger):
    person, number = awarded(ledger, "Ada Appointed")
    assessor = ledger.appoint_assessor(None, person)
    assert ledger.vault.open(ledger.assessor(assessor).name) == "Ada Appointed"
    with pytest.raises(RuleBroken, match="already an assessor"):
        ledger.appoint_assessor(None, person)
    ledger.stand_down_assessor(assessor)
    ledger.appoint_assessor(None, person)  # stood down: may be appointed again
    with pytest.raises(InvalidInput, match="name"):
        ledger.appoint_assessor("  ")


def test_a_rejected_assessment_rule_still_names_the_field(ledger):
    (asha,) = assessors(ledger, 1)
    application = submitted(ledger, enrol(ledger, "Ann Applicant"))
    ledger.assign_assessor(application, asha, "Declared on paper at the panel.")  # recorded with the assignment
    with pytest.raises(InvalidInput, match="judgements"):
        ledger.record_assessment(application, asha, {"A": "met"}, "award")
    ledger.record_assessment(application, asha, judgements(ledger, "RCT"), "award")
