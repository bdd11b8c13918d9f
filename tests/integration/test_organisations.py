"""Organisations and the registrants who link to them, through the Ledger's own commands, on SQLite and PostgreSQL:
the registrar registers one (with a code), a registrant links by code or name and unlinks, refusals name the field
or the rule and change nothing, the organisation sees its linked people's public facts only, closing stops new
links and disables its accounts, and erasure takes the person out of the organisation's list."""

from __future__ import annotations

import pytest

from ledger.app.accounts import Accounts
from ledger.app.organisations import parse_code
from ledger.domain.aggregates import Organisation, OrganisationLink
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from tests.builders.records import assessors, awarded, enrol


def _count(ledger, kind) -> int:
    return sum(1 for _ in ledger.events_of(kind))


def test_the_registrar_registers_an_organisation_with_a_code_and_a_sealed_contact(ledger):
    org_id = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    organisation = ledger.organisation(org_id)
    assert organisation.name == "Northern Light Studios" and organisation.open
    assert parse_code(organisation.code) == organisation.code and len(organisation.code) == 10
    assert ledger.organisation_by_code(organisation.code.lower().replace("-", " ")).id == org_id
    assert ledger.contact_email(organisation) == "hiring@northern.example"
    stored = next(ledger.events_of(Organisation.Registered))
    assert b"hiring@northern.example" not in repr(stored.contact_email).encode()  # sealed, not plain

    with pytest.raises(InvalidInput) as refused:
        ledger.register_organisation("Nobody", "not-an-email", "registrar")
    assert refused.value.field == "email"
    with pytest.raises(InvalidInput) as refused:
        ledger.register_organisation("  ", "a@b.example", "registrar")
    assert refused.value.field == "name"
    assert _count(ledger, Organisation.Registered) == 1


def test_a_registrant_links_by_code_or_name_and_unlinks(ledger):
    pair = assessors(ledger)
    jo, jo_number = awarded(ledger, "Jo Bloggs", pair=pair)
    sam, sam_number = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    southern = ledger.register_organisation("Southern Sound Ltd", "people@southern.example", "registrar")
    code = ledger.organisation(northern).code

    assert ledger.link_organisation(jo, code) == northern
    assert ledger.link_organisation(sam, "northern light") == northern  # part of a name only one has
    assert ledger.link_organisation(jo, "SOUTHERN SOUND") == southern

    mine = ledger.organisations_of(jo)
    assert [(o["name"], o["code"], o["open"]) for o in mine] == [
        ("Northern Light Studios", code, True),
        ("Southern Sound Ltd", ledger.organisation(southern).code, True),
    ]
    people = ledger.organisation_people(northern)
    assert [(p["name"], p["registration_number"], p["level"], p["status"]) for p in people] == [
        ("Jo Bloggs", jo_number, "RCT", "registered"),
        ("Sam Okoro", sam_number, "RCT", "registered"),
    ]
    assert set(people[0]) == {
        "registration_number",
        "name",
        "level",
        "status",
        "valid_until",
        "linked_at",
        "linked_by",
    }  # the public facts and the link: nothing else (no email, no background)
    assert people[0]["valid_until"]

    ledger.unlink_organisation(jo, northern, "jo@example.org")
    assert [p["name"] for p in ledger.organisation_people(northern)] == ["Sam Okoro"]
    assert [o["name"] for o in ledger.organisations_of(jo)] == ["Southern Sound Ltd"]
    assert ledger.link_organisation(jo, code) == northern  # and may link again
    assert len(ledger.organisation_people(northern)) == 2


