"""Written evidence can be changed and deleted while the application is a draft, never after it is sent (the
assessors judge what was sent); the change and the deletion are events, so the register rebuilt from them shows
the same; another person's evidence cannot be reached; and the registrant's pages do the same through forms."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.read.views import application_view
from tests.builders.actors import PASSWORD
from tests.builders.records import enrol, start


def _texts(ledger, application):
    return [(e["area"], e["text"]) for e in application_view(ledger, application)["evidence"]]


def test_evidence_is_changed_and_deleted_in_a_draft_and_never_after_it_is_sent(ledger, make_ledger):
    application = start(ledger, enrol(ledger, "Ede Evidence"))
    first = ledger.add_evidence(application, "A", "First try at A.")
    second = ledger.add_evidence(application, "A", "Second item for A.")
    ledger.change_evidence(application, first, "A better account of A.")
    ledger.remove_evidence(application, second)
    assert _texts(ledger, application) == [("A", "A better account of A.")]
    with pytest.raises(InvalidInput, match="text"):
        ledger.change_evidence(application, first, "   ")
    with pytest.raises(NotFound):
        ledger.remove_evidence(application, second)  # already deleted
    with pytest.raises(NotFound):
        ledger.change_evidence(application, uuid4(), "Nothing.")

    ledger.remove_evidence(application, first)  # the area has nothing left: the application cannot be sent
    for area in ("B", "C", "D", "E"):
        ledger.add_evidence(application, area, f"Evidence for {area}.")
    with pytest.raises(RuleBroken, match="A"):
        ledger.submit_application(application)
    kept = ledger.add_evidence(application, "A", "Evidence for A, again.")
    ledger.submit_application(application)
    with pytest.raises(RuleBroken, match="only before the application is sent"):
        ledger.change_evidence(application, kept, "Rewritten after sending.")
    with pytest.raises(RuleBroken, match="only before the application is sent"):
        ledger.remove_evidence(application, kept)

    rebuilt = make_ledger()  # another process reads the same events
    assert _texts(rebuilt, application) == _texts(ledger, application)
    assert ("A", "Evidence for A, again.") in _texts(rebuilt, application)


@pytest.fixture
def pages(tmp_path):
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    ledger = Ledger(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY))
    accounts = Accounts(ledger.engine)
    app = create_app(ledger, worker="followers")
    clients = []

    def signed_in(name, email):
        accounts.add(email, PASSWORD, "registrant", registrant_id=enrol(ledger, name))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf": _fields(client.get("/login").text)["csrf"]}
        )
        return client

    yield ledger, accounts, signed_in
    for client in clients:
        client.__exit__(None, None, None)
    ledger.close()


def _fields(html):
    return {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', html).group(1),
        "form_key": re.search(r'name="form_key" value="([^"]+)"', html).group(1),
    }


def test_the_pages_change_and_delete_evidence_and_refuse_other_peoples(pages):
    ledger, accounts, signed_in = pages
    owner = signed_in("Owen Owner", "owen@example.org")
    registrant = accounts.by_email("owen@example.org").registrant_id
    application = start(ledger, registrant)
    item = ledger.add_evidence(application, "B", "Lit a small studio show.")
    page = f"/me/applications/{application}/evidence/{item}"

    area = owner.get(f"/me/applications/{application}/areas/B").text
    assert f'href="{page}"' in area
    form = owner.get(page).text
    assert "Lit a small studio show." in form
    refused = owner.post(page, data={**_fields(form), "text": "  "})
    assert refused.status_code == 422 and 'href="#text"' in refused.text
    assert _texts(ledger, application) == [("B", "Lit a small studio show.")]
    changed = owner.post(page, data={**_fields(form), "text": "Lit and programmed a studio show."})
    assert changed.status_code == 200 and "Your evidence is changed." in changed.text
    assert _texts(ledger, application) == [("B", "Lit and programmed a studio show.")]

    other = signed_in("Olga Other", "olga@example.org")
    assert other.get(page).status_code == 404
    theirs = other.get("/me").text
    assert other.post(f"{page}/delete", data=_fields(theirs)).status_code == 404
    assert _texts(ledger, application) == [("B", "Lit and programmed a studio show.")]

    delete_form = owner.get(page).text
    deleted = owner.post(f"{page}/delete", data=_fields(delete_form.split("Delete it instead")[1]))
    assert deleted.status_code == 200 and "That evidence is deleted." in deleted.text
    assert _texts(ledger, application) == []
    assert owner.get(page).status_code == 404
