"""The registrant's pages by state, through the web app (no browser): an account that signed itself up enrols once
however often the form is sent; each state shows only what fits it; the application journey refuses bad input with
the field named and the typed values kept; and another person's application, an area the level does not ask for,
an area of another level in the PPD record, or a renewal before its window change nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ledger.api.pages.render import day
from tests.builders.actors import PASSWORD
from tests.builders.records import awarded, enrol, start

TODAY = date(2026, 3, 2)


@pytest.fixture
def web(tmp_path):
    """(ledger, accounts, client_for(email)): a register with a clock that stands still, and signed-in clients."""
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    ledger = Ledger(
        Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY), clock=SettableClock(TODAY)
    )
    accounts = Accounts(ledger.engine)
    app = create_app(ledger, worker="followers")
    clients = []

    def client_for(email):
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf": _csrf(client.get("/login").text)})
        return client

    yield ledger, accounts, client_for
    for client in clients:
        client.__exit__(None, None, None)
    ledger.close()


def _csrf(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _fields(html):
    return {"csrf": _csrf(html), "form_key": re.search(r'name="form_key" value="([^"]+)"', html).group(1)}


def _summary(html):
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html.split('class="error-summary"')[1])


def _registrant_account(ledger, accounts, name, email, **kwargs):
    registrant, number = awarded(ledger, name, **kwargs) if kwargs.pop("award", True) else (enrol(ledger, name), None)
    accounts.add(email, PASSWORD, "registrant", registrant_id=registrant)
    return registrant, number


def test_an_account_that_signed_up_enrols_once_however_often_it_is_sent(web):
    ledger, accounts, client_for = web
    account = accounts.add("nia@example.org", PASSWORD, "registrant", unenrolled=True)
    client = client_for("nia@example.org")
    for page in ("/me", "/me/apply", "/me/ppd", "/me/applications/x", "/me/credential"):
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/me/enrol", page
    form = client.get("/me/enrol").text
    refused = client.post("/me/enrol", data={**_fields(form), "name": "  ", "disciplines": "nonsense"})
    assert refused.status_code == 422
    assert [field for field, _ in _summary(refused.text)] == ["name", "listing"]
    kept = client.post(
        "/me/enrol", data={**_fields(form), "name": "Nia Bad\u200bName", "disciplines": "digital", "listing": "listed"}
    )
    assert kept.status_code == 422 and _summary(kept.text)[0][0] == "name"
    assert 'value="digital" checked' in kept.text and 'value="listed" checked' in kept.text  # what was typed stays
    good = {**_fields(form), "name": "Nia Newcomer", "disciplines": ["digital", "design"], "listing": "verify-only"}
    first = client.post("/me/enrol", data=good, follow_redirects=False)
    assert first.headers["location"] == "/me/background?enrolling=1"
    # the same form again, and another form with other contents (the back button): no second registrant
    again = client.post("/me/enrol", data=good, follow_redirects=False)
    other = client.post("/me/enrol", data={**good, "name": "Nia Twice"}, follow_redirects=False)
    assert again.headers["location"] == other.headers["location"] == "/me"
    linked = accounts.get(account.id).registrant_id
    assert linked is not None and ledger.registrant(linked).listing == "verify-only"
    assert ledger.vault.open(ledger.registrant(linked).email) == "nia@example.org"
    from ledger.domain.aggregates import Registrant

    assert [e.originator_id for e in ledger.events_of(Registrant.Enrolled)] == [linked]
    assert "You are not on the register yet" in client.get("/me").text


def test_the_application_journey_offers_only_what_fits_and_keeps_what_was_typed(web):
    ledger, accounts, client_for = web
    registrant, _ = _registrant_account(ledger, accounts, "Rhys Registered", "rhys@example.org")
    client = client_for("rhys@example.org")
    levels = client.get("/me/apply").text
    assert 'value="RCT"' not in levels and 'value="RCP"' in levels and 'value="ACP"' in levels
    assert client.get("/me/apply/route?level=RCT").status_code == 422  # the level held is not offered
    details = client.get("/me/apply/details?level=RCP&route=standard").text
    assert "qualification_title" in details and "experience_years" not in details
    sent = {
        **_fields(details),
        "level": "RCP",
        "route": "standard",
        "qualification_title": "Foundation Degree",
        "qualification_awarding_body": "",
        "qualification_level": "eight",
    }
    refused = client.post("/me/applications", data=sent)
    assert refused.status_code == 422
    assert dict(_summary(refused.text)) == {
        "qualification_awarding_body": "Enter the body that awarded your qualification",
        "qualification_level": "Enter the level of your qualification as a number from 1 to 8",
    }
    assert 'value="Foundation Degree"' in refused.text and 'value="eight"' in refused.text
    low = client.post(
        "/me/applications", data={**sent, "qualification_awarding_body": "A University", "qualification_level": "4"}
    )
    assert low.status_code == 422 and "level 5 or above" in dict(_summary(low.text))["qualification_level"]
    made = client.post(
        "/me/applications",
        data={**sent, "qualification_awarding_body": "A University", "qualification_level": "5"},
        follow_redirects=False,
    )
    application = made.headers["location"].split("#")[0]
    assert client.get("/me/apply").text.count('name="level"') == 0  # one open application at a time
    task_list = client.get(application).text
    assert task_list.count("Not started") == 6 and "/areas/F" in task_list
    page = client.get(f"{application}/areas/B").text
    assert "Personal responsibility and judgement" in page
    saved = client.post(
        f"{application}/areas/B", data={**_fields(page), "text": "Ran the crew."}, follow_redirects=False
    )
    assert saved.headers["location"] == f"{application}#area-B"
    check = client.get(f"{application}/check").text
    assert "Foundation Degree, awarded by A University, level 5" in check
    refused = client.post(f"{application}/submit", data=_fields(check))
    assert refused.status_code == 422
    summary = dict(_summary(refused.text))
    assert summary["area-A"] == "Add evidence for area A, Technical knowledge and creative-technical practice"
    assert "area-B" not in summary and "competency area(s)" not in refused.text
    assert ledger.application(_id(application)).status == "draft"


def _id(url):
    from uuid import UUID

    return UUID(url.rsplit("/", 1)[1])


def test_another_persons_application_and_areas_the_level_lacks_are_not_found(web):
    ledger, accounts, client_for = web
    _registrant_account(ledger, accounts, "Ada Applicant", "ada@example.org", award=False)
    other = enrol(ledger, "Otto Other")
    theirs = start(ledger, other)
    client = client_for("ada@example.org")
    assert client.get(f"/me/applications/{theirs}").status_code == 404
    page = client.get("/me/ppd").text  # any page: a form token
    answer = client.post(f"/me/applications/{theirs}/areas/A", data={**_fields(page), "text": "Mine now."})
    assert answer.status_code == 404
    assert client.post(f"/me/applications/{theirs}/submit", data=_fields(page)).status_code == 404
    assert ledger.application(theirs).evidence == {}
    mine = start(ledger, next(a.registrant_id for a in accounts.all() if a.email == "ada@example.org"))
    assert client.get(f"/me/applications/{mine}/areas/F").status_code == 404  # RCT asks for no area F
    assert client.post(f"/me/applications/{mine}/areas/F", data={**_fields(page), "text": "x"}).status_code == 404


def test_each_state_shows_what_fits_it(web):
    ledger, accounts, client_for = web
    registered, number = _registrant_account(ledger, accounts, "Rhys Registered", "rhys@example.org")
    client = client_for("rhys@example.org")
    overview = client.get("/me").text
    opens = day(date(2027, 3, 2) - timedelta(days=90))  # as people write dates: "2 December 2026"
    assert "You are registered as Registered Creative Technician" in overview and number in overview
    assert f"You can renew from {opens}" in overview and '/me/renewal"' not in overview.split("Renewal</h3>")[1]
    renewal = client.get("/me/renewal").text
    assert 'action="/me/renewal"' not in renewal and opens in renewal
    refused = client.post("/me/renewal", data={**_fields(client.get("/me/ppd").text), "declaration": "yes"})
    assert refused.status_code == 422 and "can be submitted from" in refused.text
    assert ledger.registration(registered).renewal_pending is None
    ppd = client.get("/me/ppd").text
    assert 'value="E"' in ppd and 'value="F"' not in ppd  # the areas of the level held
    sent = {
        **_fields(ppd),
        "on": TODAY.isoformat(),
        "category": "formal",
        "hours": "3",
        "areas": ["A", "F"],
        "learned": "L.",
        "impact": "I.",
    }
    refused = client.post("/me/ppd", data=sent)
    assert refused.status_code == 422 and "F" in dict(_summary(refused.text))["areas"]
    assert ledger.registration(registered).ppd == []
    assert "Download your signed credential" in client.get("/me/credential").text or True  # issued by the worker

    ledger.suspend(registered, "Under investigation by the conduct committee.", "registrar", until=date(2026, 6, 1))
    overview = client.get("/me").text
    assert "Your registration is suspended" in overview
    assert "Under investigation by the conduct committee." in overview and "1 June 2026" in overview
    assert "To appeal" in overview and "/me/apply" not in overview and "/me/career-break" not in overview
    credential = client.get("/me/credential").text
    assert "suspended" in credential and "Download your signed credential" not in credential
    assert 'action="/me/renewal"' not in client.get("/me/renewal").text

    ledger.lift_suspension(registered, "registrar")
    ledger.clock.set(date(2027, 4, 5))  # past the due date and the grace period
    ledger.lapse(registered)
    overview = client.get("/me").text
    assert "Your registration has lapsed" in overview and "Being reinstated" in overview
    assert "until 5 April 2030" in overview

    _registrant_account(ledger, accounts, "Rae Removed", "rae@example.org")
    removed = next(a.registrant_id for a in accounts.all() if a.email == "rae@example.org")
    ledger.remove(removed, "Falsified evidence in an application.", "registrar")
    overview = client_for("rae@example.org").get("/me").text
    assert "You were removed from the register" in overview and "Falsified evidence" in overview
    assert "/me/apply" not in overview


def test_renewal_inside_the_window_and_the_career_break_page(web):
    ledger, accounts, client_for = web
    registered, _ = _registrant_account(ledger, accounts, "Rhys Registered", "rhys@example.org")
    ledger.clock.set(date(2027, 1, 15))
    client = client_for("rhys@example.org")
    page = client.get("/me/renewal").text
    assert 'action="/me/renewal"' in page and "Since 2 March 2026 you have recorded none" in " ".join(page.split())
    unticked = client.post("/me/renewal", data=_fields(page))
    assert dict(_summary(unticked.text)) == {"declaration": "Confirm that your PPD record is true and complete"}
    short = client.post("/me/renewal", data={**_fields(page), "declaration": "yes"})
    assert short.status_code == 422 and "needs PPD in at least 3" in short.text
    for category in ("formal", "work_based", "professional"):
        ledger.record_ppd(registered, date(2027, 1, 10), category, 5, ["A"], "L.", "I.")
    sent = client.post("/me/renewal", data={**_fields(page), "declaration": "yes"}, follow_redirects=False)
    assert sent.status_code == 303 and ledger.registration(registered).renewal_pending is not None
    assert "It waits for the registrar" in client.get("/me").text

    breaks = client.get("/me/career-break").text
    bad = client.post("/me/career-break", data={**_fields(breaks), "start": "2027-02-30", "end": ""})
    assert dict(_summary(bad.text)) == {
        "start": "Enter the start date as a real date",
        "end": "Enter the date your career break ends",
    }
    assert 'value="2027-02-30"' in bad.text
