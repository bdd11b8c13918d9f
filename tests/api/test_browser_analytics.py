"""The auditor opens /analytics in real headless Chromium: the charts load as images under the page's strict CSP (no
script anywhere), each says what it shows and where figures were suppressed, the tables mark suppressed cells in
words, the dates asked for snap to whole blocks, and the CSV downloads. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ledger.app.accounts import Accounts
from tests.builders import second_factor
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.servers import free_port, serving
from tests.builders.world import LOWER, PROFESSIONAL, TODAY, world

PASSWORD = "correct horse battery staple"
NEW_CHARTS = (
    "working_pattern_outcomes",
    "working_pattern_progression",
    "band_by_sex",
    "band_by_ethnic_group",
    "feedback",
    "advanced_level",
    "award_rate_by_sex",
    "award_rate_by_ethnic_group",
)


@pytest.fixture
def site(tmp_path):
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path / "r.db"
    world(
        path,
        [PROFESSIONAL] * 25 + [LOWER] * 20 + ["clerical"] * 6 + [None] * 6,
        LOWER,
        target_decided=date(2025, 2, 20),
        target_route="equivalency",
    ).close()
    port = free_port()
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"),
        clock=SettableClock(TODAY),
    )
    Accounts(ledger.engine).add("auditor@example.org", PASSWORD, "auditor")
    Accounts(ledger.engine).add("admin@example.org", PASSWORD, "admin")
    for staff in ("auditor@example.org", "admin@example.org"):
        second_factor.set_up(ledger, staff)  # staff sign in with a code
    with serving(create_app(ledger, worker="followers"), port) as url:
        yield url
    ledger.close()


def sign_in(browser, url, email):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.messages = []
    page.on("console", lambda message: page.messages.append(message.text))
    page.on("pageerror", lambda error: page.messages.append(str(error)))
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    factor = second_factor.of(url, email)
    if factor is not None and page.url.endswith("/login/code"):
        page.fill("#code", factor.code())
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    return page


def test_the_auditor_reads_the_progression_and_fairness_page(site):
    url = site
    with chromium() as browser:
        page = sign_in(browser, url, "auditor@example.org")
        page.goto(f"{url}/analytics")
        assert page.title().startswith("Progression and fairness")
        screenshot(page, "analytics-01-page")
        assert page.locator("script").count() == 0
        figures = page.locator("figure.chart")
        assert figures.count() >= 3
        sizes = page.evaluate(
            "Array.from(document.querySelectorAll('figure.chart img'))"
            ".map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt.length])"
        )
        assert all(done and width > 300 and height > 150 and alt > 40 for done, width, height, alt in sizes), sizes
        captions = page.locator("figure.chart figcaption").all_inner_texts()
        assert all(
            "Period:" in c and ("Suppressed" in c or "No figure in this chart was suppressed" in c) for c in captions
        ), captions
        outcomes = page.locator("#chart-outcomes figcaption").inner_text()
        assert "Suppressed (too few people to show): " in outcomes and "Equivalency" in outcomes
        page.locator("#chart-outcomes").screenshot(path=str(_artifact("analytics-02-outcomes-chart.png")))
        # tables: suppressed cells say so, in words
        parity = page.locator("#table-parity")
        assert "suppressed" in parity.inner_text()
        assert page.locator("td.suppressed").count() > 5
        assert page.locator("td.suppressed").first.inner_text() == "suppressed"
        assert "2025 Q1" in page.locator("#table-outcomes .period").inner_text()
        assert not [m for m in page.messages if "Content Security Policy" in m or "Refused" in m], page.messages

        # dates asked for snap outwards to whole blocks
        page.fill("input[name=from]", "2025-02-10")
        page.fill("input[name=to]", "2025-02-11")
        page.click("text=Show")
        page.wait_for_load_state()
        assert "from=2025-02-10" in page.url
        assert "2025-01-01 to 2025-03-31" in page.locator("#table-outcomes .period").inner_text()
        screenshot(page, "analytics-03-filtered")

        # the CSV download carries the same figures and says which were suppressed
        with page.expect_download() as download:
            page.click("text=Download CSV")
        body = download.value.path().read_text()
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows and {r["table"] for r in rows} >= {"representation", "outcomes", "parity", "response"}
        assert any(r["suppressed"] == "yes" and r["shown"] == "suppressed" and r["value"] == "" for r in rows)
        assert all(r["period_from"] == "2025-01-01" for r in rows if r["table"] == "outcomes")

        # the fairness charts: each an image with alt text saying what it compares, and suppression in words
        page.goto(f"{url}/analytics")
        # nobody here has moved up a level yet: that table is not reported, so it has no chart
        assert "Not reported yet" in page.locator("#table-working_pattern_progression").inner_text()
        assert page.locator("#chart-working_pattern_progression").count() == 0
        for key in (k for k in NEW_CHARTS if k != "working_pattern_progression"):
            chart = page.locator(f"#chart-{key}")
            assert chart.count() == 1, key
            alt = chart.locator("img").get_attribute("alt") or ""
            assert len(alt) > 80 and "Period:" in alt, (key, alt)
            assert "suppressed" in alt.lower(), (key, alt)
        # nobody in this register gave their sex: every bar of the sex intersection is suppressed, and says so
        assert "Female" in page.locator("#chart-award_rate_by_sex figcaption").inner_text()
        assert serious_accessibility_violations(page) == []
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (width, overflow)  # tables scroll in their own box; the page never does
            screenshot(page, f"analytics-04-fairness-{width}")
            page.locator("#chart-feedback").screenshot(path=str(_artifact(f"analytics-05-feedback-chart-{width}.png")))

        admin = sign_in(browser, url, "admin@example.org")
        answer = admin.goto(f"{url}/analytics")
        assert answer.status == 403  # the registrar and the auditor only


def _artifact(name):
    from tests.builders.browser import ARTIFACTS

    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
