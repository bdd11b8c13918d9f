"""The offline web verifier (verifier/web) in real headless Chromium: a QR badge link opens the page, which checks
the badge in the browser with WebCrypto against the trust bundle beside it, and shows the same verdict, in the same
words, as the Python verifier (``verifier.verify``) -- online, and again with the network gone, from what the
service worker kept. The page always checks as of its clock; tests that need another time set the browser's clock
(Playwright's ``page.clock``), never the page's address.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; without them the tests skip (or fail where
REGLEDGER_TEST_REQUIRE includes ``chromium``).
"""

from __future__ import annotations

import base64
import functools
import gzip
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import MASTER_KEY, ROOT, unavailable

CHROMIUM = Path("/usr/bin/chromium")
WEB = ROOT / "verifier" / "web"
PAGE_FILES = ("index.html", "verify.js", "app.js", "sw.js", "style.css")
VERDICT_TIMEOUT_MS = 15_000
# The page's Content-Security-Policy forbids eval, so the tests wait on selectors, never on page.wait_for_function.


# -- a small web server for a copy of verifier/web, the badge page at /v
class _Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        if path.split("?", 1)[0].split("#", 1)[0] == "/v":
            path = "/index.html"
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class Site:
    """The page's directory served at http://127.0.0.1:<port>; it can go down (connections refused) and come back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._server = self._serve(0)
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"

    def _serve(self, port: int) -> http.server.ThreadingHTTPServer:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(_Handler, directory=str(self.directory))
        )
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def start(self) -> None:
        if self._server is None:
            self._server = self._serve(self.port)

    def publish(self, bundle: str, root: dict[str, Any]) -> None:
        (self.directory / "trust.jwt").write_text(bundle + "\n")
        (self.directory / "root.json").write_text(json.dumps(root))


# -- the register's side: badges in every state, and the bundles that describe them
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _tampered(compact: str) -> str:
    """The badge with the holder's name altered in its payload, the signature left as it was."""
    header, payload, signature = compact.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["n"] = claims["n"].replace("Vera", "Vara")
    return ".".join((header, _b64(json.dumps(claims, separators=(",", ":")).encode()), signature))


