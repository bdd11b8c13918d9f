"""An organisation reads the progression and fairness figures of its linked people at /org/analytics, in real
headless Chromium: the same charts (images under the strict CSP, no script) and tables as the body's /analytics,
over its 48 linked people only; an organisation with too few people counted is told so in words and shown no
figure; the registrar and a registrant get 403, someone signed out is sent to sign in; the JSON at
/api/organisations/analytics answers the organisation alone. axe-core finds nothing serious; screenshots at 1280
and 390 px go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from ledger.app.accounts import Accounts
from ledger.domain.aggregates import Registrant
from tests.builders import second_factor
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.servers import free_port, serving
from tests.builders.world import LOWER, PROFESSIONAL, TODAY, world

PASSWORD = "correct horse battery staple"


def _with_routes(app):
    """The app, with this feature's routers if the app does not yet include them."""
    from ledger.api.pages import org_analytics

    paths = {getattr(route, "path", None) for route in app.routes}
    if org_analytics.PATH not in paths:
        app.include_router(org_analytics.router)
    if org_analytics.API_PATH not in paths:
        app.include_router(org_analytics.api_router)
    return app


@pytest.fixture
def site(tmp_path):
    """A register of 75 people awarded in 2025 Q1; on 20 March 2025 48 of them link to Northern Light Studios and 5
    to Small Studio. Accounts: each organisation's, the registrar's and a registrant's."""
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path / "r.db"
    made = world(
        path,
        [PROFESSIONAL] * 22 + [LOWER] * 22 + [None] * 4 + [PROFESSIONAL] * 12 + [LOWER] * 12 + [None] * 2,
        LOWER,
        target_decided=date(2025, 3, 10),
        target_outcome="award",
    )
    ids = [e.originator_id for e in made.events_of(Registrant.Enrolled)]
    made.clock.set(date(2025, 3, 20))
    northern = made.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    small = made.register_organisation("Small Studio", "office@small.example", "registrar")
    for registrant in ids[:48]:
        made.link_organisation(registrant, made.organisation(northern).code)
    for registrant in ids[60:65]:
        made.link_organisation(registrant, made.organisation(small).code)
    made.close()
    port = free_port()
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"),
        clock=SettableClock(TODAY),
    )
    accounts = Accounts(ledger.engine)
    accounts.add("hr@northern.example", PASSWORD, "organisation", organisation_id=northern)
    accounts.add("office@small.example", PASSWORD, "organisation", organisation_id=small)
    accounts.add("registrar@example.org", PASSWORD, "registrar")
    accounts.add("person0@example.org", PASSWORD, "registrant", registrant_id=ids[0])
    second_factor.set_up(ledger, "registrar@example.org")
    with serving(_with_routes(create_app(ledger, worker="followers")), port) as url:
        yield url
    ledger.close()


def sign_in(browser, url, email):
    page = browser.new_context().new_page()
    page.messages = []
    page.on("console", lambda message: page.messages.append(message.text))
    page.on("pageerror", lambda error: page.messages.append(str(error)))
    page.goto(f"{url}/login?next=/org/analytics")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    factor = second_factor.of(url, email)
    if factor is not None and page.url.split("?")[0].endswith("/login/code"):
        page.fill("#code", factor.code())
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    return page


def look(page, name):
    """No serious accessibility violation; screenshots at desktop and phone widths; nothing scrolls sideways."""
    assert serious_accessibility_violations(page) == [], name
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (name, width, overflow)
        screenshot(page, f"org-analytics-{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_organisation_reads_its_linked_peoples_figures_and_no_one_else_can(site):
    url = site
    with chromium() as browser:
        org = sign_in(browser, url, "hr@northern.example")
        assert org.url.endswith("/org/analytics")
        assert org.title().startswith("Progression and fairness of your linked people")
        assert org.locator("script").count() == 0
        assert org.locator("#too-few").count() == 0
        sizes = org.evaluate(
            "Array.from(document.querySelectorAll('figure.chart img'))"
            ".map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt.length])"
        )
        assert sizes and all(done and w > 300 and h > 150 and alt > 40 for done, w, h, alt in sizes), sizes
        representation = org.locator("#table-representation").inner_text()
        assert "45" in representation  # the 48 linked (20, 20 and 5 as rounded), not the register's 75
        assert "75" not in representation
        assert "Not reported yet" in org.locator("#table-outcomes").inner_text()  # decided before they linked
        assert "48 people counted" in org.inner_text("main")
        cells = org.locator(".report-table td.count").all_inner_texts()
        assert cells and all(int(c.replace(",", "")) % 5 == 0 for c in cells)
        assert not [m for m in org.messages if "Content Security Policy" in m or "Refused" in m], org.messages
        look(org, "northern")

        small = sign_in(browser, url, "office@small.example")
        assert small.url.endswith("/org/analytics")
        notice = small.locator("#too-few").inner_text()
        assert "Nothing to show yet" in notice and "Too few people" in notice and "5 people are counted" in notice
        assert small.locator(".report-table, figure.chart").count() == 0
        look(small, "too-few")

        registrar = sign_in(browser, url, "registrar@example.org")
        assert registrar.goto(f"{url}/org/analytics").status == 403
        registrant = sign_in(browser, url, "person0@example.org")
        assert registrant.goto(f"{url}/org/analytics").status == 403
        anonymous = browser.new_context().new_page()
        anonymous.goto(f"{url}/org/analytics")
        assert "/login?next=/org/analytics" in anonymous.url


def test_the_json_answers_the_organisation_alone(site):
    url = site
    with httpx.Client(base_url=url) as client:

        def token(email, otp=None):
            data = {"username": email, "email": email, "password": PASSWORD, **({"otp": otp} if otp else {})}
            answer = client.post("/api/token", data=data)
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        northern = client.get("/api/organisations/analytics", headers=token("hr@northern.example"))
        assert northern.status_code == 200
        found = northern.json()
        assert found["shown"] and found["reason"] is None
        representation = next(t for t in found["tables"] if t["key"] == "representation")
        rct = next(r for r in representation["rows"] if r["label"] == "RCT")
        assert rct["cells"]["Total"]["value"] == 45
        asked = client.get(
            "/api/organisations/analytics", params={"from": "not-a-date"}, headers=token("hr@northern.example")
        )
        assert asked.status_code == 422 and "from" in asked.text

        small = client.get("/api/organisations/analytics", headers=token("office@small.example")).json()
        assert not small["shown"] and "Too few people" in small["reason"]
        assert all(not t["rows"] for t in small["tables"])

        registrar = token("registrar@example.org", second_factor.of(url, "registrar@example.org").code())
        assert client.get("/api/organisations/analytics", headers=registrar).status_code == 403
        assert client.get("/api/organisations/analytics", headers=token("person0@example.org")).status_code == 403
        assert client.get("/api/organisations/analytics").status_code == 401
