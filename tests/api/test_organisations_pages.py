"""Organisations on the web: in real headless Chromium a registrant links to an organisation (a wrong code is
refused beside the field), the organisation sees them on /org, uploads a CSV to /org/verify and downloads the
results (a bad file is refused naming the row); other roles get 403. The JSON routes answer the same, and only to
their roles. Every page is checked with axe-core and kept as a screenshot at 1280 and 390 px in
test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import assessors, awarded
from tests.builders.servers import free_port, serving


@pytest.fixture
def org_site(tmp_path):
    """(url, ledger, facts): a served register with two registered people (Rhiannon with an account, Sam linked
    already), an unregistered number-holder erased, and Northern Light Studios with an active account."""
    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.builders import second_factor
    from tests.conftest import MASTER_KEY

    port = free_port()
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"
        )
    )
    accounts = Accounts(ledger.engine)
    pair = assessors(ledger)
    rhiannon, rhiannon_number = awarded(ledger, "Rhiannon Ellis-Okafor", pair=pair)
    sam, sam_number = awarded(ledger, "Sam Okoro", pair=pair)
    gone, gone_number = awarded(ledger, "Erin Erased", pair=pair)
    ledger.erase(gone, "registrar")
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    code = ledger.organisation(northern).code
    ledger.link_organisation(sam, code)
    accounts.add("rhiannon@example.org", PASSWORD, "registrant", registrant_id=rhiannon)
    accounts.add("hr@northern.example", PASSWORD, "organisation", organisation_id=northern)
    accounts.add("registrar@example.org", PASSWORD, "registrar")
    accounts.add("admin@example.org", PASSWORD, "admin")
    second_factor.set_up(ledger, "registrar@example.org")
    second_factor.set_up(ledger, "admin@example.org")
    facts = {
        "code": code,
        "northern": northern,
        "rhiannon": rhiannon_number,
        "sam": sam_number,
        "gone": gone_number,
    }
    with serving(create_app(ledger, worker="followers"), port) as url:
        yield url, ledger, facts
    ledger.close()


def sign_in(browser, url, email, next_page):
    page = browser.new_context(accept_downloads=True).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{url}/login?next={next_page}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def look(page, name):
    """No serious accessibility violation; screenshots at desktop and phone widths; nothing scrolls sideways."""
    assert serious_accessibility_violations(page) == [], name
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"org-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"org-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_registrant_links_and_the_organisation_sees_them_and_checks_a_list(org_site, tmp_path):
    url, ledger, facts = org_site
    with chromium() as browser:
        me = sign_in(browser, url, "rhiannon@example.org", "/me/organisations")
        assert me.url.endswith("/me/organisations")
        assert me.locator(".me-nav a[aria-current=page]").inner_text() == "Organisations"
        text = me.inner_text("main")
        assert "Never your answers about your background" in text
        assert "You are not linked to any organisation." in text
        look(me, "me-none")

        me.fill("#organisation", "ORG-ZZZZZZ")
        me.click("button:text-is('Link my registration')")
        assert me.locator(".error-summary a").all_inner_texts() == [
            "Organisation: no organisation has the code ORG-ZZZZZZ"
        ]
        assert me.locator(".error-summary a").get_attribute("href") == "#organisation"
        assert me.input_value("#organisation") == "ORG-ZZZZZZ"
        look(me, "me-error")

        me.fill("#organisation", facts["code"].lower())
        me.click("button:text-is('Link my registration')")
        me.wait_for_url("**/me/organisations")
        assert "You are linked to Northern Light Studios" in me.inner_text(".flash")
        assert "Northern Light Studios" in me.inner_text("main ul.plain")
        look(me, "me-linked")
        assert me.goto(f"{url}/org").status == 403

        org = sign_in(browser, url, "hr@northern.example", "/org")
        assert org.url.endswith("/org")
        names = org.locator("#people tbody th").all_inner_texts()
        assert names == ["Rhiannon Ellis-Okafor", "Sam Okoro"]
        row = org.locator("#people tbody tr").first.inner_text()
        assert facts["rhiannon"] in row and "Registered Creative Technician" in row and "Registered" in row
        assert "by themselves on" in row
        assert facts["code"] in org.inner_text("main")
        look(org, "people")
        assert org.goto(f"{url}/me/organisations").status == 403

        org.goto(f"{url}/org/verify")
        look(org, "verify")
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"RG-0000001-15\n")
        org.set_input_files("#file", str(bad))
        org.click("button:text-is('Check and download the results')")
        summary = org.locator(".error-summary a").all_inner_texts()
        assert summary == [
            "CSV file: row 1 must be a header naming the column registration_number (found 'RG-0000001-15')"
        ]
        look(org, "verify-error")

        good = tmp_path / "staff.csv"
        good.write_text(
            "name,registration_number\n"
            f"Sam,{facts['sam']}\nErin,{facts['gone']}\nNobody,RG-9999999-01\n"
            'Evil,"=HYPERLINK(""http://evil.example"",""x"")"\n'
        )
        org.set_input_files("#file", str(good))
        with org.expect_download() as download:
            org.click("button:text-is('Check and download the results')")
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
        assert [(r["row"], r["found"], r["name"]) for r in rows] == [
            ("2", "yes", "Sam Okoro"),
            ("3", "no", ""),
            ("4", "no", ""),
            ("5", "no", ""),
        ]
        assert rows[1]["reason"].startswith("erased:") and rows[2]["reason"].startswith("malformed:")
        assert rows[3]["registration_number"].startswith("'=HYPERLINK")
        assert me.errors == [] and org.errors == []

        me.goto(f"{url}/me/organisations")
        me.click("button:has-text('Unlink')")
        me.wait_for_url("**/me/organisations")
        assert "no longer linked to Northern Light Studios" in me.inner_text(".flash")
        org.goto(f"{url}/org")
        assert org.locator("#people tbody th").all_inner_texts() == ["Sam Okoro"]

        registrar = sign_in(browser, url, "registrar@example.org", "/org/verify")
        if registrar.url.split("?")[0].endswith("/login/code"):
            from tests.builders import second_factor

            registrar.fill("#code", second_factor.of(url, "registrar@example.org").code())
            registrar.click("main button[type=submit]")
            registrar.wait_for_load_state()
        assert registrar.url.endswith("/org/verify") and registrar.locator("a.back").count() == 0
        registrar.set_input_files("#file", str(good))
        with registrar.expect_download() as download:
            registrar.click("button:text-is('Check and download the results')")
        assert "Sam Okoro" in download.value.path().read_text()
        assert registrar.goto(f"{url}/org").status == 403

        anonymous = browser.new_context().new_page()
        anonymous.goto(f"{url}/org")
        assert "/login?next=/org" in anonymous.url


def _token(client, email, otp=None):
    data = {"username": email, "email": email, "password": PASSWORD}
    if otp:
        data["otp"] = otp
    answer = client.post("/api/token", data=data)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_json_routes_answer_their_roles_only(org_site):
    import httpx

    from tests.builders import second_factor

    url, ledger, facts = org_site
    with httpx.Client(base_url=url) as client:
        me = _token(client, "rhiannon@example.org")
        org = _token(client, "hr@northern.example")
        registrar = _token(client, "registrar@example.org", second_factor.of(url, "registrar@example.org").code())

        found = client.get("/api/organisations", params={"q": "northern"}, headers=me)
        assert [o["code"] for o in found.json()] == [facts["code"]]
        linked = client.post("/api/organisations/links", json={"organisation": facts["code"]}, headers=me)
        assert linked.status_code == 201 and linked.json()["name"] == "Northern Light Studios"
        again = client.post("/api/organisations/links", json={"organisation": facts["code"]}, headers=me)
        assert again.status_code == 409 and "already linked" in again.json()["detail"]
        assert [o["code"] for o in client.get("/api/organisations/links", headers=me).json()] == [facts["code"]]

        people = client.get("/api/organisations/people", headers=org).json()
        assert people["code"] == facts["code"]
        assert {p["registration_number"] for p in people["people"]} == {facts["rhiannon"], facts["sam"]}

        body = f"registration_number\n{facts['sam']}\n".encode()
        for who in (org, registrar):
            checked = client.post(
                "/api/organisations/verify", content=body, headers={**who, "Content-Type": "text/csv"}
            )
            assert checked.status_code == 200 and checked.headers["content-type"].startswith("text/csv")
            assert list(csv.DictReader(io.StringIO(checked.text)))[0]["name"] == "Sam Okoro"
        refused = client.post("/api/organisations/verify", content=b"nope\n", headers=org)
        assert refused.status_code == 422 and "row 1 must be a header" in refused.json()["detail"]

        # everyone else: 403 (or 401 with no token at all)
        assert client.get("/api/organisations/people", headers=me).status_code == 403
        assert client.get("/api/organisations/people", headers=registrar).status_code == 403
        assert client.get("/api/organisations/people").status_code == 401
        assert client.post("/api/organisations/verify", content=body, headers=me).status_code == 403
        assert client.post("/api/organisations/links", json={"organisation": "x"}, headers=org).status_code == 403
        assert client.get("/api/organisations/links", headers=registrar).status_code == 403
        made = client.post(
            "/api/organisations", json={"name": "Eastern Props", "contact_email": "a@eastern.example"}, headers=me
        )
        assert made.status_code == 403
        made = client.post(
            "/api/organisations", json={"name": "Eastern Props", "contact_email": "bad"}, headers=registrar
        )
        assert made.status_code == 422 and "email" in made.text
        made = client.post(
            "/api/organisations",
            json={"name": "Eastern Props", "contact_email": "a@eastern.example"},
            headers=registrar,
        )
        assert made.status_code == 201 and made.json()["code"].startswith("ORG-")

        admin = _token(client, "admin@example.org", second_factor.of(url, "admin@example.org").code())
        path = f"/api/organisations/{facts['northern']}/accounts"
        assert client.post(path, json={"email": "new@northern.example"}, headers=registrar).status_code == 403
        invited = client.post(path, json={"email": "New@Northern.example"}, headers=admin)
        assert invited.status_code == 201 and invited.json()["state"] == "invited"
        from ledger.app.accounts import Accounts

        assert Accounts(ledger.engine).organisation_of(invited.json()["id"]) == facts["northern"]
        assert client.post(path, json={"email": "nope"}, headers=admin).status_code == 422

        unlinked = client.delete(f"/api/organisations/links/{facts['northern']}", headers=me)
        assert unlinked.status_code == 200
        people = client.get("/api/organisations/people", headers=org).json()["people"]
        assert [p["registration_number"] for p in people] == [facts["sam"]]

        closed = client.post(
            f"/api/organisations/{facts['northern']}/close", json={"reason": "ceased trading"}, headers=registrar
        )
        assert closed.status_code == 200 and closed.json()["open"] is False
        assert client.get("/api/organisations/people", headers=org).status_code == 401  # its accounts stop
