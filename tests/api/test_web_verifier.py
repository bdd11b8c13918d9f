"""The offline web verifier (verifier/web) in real headless Chromium: a QR badge link opens the page, which checks
the badge in the browser with WebCrypto against the trust bundle beside it, and shows the same verdict, in the same
words, as the Python verifier (``verifier.verify``) -- online, and again with the network gone, from what the
service worker kept. The page always checks as of its clock; tests that need another time set the browser's clock
(Playwright's ``page.clock``), never the page's address.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; without them the tests skip (or fail where
REGLEDGER_TEST_REQUIRE includes ``chromium``).

Here: badges in every state, online and offline; pasted credentials and garbage; only credentials verifying as
credentials; and the page's clock, which the address cannot change. The trust bundle the page is given (older,
forged, carrying its own root, stale, or with a compression bomb in a status list) is in
test_web_verifier_trust.py; the page, the servers and the browser they share are in tests/builders/web_verifier.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.builders.web_verifier import (
    VERDICT_TIMEOUT_MS,
    WEB,
    Problems,
    browser_fixture,  # noqa: F401 - the browser fixture
    failed,
    open_page,
    python_verdict,
    site_fixture,  # noqa: F401 - the site fixture
    wait_for_new_verdict,
)
from verifier.checks import NO_SUSPENSION_ENTRY

NOT_CHECKED_SUSPENSION = {"name": "suspension", "outcome": "not checked", "reason": NO_SUSPENSION_ENTRY}
"""The suspension check of the register's credentials (one status entry, for revocation), in Python and the browser."""
NAMED = {"tampered": "Vara Valid", "suspended": "Sam Suspended", "revoked": "Rex Removed"}
PLAIN_REASONS = {"tampered": ["key known"], "unknown key": ["key known"]}  # "changed, or not the register's"
EXPECTED_FAILURES = {
    "valid": [],
    "tampered": ["key known", "signature"],
    "expired": ["validity", "status freshness"],
    "suspended": ["revocation"],  # a suspension revokes the credentials the person holds, for good
    "revoked": ["revocation"],
    "unknown key": ["key known", "signature"],
}


def suspension_check(verdict: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in verdict["checks"] if c["name"] == "suspension")


def check_badges(context: Any, site: dict[str, Any], timings: dict[str, int]) -> None:
    for case, url in site["badges"].items():
        # The clock is the context's: once set, it stays set, so every page here sets its own (now, or the case's)
        at = site["times"].get(case) or datetime.now(UTC).replace(microsecond=0)
        verdict, ms, page = open_page(context, url, at)
        expected = python_verdict(url, site["bundle"], site["root"], at)
        assert verdict == expected, case  # every check, outcome and reason, the summary and the subject
        assert verdict["valid"] is (case == "valid"), case
        assert failed(verdict) == EXPECTED_FAILURES[case], case
        if case in ("valid", "suspended", "revoked"):  # signed and read: one status entry, for revocation
            assert suspension_check(verdict) == NOT_CHECKED_SUSPENSION, case  # in the browser's words as Python's
        state = page.get_attribute("#verdict", "data-state")
        assert state == ("valid" if case == "valid" else "invalid")
        # whose it is, also when it is not valid (then marked as what the credential says)
        assert page.inner_text("#subject-name") == NAMED.get(case, "Vera Valid"), case
        assert page.inner_text("#subject-lead") == ("It names:" if case == "valid" else "This credential names:")
        if case == "valid":
            assert page.inner_text("#summary") == (
                "This credential is genuine and current: the register issued it and has not withdrawn it."
            )
            assert page.is_hidden("#failed")
        else:
            assert page.is_hidden("#summary") and page.inner_text("#failed-lead") == "It is NOT valid:"
            said = [li.get_attribute("data-check") for li in page.query_selector_all("#failed-list li")]
            assert said == PLAIN_REASONS.get(case, EXPECTED_FAILURES[case]), case  # one sentence for the same reason
        if expected["status_as_of"] is not None:
            assert page.inner_text("#status-as-of").startswith("Status checked against the register's lists of ")
        assert page.is_hidden("#status-as-of") is (expected["status_as_of"] is None)
        timings[case] = ms
        page.close()


