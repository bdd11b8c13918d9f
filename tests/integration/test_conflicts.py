"""Assessors declare their own conflicts of interest: a new assignment is accepted (declaring none, in the
assessor's words or the register's) or declined (declaring one, with a reason) before it can be assessed. Declining
releases the assessor, who cannot be assigned to that application again; the registrar assigns another. An
assignment recorded before this (the registrar's declaration) counts as accepted. The declarations are sealed with
the applicant's key, so erasure takes them too."""

from __future__ import annotations

import pytest

from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.read.assignments import assignment_states, state_of, worklist
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import assessors, enrol, judgements, submitted


def refused(ledger, error, call, *args, match=None):
    before = ledger.recorder.max_notification_id()
    with pytest.raises(error, match=match):
        call(*args)
    assert ledger.recorder.max_notification_id() == before


def test_an_assessor_accepts_before_assessing_and_the_registrar_never_declares(ledger):
    asha, ben = assessors(ledger)
    application = submitted(ledger, enrol(ledger, "Ann Applicant"))
    ledger.assign_assessor(application, asha)
    assert state_of(ledger, application, asha)["state"] == "to accept"
    refused(
        ledger,
        RuleBroken,
        ledger.record_assessment,
        application,
        asha,
        judgements(ledger, "RCT"),
        "award",
        match="accept the assignment first",
    )
    refused(ledger, RuleBroken, ledger.accept_assignment, application, ben, match="not open")  # not assigned
    ledger.accept_assignment(application, asha, "  I have never worked with Ann.  ")
    refused(ledger, RuleBroken, ledger.accept_assignment, application, asha, match="already accepted")
    [mine] = assignment_states(ledger, application, {asha.hex: "Asha"})
    assert (
        mine["state"] == "accepted"
        and mine["declaration"] == "I have never worked with Ann."
        and mine["name"] == "Asha"
    )
    ledger.record_assessment(application, asha, judgements(ledger, "RCT"), "award", "Good.")
    assert state_of(ledger, application, asha)["state"] == "assessed"
    refused(ledger, RuleBroken, ledger.decline_assignment, application, asha, "Too late.", match="already recorded")


def test_an_empty_declaration_is_the_registers_words(ledger):
    (asha,) = assessors(ledger, 1)
    application = submitted(ledger, enrol(ledger, "Ann Applicant"))
    ledger.assign_assessor(application, asha)
    ledger.accept_assignment(application, asha, "")
    assert state_of(ledger, application, asha)["declaration"] == "I have no conflict of interest with this applicant."


def test_declining_releases_the_assessor_who_cannot_be_assigned_again(ledger):
    asha, ben, cy = assessors(ledger, 3)
    application = submitted(ledger, enrol(ledger, "Ann Applicant"))
    ledger.assign_assessor(application, asha)
    ledger.assign_assessor(application, ben)
    refused(ledger, RuleBroken, ledger.assign_assessor, application, cy, match="exactly 2")
    refused(ledger, InvalidInput, ledger.decline_assignment, application, ben, "   ", match="reason")
    refused(ledger, InvalidInput, ledger.decline_assignment, application, ben, "x" * 2001)
    ledger.decline_assignment(application, ben, "I taught Ann at college.")
    assert ledger.application(application).assessors == [asha]
    states = {s["assessor_id"]: s for s in assignment_states(ledger, application, {})}
    assert states[str(ben)]["state"] == "declined" and states[str(ben)]["reason"] == "I taught Ann at college."
    refused(ledger, RuleBroken, ledger.assign_assessor, application, ben, match="declared a conflict")
    refused(ledger, RuleBroken, ledger.record_assessment, application, ben, judgements(ledger, "RCT"), "award")
    ledger.assign_assessor(application, cy)  # the place is free again
    ProjectionRunner(ledger).catch_up()
    lists = worklist(ledger, ben, lambda _: "Ann")
    assert lists == {"to accept": [], "to assess": [], "done": []}  # declined: gone from their list
    lists = worklist(ledger, cy, lambda _: "Ann")
    assert [item["name"] for item in lists["to accept"]] == ["Ann"]


def test_an_assignment_recorded_before_assessors_declared_counts_as_accepted(ledger):
    """History replays under today's code: an ``AssessorAssigned`` event (with the registrar's declaration) lets
    the assessor assess with no acceptance."""
    (asha,) = assessors(ledger, 1)
    application_id = submitted(ledger, enrol(ledger, "Old Timer"))
    application = ledger.application(application_id)
    application._assessor_assigned(assessor_id=asha, declaration="No conflict.", occurred_at=ledger._now())
    ledger._commit(application)
    assert state_of(ledger, application_id, asha)["state"] == "accepted"
    ledger.record_assessment(application_id, asha, judgements(ledger, "RCT"), "award", "Fine.")


def test_the_declarations_are_erased_with_the_applicant(ledger):
    asha, ben = assessors(ledger)
    ann = enrol(ledger, "Ann Applicant")
    application = submitted(ledger, ann)
    ledger.assign_assessor(application, asha)
    ledger.assign_assessor(application, ben)
    ledger.accept_assignment(application, asha, "Never met Ann Applicant.")
    ledger.decline_assignment(application, ben, "Ann Applicant is my cousin.")
    ledger.erase(ann, "registrar")
    states = {s["assessor_id"]: s for s in assignment_states(ledger, application, {})}
    assert states[str(asha)]["declaration"] is None and states[str(ben)]["reason"] is None


def test_standing_down_ends_an_assignment_not_yet_accepted(ledger):
    asha, ben = assessors(ledger)
    application = submitted(ledger, enrol(ledger, "Ann Applicant"))
    ledger.assign_assessor(application, asha)
    ledger.stand_down_assessor(asha)
    assert ledger.application(application).assessors == []
    assert state_of(ledger, application, asha)["state"] == "released"
    refused(ledger, RuleBroken, ledger.accept_assignment, application, asha, match="stood down")
