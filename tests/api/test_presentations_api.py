"""Presentations on a running register: ``POST /presentations/verify`` (the VC API's shape and status codes), and a
registrant making one from their credential page in real headless Chromium -- for a named client with the client's
challenge, shown to copy and offered as ``NUMBER-presentation.jwt`` -- which the route and ``regverify`` then verify
(and refuse for another challenge or audience). Bad input on the form is a 422 naming the field; the holder key dies
with the registrant's data key. Screenshots ``me-presentation-*`` at 1280 and 390 pixels; axe-core on each page."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import awarded, enrol
from tests.builders.servers import free_port, serving
from tests.builders.site import sign_in

CLIENT, CHALLENGE = "Acme Studios", "acme-7f3c9e21"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A register on a real local server with one registrant, registered and holding an issued credential."""
    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.read.sharing import current_credential
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    folder = tmp_path_factory.mktemp("presentations")
    port = free_port()
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{folder / 'r.db'}", master_key=MASTER_KEY, issuer_url=f"http://127.0.0.1:{port}"
        )
    )
    registrant, number = awarded(ledger, "Priya Presenter")
    Accounts(ledger.engine).add("priya@example.org", PASSWORD, "registrant", registrant_id=registrant)
    with serving(create_app(ledger, worker="followers"), port) as url:
        for _ in range(300):  # the worker issues the credential
            try:
                current_credential(ledger, number)
                break
            except Exception:  # noqa: BLE001 - not issued yet
                time.sleep(0.1)
        made = {"url": url, "ledger": ledger, "registrant": registrant, "number": number, "folder": folder}
        with chromium() as browser:
            made["browser"] = browser
            yield made
    ledger.close()


def look(page, name):
    assert serious_accessibility_violations(page) == [], name
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"me-presentation-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"me-presentation-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def submit(page):
    with page.expect_response(lambda r: r.url.endswith("/me/credential/presentation")) as answer:
        page.click("button:text-is('Make the presentation')")
    page.wait_for_load_state()
    return answer.value.status


@pytest.fixture(scope="module")
def made(world):
    """The registrant makes a presentation on their page (after two refused attempts): its token and the file."""
    url, number = world["url"], world["number"]
    me = sign_in(world["browser"], url, "priya@example.org", accept_downloads=True)
    me.goto(f"{url}/me/credential")
    assert me.locator("#present").is_visible()
    look(me, "form")

    assert submit(me) == 422
    assert me.locator(".error-summary a").all_inner_texts() == [
        "Enter the client's name",
        "Enter the challenge the client gave you",
    ]
    look(me, "errors")
    me.fill("#audience", CLIENT)
    me.evaluate("document.getElementById('nonce').removeAttribute('maxlength')")
    me.fill("#nonce", "x" * 201)
    assert submit(me) == 422
    assert me.locator(".error-summary a").all_inner_texts() == [
        "The challenge the client gave you: string should have at most 200 characters"
    ]
    assert me.input_value("#audience") == CLIENT  # what was typed is kept
    me.fill("#audience", "Studio" * 33)  # a long name without a space still fits a phone
    me.fill("#nonce", "a-challenge")
    assert submit(me) == 200
    look(me, "long-name")
    me.goto(f"{url}/me/credential")
    me.fill("#audience", CLIENT)

    me.fill("#nonce", CHALLENGE)
    assert submit(me) == 200
    assert me.locator("h1").inner_text() == f"Your presentation for {CLIENT}"
    token = me.input_value("#presentation")
    look(me, "made")
    with me.expect_download() as download:
        me.click("#download")
    assert download.value.suggested_filename == f"{number}-presentation.jwt"
    saved = world["folder"] / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_text() == token
    assert not me.errors
    me.context.close()
    return token, saved


def verify(world, body):
    return httpx.post(f"{world['url']}/presentations/verify", json=body, timeout=30)


