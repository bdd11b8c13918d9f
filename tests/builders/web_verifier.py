"""The offline web verifier's test bench (tests/api/test_web_verifier*.py): a copy of verifier/web served on a
small local web server that can go down and come back (``Site``); a register with badges in every state and the
trust bundles that describe them (the module-scoped ``site`` fixture, imported as ``site_fixture``); Debian's
headless Chromium (the module-scoped ``browser`` fixture, imported as ``browser_fixture``); and opening a page,
waiting for its verdict and comparing it with the Python verifier's."""

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

    def send_head(self) -> Any:
        # Always the file as it is now: the base class answers If-Modified-Since by the file's time to the second,
        # so a bundle published within the second the page last fetched one got "304 Not Modified" and the
        # browser kept the bundle it had (a test publishing an older bundle then saw the newer one).
        del self.headers["If-Modified-Since"]
        return super().send_head()

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


@pytest.fixture(scope="module", name="site")
def site_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
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
    shutil.copytree(WEB / "vendor", directory / "vendor")
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
            "signing_key": Keyring(ledger).active().signing_key,  # to sign variants of a genuine credential
            "generic": sign_credential_jwt(generic, Keyring(ledger).active().signing_key, issued_at=now),
            "malformed": sign_credential_jwt(  # genuine, but breaking VC Data Model 2.0 4.4 and 4.6 (data model check)
                {**generic, "credentialSubject": {"id": ["did:example:1", "did:example:2"]}, "name": {"@value": 1}},
                Keyring(ledger).active().signing_key,
                issued_at=now,
            ),
        }
    finally:
        server.stop()
        ledger.close()


# -- the browser
@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
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


def ready_checker(context: Any, origin: str, at: datetime | None = None) -> Any:
    """A new page at ``origin``/v, the browser's clock fixed at ``at`` if given, once it has loaded the register's
    keys (ready for a pasted credential)."""
    page = context.new_page()
    if at is not None:
        page.clock.set_fixed_time(at)
    page.goto(f"{origin}/v")
    page.wait_for_selector("#trust-status:has-text('published')")
    return page


def pasted_verdict(page: Any, token: str) -> dict[str, Any]:
    """The page's verdict on ``token`` pasted and checked."""
    return wait_for_new_verdict(page, lambda: (page.fill("#token", token), page.click("#check")))


def failed(verdict: dict[str, Any]) -> list[str]:
    return [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"]


def wait_for_new_verdict(page: Any, action: Any) -> dict[str, Any]:
    page.evaluate("document.getElementById('verdict').removeAttribute('data-ms')")
    action()
    page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
    return page.evaluate("window.regverifyResult")
