"""The verifier at /v as the service serves it, used as an employer would, in real headless Chromium: scanning a
registrant's real QR badge with the camera (Chromium's fake camera playing a video made from /r/NUMBER/badge.png)
with every request off the test server refused, so the vendored QR reader and its WebAssembly come from the
service; the verdict for a valid, suspended, removed and tampered credential naming whose it is, with one status
line, at 1280, 390 and 320 pixels wide, axe-clean; after a lifted suspension, the old badge still withdrawn and the
new credential valid; a downloaded .jwt or .json opened with the file picker or
dropped on the page, and other files refused in words. Screenshots: test-artifacts/screenshots/verifier-*.png.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import awarded
from tests.builders.servers import free_port, serving
from tests.builders.web_verifier import VERDICT_TIMEOUT_MS, Problems
from tests.conftest import MASTER_KEY
from verifier.checks import NO_SUSPENSION_ENTRY

WIDTHS = {"": 1280, "-phone": 390, "-320": 320}


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own server
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def renamed(compact: str, name: str) -> str:
    """The badge with another name in its payload, the signature left as it was (tampered)."""
    header, payload, signature = compact.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["n"] = name
    altered = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{header}.{altered}.{signature}"


def y4m_of(png: bytes, path: Path, size: tuple[int, int] = (640, 480)) -> None:
    """A one-frame Y4M video (4:2:0, what Chromium's fake camera plays, looping) of the QR image, centred on white."""
    from io import BytesIO

    from PIL import Image

    qr = Image.open(BytesIO(png)).convert("L")
    side = min(size) - 80  # a white margin around the code's own quiet zone
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("L", size, 255)
    frame.paste(qr, ((size[0] - side) // 2, (size[1] - side) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    header = f"YUV4MPEG2 W{size[0]} H{size[1]} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(
        header + b"FRAME\n" + y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half).tobytes()
    )


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The service on a real local server: Priya registered, Sam suspended, Rex removed, each with a credential."""
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.processes.issuance import CredentialIssuer
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.sharing import current_credential
    from ledger.settings import Settings

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    database = tmp_path_factory.mktemp("register") / "r.db"
    ledger = Ledger(Settings(database_url=f"sqlite:///{database}", master_key=MASTER_KEY, issuer_url=origin))
    people = {name: awarded(ledger, name) for name in ("Priya Shah", "Sam Suspended", "Rex Removed")}
    CredentialIssuer(ledger).catch_up()
    ProjectionRunner(ledger).catch_up()
    shared = {name: current_credential(ledger, number) for name, (_, number) in people.items()}
    ledger.suspend(people["Sam Suspended"][0], "Under investigation.", "registrar")
    ledger.remove(people["Rex Removed"][0], "Struck off.", "registrar")
    try:
        with serving(create_app(ledger, worker="followers"), port) as url:
            priya = shared["Priya Shah"]
            yield {
                "origin": url,
                "ledger": ledger,
                "numbers": {name: number for name, (_, number) in people.items()},
                "registrants": {name: registrant for name, (registrant, _) in people.items()},
                "badges": {
                    "valid": priya.badge_url,
                    "suspended": shared["Sam Suspended"].badge_url,
                    "revoked": shared["Rex Removed"].badge_url,
                    "tampered": f"{url}/v#{renamed(priya.compact, 'Vera Shah')}",
                },
            }
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def browser(register: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the module, its fake camera showing Priya's QR badge as /r/NUMBER/badge.png serves it."""
    png, headers = fetch(f"{register['origin']}/r/{register['numbers']['Priya Shah']}/badge.png")
    assert headers["content-type"] == "image/png"
    video = tmp_path_factory.mktemp("camera") / "badge.y4m"
    y4m_of(png, video)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no name resolves: no CDN, nothing outside
    ]
    with chromium(*camera) as launched:
        yield launched


def offline_context(browser: Any, origin: str, **options: Any) -> tuple[Any, list[str], Problems]:
    """A browser context that may reach the test server only: every other request is refused (and listed)."""
    context = browser.new_context(**options)
    refused: list[str] = []

    def only_the_server(route: Any) -> None:
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_server)
    return context, refused, Problems(context)


def visible_text(page: Any) -> str:
    return page.inner_text("body")


