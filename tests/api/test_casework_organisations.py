"""The registrar's and the admin's organisations pages, in real headless Chromium with axe-core and screenshots at
1280 and 390 px: the registrar reaches them from the casework navigation, finds an organisation by name and by
code, registers one (a missing name and a bad email are each refused naming the field, and write nothing), renames
it, and closes it through a confirmation page that says what closing does (no reason: refused); the admin invites
an account for it by email (a bad address refused, named) and sees the invitation listed; a registrant and an
organisation's account get 403 on every one of these pages, and someone not signed in is sent to sign in."""

from __future__ import annotations

import pytest

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import assessors, awarded
from tests.builders.servers import free_port, serving
from tests.builders.site import sign_in

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def org_staff_site(tmp_path):
    """(url, ledger, facts): a served register with Northern Light Studios (one person linked, one account), a
    registrant with an account, and the registrar and an admin with their second factor set up."""
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
    sam, _ = awarded(ledger, "Sam Okoro", pair=assessors(ledger))
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.link_organisation(sam, ledger.organisation(northern).code)
    accounts.add("sam@example.org", PASSWORD, "registrant", registrant_id=sam)
    accounts.add("hr@northern.example", PASSWORD, "organisation", organisation_id=northern)
    for email, role in (("registrar@example.org", "registrar"), ("admin@example.org", "admin")):
        accounts.add(email, PASSWORD, role)
        second_factor.set_up(ledger, email)
    with serving(create_app(ledger, worker="followers"), port) as url:
        yield url, ledger, {"northern": northern, "code": ledger.organisation(northern).code}
    ledger.close()


