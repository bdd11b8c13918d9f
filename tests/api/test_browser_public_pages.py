"""The public pages an employer trusts at a glance, in real headless Chromium: the body's identity on every page; a
registered, a suspended, a lapsed, a removed and a resigned registrant's page (the banner and what it means, the
time checked, the levels held, sharing only while registered, the downloads refusing otherwise); the register
search with no query, none found and many; the body's privacy, accessibility and complaints pages. Every public
page passes axe-core and fits 1280, 390 and 320 pixels without scrolling sideways (screenshots in
test-artifacts/screenshots/, prefix ``public-``), and prints without its navigation.

One register and one browser for the module: the people are made through the ledger's own commands on a settable
clock, then served on a real local server whose followers issue their credentials."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import assessed, assessors, enrol, submitted
from tests.builders.servers import free_port, serving

WIDTHS = (1280, 390, 320)
NOW = datetime(2026, 6, 10, 14, 5, tzinfo=UTC)  # 15:05 in London (summer time)


def _award(ledger, clock, registrant, on, level="RCT", pair=None):
    clock.set(on)
    application = submitted(ledger, registrant, level)
    assessed(ledger, application, pair)
    return ledger.decide(application, "award", "", "registrar")


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """(url, ledger, clock, numbers by name): a register with one person in each status, and more to search."""
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    port = free_port()
    clock = SettableClock(date(2025, 1, 10))
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path_factory.mktemp('public') / 'r.db'}",
            master_key=MASTER_KEY,
            issuer_url=f"http://127.0.0.1:{port}",
        ),
        clock=clock,
        rng=random.Random(18),
    )
    pair = assessors(ledger)
    people = {
        name: enrol(ledger, name, email=f"{name.split()[0].lower()}@example.org")
        for name in ("Priya Shah", "Dina Young", "Lee Lapsed", "Rae Removed", "Sam Resigned")
    }
    numbers = {}
    numbers["Lee Lapsed"] = _award(ledger, clock, people["Lee Lapsed"], date(2025, 1, 10), pair=pair)
    numbers["Priya Shah"] = _award(ledger, clock, people["Priya Shah"], date(2025, 3, 12), pair=pair)
    numbers["Rae Removed"] = _award(ledger, clock, people["Rae Removed"], date(2025, 4, 1), pair=pair)
    numbers["Dina Young"] = _award(ledger, clock, people["Dina Young"], date(2025, 6, 2), pair=pair)
    numbers["Sam Resigned"] = _award(ledger, clock, people["Sam Resigned"], date(2025, 7, 7), pair=pair)
    clock.set(date(2026, 2, 15))  # past Lee's due date (10 January) and the 30 days' grace
    ledger.lapse(people["Lee Lapsed"])
    _award(ledger, clock, people["Priya Shah"], date(2026, 3, 12), "RCP", pair=pair)
    clock.set(date(2026, 4, 20))
    ledger.remove(people["Rae Removed"], "Falsified evidence in an application.", "registrar")
    clock.set(date(2026, 5, 3))
    ledger.suspend(people["Dina Young"], "Under investigation by the conduct committee.", "registrar")
    clock.set(date(2026, 5, 10))
    ledger.resign(people["Sam Resigned"])
    for i, name in enumerate(("Anna Shahid", "Omar Shahzad", "Ria Shahani", "Tom Marsh", "Ash Shaw", "Shahla Ng")):
        numbers[name] = _award(
            ledger, clock, enrol(ledger, name, email=f"p{i}@example.org"), date(2026, 5, 20), pair=pair
        )
    clock.set(NOW)
    with serving(create_app(ledger, worker="followers"), port) as url:
        _wait_for_credentials(url, [numbers[name] for name in ("Priya Shah", "Anna Shahid")])
        yield url, ledger, clock, numbers
    ledger.close()


def _wait_for_credentials(url, numbers):
    import time

    deadline = time.monotonic() + 30
    for number in numbers:
        while httpx.get(f"{url}/r/{number}/credential.jwt").status_code != 200:
            assert time.monotonic() < deadline, f"no credential was issued for {number}"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def browser():
    with chromium() as found:
        yield found


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    found = context.new_page()
    found.errors = []
    found.on("pageerror", lambda error: found.errors.append(str(error)))
    yield found
    assert not found.errors
    context.close()


def look(page, name):
    """axe-core finds nothing serious; a screenshot at each width; no sideways scrolling at any."""
    assert serious_accessibility_violations(page) == [], name
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"public-{name}-{width}")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} scrolls sideways at {width} px ({scroll} > {inner})"
    page.set_viewport_size({"width": 1280, "height": 900})


def banner(page):
    return " ".join(page.inner_text(".standing").split())


# -- a registrant's page


def test_a_registered_persons_page_says_so_offers_sharing_and_shows_the_levels_held(public, page):
    url, ledger, clock, numbers = public
    number = numbers["Priya Shah"]
    page.goto(f"{url}/r/{number}")
    assert " ".join(page.inner_text("h1").split()) == "Priya Shah RCP"
    assert page.title().startswith("Priya Shah RCP: ")
    said = banner(page)
    assert "Priya Shah is registered as a Registered Creative Practitioner (RCP) until 12 March 2027." in said
    assert "two independent assessors judged their evidence" in said
    assert "Checked against the register at 15:05 (UK time) on 10 June 2026." in said
    assert page.get_attribute(".checked time", "datetime") == "2026-06-10T14:05:00+00:00"
    history = [" ".join(row.split()) for row in page.locator(".history tbody tr").all_inner_texts()]
    assert history == [
        "Registered Creative Technician (RCT) 12 March 2025 12 March 2026 (a higher level awarded)",
        "Registered Creative Practitioner (RCP) 12 March 2026 Now",
    ]
    assert page.get_attribute(".facts a[href^='/skills']", "href") == "/skills#RCP"
    main = page.inner_text("main")
    assert "Add to LinkedIn profile" in main and "Download the QR badge (.png)" in main
    assert page.locator(".sharing img[src$='/badge.svg']").count() == 1
    certificate = page.get_attribute(".sharing a:has-text('certificate')", "href")
    assert certificate == f"/r/{number}/certificate.pdf"
    assert httpx.get(f"{url}{certificate}").headers["content-type"] == "application/pdf"
    with page.expect_download() as download:
        page.click("text=Download the QR badge (.png)")
    assert download.value.suggested_filename == f"{number}-badge.png"
    with page.expect_download() as download:
        page.click("text=Download the signed credential (.jwt)")
    assert download.value.suggested_filename == f"{number}-credential.jwt"
    assert download.value.path().read_text().count(".") == 2
    look(page, "registered")

    page.click(".facts a[href='/skills#RCP']")
    page.wait_for_url("**/skills#RCP")
    assert page.locator("#RCP").is_visible()


def test_the_time_checked_is_the_time_of_each_request_even_from_the_remembered_page(public):
    url, ledger, clock, numbers = public
    path = f"{url}/r/{numbers['Priya Shah']}"
    first = httpx.get(path).text
    clock.set(NOW + timedelta(minutes=47))
    try:
        second = httpx.get(path).text
    finally:
        clock.set(NOW)
    assert ">15:05 (UK time) on 10 June 2026</time>" in first
    assert ">15:52 (UK time) on 10 June 2026</time>" in second
    assert first.replace("15:05", "15:52").replace("14:05:00", "14:52:00") == second  # the same page otherwise


NOT_CURRENT = {
    "Dina Young": (
        "Dina Young is not currently registered: suspended since 3 May 2026.",
        "The registrar has stopped this registration for a time",
        "Registered Creative Technician (RCT) 2 June 2025 Now (suspended)",
    ),
    "Lee Lapsed": (
        "Lee Lapsed is not currently registered: lapsed since 15 February 2026.",
        "A lapse is not a finding about their conduct",
        "Registered Creative Technician (RCT) 10 January 2025 15 February 2026 (lapsed)",
    ),
    "Rae Removed": (
        "Rae Removed is not currently registered: removed on 20 April 2026.",
        "every credential issued to them before the removal is revoked",
        "Registered Creative Technician (RCT) 1 April 2025 20 April 2026 (removed)",
    ),
    "Sam Resigned": (
        "Sam Resigned is not currently registered: resigned on 10 May 2026.",
        "Resigning says nothing against them",
        "Registered Creative Technician (RCT) 7 July 2025 10 May 2026 (resigned)",
    ),
}


@pytest.mark.parametrize("name", NOT_CURRENT)
def test_a_person_not_currently_registered_is_shown_so_without_letters_or_sharing(public, page, name):
    url, ledger, clock, numbers = public
    number = numbers[name]
    line, meaning, held = NOT_CURRENT[name]
    page.goto(f"{url}/r/{number}")
    assert page.inner_text("h1").strip() == name  # no post-nominal
    assert "RCT" not in page.title()
    said = banner(page)
    assert line in said and meaning in said and "Checked against the register at 15:05" in said
    assert [" ".join(row.split()) for row in page.locator(".history tbody tr").all_inner_texts()] == [held]
    main = page.inner_text("main")
    assert "Add to LinkedIn" not in main and "Download" not in main and "is registered as" not in main
    assert page.locator("img[src*='/badge.']").count() == 0
    assert "No badge, credential or certificate is offered while the registration is not current" in main
    for download in ("badge.png", "badge.svg", "credential.jwt", "credential.json"):
        answer = httpx.get(f"{url}/r/{number}/{download}", headers={"Accept": "application/json"})
        assert answer.status_code == 409, (download, answer.status_code)
        assert f"{number} is not currently registered" in answer.json()["detail"]
    look(page, name.split()[1].lower())


def test_a_registered_persons_downloads_are_named_after_their_number(public):
    url, ledger, clock, numbers = public
    number = numbers["Priya Shah"]
    for download, media_type in (
        ("badge.png", "image/png"),
        ("badge.svg", "image/svg+xml"),
        ("credential.jwt", "application/vc+jwt"),
        ("credential.json", "application/json"),
    ):
        answer = httpx.get(f"{url}/r/{number}/{download}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type)
        stem, _, fmt = download.partition(".")
        assert answer.headers["content-disposition"] == f'attachment; filename="{number}-{stem}.{fmt}"'


def test_a_registrant_page_prints_without_navigation_or_sharing(public, page):
    url, ledger, clock, numbers = public
    number = numbers["Priya Shah"]
    page.goto(f"{url}/r/{number}")
    page.emulate_media(media="print")
    for hidden in (".site-nav", ".footer-nav", ".sharing", ".skip"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator(".standing").is_visible()
    assert page.inner_text(".print-only") == f"This page: {url}/r/{number}"
    colour = page.evaluate("getComputedStyle(document.querySelector('.standing-line')).color")
    assert colour == "rgb(0, 0, 0)"
    screenshot(page, "public-registered-print")
    page.emulate_media(media="screen")
    assert page.locator(".site-nav").is_visible() and not page.locator(".print-only").is_visible()


# -- the register search


def test_the_register_with_no_query_says_how_to_search_and_counts_each_level(public, page):
    url, ledger, clock, numbers = public
    page.goto(f"{url}/register")
    main = page.inner_text("main")
    assert "How to search" in main and "A number finds its holder" in main
    counts = [" ".join(t.split()) for t in page.locator(".counts li").all_inner_texts()]
    # registered now: Priya (RCP) and the six searched for; the suspended, lapsed, removed and resigned are not counted
    assert counts == [
        "6 Registered Creative Technician (RCT)",
        "1 Registered Creative Practitioner (RCP)",
        "0 Advanced Creative Practitioner (ACP)",
    ]
    look(page, "register-empty")
    page.click(".counts a:has-text('(RCP)')")
    page.wait_for_load_state()
    assert page.locator(".results tbody tr").count() == 1 and "Priya Shah" in page.inner_text(".results")


def test_none_found_says_what_to_try(public, page):
    url, ledger, clock, numbers = public
    page.goto(f"{url}/register?query=Zebedee&level=ACP")
    notice = page.inner_text(".notice")
    assert "No one found for “Zebedee”" in notice
    assert "part of the name" in notice and "RG, seven digits and two check digits" in notice
    assert page.get_attribute(".notice a", "href") == "/register?query=Zebedee"  # the filters cleared
    look(page, "register-none")
    page.click(".notice a")
    page.wait_for_load_state()
    assert page.url.endswith("/register?query=Zebedee") and "No one found" in page.inner_text("main")

    page.goto(f"{url}/register?query=RG-0012345-21")  # the right shape, the wrong check digits
    notice = page.inner_text(".notice")
    assert "That is not a valid registration number" in notice and "fails its check digits" in notice


def test_many_found_read_as_cards_on_a_phone_with_numbers_whole_and_status_in_words(public, page):
    url, ledger, clock, numbers = public
    page.goto(f"{url}/register?query=sha")
    assert "6 people found." in page.inner_text(".result-count")
    names = page.locator(".results .result-name").all_inner_texts()
    assert names == ["Anna Shahid", "Ash Shaw", "Omar Shahzad", "Priya Shah", "Ria Shahani", "Shahla Ng"]
    page.goto(f"{url}/register?status=suspended")
    assert page.locator(".results .status-word").all_inner_texts() == ["Suspended"]
    page.goto(f"{url}/register?query=a")
    statuses = set(page.locator(".results .status-word").all_inner_texts())
    assert statuses == {"Registered", "Suspended", "Lapsed", "Removed", "Resigned"}
    look(page, "register-many")
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("getComputedStyle(document.querySelector('.results tr')).display") == "block"  # cards
        heights = page.evaluate(
            "[...document.querySelectorAll('.results td.nowrap')].map(td => "
            "[td.scrollWidth <= td.clientWidth, getComputedStyle(td).whiteSpace])"
        )
        assert heights and all(fits and space == "nowrap" for fits, space in heights), (width, heights)
    page.goto(f"{url}/register?query={numbers['Dina Young']}")
    assert page.locator(".results .result-name").all_inner_texts() == ["Dina Young"]


def test_the_search_form_lays_out_cleanly_at_every_width(public, page):
    url, ledger, clock, numbers = public
    page.goto(f"{url}/register")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        boxes = page.evaluate(
            "[...document.querySelectorAll('.search-full input, .search-full select, .search-full button')]"
            ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })"
        )
        assert all(0 <= left and right <= width for left, right in boxes), (width, boxes)
    page.set_viewport_size({"width": 1280, "height": 900})
    tops = page.evaluate(
        "['#level', '#discipline', '#status', '.search-full button'].map(s => "
        "Math.round(document.querySelector(s).getBoundingClientRect().bottom))"
    )
    assert len(set(tops)) == 1, tops  # the filters and the button in one row on a wide screen


# -- the body's identity, and every public page


def test_every_page_carries_the_bodys_identity(public, page):
    url, ledger, clock, numbers = public
    body = ledger.settings.body
    page.goto(f"{url}/")
    assert page.get_attribute(".brand img", "alt") == body.name
    assert page.inner_text(".site-header .brand") == body.name
    assert page.get_attribute(".brand img", "src") == "/logo.svg"
    assert page.evaluate("document.querySelector('.brand img').naturalWidth") > 0  # the logo loaded
    icons = page.evaluate("[...document.querySelectorAll('link[rel=icon]')].map(l => l.getAttribute('href'))")
    assert icons == ["/favicon.ico", "/favicon.svg"]
    footer = page.inner_text(".site-footer")
    assert body.address[1] in footer and body.email in footer and "version" in footer
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.locator(".brand-short").is_visible() and not page.locator(".brand-name").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".brand-name").is_visible()
    for path, heading, field in (
        ("/privacy", "Privacy notice", body.privacy),
        ("/accessibility", "Accessibility statement", body.accessibility),
        ("/complaints", "Complaints", body.complaints),
    ):
        page.click(f".footer-nav a[href='{path}']")
        page.wait_for_url(f"**{path}")
        assert page.inner_text("h1") == heading
        assert page.locator(".about > p:not(.caption):not(.help)").all_inner_texts() == list(field)


def test_the_home_page_searches_explains_the_levels_and_points_to_the_verifier(public, page):
    url, ledger, clock, numbers = public
    page.goto(f"{url}/")
    assert [" ".join(t.split()) for t in page.locator(".level-cards h3").all_text_contents()] == [
        "Step 1 Registered Creative Technician (RCT)",
        "Step 2 Registered Creative Practitioner (RCP)",
        "Step 3 Advanced Creative Practitioner (ACP)",
    ]
    assert page.get_attribute(".home-split a.button", "href") == "/v"
    page.fill("#query", "Priya")
    page.click("text=Search the register >> nth=-1")
    page.wait_for_url("**/register?query=Priya")
    assert page.locator(".results .result-name").all_inner_texts() == ["Priya Shah"]


PAGES = {
    "home": "/",
    "skills": "/skills",
    "privacy": "/privacy",
    "accessibility": "/accessibility",
    "complaints": "/complaints",
    "login": "/login",
    "signup": "/signup",
}


@pytest.mark.parametrize("name", PAGES)
def test_every_other_public_page_is_accessible_and_fits_a_phone(public, page, name):
    url, *_ = public
    page.goto(f"{url}{PAGES[name]}")
    assert page.locator(".site-header .brand").count() == 1 and page.locator(".site-footer address").count() == 1
    look(page, name)
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