def _altered_last_character(token: str) -> str:
    """The token with its signature's last base64url character spelt otherwise, the bytes unchanged ('Q' -> 'R')."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert token[-1] in "AQgw"  # 64 bytes in 86 characters: the last one's 4 low bits are unused
    return token[:-1] + alphabet[alphabet.index(token[-1]) + 1]


def _signed_by_another_key(compact: str) -> str:
    from credentials.compact import sign_compact
    from credentials.keys import generate_key

    return sign_compact(jwt.decode(compact, options={"verify_signature": False}), generate_key("ES256"))


def _with_bombed_revocation_list(ledger: Any, bundle: str) -> str:
    """The bundle again, its revocation list now 16 MiB of zeros in 16 KB of GZIP, signed as the register signs."""
    from credentials.jwt_sign import sign_jws
    from credentials.trust import sign_trust_bundle
    from ledger.processes.keyring import Keyring

    payload = jwt.decode(bundle, options={"verify_signature": False})
    document = jwt.decode(payload["status_lists"]["revocation"], options={"verify_signature": False})
    document["credentialSubject"]["encodedList"] = "u" + _b64(gzip.compress(bytes(16 * 1024 * 1024), mtime=0))
    keyring = Keyring(ledger)
    payload["status_lists"]["revocation"] = sign_jws(document, keyring.active().signing_key, typ="vc+jwt")
    return sign_trust_bundle(payload, keyring.active("root").signing_key)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from credentials.achievement import sign_credential_jwt
    from credentials.keys import generate_key
    from credentials.trust import sign_trust_bundle
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.processes.issuance import CredentialIssuer
    from ledger.processes.keyring import Keyring
    from ledger.processes.publication import Publisher
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.sharing import current_credential
    from ledger.settings import Settings
    from tests.builders.records import awarded

    directory = tmp_path_factory.mktemp("web")
    for name in PAGE_FILES:
        shutil.copy(WEB / name, directory / name)
    server = Site(directory)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = SettableClock(now - timedelta(hours=3))
    database = tmp_path_factory.mktemp("ledger") / "regledger.db"
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{database}", master_key=MASTER_KEY, issuer_url=server.origin), clock=clock
    )
    try:
        people = {name: awarded(ledger, name) for name in ("Vera Valid", "Sam Suspended", "Rex Removed")}
        CredentialIssuer(ledger).catch_up()
        ProjectionRunner(ledger).catch_up()
        shared = {name: current_credential(ledger, number) for name, (_, number) in people.items()}
        publisher = Publisher(ledger)
        older_bundle = publisher.trust_bundle()
        clock.advance(timedelta(hours=1))
        ledger.suspend(people["Sam Suspended"][0], "Under investigation.", "registrar")
        ledger.remove(people["Rex Removed"][0], "Struck off.", "registrar")
        ProjectionRunner(ledger).catch_up()
        bundle = Publisher(ledger).trust_bundle()  # a new bundle after the status changes
        root = publisher.root_jwk()
        server.publish(bundle, root)
        vera = shared["Vera Valid"]
        expires = datetime.fromtimestamp(jwt.decode(vera.compact, options={"verify_signature": False})["exp"], UTC)
        later = expires + timedelta(days=1)
        badges = {
            "valid": vera.badge_url,
            "tampered": f"{server.origin}/v#{_tampered(vera.compact)}",
            "expired": vera.badge_url,  # opened with the browser's clock a day past its expiry (times, below)
            "suspended": shared["Sam Suspended"].badge_url,
            "revoked": shared["Rex Removed"].badge_url,
            "unknown key": f"{server.origin}/v#{_signed_by_another_key(vera.compact)}",
        }
        payload = jwt.decode(bundle, options={"verify_signature": False})
        generic = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": server.origin,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:1"},
        }
        yield {
            "server": server,
            "bundle": bundle,
            "older_bundle": older_bundle,
            "root": root,
            "badges": badges,
            "times": {"expired": later},
            "later": later,
            "vera": vera,
            "full": vera.full,
            "bomb_bundle": _with_bombed_revocation_list(ledger, bundle),
            "forged_bundle": sign_trust_bundle(payload, generate_key()),
            "status_list": payload["status_lists"]["revocation"],
            "generic": sign_credential_jwt(generic, Keyring(ledger).active().signing_key, issued_at=now),
        }
    finally:
        server.stop()
        ledger.close()


# -- the browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable("chromium", f"there is no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("chromium", "the playwright package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


class Problems:
    """Uncaught exceptions and console errors of every page of a browser context."""

    def __init__(self, context: Any) -> None:
        self.seen: list[str] = []
        context.on("page", self.watch)

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: uncaught {error}"))
        page.on(
            "console",
            lambda message: (
                self.seen.append(f"{page.url}: console {message.text}") if message.type == "error" else None
            ),
        )


def python_verdict(
    token: str, bundle: str, root: dict[str, Any], at: datetime | None, max_status_age: timedelta | None = None
) -> dict[str, Any]:
    from verifier import DEFAULT_MAX_STATUS_AGE, load_trust, verify

    at = at or datetime.now(UTC)
    return verify(
        token, load_trust(bundle, root=root, at=at), at=at, max_status_age=max_status_age or DEFAULT_MAX_STATUS_AGE
    ).to_json()


def open_page(context: Any, url: str, at: datetime | None = None) -> tuple[dict[str, Any], int, Any]:
    """Open ``url`` in a new page, the browser's clock fixed at ``at`` if given (Playwright's clock is the whole
    context's, and stays set for its later pages), and wait for the verdict: (the page's result as Python's to_json,
    ms, page)."""
    page = context.new_page()
    if at is not None:
        page.clock.set_fixed_time(at)
    page.goto(url)
    page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
    return page.evaluate("window.regverifyResult"), int(page.get_attribute("#verdict", "data-ms")), page


def failed(verdict: dict[str, Any]) -> list[str]:
    return [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"]


EXPECTED_FAILURES = {
    "valid": [],
    "tampered": ["key known", "signature"],
    "expired": ["validity", "status freshness"],
    "suspended": ["suspension"],
    "revoked": ["revocation"],
    "unknown key": ["key known", "signature"],
}


def check_badges(context: Any, site: dict[str, Any], timings: dict[str, int]) -> None:
    for case, url in site["badges"].items():
        # The clock is the context's: once set, it stays set, so every page here sets its own (now, or the case's)
        at = site["times"].get(case) or datetime.now(UTC).replace(microsecond=0)
        verdict, ms, page = open_page(context, url, at)
        expected = python_verdict(url, site["bundle"], site["root"], at)
        assert verdict == expected, case  # every check, outcome and reason, the summary and the subject
        assert verdict["valid"] is (case == "valid"), case
        assert failed(verdict) == EXPECTED_FAILURES[case], case
        state = page.get_attribute("#verdict", "data-state")
        assert state == ("valid" if case == "valid" else "invalid")
        assert page.inner_text("#summary") == expected["summary"]
        assert page.is_visible("#subject") is (case == "valid")  # the holder is named only when valid
        if case == "valid":
            assert page.inner_text("#subject-name") == "Vera Valid"
            assert page.inner_text("#status-as-of").startswith("Status as of ")
        else:
            assert [
                li.get_attribute("data-check") for li in page.query_selector_all("#failed-list li")
            ] == EXPECTED_FAILURES[case]
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
        assert kept == sorted(["/v", "/verify.js", "/app.js", "/style.css", "/trust.jwt", "/root.json"])
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        assert page.is_hidden("#scan")  # no BarcodeDetector in desktop Chromium: no camera button
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
        page.wait_for_selector("#trust-status:has-text('Trust bundle number')")
        for pasted in (site["full"], "garbage", f"  {site['badges']['suspended']}\n"):
            page.evaluate("document.getElementById('verdict').removeAttribute('data-ms')")
            page.fill("#token", pasted)
            page.click("#check")
            page.wait_for_selector("#verdict[data-ms]")
            verdict = page.evaluate("window.regverifyResult")
            assert verdict == python_verdict(pasted, site["bundle"], site["root"], None)
            assert page.inner_text("#summary") == verdict["summary"]
        verdict = page.evaluate("window.regverifyResult")  # the suspended badge's link, pasted
        assert failed(verdict) == ["suspension"]
        page.fill("#token", site["full"])
        page.click("#check")
        page.wait_for_selector("#verdict[data-state=valid]")
        assert page.inner_text("#subject-number").startswith("RG-")

        page.fill("#token", "garbage")
        page.click("#check")
        page.wait_for_selector("#verdict[data-state=invalid]")
        verdict = page.evaluate("window.regverifyResult")
        assert verdict["kind"] is None and failed(verdict) == ["format"]
        assert {c["outcome"] for c in verdict["checks"][1:]} == {"not checked"}
    finally:
        context.close()
    assert problems.seen == []  # bad input is a failed check, never an exception


def test_an_older_trust_bundle_is_refused_with_the_python_words(
    browser: Any, site: dict[str, Any], tmp_path: Path
) -> None:
    from verifier import TrustError, load_trust

    load_trust(site["bundle"], root=site["root"], cache_dir=tmp_path)
    with pytest.raises(TrustError) as refused:
        load_trust(site["older_bundle"], root=site["root"], cache_dir=tmp_path)
    server = site["server"]
    context = browser.new_context()
    problems = Problems(context)
    try:
        verdict, _, page = open_page(context, site["badges"]["valid"])
        assert verdict["valid"] is True
        server.publish(site["older_bundle"], site["root"])
        page.close()
        page = context.new_page()
        page.goto(site["badges"]["valid"])
        page.wait_for_selector("#verdict[data-state=error]", timeout=VERDICT_TIMEOUT_MS)
        assert page.inner_text("#verdict-title") == "Could not run"
        assert page.inner_text("#summary") == str(refused.value)
        assert page.is_hidden("#subject")
    finally:
        server.publish(site["bundle"], site["root"])
        context.close()
    assert problems.seen == []


def test_a_compression_bomb_in_a_status_list_costs_a_failed_check_not_the_tab(
    browser: Any, site: dict[str, Any]
) -> None:
    context = browser.new_context()
    problems = Problems(context)
    try:
        verdict, _, page = open_page(context, site["badges"]["valid"])
        at = datetime.now(UTC).isoformat()
        verdict = page.evaluate(
            """async ([bundle, root, token, at]) => {
            at = regverify.parseTime(at, "at");
            const trust = await regverify.loadTrust(bundle, regverify.parseRootJwk(root), { at });
            return (await regverify.verify(token, trust, at)).toJSON();
        }""",
            [site["bomb_bundle"], json.dumps(site["root"]), site["badges"]["valid"], at],
        )
        assert verdict == python_verdict(
            site["badges"]["valid"], site["bomb_bundle"], site["root"], datetime.fromisoformat(at)
        )
        assert failed(verdict) == ["revocation"]
        assert verdict["checks"][7]["reason"] == (
            "the revocation list cannot be read: the status list expands beyond "
            "2,097,152 bytes: refused as a compression bomb"
        )
        assert page.evaluate("1 + 1") == 2  # the tab lives on
    finally:
        context.close()
    assert problems.seen == []


def _wait_for_new_verdict(page: Any, action: Any) -> dict[str, Any]:
    page.evaluate("document.getElementById('verdict').removeAttribute('data-ms')")
    action()
    page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
    return page.evaluate("window.regverifyResult")


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


def test_status_older_than_24_hours_is_not_current_in_the_browser(browser: Any, site: dict[str, Any]) -> None:
    """The attack: a browser given an old trust bundle (made before a removal), days later. The removed person's
    badge is not valid once the bundle's status is more than 24 hours old (it was 7 days), in Python's words; the
    person using the page may accept older status ("Accept status up to"), which the page remembers."""
    server = site["server"]
    older = site["older_bundle"]
    as_of = datetime.fromisoformat(
        jwt.decode(
            jwt.decode(older, options={"verify_signature": False})["status_lists"]["revocation"],
            options={"verify_signature": False},
        )["validFrom"].replace("Z", "+00:00")
    )
    at = as_of + timedelta(hours=25)
    context = browser.new_context()  # a fresh browser: no bundle number remembered
    problems = Problems(context)
    try:
        server.publish(older, site["root"])
        url = site["badges"]["revoked"]
        verdict, _, page = open_page(context, url, at)
        assert verdict == python_verdict(url, older, site["root"], at)
        assert verdict["valid"] is False and failed(verdict) == ["status freshness"]
        assert page.inner_text("#summary") == (
            f"Not valid: could not confirm current status: the status is as of {as_of.day:02d} "
            f"{as_of:%B %Y %H:%M} UTC, more than 24 hours ago; fetch a newer trust bundle."
        )
        assert page.inner_text("#trust-notes").endswith("a newer one should be fetched.")
        assert page.input_value("#max-status-age") == "24h"
        assert [o.inner_text() for o in page.query_selector_all("#max-status-age option")] == [
            "24 hours (recommended)",
            "7 days",
            "30 days",
        ]
        assert page.inner_text("label[for=max-status-age]") == "Accept status up to:"
        page.close()
    finally:
        server.publish(site["bundle"], site["root"])
        context.close()

    context = browser.new_context()
    context.on("page", problems.watch)
    try:
        url = site["badges"]["valid"]
        at = datetime.now(UTC) + timedelta(days=2)
        verdict, _, page = open_page(context, url, at)
        assert failed(verdict) == ["status freshness"]
        assert verdict == python_verdict(url, site["bundle"], site["root"], at)
        verdict = _wait_for_new_verdict(page, lambda: page.select_option("#max-status-age", "7d"))
        assert verdict["valid"] is True and page.get_attribute("#verdict", "data-state") == "valid"
        assert verdict == python_verdict(url, site["bundle"], site["root"], at, timedelta(days=7))
        assert page.evaluate("localStorage.getItem('regverify.maxStatusAge')") == "7d"
        page.reload()
        page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
        assert page.input_value("#max-status-age") == "7d"  # remembered
        assert page.evaluate("window.regverifyResult")["valid"] is True
        verdict = _wait_for_new_verdict(page, lambda: page.select_option("#max-status-age", "24h"))
        assert failed(verdict) == ["status freshness"]
        page.evaluate("localStorage.setItem('regverify.maxStatusAge', '1000d')")  # not a choice: the default
        page.reload()
        page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
        assert page.input_value("#max-status-age") == "24h" and failed(page.evaluate("window.regverifyResult")) == [
            "status freshness"
        ]
    finally:
        context.close()
    assert problems.seen == []


def test_the_page_never_takes_a_bundle_s_own_root(browser: Any, site: dict[str, Any]) -> None:
    """The attack: a bundle signed by an attacker's key, carrying that key. The page checks bundles against the
    site's root.json and never trusts on first use: a forged bundle, or a root.json naming no key, is refused
    with Python's words; regverify.loadTrust trusts a bundle's own root only when asked explicitly."""
    from verifier import RootNotPinned, TrustError, load_trust

    with pytest.raises(RootNotPinned) as not_pinned:
        load_trust(site["bundle"])
    with pytest.raises(TrustError) as forged:
        load_trust(site["forged_bundle"], root=site["root"])
    tofu = load_trust(site["bundle"], trust_on_first_use=True)
    server = site["server"]
    seen: list[Any] = []
    try:
        cases = ((site["bundle"], None, not_pinned), (site["forged_bundle"], site["root"], forged))
        for bundle, root, refused in cases:
            server.publish(bundle, root)
            fresh = browser.new_context()  # its own service worker and cache: nothing kept from the last case
            seen.append(Problems(fresh))
            page = fresh.new_page()
            page.goto(site["badges"]["valid"])
            page.wait_for_selector("#verdict[data-state=error]", timeout=VERDICT_TIMEOUT_MS)
            assert page.inner_text("#verdict-title") == "Could not run"
            assert page.inner_text("#summary") == str(refused.value)
            assert page.is_hidden("#subject")
            fresh.close()
        server.publish(site["bundle"], site["root"])
        context = browser.new_context()
        seen.append(Problems(context))
        verdict, _, page = open_page(context, site["badges"]["valid"])
        assert verdict["valid"] is True
        answers = page.evaluate(
            """async ([bundle, forged]) => {
            const attempt = async (...args) => {
              try {
                const trust = await regverify.loadTrust(...args);
                return { notes: trust.notes, pinnedOnFirstUse: trust.pinnedOnFirstUse, rootKid: trust.rootKid };
              } catch (error) {
                return { error: error.name, message: error.message };
              }
            };
            return [await attempt(bundle, null), await attempt(bundle, undefined, {}),
                    await attempt(forged, null), await attempt(bundle, null, { trustOnFirstUse: true })];
        }""",
            [site["bundle"], site["forged_bundle"]],
        )
        for refusal in answers[:3]:
            assert refusal == {"error": "TrustError", "message": str(not_pinned.value)}
        assert answers[3] == {"notes": tofu.notes, "pinnedOnFirstUse": True, "rootKid": site["root"]["kid"]}
        context.close()
    finally:
        server.publish(site["bundle"], site["root"])
    assert all(problems.seen == [] for problems in seen)


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
        page.wait_for_selector("#trust-status:has-text('Trust bundle number')")
        pasted = {
            "status list": (site["status_list"], "this is a status list, not a credential about a person"),
            "full, respelt": (
                _altered_last_character(vera.full),
                "the token signature is not canonical base64url text (its last character was altered)",
            ),
        }
        for case, (token, reason) in pasted.items():
            verdict = _wait_for_new_verdict(
                page, lambda token=token: (page.fill("#token", token), page.click("#check"))
            )
            assert verdict == python_verdict(token, site["bundle"], site["root"], None), case
            assert verdict["valid"] is False and failed(verdict) == ["format"], case
            assert verdict["checks"][0]["reason"] == reason, case
            assert page.inner_text("#summary") == f"Not valid: {reason}.", case
        page.close()
        url = f"{origin}/v#{head}.{body}.{_altered_last_character(signature)}"
        verdict, _, page = open_page(context, url)
        assert verdict == python_verdict(url, site["bundle"], site["root"], None)
        assert failed(verdict) == ["format"] and "not canonical base64url" in verdict["summary"]
        assert page.get_attribute("#verdict", "data-state") == "invalid"
    finally:
        context.close()
    assert problems.seen == []
