"""People see pages, programs see problems: in real headless Chromium an unknown registration number, an unknown
address, a staff page asked for by a registrant (403), a throttled page (429) and an unexpected error (500) each
show an error page in the site's style with the right status, free of serious accessibility violations and without
sideways scrolling at 1280, 390 and 320 pixels; the same addresses asked for with ``Accept: application/json`` give
RFC 9457 problem JSON. /docs and /redoc work with the network off (the browser reaches nothing but the test server).
Screenshots: test-artifacts/screenshots/errors-*.png."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy.exc

from ledger.api.error_pages import wants_html
from tests.builders.actors import PASSWORD
from tests.builders.browser import ARTIFACTS, chromium, screenshot, serious_accessibility_violations
from tests.builders.records import enrol
from tests.builders.servers import free_port, serving
from tests.builders.site import sign_in
from tests.conftest import MASTER_KEY

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
WIDTHS = (1280, 390, 320)
BOOM = "/test-only/boom"
DOWN = "/test-only/database-down"


def _site(folder: Any, rate_public_per_minute: int = 600) -> Iterator[tuple[str, Any]]:
    """A register on a real local server, its settings read as an operator gives them (the environment's names),
    with one registrant's account, and a route that fails unexpectedly (the 500 handler is what is tested)."""
    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings

    port = free_port()
    settings = Settings.from_env(
        {
            "REGLEDGER_DATABASE_URL": f"sqlite:///{folder / 'r.db'}",
            "REGLEDGER_MASTER_KEY": MASTER_KEY,
            "REGLEDGER_ISSUER_URL": f"http://127.0.0.1:{port}",
            "REGLEDGER_RATE_PUBLIC_PER_MINUTE": str(rate_public_per_minute),
        }
    )
    ledger = Ledger(settings)
    Accounts(ledger.engine).add(
        "rhiannon@example.org", PASSWORD, "registrant", registrant_id=enrol(ledger, "Rhiannon Ellis-Okafor")
    )
    app = create_app(ledger, worker="followers")

    def boom() -> None:
        raise RuntimeError("a fault nobody foresaw")

    def database_down() -> None:  # what SQLAlchemy raises when the database cannot be reached
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    app.add_api_route(BOOM, boom, include_in_schema=False)
    app.add_api_route(DOWN, database_down, include_in_schema=False)
    with serving(app, port) as url:
        yield url, ledger
    ledger.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from _site(tmp_path_factory.mktemp("errors"))


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory):
    """A register that lets one client ask for two public pages a minute."""
    yield from _site(tmp_path_factory.mktemp("errors-throttled"), rate_public_per_minute=2)


@pytest.fixture(scope="module")
def browser():
    """Chromium that can reach no host but this machine (its resolver finds no other name)."""
    with chromium(*OFFLINE) as launched:
        yield launched


def offline(context: Any, url: str) -> list[str]:
    """Every request to another host than the test server is refused; the list says which were tried."""
    tried: list[str] = []
    own = urlsplit(url).netloc

    def route(found: Any) -> None:
        if urlsplit(found.request.url).netloc == own or found.request.url.startswith(("data:", "blob:")):
            found.continue_()
        else:
            tried.append(found.request.url)
            found.abort()

    context.route("**/*", route)
    return tried


def look(page: Any, name: str) -> None:
    """No serious accessibility violation; screenshots at each width, none of which scrolls sideways."""
    assert serious_accessibility_violations(page) == [], name
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"errors-{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def problem_of(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "accept" in answer.headers["vary"].lower()
    found: dict[str, Any] = answer.json()
    assert found["status"] == status and found["title"] and found["detail"]
    return found


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER_ACCEPT, True),
        ("text/html", True),
        ("application/json;q=0.5, text/html", True),
        ("text/*;q=0.9, application/json;q=0.8", True),
        ("*/*", False),
        ("application/json", False),
        ("application/problem+json", False),
        (None, False),
        ("", False),
        ("text/html;q=0.5, application/json", False),
        ("text/html, application/json", False),  # a tie: the program's answer
        ("text/html;q=0, */*", False),
        ("text/html;q=nonsense", False),
        ("text/plain, */*;q=0.1", False),
        ("garbage, ;;, /, text/", False),
    ],
)
def test_html_only_for_a_client_that_prefers_it(accept, html):
    from starlette.requests import Request

    headers = [] if accept is None else [(b"accept", accept.encode())]
    assert wants_html(Request({"type": "http", "headers": headers})) is html