def test_the_registrants_presentation_verifies_by_the_route(world, made):
    token, _ = made
    answer = verify(world, {"verifiablePresentation": token, "options": {"challenge": CHALLENGE, "domain": CLIENT}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True and body["problemDetails"] == []
    outcomes = {c["name"]: c["outcome"] for c in body["checks"]}
    assert outcomes["nonce"] == outcomes["audience"] == outcomes["signature"] == outcomes["credentials"] == "pass"
    assert outcomes["holder binding"] == "not checked"  # the subject is urn:uuid:..., not the holder's DID
    assert body["presentationResult"]["holder"].startswith("did:jwk:")
    (credential,) = body["credentialResults"]
    assert credential["verified"] and credential["credentialSubject"]["registration_number"] == world["number"]
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:application/vp+jwt,{token}",
        "type": "EnvelopedVerifiablePresentation",
    }
    assert verify(world, {"verifiablePresentation": enveloped, "options": {"challenge": CHALLENGE}}).status_code == 200


@pytest.mark.parametrize(
    "options, failing",
    [
        ({"challenge": "another", "domain": CLIENT}, "nonce"),
        ({"challenge": CHALLENGE, "domain": "Someone Else"}, "audience"),
    ],
)
def test_another_challenge_or_audience_is_refused(world, made, options, failing):
    answer = verify(world, {"verifiablePresentation": made[0], "options": options})
    assert answer.status_code == 400
    body = answer.json()
    assert body["verified"] is False and [p["title"] for p in body["problemDetails"]] == [failing]
    assert all(p["type"].startswith("https://") and p["detail"] for p in body["problemDetails"])


def test_a_tampered_presentation_is_refused(world, made):
    head, payload, signature = made[0].split(".")
    answer = verify(world, {"verifiablePresentation": f"{head}.{payload}.{signature[:-4]}AAAA"})
    assert answer.status_code == 400
    assert "signature" in [p["title"] for p in answer.json()["problemDetails"]]


@pytest.mark.parametrize(
    "body, field",
    [
        ([], "body"),
        ({}, "verifiablePresentation"),
        ({"verifiablePresentation": 42}, "verifiablePresentation"),
        ({"verifiablePresentation": "x.y.z", "options": []}, "options"),
        ({"verifiablePresentation": "x.y.z", "options": {"challenge": ""}}, "options.challenge"),
        ({"verifiablePresentation": "x.y.z", "options": {"domain": "d" * 1001}}, "options.domain"),
    ],
)
def test_a_request_that_cannot_be_read_is_a_400_naming_the_field(world, body, field):
    answer = verify(world, body)
    assert answer.status_code == 400
    found = answer.json()
    assert found["verified"] is False and found["errors"][0]["field"] == field


def test_an_unreadable_presentation_is_a_400_with_its_checks(world):
    answer = verify(world, {"verifiablePresentation": "not a token"})
    assert answer.status_code == 400
    body = answer.json()
    assert [c["name"] for c in body["checks"]][:2] == ["format", "header"]
    assert body["problemDetails"][0]["title"] == "format"


def test_regverify_verifies_the_downloaded_file(world, made, capsys):
    from verifier.cli import main

    _, saved = made
    folder = world["folder"]
    (folder / "trust.jwt").write_text(httpx.get(f"{world['url']}/trust.jwt").text)
    (folder / "root.json").write_text(httpx.get(f"{world['url']}/root.json").text)
    common = ["--trust", str(folder / "trust.jwt"), "--root", str(folder / "root.json"), "--cache", str(folder / "c")]
    assert main(["presentation", str(saved), *common, "--nonce", CHALLENGE, "--audience", CLIENT]) == 0
    assert capsys.readouterr().out.startswith("Valid presentation by did:jwk:")
    assert main([str(saved), *common, "--nonce", "another"]) == 1  # found to be a presentation by itself
    out = capsys.readouterr().out
    assert out.startswith("Not valid:") and "nonce:" in out
    assert main(["presentation", str(saved), *common, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "presentation"


def test_the_holder_key_goes_with_the_registrants_data_key(world):
    from ledger.app.holder_keys import HolderKeys, present
    from ledger.app.vault import Shredded

    ledger = world["ledger"]
    registrant = enrol(ledger, "Erin Erased")
    keys = HolderKeys(ledger.engine, ledger.vault)
    now = ledger.clock.now()
    first = keys.key_for(registrant, now)
    assert keys.key_for(registrant, now).kid == first.kid  # one key per registrant, kept
    assert keys.public_jwk(registrant)["x"] == first.public_jwk["x"]
    ledger.erase(registrant, "registrar")
    assert keys.public_jwk(registrant) is None  # the row is gone with the erasure
    with pytest.raises(Shredded):
        keys.key_for(registrant, now)  # and no new key can be made
    with pytest.raises(Shredded):
        present(keys, registrant, "a.b.c", CLIENT, CHALLENGE, now)


def test_the_route_is_in_the_openapi_document(world):
    paths = httpx.get(f"{world['url']}/openapi.json").json()["paths"]
    assert "post" in paths["/presentations/verify"]


def test_an_independent_jose_library_verifies_the_presentation_and_the_credential_inside(world, made):
    """jwcrypto (not the project's code) checks the presentation's signature with the key its did:jwk holder names,
    and the credential it carries with the register's served JWKS; a presentation re-signed by another key, or one
    with a changed payload, is refused."""
    import base64

    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException

    token, _ = made
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "vp+jwt" and header["kid"].startswith("did:jwk:")
    did = header["kid"].split("#")[0]
    holder = jwk.JWK(**json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "==")))
    presentation = jws.JWS()
    presentation.deserialize(token)
    presentation.verify(holder)  # raises if the signature does not hold
    payload = json.loads(presentation.payload)
    assert payload["nonce"] == CHALLENGE and payload["aud"] == CLIENT and payload["iss"] == did

    served = jwk.JWKSet.from_json(httpx.get(f"{world['url']}/.well-known/jwks.json", timeout=30).text)
    (enveloped,) = payload["verifiableCredential"]
    inner = enveloped["id"].removeprefix("data:application/vc+jwt,")
    credential = jws.JWS()
    credential.deserialize(inner)
    kid = json.loads(base64.urlsafe_b64decode(inner.split(".")[0] + "=="))["kid"]
    credential.verify(served.get_key(kid))
    assert json.loads(credential.payload)["credentialSubject"]["licenseNumber"] == world["number"]

    head, body, signature = token.split(".")
    changed = json.loads(base64.urlsafe_b64decode(body + "=="))
    changed["aud"] = "Someone Else Ltd"
    forged_body = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    forged = jws.JWS()
    forged.deserialize(f"{head}.{forged_body}.{signature}")
    with pytest.raises(JWException):
        forged.verify(holder)