def test_refusals_name_the_field_or_the_rule_and_change_nothing(ledger):
    pair = assessors(ledger)
    jo, _ = awarded(ledger, "Jo Bloggs", pair=pair)
    newcomer = enrol(ledger, "Nia Newcomer")
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.register_organisation("Northern Rigging", "crew@rigging.example", "registrar")
    code = ledger.organisation(northern).code
    ledger.link_organisation(jo, code)
    before = _count(ledger, Organisation.Linked), _count(ledger, OrganisationLink.Linked)

    with pytest.raises(RuleBroken, match="already linked to Northern Light Studios"):
        ledger.link_organisation(jo, code)
    with pytest.raises(InvalidInput) as refused:
        ledger.link_organisation(jo, "northern")  # two match
    assert refused.value.field == "organisation" and "2 organisations match" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        ledger.link_organisation(jo, "Nowhere Films")
    assert refused.value.field == "organisation" and "no open organisation" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        ledger.link_organisation(jo, "ORG-ZZZZZZ")
    assert refused.value.field == "organisation" and refused.value.message == "no organisation has the code ORG-ZZZZZZ"
    with pytest.raises(NotFound):
        ledger.organisation_by_code("ORG-ZZZZZZ")
    with pytest.raises(RuleBroken, match="no registration yet"):
        ledger.link_organisation(newcomer, code)
    with pytest.raises(RuleBroken, match="not linked"):
        ledger.unlink_organisation(newcomer, northern, "nia@example.org")
    assert (_count(ledger, Organisation.Linked), _count(ledger, OrganisationLink.Linked)) == before


def test_a_closed_organisation_takes_no_links_and_its_accounts_stop(ledger):
    pair = assessors(ledger)
    jo, _ = awarded(ledger, "Jo Bloggs", pair=pair)
    sam, _ = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    code = ledger.organisation(northern).code
    ledger.link_organisation(jo, code)
    account_id, link = ledger.invite_organisation_account(northern, "lead@northern.example")
    accounts = Accounts(ledger.engine)
    assert accounts.organisation_of(account_id) == northern and "/invitation?token=" in link
    assert accounts.state(account_id) == "invited"

    ledger.close_organisation(northern, "ceased trading", "registrar")
    assert accounts.state(account_id) == "disabled"
    with pytest.raises(RuleBroken, match="is closed"):
        ledger.link_organisation(sam, code)
    with pytest.raises(RuleBroken, match="is closed"):
        ledger.invite_organisation_account(northern, "other@northern.example")
    assert ledger.organisations_of(jo)[0]["open"] is False
    ledger.unlink_organisation(jo, northern, "jo@example.org")  # the person can still take their link back
    assert ledger.organisations_of(jo) == []


def test_an_organisation_account_names_its_organisation_and_keeps_its_role(ledger):
    accounts = Accounts(ledger.engine)
    with pytest.raises(InvalidInput) as refused:
        accounts.add("x@org.example", "a long enough password", "organisation")
    assert refused.value.field == "organisation"
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    made = accounts.add("x@org.example", "a long enough password", "organisation", organisation_id=northern)
    assert accounts.organisation_of(made.id) == northern
    assert [a.email for a in accounts.of_organisation(northern)] == ["x@org.example"]
    with pytest.raises(InvalidInput, match="keeps its role"):
        accounts.set_role(made.id, "registrar")
    staff = accounts.add("admin@body.example", "a long enough password", "admin")
    with pytest.raises(InvalidInput, match="keeps its role"):
        accounts.set_role(staff.id, "organisation")


def test_erasure_takes_the_person_out_of_the_organisations_list(ledger):
    pair = assessors(ledger)
    jo, jo_number = awarded(ledger, "Jo Bloggs", pair=pair)
    sam, _ = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    code = ledger.organisation(northern).code
    ledger.link_organisation(jo, code)
    ledger.link_organisation(sam, code)

    ledger.erase(jo, "registrar")
    people = ledger.organisation_people(northern)
    assert [p["name"] for p in people] == ["Sam Okoro"]
    assert jo_number not in {p["registration_number"] for p in people}
    with pytest.raises(RuleBroken, match="erased"):
        ledger.link_organisation(jo, code)


def test_status_changes_show_in_the_organisations_list(ledger):
    pair = assessors(ledger)
    jo, _ = awarded(ledger, "Jo Bloggs", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.link_organisation(jo, ledger.organisation(northern).code)
    ledger.suspend(jo, "under investigation", "registrar")
    assert ledger.organisation_people(northern)[0]["status"] == "suspended"