def test_people_get_pages_and_programs_get_problems(site, browser):
    from ledger.domain.regnumber import format_number

    url, _ = site
    unknown = format_number(9_999_999)
    context = browser.new_context()
    tried = offline(context, url)
    page = context.new_page()
    for name, path, words in (
        ("malformed-number", "/r/RCT-0000-0000", "is not a registration number"),
        ("unknown-number", f"/r/{unknown}", f"No registration numbered {unknown}."),
        ("unknown-address", "/nowhere/at-all", "There is no page at this address."),
    ):
        answer = page.goto(url + path)
        assert answer.status == 404 and answer.headers["content-type"].startswith("text/html"), name
        assert page.inner_text("h1") == "Page not found"
        assert words in page.inner_text(".error-detail")
        assert page.get_attribute(".error-next a[href='/register']", "href") == "/register"
        assert "accept" in answer.headers["vary"].lower() and "content-security-policy" in answer.headers
        assert "set-cookie" not in answer.headers  # an anonymous visit starts no session
        look(page, name)
        if name == "unknown-number":  # the number on one line, even at 320 pixels
            page.set_viewport_size({"width": 320, "height": 900})
            assert page.evaluate(
                "[...document.querySelectorAll('.error-detail .number')].map(n => n.getClientRects().length)"
            ) == [1]
            assert page.inner_text(".error-detail .number") == unknown
            page.set_viewport_size({"width": 1280, "height": 900})
        problem = problem_of(httpx.get(url + path, headers={"accept": "application/json"}), 404)
        assert problem["instance"] == path
    assert tried == []


def test_a_staff_page_asked_for_by_a_registrant(site, browser):
    url, _ = site
    page = sign_in(browser, url, "rhiannon@example.org")
    answer = page.goto(f"{url}/casework")
    assert answer.status == 403 and page.inner_text("h1") == "You cannot see this page"
    assert "this page is for the role registrar" in page.inner_text(".error-detail").lower()
    assert "rhiannon@example.org" in page.inner_text("main")
    assert page.get_attribute("main a:text('sign in with that account')", "href") == "/login?next=/casework"
    look(page, "forbidden")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    problem = problem_of(httpx.get(f"{url}/casework", headers={"accept": "application/json"}, cookies=cookies), 403)
    assert "you are signed in as registrant" in problem["detail"]
    assert page.errors == []


