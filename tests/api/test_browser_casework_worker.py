"""The registrar's casework page tells, in plain words, what the worker could not handle (a parked event, the
registration it concerns, why, and what to do), that no worker is running when none is, which name changes wait
for a decision (warning when the name asked for looks like another registrant's), and which names look alike. In real
headless Chromium, on a desktop and a 390-pixel phone, with axe-core."""

from __future__ import annotations

import pytest

from ledger.app.accounts import Accounts
from tests.builders import second_factor
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import award, poison_registrant
from tests.builders.servers import free_port, serving
from tests.builders.site import sign_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(tmp_path):
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.processes.worker import Worker
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    port = free_port()
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"
        )
    )
    number = award(ledger, poison_registrant(ledger))
    from tests.builders.records import awarded, enrol

    priya, _ = awarded(ledger, "Priya Shah")
    mallory, _ = awarded(ledger, "Mallory Mayhem")
    ledger.request_name_change(mallory, "Priya Sh\u0430h", "A deed poll.")  # a Cyrillic 'а'
    enrol(ledger, "Pr\u0456ya Shah")  # a look-alike enrolment
    Worker(ledger).run_once()
    Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
    second_factor.set_up(ledger, "registrar@example.org")  # staff sign in with a code: sign_in enters it
    with serving(create_app(ledger, worker="none"), port) as url:  # and no worker: the page says so
        yield url, number
    ledger.close()


def test_the_registrar_sees_a_parked_event_and_a_missing_worker(site):
    url, number = site
    with chromium() as browser:
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page = sign_in(browser, url, "registrar@example.org", viewport=viewport)
            page.goto(f"{url}/casework")
            text = page.inner_text("main")
            assert "1 event could not be handled" in text
            assert "Issuing credentials" in text and "control characters" in text
            assert page.locator(f"a[href='/casework/registrations/{number}']").count() == 1
            assert "No worker is running" in text
            assert "Name changes to decide" in text and "asks to be registered as" in text
            assert "This name looks like that of Priya Shah" in text and "different letters" in text
            assert "Names that look alike" in text and "enrolled, not registered" in text
            screenshot(page, f"casework-parked-{name}")
            assert serious_accessibility_violations(page) == []
            page.context.close()


def test_an_admin_disables_and_enables_an_account_from_a_page(tmp_path):
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.builders.records import enrol
    from tests.conftest import MASTER_KEY

    port = free_port()
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"
        )
    )
    accounts = Accounts(ledger.engine)
    accounts.add("admin@example.org", PASSWORD, "admin")
    second_factor.set_up(ledger, "admin@example.org")
    accounts.add("rita@example.org", PASSWORD, "registrant", registrant_id=enrol(ledger, "Rita Registrant"))
    try:
        with serving(create_app(ledger, worker="followers"), port) as url, chromium() as browser:
            for name, viewport in (
                ("desktop", {"width": 1280, "height": 900}),
                ("phone", {"width": 390, "height": 844}),
            ):
                page = sign_in(browser, url, "admin@example.org", viewport=viewport)
                page.click("text=Accounts")
                assert page.url.endswith("/admin/accounts")
                page.click("button[aria-label='Disable rita@example.org']")
                assert "rita@example.org disabled" in page.inner_text("main")
                assert accounts.is_disabled("rita@example.org")
                screenshot(page, f"accounts-{name}")
                assert serious_accessibility_violations(page) == []
                page.click("button[aria-label='Enable rita@example.org']")
                assert not accounts.is_disabled("rita@example.org")
                page.context.close()
    finally:
        ledger.close()
