"""An organisation's webhook page (/org/webhook, issue 20, item 3) in real headless Chromium: a bad address is
refused beside the field, a good one shows the signing secret once (gone on the next visit), a delivery that cannot
be made shows as tried again with why, the webhook can be removed, and other roles get 403. Each state is checked
with axe-core and kept as a screenshot at 1280 and 390 px in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import assessors, awarded
from tests.builders.servers import free_port, serving


@pytest.fixture
def webhook_site(tmp_path):
    """(url, ledger, facts): a served register with Northern Light Studios (an active account), Sam linked to it,
    and Rhiannon, a registrant with an account."""
    from ledger.api.main import create_app
    from ledger.api.pages import org_webhooks
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
    pair = assessors(ledger)
    rhiannon, _ = awarded(ledger, "Rhiannon Ellis-Okafor", pair=pair)
    sam, sam_number = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.link_organisation(sam, ledger.organisation(northern).code)
    accounts.add("rhiannon@example.org", PASSWORD, "registrant", registrant_id=rhiannon)
    accounts.add("hr@northern.example", PASSWORD, "organisation", organisation_id=northern)
    app = create_app(ledger, worker="followers")
    if not any(getattr(route, "path", None) == "/org/webhook" for route in app.routes):
        app.router.routes.extend(org_webhooks.router.routes)  # until ledger/api/pages/__init__.py lists the page
    with serving(app, port) as url:
        yield url, ledger, {"northern": northern, "sam": sam, "sam_number": sam_number}
    ledger.close()


def sign_in(browser, url, email, next_page):
    page = browser.new_context().new_page()
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
    screenshot(page, f"org-webhook-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"org-webhook-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_organisation_sets_its_webhook_sees_the_secret_once_and_its_deliveries(webhook_site):
    from ledger.processes.watch import Watch
    from ledger.processes.webhooks import WebhookSender

    url, ledger, facts = webhook_site
    with chromium() as browser:
        org = sign_in(browser, url, "hr@northern.example", "/org/webhook")
        assert org.url.endswith("/org/webhook")
        assert "No webhook is set" in org.inner_text("main")
        assert "Standard Webhooks" in org.inner_text("main")
        look(org, "none")

        org.fill("#url", "http://hooks.northern.example/regledger")
        org.click("button:text-is('Set the webhook')")
        assert org.locator(".error-summary a").all_inner_texts() == [
            "Webhook address: the address must start with https:// (deliveries are only sent encrypted)"
        ]
        assert org.locator(".error-summary a").get_attribute("href") == "#url"
        assert org.input_value("#url") == "http://hooks.northern.example/regledger"
        assert ledger.organisation(facts["northern"]).webhook_url is None  # nothing changed
        look(org, "error")

        org.fill("#url", "https://hooks.northern.example/regledger")
        answer = None

        def seen(response):
            nonlocal answer
            if response.request.method == "POST":
                answer = response

        org.on("response", seen)
        org.click("button:text-is('Set the webhook')")
        org.wait_for_load_state()
        secret = org.inner_text("#secret")
        assert secret.startswith("whsec_") and "shown only this once" in org.inner_text("#secret-notice")
        assert answer is not None and answer.headers.get("cache-control") == "no-store"
        assert ledger.webhook_secret(ledger.organisation(facts["northern"])) is not None
        look(org, "secret")

        org.goto(f"{url}/org/webhook")  # the next visit: the secret is not shown again
        assert org.locator("#secret").count() == 0 and secret not in org.content()
        assert org.inner_text("#current-url") == "https://hooks.northern.example/regledger"

        ledger.suspend(facts["sam"], "a reason", "registrar")
        Watch(ledger).catch_up()
        WebhookSender(ledger).send_due()  # the name does not resolve here: a failure, to be tried again
        org.reload()
        row = org.locator("#deliveries tbody tr").first.inner_text()
        assert "Suspended" in row and "Trying again" in row and "hooks.northern.example" in row
        assert facts["sam_number"] not in org.inner_text("#deliveries") and "Sam" not in org.inner_text("#deliveries")
        look(org, "deliveries")

        org.click("button:text-is('Remove the webhook')")
        org.wait_for_url("**/org/webhook")
        assert "The webhook is removed" in org.inner_text(".flash")
        assert "No webhook is set" in org.inner_text("main")
        assert org.errors == []

        me = sign_in(browser, url, "rhiannon@example.org", "/me")
        assert me.goto(f"{url}/org/webhook").status == 403
        anonymous = browser.new_context().new_page()
        anonymous.goto(f"{url}/org/webhook")
        assert "/login?next=/org/webhook" in anonymous.url