def test_a_throttled_page_says_when_to_try_again(slow_site, browser):
    url, _ = slow_site
    page = browser.new_context().new_page()
    answers = [page.goto(f"{url}/register") for _ in range(3)]
    assert [a.status for a in answers[:2]] == [200, 200]
    throttled = answers[2]
    assert throttled.status == 429
    wait = int(throttled.headers["retry-after"])
    assert 1 <= wait <= 60
    assert page.inner_text("h1") == "Too many requests"
    assert page.inner_text(".error-retry") == f"Try again in about {wait} second{'' if wait == 1 else 's'}."
    look(page, "throttled")
    refused = httpx.get(f"{url}/register", headers={"accept": "application/json"})
    assert "too many requests" in problem_of(refused, 429)["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_an_unexpected_error_gives_a_reference_that_is_logged(site, browser, caplog):
    url, _ = site
    caplog.set_level(logging.ERROR, logger="ledger.api.errors")
    page = browser.new_context().new_page()
    answer = page.goto(url + BOOM)
    assert answer.status == 500 and page.inner_text("h1") == "Sorry, there is a problem with the service"
    assert "content-security-policy" in answer.headers and answer.headers["x-frame-options"] == "DENY"
    reference = page.inner_text(".error-reference")
    assert len(reference) == 8
    look(page, "unexpected")
    problem = problem_of(httpx.get(url + BOOM, headers={"accept": "application/json"}), 500)
    assert problem["reference"] != reference and problem["reference"] in problem["detail"]
    logged = {r.getMessage(): r for r in caplog.records if r.name == "ledger.api.errors"}
    for each in (reference, problem["reference"]):
        record = next(r for message, r in logged.items() if each in message)
        assert record.exc_info and "a fault nobody foresaw" in str(record.exc_info[1])


def test_the_database_out_of_reach_and_a_body_too_large(site, browser):
    """503 while the database cannot be reached (the page asks nothing of it); 413 from the guard in front of the
    app, for a form sent with a body over the limit."""
    url, _ = site
    page = browser.new_context().new_page()
    answer = page.goto(url + DOWN)
    assert answer.status == 503 and answer.headers["retry-after"] == "2"
    assert page.inner_text("h1") == "Sorry, the service is unavailable"
    assert "Try again in about 2 seconds." in page.inner_text("main")
    look(page, "unavailable")
    assert problem_of(httpx.get(url + DOWN, headers={"accept": "application/json"}), 503)["detail"]

    page.goto(f"{url}/login")
    with page.expect_navigation() as sent:
        page.evaluate(
            """() => {
                const form = Object.assign(document.createElement("form"), {method: "post", action: "/login"});
                const note = Object.assign(document.createElement("textarea"), {name: "note"});
                note.value = "x".repeat(300000);
                form.append(note);
                document.body.append(form);
                form.submit();
            }"""
        )
    assert sent.value.status == 413 and page.inner_text("h1") == "What you sent is too large"
    assert "The request body is larger than 256 KB." in page.inner_text(".error-detail")
    look(page, "too-large")
    refused = httpx.post(f"{url}/login", content=b"x" * 300_000, headers={"accept": "application/json"})
    assert "larger than 256 KB" in problem_of(refused, 413)["detail"]


def test_the_api_documentation_works_with_the_network_off(site, browser):
    url, _ = site
    context = browser.new_context()
    tried = offline(context, url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    answer = page.goto(f"{url}/docs")
    csp = answer.headers["content-security-policy"]
    assert "http" not in csp and "cdn" not in csp
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 10
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "errors-docs.png"))  # the first screen: the page is long
    assert errors == []
    page.goto(f"{url}/redoc")
    page.wait_for_selector("h1")
    assert page.inner_text("h1").startswith("regledger")
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "errors-redoc.png"))
    # ReDoc's sidebar shows its maker's logo from their site: the policy refuses it, and nothing else fails
    assert tried == [] and [e for e in errors if "'https://cdn.redoc.ly/redoc/logo-mini.svg'" not in e] == []
    openapi = httpx.get(f"{url}/openapi.json").json()
    assert BOOM not in openapi["paths"] and not any(p.startswith(("/docs", "/redoc")) for p in openapi["paths"])


@pytest.mark.parametrize("state", ["none", "broken"])
def test_a_page_even_before_the_service_exists_or_when_it_is_broken(state):
    """An app with no service on its state (errors raised before it exists) renders the page from nothing; one whose
    state cannot be read falls back to the minimal page: never a blank one, never a 500."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ledger.api import problems

    app = FastAPI()
    problems.install(app)
    if state == "broken":
        app.state.service = object()  # no settings, no ledger: the template's context cannot be made

    @app.get("/gone")
    def gone() -> None:
        raise problems.Problem(404, "no registration numbered RG-0012345-67")

    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/gone", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text and "No registration numbered" in page.text
    assert ('href="/static/site.css"' in page.text) is (state == "none")  # the site's page, or the minimal one
    assert client.get("/gone").json()["detail"] == "no registration numbered RG-0012345-67"
