"""The offline web verifier (verifier/web) in real headless Chromium: a QR badge link opens the page, which checks
the badge in the browser with WebCrypto against the trust bundle beside it, and shows the same verdict, in the same
words, as the Python verifier (``verifier.verify``) -- online, and again with the network gone, from what the
service worker kept.

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
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                 functools.partial(_Handler, directory=str(self.directory)))
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


def _signed_by_another_key(compact: str) -> str:
    from credentials.compact import sign_compact
    from credentials.keys import generate_key

    return sign_compact(jwt.decode(compact, options={"verify_signature": False}), generate_key("ES256"))


def _with_bombed_revocation_list(ledger: Any, bundle: str) -> str:
    """The bundle again, its revocation list now 16 MiB of zeros in 16 KB of GZIP, signed as the register signs."""
    from credentials.jwt_sign import sign_jws
    from credentials.trust import sign_trust_bundle
    from ledger.keyring import Keyring

    payload = jwt.decode(bundle, options={"verify_signature": False})
    document = jwt.decode(payload["status_lists"]["revocation"], options={"verify_signature": False})
    document["credentialSubject"]["encodedList"] = "u" + _b64(gzip.compress(bytes(16 * 1024 * 1024), mtime=0))
    keyring = Keyring(ledger)
    payload["status_lists"]["revocation"] = sign_jws(document, keyring.active().signing_key, typ="vc+jwt")
    return sign_trust_bundle(payload, keyring.active("root").signing_key)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from ledger.clock import SettableClock
    from ledger.commands import Ledger
    from ledger.issuance import CredentialIssuer
    from ledger.projections.runner import ProjectionRunner
    from ledger.publication import Publisher
    from ledger.settings import Settings
    from ledger.sharing import current_credential
    from tests.helpers import awarded

    directory = tmp_path_factory.mktemp("web")
    for name in PAGE_FILES:
        shutil.copy(WEB / name, directory / name)
    server = Site(directory)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = SettableClock(now - timedelta(hours=3))
    database = tmp_path_factory.mktemp("ledger") / "regledger.db"
    ledger = Ledger(Settings(database_url=f"sqlite:///{database}", master_key=MASTER_KEY, issuer_url=server.origin),
                    clock=clock)
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
        later = (expires + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        badges = {
            "valid": vera.badge_url,
            "tampered": f"{server.origin}/v#{_tampered(vera.compact)}",
            "expired": f"{server.origin}/v?at={later}#{vera.compact}",
            "suspended": shared["Sam Suspended"].badge_url,
            "revoked": shared["Rex Removed"].badge_url,
            "unknown key": f"{server.origin}/v#{_signed_by_another_key(vera.compact)}",
        }
        yield {"server": server, "bundle": bundle, "older_bundle": older_bundle, "root": root, "badges": badges,
               "full": vera.full, "bomb_bundle": _with_bombed_revocation_list(ledger, bundle)}
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
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


class Problems:
    """Uncaught exceptions and console errors of every page of a browser context."""

    def __init__(self, context: Any) -> None:
        self.seen: list[str] = []
        context.on("page", self.watch)

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: uncaught {error}"))
        page.on("console", lambda message: self.seen.append(f"{page.url}: console {message.text}")
                if message.type == "error" else None)


def _at(url: str) -> datetime | None:
    from urllib.parse import parse_qs, urlsplit

    given = parse_qs(urlsplit(url).query).get("at")
    return datetime.fromisoformat(given[0].replace("Z", "+00:00")) if given else None


def python_verdict(token: str, bundle: str, root: dict[str, Any], at: datetime | None) -> dict[str, Any]:
    from verifier import load_trust, verify

    at = at or datetime.now(UTC)
    return verify(token, load_trust(bundle, root=root, at=at), at=at).to_json()


def open_page(context: Any, url: str) -> tuple[dict[str, Any], int, Any]:
    """Open ``url`` in a new page and wait for the verdict: (the page's result as Python's to_json, ms, page)."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
    return page.evaluate("window.regverifyResult"), int(page.get_attribute("#verdict", "data-ms")), page


def failed(verdict: dict[str, Any]) -> list[str]:
    return [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"]


EXPECTED_FAILURES = {"valid": [], "tampered": ["key known", "signature"], "expired": ["validity", "status freshness"],
                     "suspended": ["suspension"], "revoked": ["revocation"], "unknown key": ["key known", "signature"]}


def check_badges(context: Any, site: dict[str, Any], timings: dict[str, int]) -> None:
    for case, url in site["badges"].items():
        verdict, ms, page = open_page(context, url)
        expected = python_verdict(url, site["bundle"], site["root"], _at(url))
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
            assert [li.get_attribute("data-check") for li in page.query_selector_all("#failed-list li")] == \
                EXPECTED_FAILURES[case]
        timings[case] = ms
        page.close()


def test_badges_get_the_python_verdict_online_and_offline(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
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


def test_an_older_trust_bundle_is_refused_with_the_python_words(browser: Any, site: dict[str, Any],
                                                                  tmp_path: Path) -> None:
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


def test_a_compression_bomb_in_a_status_list_costs_a_failed_check_not_the_tab(browser: Any,
                                                                             site: dict[str, Any]) -> None:
    context = browser.new_context()
    problems = Problems(context)
    try:
        verdict, _, page = open_page(context, site["badges"]["valid"])
        at = datetime.now(UTC).isoformat()
        verdict = page.evaluate("""async ([bundle, root, token, at]) => {
            at = regverify.parseTime(at, "at");
            const trust = await regverify.loadTrust(bundle, regverify.parseRootJwk(root), { at });
            return (await regverify.verify(token, trust, at)).toJSON();
        }""", [site["bomb_bundle"], json.dumps(site["root"]), site["badges"]["valid"], at])
        assert verdict == python_verdict(site["badges"]["valid"], site["bomb_bundle"], site["root"],
                                         datetime.fromisoformat(at))
        assert failed(verdict) == ["revocation"]
        assert verdict["checks"][7]["reason"] == ("the revocation list cannot be read: the status list expands beyond "
                                                  "2,097,152 bytes: refused as a compression bomb")
        assert page.evaluate("1 + 1") == 2  # the tab lives on
    finally:
        context.close()
    assert problems.seen == []
