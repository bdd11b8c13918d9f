"""A register served on a real local server with an account per role, for the pages in a real browser (the `site`
fixture, made available to every test by tests/conftest.py), and signing in through the login page."""

from __future__ import annotations

import pytest

from tests.builders import second_factor
from tests.builders.actors import PASSWORD
from tests.builders.records import enrol
from tests.builders.servers import free_port, serving


@pytest.fixture
def site(tmp_path):
    """(url, ledger): a register served on a real local server, with accounts for a registrant, two assessors and the
    registrar (the staff with a second factor set up: ``sign_in`` enters their codes)."""
    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    port = free_port()
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"
        )
    )
    accounts = Accounts(ledger.engine)
    registrant = enrol(ledger, "Rhiannon Ellis-Okafor")
    accounts.add("rhiannon@example.org", PASSWORD, "registrant", registrant_id=registrant)
    for name, email in (("Asha Assessor", "asha@example.org"), ("Ben Assessor", "ben@example.org")):
        accounts.add(email, PASSWORD, "assessor", assessor_id=ledger.appoint_assessor(name))
    accounts.add("registrar@example.org", PASSWORD, "registrar")
    for email in ("asha@example.org", "ben@example.org", "registrar@example.org"):
        second_factor.set_up(ledger, email)  # staff sign in with a code: sign_in enters it
    with serving(create_app(ledger, worker="followers"), port) as url:
        yield url, ledger
    ledger.close()


def sign_in(browser, url, email, **context):
    """A new browser context signed in as ``email``: the password, then (staff) the code from their app."""
    page = browser.new_context(**context).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    factor = second_factor.of(url, email)
    if factor is not None and page.url.split("?")[0].endswith("/login/code"):
        page.fill("#code", factor.code())
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    page.errors = errors
    return page