def look(page, name):
    """No serious accessibility violation at either width; screenshots at both; nothing scrolls sideways on a
    phone."""
    page.set_viewport_size(DESKTOP)
    assert serious_accessibility_violations(page) == [], name
    screenshot(page, f"casework-organisations-{name}")
    page.set_viewport_size(PHONE)
    assert serious_accessibility_violations(page) == [], name
    screenshot(page, f"casework-organisations-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    page.set_viewport_size(DESKTOP)


def summary(page):
    return [(a.inner_text(), a.get_attribute("href")) for a in page.locator(".error-summary a").all()]


def test_the_registrar_registers_renames_and_closes_and_the_admin_invites(org_staff_site):
    url, ledger, facts = org_staff_site
    with chromium() as browser:
        registrar = sign_in(browser, url, "registrar@example.org", viewport=DESKTOP)
        registrar.goto(f"{url}/casework")
        registrar.click("nav[aria-label=Casework] >> text=Organisations")
        registrar.wait_for_url("**/casework/organisations")
        row = registrar.locator("#organisations tbody tr").first.inner_text()
        assert "Northern Light Studios" in row and facts["code"] in row and "hiring@northern.example" in row
        assert "Open since" in row and "\t1\t" in row  # one person linked
        look(registrar, "list")

        # found by code (typed loosely) and by part of the name; nothing found says so
        registrar.fill("#q", facts["code"].lower().replace("-", " "))
        registrar.click("button:text-is('Find')")
        assert registrar.locator("#organisations tbody th").all_inner_texts() == ["Northern Light Studios"]
        registrar.fill("#q", "light stud")
        registrar.click("button:text-is('Find')")
        assert registrar.locator("#organisations tbody th").all_inner_texts() == ["Northern Light Studios"]
        registrar.fill("#q", "Riverside")
        registrar.click("button:text-is('Find')")
        assert "No organisation's name or code matches" in registrar.inner_text("main")

        # registering: each bad field refused by name, what was typed kept, nothing written
        registrar.goto(f"{url}/casework/organisations")
        registrar.click("text=Register an organisation")
        registrar.wait_for_url("**/casework/organisations/new")
        look(registrar, "new")
        registrar.fill("#contact_email", "people@riverside.example")
        registrar.click("button:text-is('Register the organisation')")
        assert summary(registrar) == [("Name: type the organisation's name, as its people know it", "#name")]
        assert registrar.get_attribute("#name", "aria-invalid") == "true"
        assert registrar.input_value("#contact_email") == "people@riverside.example"
        registrar.fill("#name", "Riverside Playhouse Trust")
        registrar.fill("#contact_email", "people-at-riverside")
        registrar.click("button:text-is('Register the organisation')")
        assert summary(registrar) == [
            ("Contact email address: 'people-at-riverside' is not an email address", "#contact_email")
        ]
        assert registrar.get_attribute("#contact_email", "aria-invalid") == "true"
        assert registrar.input_value("#name") == "Riverside Playhouse Trust"
        look(registrar, "new-error")
        assert [o.name for o in ledger.all_organisations()] == ["Northern Light Studios"]
        registrar.fill("#contact_email", "people@riverside.example")
        registrar.click("button:text-is('Register the organisation')")
        registrar.wait_for_url("**/casework/organisations/*-*")
        riverside = next(o for o in ledger.all_organisations() if o.name == "Riverside Playhouse Trust")
        assert registrar.url.endswith(f"/casework/organisations/{riverside.id}")
        assert f"registered with the code {riverside.code}" in registrar.inner_text(".flash")
        facts_text = registrar.inner_text("dl.facts")
        assert riverside.code in facts_text and "people@riverside.example" in facts_text
        assert "0 people have linked" in facts_text
        assert "an admin invites one from this page" in registrar.inner_text("main")
        assert registrar.locator("#email").count() == 0  # inviting is the admin's
        look(registrar, "one")

        # renaming: an empty name refused by name; then renamed, the code kept
        registrar.fill("#name", "  ")
        registrar.click("button:text-is('Rename')")
        assert summary(registrar) == [("Name: type the organisation's new name", "#name")]
        assert ledger.organisation(riverside.id).name == "Riverside Playhouse Trust"
        look(registrar, "rename-error")
        registrar.fill("#name", "Riverside Playhouse and Arts Centre")
        registrar.click("button:text-is('Rename')")
        registrar.wait_for_url(f"**/casework/organisations/{riverside.id}")
        assert "Renamed: the organisation is now Riverside Playhouse and Arts Centre." in registrar.inner_text(".flash")
        assert registrar.inner_text("h1") == "Riverside Playhouse and Arts Centre"
        assert ledger.organisation(riverside.id).code == riverside.code

        # the admin invites an account for it
        admin = sign_in(browser, url, "admin@example.org", viewport=DESKTOP)
        admin.goto(f"{url}/casework")
        admin.click("nav[aria-label=Casework] >> text=Organisations")
        admin.click("text=Riverside Playhouse and Arts Centre")
        admin.wait_for_url(f"**/casework/organisations/{riverside.id}")
        assert "No accounts yet: invite one below." in admin.inner_text("main")
        admin.fill("#email", "box-office")
        admin.click("button:text-is('Send the invitation')")
        assert summary(admin) == [("Email address: 'box-office' is not an email address", "#email")]
        assert admin.input_value("#email") == "box-office"
        look(admin, "invite-error")
        from ledger.app.accounts import Accounts

        assert Accounts(ledger.engine).of_organisation(riverside.id) == []
        admin.fill("#email", "Box.Office@Riverside.example")
        admin.click("button:text-is('Send the invitation')")
        admin.wait_for_url(f"**/casework/organisations/{riverside.id}")
        assert "Invitation sent to box.office@riverside.example" in admin.inner_text(".flash")
        assert admin.locator("#accounts tbody tr").all_inner_texts() == [
            "box.office@riverside.example\tInvited (has not chosen a password yet)"
        ]
        look(admin, "one-admin")
        [invited] = Accounts(ledger.engine).of_organisation(riverside.id)
        assert invited.role == "organisation" and invited.email == "box.office@riverside.example"

        # closing: a confirmation page that says what closing does; no reason is refused
        registrar.reload()
        registrar.click("button:has-text('Close Riverside Playhouse and Arts Centre')")
        registrar.wait_for_url(f"**/casework/organisations/{riverside.id}/close")
        assert registrar.inner_text("h1") == f"Close Riverside Playhouse and Arts Centre ({riverside.code})?"
        said = registrar.inner_text(".warning-text")
        assert "No one can link their registration" in said and "Its accounts stop working at once" in said
        assert "No one is linked to it now." in said and "cannot be opened again" in said
        look(registrar, "close-confirm")
        registrar.click("button.warning")
        assert summary(registrar) == [("Reason for closing: say why it is closing, for the record", "#reason")]
        assert ledger.organisation(riverside.id).open
        registrar.fill("#reason", "The trust has merged with another theatre.")
        registrar.click("button.warning")
        registrar.wait_for_url(f"**/casework/organisations/{riverside.id}")
        assert "is closed: no one can link to it" in registrar.inner_text(".flash")
        assert "Closed on" in registrar.inner_text("dl.facts")
        assert registrar.locator("#name").count() == 0 and registrar.locator("button.warning").count() == 0
        assert not ledger.organisation(riverside.id).open
        assert Accounts(ledger.engine).state(invited.id) == "disabled"
        look(registrar, "closed")
        registrar.goto(f"{url}/casework/organisations")
        closed_row = registrar.locator("#organisations tbody tr", has_text="Riverside").inner_text()
        assert "Closed on" in closed_row
        assert not registrar.errors and not admin.errors


def test_a_registrant_and_an_organisation_get_403_and_nobody_signed_in_signs_in(org_staff_site):
    url, ledger, facts = org_staff_site
    paths = [
        "/casework/organisations",
        "/casework/organisations/new",
        f"/casework/organisations/{facts['northern']}",
        f"/casework/organisations/{facts['northern']}/close",
    ]
    with chromium() as browser:
        for email in ("sam@example.org", "hr@northern.example"):
            page = sign_in(browser, url, email, viewport=DESKTOP)
            for path in paths:
                assert page.goto(f"{url}{path}").status == 403, (email, path)
            # a form posted anyway is refused too, and changes nothing
            answer = page.request.post(
                f"{url}/casework/organisations/{facts['northern']}/rename", form={"name": "Taken Over Ltd"}
            )
            assert answer.status == 403, email
        registrar = sign_in(browser, url, "registrar@example.org", viewport=DESKTOP)
        answer = registrar.request.post(
            f"{url}/casework/organisations/{facts['northern']}/accounts", form={"email": "x@northern.example"}
        )
        assert answer.status == 403  # inviting is the admin's alone
        anonymous = browser.new_context().new_page()
        anonymous.goto(f"{url}/casework/organisations")
        assert "/login?next=/casework/organisations" in anonymous.url
    assert ledger.organisation(facts["northern"]).name == "Northern Light Studios"