def test_scanning_a_real_badge_with_the_network_off(browser: Any, register: dict[str, Any]) -> None:
    origin = register["origin"]
    page_bytes, headers = fetch(f"{origin}/v")
    assert "'wasm-unsafe-eval'" in headers["content-security-policy"]
    assert "'wasm-unsafe-eval'" not in fetch(f"{origin}/register")[1]["content-security-policy"]  # /v only
    wasm, wasm_headers = fetch(f"{origin}/vendor/zxing_reader.wasm")
    assert wasm[:4] == b"\0asm" and wasm_headers["content-type"] == "application/wasm"
    for escape in ("/vendor/../app.js", "/vendor/README.md", "/vendor/%2e%2e/sw.js", "/index.html"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(origin + escape)
        assert refused.value.code == 404, escape

    context, refused, problems = offline_context(browser, origin, viewport={"width": 390, "height": 844})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{origin}/v")
        page.wait_for_selector("#trust-status:has-text('published')")
        assert page.is_visible("#scan")  # no BarcodeDetector in this Chromium, and still a scan button
        assert not page.evaluate("'BarcodeDetector' in window")
        page.click("#scan")
        page.wait_for_selector("#verdict[data-state=valid]", timeout=30_000)
        assert page.get_attribute("#scan", "data-reader") == "polyfill"
        assert page.inner_text("#subject-name") == "Priya Shah"
        assert page.inner_text("#subject-number") == register["numbers"]["Priya Shah"]
        assert page.inner_text("#scan-message") == "QR code read."
        assert page.is_hidden("#camera")  # the camera is let go once the code is read
        screenshot(page, "verifier-scanned-phone")
        assert f"{origin}/vendor/zxing_reader.wasm" in requested
    finally:
        context.close()
    assert refused == [] and all(url.startswith(origin + "/") for url in requested)
    assert problems.seen == []


def look(page: Any, name: str, checks: bool = True) -> None:
    """axe-clean; screenshots at each width; no sideways scrolling, the checks opened too."""
    assert serious_accessibility_violations(page) == [], name
    for suffix, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"verifier-{name}{suffix}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
    if checks:  # every check, stacked at 320 pixels: still no sideways scrolling
        page.click("#all-checks summary")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name}: the checks scroll sideways"
        screenshot(page, f"verifier-{name}-checks-320")
        page.click("#all-checks summary")
    page.set_viewport_size({"width": 1280, "height": 900})


WITHDRAWN = (
    "the register has withdrawn it: since it was issued the person was suspended or removed, or their registration "
    "lapsed or ended (the register's page for them says which, and whether a newer credential replaces it)"
)
"""A failed revocation check in the page's words: a suspension, like a removal, revokes the credentials held."""
EXPECTED = {
    "valid": ("Priya Shah", "Valid", []),
    "suspended": ("Sam Suspended", "Not valid", [WITHDRAWN]),
    "revoked": ("Rex Removed", "Not valid", [WITHDRAWN]),
    "tampered": ("Vera Shah", "Not valid", ["it was changed after it was issued"]),
}


def suspension_row(page: Any) -> list[str]:
    """The suspension check's row in the page's table of every check: check, outcome, reason."""
    return page.locator("#checks tr[data-check=suspension] td").all_text_contents()


def test_every_verdict_names_whose_credential_it_is(browser: Any, register: dict[str, Any]) -> None:
    origin = register["origin"]
    context, refused, problems = offline_context(browser, origin)
    try:
        for case, url in register["badges"].items():
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
            name, title, reasons = EXPECTED[case]
            assert page.inner_text("#verdict-title") == title, case
            assert page.inner_text("#subject-name") == name, case
            number = register["numbers"]["Priya Shah" if case == "tampered" else name]
            assert page.inner_text("#subject-number") == number, case
            assert page.inner_text("#subject-level") == "RCT", case  # a badge carries the level's code
            if case == "valid":
                assert page.inner_text("#subject-lead") == "It names:"
                assert page.is_hidden("#failed")
            else:
                assert page.inner_text("#subject-lead") == "This credential names:", case
                assert page.inner_text("#failed-lead") == "It is NOT valid:", case
                said = page.locator("#failed-list li").all_inner_texts()
                assert len(said) == len(reasons) and all(s.startswith(r) for s, r in zip(said, reasons, strict=True))
                if case in ("suspended", "revoked"):
                    checks = [li.get_attribute("data-check") for li in page.query_selector_all("#failed-list li")]
                    assert checks == ["revocation"], case
            if case != "tampered":  # one status entry, for revocation: the suspension check is not made, and says why
                assert suspension_row(page) == ["suspension", "not checked", NO_SUSPENSION_ENTRY], case
            text = visible_text(page)
            status_lines = text.count("Status checked against the register's lists of ")
            assert status_lines == (0 if case == "tampered" else 1), case  # a forgery's status is never looked up
            assert "as of" not in text and "Trust bundle number" not in text, case  # the rest is behind toggles
            body = register["ledger"].settings.body  # the service's header, not the neutral one
            assert page.inner_text(".site-header .brand") == body.name, case
            assert page.get_attribute(".site-header .brand img", "src") == "/logo.svg"
            assert page.title() == f"Check a credential: {body.name}"
            if case in ("valid", "suspended", "tampered"):
                look(page, case)
            page.close()
    finally:
        context.close()
    assert refused == [] and problems.seen == []


