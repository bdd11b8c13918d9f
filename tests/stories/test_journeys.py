"""Stories: a registrant's path through the register, as the read models show it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.read.projections.register import search_register
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import assessed, assessors, awarded, enrol, log_ppd, submitted


def register(ledger, **query):
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        return search_register(conn, **query)


def test_a_technician_is_registered_renews_and_upgrades(ledger, clock):
    registrant, number = awarded(ledger, "Ada Okafor", level="RCT", route="equivalency")
    [entry] = register(ledger, query="okafor")
    assert entry["registration_number"] == number and entry["level"] == "RCT" and entry["status"] == "registered"
    assert entry["valid_until"] == (clock.today().replace(year=clock.today().year + 1)).isoformat()

    clock.advance(timedelta(days=320))
    log_ppd(ledger, registrant, ["work_based", "professional", "self_directed"])
    ledger.submit_renewal(registrant)
    new_until = ledger.renew(registrant, "registrar")
    assert register(ledger, query=number)[0]["valid_until"] == new_until.isoformat()

    application = submitted(ledger, registrant, "RCP")
    assessed(ledger, application, assessors(ledger))
    assert ledger.decide(application, "award", "", "registrar") == number  # the number stays with the person
    [entry] = register(ledger, query=number)
    assert entry["level"] == "RCP" and entry["post_nominal"] is None or entry["level"] == "RCP"


def test_deferral_then_appeal_upheld_with_reassessment_then_award(ledger, clock):
    registrant = enrol(ledger, "Bo Byrne")
    application = submitted(ledger, registrant)
    first = assessors(ledger, 4)
    assessed(ledger, application, first[:2], "defer", "partly_met")
    ledger.decide(application, "defer", "Resubmit with dated evidence.", "registrar")
    clock.advance(timedelta(days=10))
    ledger.appeal(application, "Evidence was overlooked.")
    assert ledger.decide_appeal(application, True, "Reassess.", "panel", remedy="reassess") is None
    assessed(ledger, application, first[2:])
    number = ledger.decide(application, "award", "", "registrar")
    assert register(ledger, query=number)[0]["status"] == "registered"


def test_lapse_and_reinstatement(ledger, clock):
    registrant, number = awarded(ledger, "Cy Lapse")
    until = ledger.registration(registrant).valid_until
    clock.set(until + timedelta(days=45))
    ledger.lapse(registrant)
    assert register(ledger, query=number)[0]["status"] == "lapsed"
    clock.advance(timedelta(days=60))
    log_ppd(ledger, registrant, ["work_based", "professional", "formal"])
    ledger.reinstate(registrant, "registrar")
    entry = register(ledger, query=number)[0]
    assert entry["status"] == "registered" and entry["valid_until"] > until.isoformat()


def test_suspension_removal_and_resignation_show_on_the_register(ledger):
    suspended, n1 = awarded(ledger, "Di Suspended")
    removed, n2 = awarded(ledger, "Ed Removed")
    resigned, n3 = awarded(ledger, "Flo Resigned")
    ledger.suspend(suspended, "Complaint", "registrar")
    ledger.remove(removed, "Misconduct", "registrar")
    ledger.resign(resigned)
    statuses = {e["registration_number"]: e["status"] for e in register(ledger, limit=None)}
    assert statuses == {n1: "suspended", n2: "removed", n3: "resigned"}
    ledger.lift_suspension(suspended, "registrar")
    assert register(ledger, query=n1)[0]["status"] == "registered"
    assert [e["registration_number"] for e in register(ledger, status="removed")] == [n2]


def test_verify_only_registrants_are_found_only_by_exact_number(ledger):
    _, listed = awarded(ledger, "Gil Listed")
    _, hidden = awarded(ledger, "Hal Hidden", listing="verify-only")
    assert [e["registration_number"] for e in register(ledger)] == [listed]
    assert register(ledger, query="hidden") == []
    assert register(ledger, query=hidden)[0]["name"] == "Hal Hidden"
    assert register(ledger, query=hidden.lower().replace("-", ""))[0]["registration_number"] == hidden


def test_search_by_level_and_discipline(ledger):
    codes = [d.code for d in ledger.framework.disciplines]
    awarded(ledger, "Ivy One", level="RCT", disciplines=[codes[0]])
    awarded(ledger, "Jay Two", level="RCP", disciplines=[codes[1]])
    assert [e["name"] for e in register(ledger, level="RCP")] == ["Jay Two"]
    assert [e["name"] for e in register(ledger, discipline=codes[0])] == ["Ivy One"]


def test_withdrawn_and_rejected_applications_never_reach_the_register(ledger):
    registrant = enrol(ledger, "Kit Withdrawn")
    ledger.withdraw_application(submitted(ledger, registrant))
    other = submitted(ledger, enrol(ledger, "Lou Rejected"))
    assessed(ledger, other, assessors(ledger), "reject", "not_met")
    ledger.decide(other, "reject", "Not yet.", "registrar")
    assert register(ledger) == []


@pytest.mark.parametrize("level", ["RCT", "RCP", "ACP"])
def test_every_level_by_every_route(ledger, level):
    for route in ("standard", "equivalency"):
        _, number = awarded(ledger, f"Mo {route.title()}", level=level, route=route)
        assert register(ledger, query=number)[0]["level"] == level
