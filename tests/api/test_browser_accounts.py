"""Accounts in a real browser (issue 17, item 1), with letters read from a real SMTP server (aiosmtpd): a technician
signs up, cannot sign in until they click the link from the letter, then can; a forgotten password is reset through
its letter, and used or expired links say so and offer a new one; asking too often gets a plain 429 page; the admin
invites an assessor (chosen by name) and a registrar, who each choose a password and set up their second factor in
the browser (codes from pyotp) before any staff page opens, and sign in again with a code. Every account page is
checked by axe-core and photographed at desktop and phone sizes (accounts-*.png)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pyotp
import pytest
from sqlalchemy import update

from tests.builders import second_factor
from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.servers import free_port, serving

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def link(self, to: str, path: str) -> str:
        """The link to ``path`` in the newest letter to ``to``."""
        for message in reversed(self.messages):
            if message["To"] == to:
                found = re.search(rf"(http://\S+/{path}\?token=\S+)", message.get_payload(decode=True).decode())
                if found:
                    return found.group(1)
        raise AssertionError(f"no {path} letter to {to}: {[(m['To'], m['Subject']) for m in self.messages]}")


@pytest.fixture
def mail_site(tmp_path):
    """(url, ledger, inbox, send): a served register whose letters go to a real local SMTP server; ``send()``
    delivers the outbox (as the worker does every minute). An admin with a second factor, and an appointed assessor
    with no account yet."""
    from aiosmtpd.controller import Controller

    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.processes.mailer import Mailer
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        master_key=MASTER_KEY,
        issuer_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        rate_account_email_per_hour=4,
    )
    ledger = Ledger(settings)
    Accounts(ledger.engine).add("admin@example.org", PASSWORD, "admin")
    second_factor.set_up(ledger, "admin@example.org")
    ledger.appoint_assessor("Ivy Invitee")

    def send() -> None:
        result = Mailer(ledger).send_pending()
        assert result.failed == 0

    try:
        with serving(create_app(ledger, worker="followers"), port) as url:
            yield url, ledger, inbox, send
    finally:
        controller.stop()
        ledger.close()


def look(page, name: str) -> None:
    """axe finds no serious problem; screenshots at desktop and phone sizes."""
    assert not serious_accessibility_violations(page), (name, serious_accessibility_violations(page))
    screenshot(page, f"accounts-{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"accounts-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, name  # nothing sideways
    page.set_viewport_size(DESKTOP)


def submit(page) -> None:
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def invite(page) -> None:
    page.click("button:text-is('Send the invitation')")
    page.wait_for_load_state()


def test_sign_up_confirm_by_the_emailed_link_then_sign_in(mail_site):
    url, ledger, inbox, send = mail_site
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        page.goto(f"{url}/login")
        look(page, "login")
        page.click("text=Create an account")
        page.fill("#email", "tomos@example.org")
        page.fill("#password", "too short")
        page.fill("#confirm_password", "different")
        submit(page)
        assert page.locator(".error-summary a[href='#password']").inner_text() == (
            "Password: must be at least 12 characters"
        )
        assert page.input_value("#email") == "tomos@example.org"  # kept
        look(page, "signup-errors")
        page.goto(f"{url}/signup")
        look(page, "signup")
        page.fill("#email", "tomos@example.org")
        page.fill("#password", "slate quarry lighting rig")
        page.fill("#confirm_password", "slate quarry lighting rig")
        submit(page)
        assert "Check your email" in page.inner_text("h1")
        look(page, "check-email")

        page.goto(f"{url}/login")  # not confirmed yet: told so, once the password is right
        page.fill("#email", "tomos@example.org")
        page.fill("#password", "slate quarry lighting rig")
        submit(page)
        assert "Confirm your email address first" in page.inner_text("h1")
        look(page, "unverified")
        submit(page)  # send the link again
        assert "Check your email" in page.inner_text("h1")

        send()
        assert {m["Subject"] for m in inbox.messages} == {"Confirm your email address"}
        link = inbox.link("tomos@example.org", "verify")
        page.goto(link)
        assert "confirmed" in page.inner_text("h1")
        look(page, "verified")
        page.goto(link)  # a second time: used
        assert "used already" in page.inner_text("main")
        look(page, "link-used")

        page.goto(f"{url}/login")
        page.fill("#email", "tomos@example.org")
        page.fill("#password", "slate quarry lighting rig")
        submit(page)
        assert "/me" in page.url  # a registrant's home (enrolment comes first)
        page.goto(f"{url}/account")
        assert "tomos@example.org" in page.inner_text("main") and "registrant" in page.inner_text("main")
        look(page, "account")
        assert ledger.settings.issuer_url == url


def test_reset_by_the_emailed_link_expired_and_used_links_and_throttling(mail_site):
    url, ledger, inbox, send = mail_site
    from ledger.app.account_tables import account_links
    from ledger.app.accounts import Accounts

    Accounts(ledger.engine).add("reg@example.org", PASSWORD, "registrant", unenrolled=True)
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        page.goto(f"{url}/login")
        page.click("text=I have forgotten my password")
        look(page, "forgot")
        page.fill("#email", "reg@example.org")
        submit(page)
        assert "Check your email" in page.inner_text("h1")
        known = page.inner_text("main").replace("reg@example.org", "EMAIL")
        page.goto(f"{url}/forgot")
        page.fill("#email", "unknown@example.org")
        submit(page)
        assert page.inner_text("main").replace("unknown@example.org", "EMAIL") == known  # no enumeration

        send()
        assert [m["To"] for m in inbox.messages] == ["reg@example.org"]
        link = inbox.link("reg@example.org", "reset")
        page.goto(link)
        look(page, "reset")
        page.fill("#password", "a fresh long password")
        page.fill("#confirm_password", "not the same at all")
        submit(page)
        assert "not the same" in page.inner_text(".error-summary")
        page.fill("#password", "a fresh long password")
        page.fill("#confirm_password", "a fresh long password")
        submit(page)
        assert page.url.endswith("/login") and "password is changed" in page.inner_text("main")
        page.goto(link)
        assert "used already" in page.inner_text("main")

        page.fill("#email", "reg@example.org")  # a new link, from the page that says the old one is used
        submit(page)
        send()
        expiring = inbox.link("reg@example.org", "reset")
        with ledger.engine.begin() as conn:
            conn.execute(update(account_links).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        page.goto(expiring)
        assert "expired" in page.inner_text("main")
        look(page, "link-expired")

        page.goto(f"{url}/login")
        page.fill("#email", "reg@example.org")
        page.fill("#password", "a fresh long password")
        submit(page)
        assert "/me" in page.url

        for _ in range(3):  # four letters an hour for one email: the fifth ask is throttled
            page.goto(f"{url}/forgot")
            page.fill("#email", "reg@example.org")
            submit(page)
        assert "Please wait" in page.inner_text("h1") and "Try again in about" in page.inner_text("main")
        look(page, "throttled")


def test_invited_staff_choose_a_password_and_a_second_factor_before_any_staff_page(mail_site):
    url, ledger, inbox, send = mail_site
    from tests.builders.site import sign_in

    with chromium() as browser:
        admin = sign_in(browser, url, "admin@example.org", viewport=DESKTOP)
        admin.goto(f"{url}/admin/accounts")
        assert admin.url.endswith("/admin/accounts")
        admin.fill("#email", "ivy@example.org")
        admin.check("input[name=role][value=assessor]")
        invite(admin)
        assert "choose an appointed assessor" not in admin.inner_text("main")
        assert "Assessor: choose the assessor" in admin.inner_text(".error-summary")  # none chosen
        look(admin, "admin-invite-error")
        admin.check("input[name=role][value=assessor]")
        admin.select_option("#assessor_id", label="Ivy Invitee")
        invite(admin)
        assert "Invitation sent to ivy@example.org" in admin.inner_text("main")
        admin.fill("#email", "rosa@example.org")
        admin.check("input[name=role][value=registrar]")
        invite(admin)
        assert "Invitation sent to rosa@example.org" in admin.inner_text("main"), admin.inner_text("main")
        assert "Ivy Invitee" not in admin.inner_text("#assessor_id")  # has an account now
        rows = admin.inner_text("table")
        assert "Invited" in rows and "rosa@example.org" in rows
        look(admin, "admin")

        send()
        for email, home in (("ivy@example.org", "/assess"), ("rosa@example.org", "/casework")):
            person = browser.new_context(viewport=DESKTOP).new_page()
            person.goto(inbox.link(email, "invitation"))
            assert email in person.inner_text("main")
            if home == "/assess":
                look(person, "invitation")
            person.fill("#password", "my own long password")
            person.fill("#confirm_password", "my own long password")
            submit(person)
            assert person.url.endswith("/account/two-factor")
            person.goto(f"{url}{home}")  # no staff page before the second factor
            assert person.url.endswith("/account/two-factor")
            person.fill("#code", "123456" if pyotp.TOTP("A" * 32).now() != "123456" else "654321")
            submit(person)
            assert "not the code your app shows" in person.inner_text(".error-summary")
            if home == "/assess":
                look(person, "two-factor")
            secret = person.inner_text(".secret code").replace(" ", "")
            totp = pyotp.TOTP(secret)
            person.fill("#code", totp.at(datetime.now(UTC) - timedelta(seconds=30)))
            submit(person)
            codes = person.locator(".recovery-codes code").all_inner_texts()
            assert len(codes) == 10
            if home == "/assess":
                look(person, "recovery-codes")
            person.click("text=I have kept them: continue")
            person.wait_for_load_state()
            assert person.url.endswith(home), person.url

            again = browser.new_context(viewport=DESKTOP).new_page()  # another day: password, then the code
            again.goto(f"{url}/login")
            again.fill("#email", email)
            again.fill("#password", "my own long password")
            submit(again)
            assert again.url.endswith("/login/code")
            if home == "/casework":
                look(again, "code")
            again.fill("#code", codes[0])  # a recovery code works once
            submit(again)
            assert again.url.endswith(home), again.url
            third = browser.new_context(viewport=DESKTOP).new_page()
            third.goto(f"{url}/login")
            third.fill("#email", email)
            third.fill("#password", "my own long password")
            submit(third)
            third.fill("#code", codes[0])
            submit(third)
            assert third.url.endswith("/login/code") and "used already" in third.inner_text(".error-summary")

        admin.goto(f"{url}/admin/accounts")
        assert admin.inner_text("table").count("Set up") == 3  # the admin, Ivy and Rosa