def test_after_a_lifted_suspension_the_old_badge_stays_withdrawn_and_the_new_one_is_valid(
    browser: Any, register: dict[str, Any]
) -> None:
    """A suspension revokes for good: lifting it does not clear the old credential's bit, it calls for a new
    credential (trigger "lifted"), which the page finds valid. (The old badge's verdict is the same before and after
    the lift, so the other tests do not depend on this one running last.)"""
    import time

    from ledger.read.sharing import current_credential

    ledger, origin, number = register["ledger"], register["origin"], register["numbers"]["Sam Suspended"]
    old = register["badges"]["suspended"]
    ledger.lift_suspension(register["registrants"]["Sam Suspended"], "registrar")
    deadline = time.monotonic() + 30
    while (new := current_credential(ledger, number).badge_url) == old:  # the service's followers issue it
        assert time.monotonic() < deadline, "no new credential was issued after the suspension was lifted"
        time.sleep(0.2)
    context, refused, problems = offline_context(browser, origin)
    try:
        for url, title, reasons in ((old, "Not valid", [WITHDRAWN]), (new, "Valid", [])):
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#verdict[data-ms]", timeout=VERDICT_TIMEOUT_MS)
            assert page.inner_text("#verdict-title") == title, url
            assert page.inner_text("#subject-name") == "Sam Suspended" and page.inner_text("#subject-number") == number
            said = page.locator("#failed-list li").all_inner_texts() if reasons else []
            assert said == reasons and page.is_hidden("#failed") is (reasons == []), url
            verdict = page.evaluate("window.regverifyResult")
            assert [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"] == (
                ["revocation"] if reasons else []
            ), url
            assert suspension_row(page) == ["suspension", "not checked", NO_SUSPENSION_ENTRY], url
            page.close()
    finally:
        context.close()
    assert refused == [] and problems.seen == []


def test_a_downloaded_file_chosen_or_dropped(browser: Any, register: dict[str, Any], tmp_path: Path) -> None:
    origin, number = register["origin"], register["numbers"]["Priya Shah"]
    files = {}
    for kind in ("jwt", "json"):
        body, _ = fetch(f"{origin}/r/{number}/credential.{kind}")
        files[kind] = tmp_path / f"{number}.{kind}"
        files[kind].write_bytes(body)
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG not really")
    huge = tmp_path / "huge.jwt"
    huge.write_bytes(b"a" * 200_000)
    context, refused, problems = offline_context(browser, origin)
    try:
        page = context.new_page()
        page.goto(f"{origin}/v")
        page.wait_for_selector("#trust-status:has-text('published')")

        page.set_input_files("#file", str(files["jwt"]))
        page.wait_for_selector("#verdict[data-state=valid]", timeout=VERDICT_TIMEOUT_MS)
        assert page.inner_text("#subject-name") == "Priya Shah"
        assert page.evaluate("window.regverifyResult")["kind"] == "full"

        page.set_input_files("#file", str(files["json"]))
        page.wait_for_selector("#verdict[data-kind=unsigned]", timeout=VERDICT_TIMEOUT_MS)
        assert page.inner_text("#verdict-title") == "Not valid"
        assert "without its signature" in page.inner_text("#summary")
        assert page.inner_text("#subject-name") == "Priya Shah"  # what it says, marked as not valid
        assert page.inner_text("#failed-list").startswith("it carries no signature")
        assert page.evaluate("window.regverifyResult") is None
        assert page.inner_text("#file-message") == f"Read {number}.json."
        look(page, "unsigned-json", checks=False)

        page.set_input_files("#file", str(photo))
        assert page.inner_text("#file-message") == (
            "photo.png is not a credential file: choose the .jwt or .json file downloaded from the register."
        )
        page.set_input_files("#file", str(huge))
        assert page.inner_text("#file-message") == (
            "huge.jwt is 196 KB: a credential file is at most 64 KB, so this is not one."
        )
        assert page.get_attribute("#verdict", "data-kind") == "unsigned"  # refused files change nothing

        # dropped on the page: a DataTransfer carrying the .jwt, as a browser hands over a dragged file
        page.evaluate(
            """([name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, { type: "" }));
            for (const type of ["dragover", "drop"]) {
              document.getElementById("token").dispatchEvent(
                new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
        }""",
            [files["jwt"].name, files["jwt"].read_text()],
        )
        page.wait_for_selector("#verdict[data-state=valid]", timeout=VERDICT_TIMEOUT_MS)
        assert page.inner_text("#file-message") == f"Checked {number}.jwt."
        assert json.loads(files["json"].read_text())["credentialSubject"]["licenseNumber"] == number
    finally:
        context.close()
    assert refused == [] and problems.seen == []