def test_badges_get_the_python_verdict_online_and_offline(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    problems = Problems(context)
    server = site["server"]
    try:
        online: dict[str, int] = {}
        check_badges(context, site, online)

        # the service worker is running and keeps the page, its scripts and the bundle
        page = context.new_page()
        page.goto(site["badges"]["valid"])
        page.wait_for_selector("html[data-offline=ready]", timeout=VERDICT_TIMEOUT_MS)
        kept = page.evaluate("""async () => {
            const names = [];
            for (const key of await caches.keys()) {
              for (const request of await (await caches.open(key)).keys()) names.push(new URL(request.url).pathname);
            }
            return names.sort();
        }""")
        assert kept == sorted(
            [
                "/v",
                "/verify.js",
                "/app.js",
                "/style.css",
                "/trust.jwt",
                "/root.json",
                "/vendor/barcode-detector.js",  # the QR reader, for browsers without their own
                "/vendor/zxing_reader.wasm",
            ]
        )
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        assert page.is_visible("#scan")  # no BarcodeDetector in this Chromium: the vendored reader scans
        page.close()

        context.set_offline(True)
        server.stop()  # and nothing answers any more
        offline: dict[str, int] = {}
        check_badges(context, site, offline)
        print(f"\nweb verifier, page load to verdict (ms): online {online}, offline {offline}")
    finally:
        context.set_offline(False)
        server.start()
        context.close()
    assert problems.seen == []


def test_pasted_credentials_and_garbage(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context()
    problems = Problems(context)
    try:
        page = context.new_page()
        page.goto(f"{site['server'].origin}/v")
        page.wait_for_selector("#trust-status:has-text('published')")
        assert page.inner_text(".site-header") == "Credential checker"  # standing alone: a neutral header
        for pasted in (site["full"], "garbage", f"  {site['badges']['suspended']}\n"):
            page.evaluate("document.getElementById('verdict').removeAttribute('data-ms')")
            page.fill("#token", pasted)
            page.click("#check")
            page.wait_for_selector("#verdict[data-ms]")
            verdict = page.evaluate("window.regverifyResult")
            assert verdict == python_verdict(pasted, site["bundle"], site["root"], None)
        verdict = page.evaluate("window.regverifyResult")  # the suspended badge's link, pasted
        assert failed(verdict) == ["revocation"] and verdict["summary"].startswith("Not valid: revoked (status as of")
        assert suspension_check(verdict) == NOT_CHECKED_SUSPENSION
        page.fill("#token", site["full"])
        page.click("#check")
        page.wait_for_selector("#verdict[data-state=valid]")
        assert page.inner_text("#subject-number").startswith("RG-")
        assert suspension_check(page.evaluate("window.regverifyResult")) == NOT_CHECKED_SUSPENSION

        page.fill("#token", "garbage")
        page.click("#check")
        page.wait_for_selector("#verdict[data-state=invalid]")
        verdict = page.evaluate("window.regverifyResult")
        assert verdict["kind"] is None and failed(verdict) == ["format"]
        assert {c["outcome"] for c in verdict["checks"][1:]} == {"not checked"}
        assert page.inner_text("#summary") == "This is not a credential the register issued, or it cannot be read."
        assert page.is_hidden("#subject")  # nothing named: nothing shown
    finally:
        context.close()
    assert problems.seen == []  # bad input is a failed check, never an exception


def test_the_address_cannot_change_the_time(browser: Any, site: dict[str, Any]) -> None:
    """The attack: /v?at=<a date after expiry> made the page check as of that date (an expired badge showed Valid,
    given a date before its expiry). The page no longer reads the query: it checks as of its clock."""
    origin, compact = site["server"].origin, site["vera"].compact
    before = (site["later"] - timedelta(days=800)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = site["later"].strftime("%Y-%m-%dT%H:%M:%SZ")
    context = browser.new_context()
    problems = Problems(context)
    try:
        for query in (f"at={after}", f"at={before}", "at=yesterday", f"x=1&at={after}"):
            url = f"{origin}/v?{query}#{compact}"
            verdict, _, page = open_page(context, url)
            assert verdict == python_verdict(url, site["bundle"], site["root"], None)  # now, as Python says
            assert verdict["valid"] is True and page.get_attribute("#verdict", "data-state") == "valid"
            page.close()
        # a badge past its expiry, by the clock, is not made valid by a date in the address either
        url = f"{origin}/v?at={before}#{compact}"
        verdict, _, page = open_page(context, url, site["later"])
        assert verdict == python_verdict(url, site["bundle"], site["root"], site["later"])
        assert verdict["valid"] is False and "validity" in failed(verdict)
        page.close()
    finally:
        context.close()
    assert problems.seen == []
    assert "URLSearchParams" not in (WEB / "app.js").read_text()  # nothing in the page reads the query's values


def _altered_last_character(token: str) -> str:
    """The token with its signature's last base64url character spelt otherwise, the bytes unchanged ('Q' -> 'R')."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert token[-1] in "AQgw"  # 64 bytes in 86 characters: the last one's 4 low bits are unused
    return token[:-1] + alphabet[alphabet.index(token[-1]) + 1]


def test_only_credentials_verify_as_credentials_in_the_browser(browser: Any, site: dict[str, Any]) -> None:
    """The attacks: the register's own status list (signed by its key) pasted as a credential; a badge and a
    credential whose signature's last character is spelt otherwise (the same bytes). Each verified; each is now a
    failed format check, in Python's words."""
    origin, vera = site["server"].origin, site["vera"]
    head, body, signature = vera.compact.split(".")
    context = browser.new_context()
    problems = Problems(context)
    try:
        page = context.new_page()
        page.goto(f"{origin}/v")
        page.wait_for_selector("#trust-status:has-text('published')")
        pasted = {
            "status list": (site["status_list"], "this is a status list, not a credential about a person"),
            "full, respelt": (
                _altered_last_character(vera.full),
                "the token signature is not canonical base64url text (its last character was altered)",
            ),
        }
        for case, (token, reason) in pasted.items():
            verdict = wait_for_new_verdict(page, lambda token=token: (page.fill("#token", token), page.click("#check")))
            assert verdict == python_verdict(token, site["bundle"], site["root"], None), case
            assert verdict["valid"] is False and failed(verdict) == ["format"], case
            assert verdict["checks"][0]["reason"] == reason, case
            assert page.inner_text("#failed-list") == f"it cannot be read as a credential: {reason}", case
        page.close()
        url = f"{origin}/v#{head}.{body}.{_altered_last_character(signature)}"
        verdict, _, page = open_page(context, url)
        assert verdict == python_verdict(url, site["bundle"], site["root"], None)
        assert failed(verdict) == ["format"] and "not canonical base64url" in verdict["summary"]
        assert page.get_attribute("#verdict", "data-state") == "invalid"
    finally:
        context.close()
    assert problems.seen == []
