"""The key documents generic verifiers read (/.well-known/jwks.json and the did:web document) tell the truth: a
compromised key leaves them in the same call that records the compromise, a retired key stays (it verifies what it
signed in service) and is marked so in the trust bundle; an https register names itself by its did:web DID and its
keys by DID URLs that resolve, offline, in the did.json it serves. An independent JOSE library (jwcrypto, not the
register's code) does the verifying; ``regverify`` and the browser verifier accept both forms of credential (the
did:web one and the older https-address one) and refuse a DID URL of another DID."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import jwt
import pytest
from jwcrypto import jwk, jws
from jwcrypto.common import JWKeyNotFound

from credentials.achievement import sign_credential_jwt
from credentials.compact import BADGE_TYP
from credentials.qr import MAX_VERSION, qr_version
from ledger.domain.errors import RuleBroken
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.sharing import current_credential
from tests.builders.browser import screenshot, serious_accessibility_violations
from tests.builders.records import awarded
from tests.builders.register import START
from tests.builders.web_verifier import (
    PAGE_FILES,
    WEB,
    Problems,
    Site,
    browser_fixture,  # noqa: F401 - the browser fixture
    pasted_verdict,
    python_verdict,
    ready_checker,
)
from verifier import load_trust, verify
from verifier.cli import main as regverify

ADDRESS = "https://register.example.org"
DID = "did:web:register.example.org"
CLAIMS = ("iss", "iat", "jti", "sub", "nbf", "exp")


# -- resolving a did:web DID offline, by the did:web method's own rules (not the register's code)
def did_document_address(did: str) -> str:
    """did:web: the method-specific id's ':' become '/', percent-decoded; no path means /.well-known/did.json."""
    assert did.startswith("did:web:")
    host, *path = did[len("did:web:") :].split(":")
    base = "https://" + unquote(host) + "".join("/" + unquote(segment) for segment in path)
    return base + ("/did.json" if path else "/.well-known/did.json")


def resolve_key(client: Any, kid: str) -> jwk.JWK:
    """The public key a DID URL ``kid`` names: the DID document fetched from the app at the address the DID gives,
    the verification method with that id, which must be listed for assertions and controlled by the DID."""
    did, _, _ = kid.partition("#")
    answer = client.get(did_document_address(did))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/did+json")
    document = answer.json()
    assert document["id"] == did
    methods = {method["id"]: method for method in document["verificationMethod"]}
    if kid not in methods:
        raise LookupError(f"{kid} is not a verification method of {did}")
    method = methods[kid]
    assert kid in document["assertionMethod"] and method["controller"] == did and method["type"] == "JsonWebKey"
    return jwk.JWK(**method["publicKeyJwk"])


def jose_verify(token: str, key: jwk.JWK | jwk.JWKSet) -> dict[str, Any]:
    """The payload, if jwcrypto verifies ``token`` with ``key`` (a JWK Set: the key its ``kid`` names)."""
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(key)
    return json.loads(signed.payload)


def stripped(token: str) -> dict[str, Any]:
    """A signed credential's document without the JWT claims that mirror it (to sign it again)."""
    return {k: v for k, v in jwt.decode(token, options={"verify_signature": False}).items() if k not in CLAIMS}


# -- one https register through a key's whole life: A signs, is retired for B, B is compromised, C takes over
@pytest.fixture(scope="module")
def register(tmp_path_factory):
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    clock = SettableClock(START)
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path_factory.mktemp('keys') / 'r.db'}",
            master_key=MASTER_KEY,
            issuer_url=ADDRESS,
        ),
        clock=clock,
        rng=random.Random(19),
    )
    keyring = Keyring(ledger)

    def issue(name: str) -> Any:
        number = awarded(ledger, name)[1]
        CredentialIssuer(ledger, keyring).catch_up()
        ProjectionRunner(ledger).catch_up()
        return current_credential(ledger, number)

    found: dict[str, Any] = {"ledger": ledger, "clock": clock, "keyring": keyring}
    found["a"] = keyring.active()
    found["first"] = issue("Ada Early")
    found["r"] = keyring.active(ob3=True)  # the issuer's Open Badges 3.0 key (RS256), made by the first issue
    # the form credentials had before the register named itself by its DID: the address, the bare thumbprint
    found["by address"] = sign_credential_jwt(
        {**stripped(found["first"].full), "issuer": ADDRESS}, found["a"].signing_key, issued_at=clock.now()
    )
    clock.advance(timedelta(days=10))
    found["b"] = keyring.rotate()[0]
    found["b key"] = keyring.active().signing_key  # what a thief copies while it is in service
    found["second"] = issue("Bea Later")
    clock.advance(timedelta(days=1))
    with TestClient(create_app(ledger, worker="none"), base_url=ADDRESS) as client:
        found["client"] = client
        found["before"] = {name: client.get(f"/.well-known/{name}.json").json() for name in ("jwks", "did")}
        keyring.mark_compromised(found["b"].kid, clock.now() - timedelta(hours=1))
        found["after"] = {name: client.get(f"/.well-known/{name}.json").json() for name in ("jwks", "did")}
        CredentialIssuer(ledger, keyring).catch_up()  # Bea's credential is re-issued with the new key
        ProjectionRunner(ledger).catch_up()
        found["reissued"] = current_credential(ledger, found["second"].number)
        found["c"] = keyring.active()
        Publisher(ledger, keyring).publish()  # the worker's next run
        found["bundle"] = client.get("/trust.jwt").text
        found["root"] = client.get("/root.json").json()
        found["lists"] = {purpose: client.get(f"/status/{purpose}").text for purpose in ("revocation", "suspension")}
        yield found
    ledger.close()


def test_a_compromised_key_leaves_the_jwks_and_did_document_in_the_call_that_records_it(register):
    a, b, c, r = register["a"].kid, register["b"].kid, register["c"].kid, register["r"].kid

    def listed(keys: list[str], *expected: str) -> None:
        """Each key under its thumbprint, then each under its DID URL (A and R were made in the same instant)."""
        assert set(keys[: len(expected)]) == set(expected) and keys[len(expected) :] == [
            f"{DID}#{kid}" for kid in keys[: len(expected)]
        ]

    listed_before = [key["kid"] for key in register["before"]["jwks"]["keys"]]
    listed(listed_before, a, r, b)
    assert register["before"]["did"]["assertionMethod"] == [f"{DID}#{k}" for k in listed_before[:3]]
    # read again right after mark_compromised, before any worker or publisher ran: B is gone, C has come
    listed_after = [key["kid"] for key in register["after"]["jwks"]["keys"]]
    listed(listed_after, a, r, c)
    did = register["after"]["did"]
    assert did["id"] == DID and did["assertionMethod"] == [f"{DID}#{k}" for k in listed_after[:3]]
    assert [method["id"] for method in did["verificationMethod"]] == did["assertionMethod"]
    assert b not in json.dumps(register["after"])
    # the trust bundle, signed at the publisher's next run, keeps B to say why it is refused, and marks A retired
    bundle = jwt.decode(register["bundle"], options={"verify_signature": False})
    entries = {entry["jwk"]["kid"]: entry for entry in bundle["keys"]}
    assert set(entries) == {a, b, c, r} and bundle["iss"] == ADDRESS  # pins stay keyed by the address
    assert "valid_until" in entries[a] and "compromised_since" not in entries[a]
    assert "compromised_since" in entries[b] and "valid_until" not in entries[c]


def test_jwcrypto_verifies_credentials_by_the_served_jwks_and_by_the_did_document(register):
    client = register["client"]
    jwks = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").text)
    first = register["first"].full
    header = jwt.get_unverified_header(first)
    assert header["kid"] == f"{DID}#{register['a'].kid}"
    payload = jose_verify(first, jwks)
    assert payload["issuer"]["id"] == payload["iss"] == DID and payload["issuer"]["url"] == ADDRESS
    assert jose_verify(first, resolve_key(client, header["kid"])) == payload
    assert jose_verify(register["by address"], jwks)["iss"] == ADDRESS  # the older form, by its bare thumbprint
    reissued = register["reissued"].full
    assert jose_verify(reissued, resolve_key(client, jwt.get_unverified_header(reissued)["kid"]))["iss"] == DID
    for purpose, token in register["lists"].items():  # the status list credentials too
        document = jose_verify(token, resolve_key(client, jwt.get_unverified_header(token)["kid"]))
        assert document["issuer"]["id"] == document["iss"] == DID
        assert document["id"] == f"{ADDRESS}/status/{purpose}" and jose_verify(token, jwks) == document


def test_a_credential_signed_by_the_compromised_key_is_refused_as_key_not_found(register):
    client = register["client"]
    jwks = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").text)
    stolen = register["b key"]
    for token in (
        register["second"].full,  # genuine, signed by B before the compromise
        sign_credential_jwt(stripped(register["second"].full), stolen, issued_at=START),  # backdated by a thief
    ):
        kid = jwt.get_unverified_header(token)["kid"]
        assert kid == f"{DID}#{stolen.kid}"
        with pytest.raises(JWKeyNotFound):
            jose_verify(token, jwks)
        with pytest.raises(LookupError, match="is not a verification method"):
            resolve_key(client, kid)
        trust = load_trust(register["bundle"], root=register["root"], at=register["clock"].now())
        result = verify(token, trust, at=register["clock"].now())
        assert not result.valid and "reported compromised" in result.summary


def test_regverify_accepts_both_forms_and_the_retired_key_still_vouches_for_what_it_signed(register, tmp_path, capsys):
    (tmp_path / "trust.jwt").write_text(register["bundle"])
    (tmp_path / "root.json").write_text(json.dumps(register["root"]))
    at = register["clock"].now().strftime("%Y-%m-%dT%H:%M:%SZ")
    common = ["--trust", tmp_path / "trust.jwt", "--root", tmp_path / "root.json", "--at", at, "--json"]
    for name, token, named in (
        ("did:web, retired key", register["first"].full, DID),
        ("address, retired key", register["by address"], ADDRESS),
        ("badge", register["first"].compact, ADDRESS),  # a badge names no issuer: the bundle's is said
        ("re-issued", register["reissued"].full, DID),
    ):
        (tmp_path / "credential.jwt").write_text(token)
        code = regverify([str(arg) for arg in (tmp_path / "credential.jwt", *common)])
        result = json.loads(capsys.readouterr().out)
        assert code == 0 and result["valid"], (name, result)
        issuer = next(check for check in result["checks"] if check["name"] == "issuer")
        assert issuer["reason"] == f"issued by {named}", name


def test_a_did_url_of_another_did_or_another_issuer_is_refused(register):
    trust = load_trust(register["bundle"], root=register["root"], at=register["clock"].now())
    now = register["clock"].now()
    key = register["c"].signing_key
    document = stripped(register["reissued"].full)
    elsewhere = dict(document, issuer={**document["issuer"], "id": "did:web:elsewhere.example"})
    cases = {
        # the register's key, named by a DID URL of another DID
        "other DID": (
            jwt.encode(
                {**document, "iss": DID, "iat": int(now.timestamp())},
                key.private_key,
                algorithm="ES256",
                headers={"kid": f"did:web:elsewhere.example#{key.kid}", "typ": "vc+jwt"},
            ),
            ["key known"],
        ),
        # another DID as issuer and kid: the key is not that DID's, so not known
        "other issuer": (sign_credential_jwt(elsewhere, key, issued_at=now), ["key known"]),
        # a bare thumbprint with another issuer: the key is known, the issuer is not this register
        "other issuer, bare kid": (
            jwt.encode(
                {**elsewhere, "iss": "did:web:elsewhere.example", "iat": int(now.timestamp())},
                key.private_key,
                algorithm="ES256",
                headers={"kid": key.kid, "typ": "vc+jwt"},
            ),
            ["issuer"],
        ),
    }
    for case, (token, expected) in cases.items():
        result = verify(token, trust, at=now)
        assert [c.name for c in result.checks if c.outcome == "fail"] == expected, (case, result.to_json())


def test_the_badge_names_no_key_and_no_issuer_and_still_fits_its_qr_code(register):
    shared = register["first"]
    assert jwt.get_unverified_header(shared.compact) == {"alg": "ES256", "typ": BADGE_TYP}
    claims = jwt.decode(shared.compact, options={"verify_signature": False})
    assert "iss" not in claims and "kid" not in claims
    assert shared.badge_url.startswith(f"{ADDRESS}/v#") and qr_version(shared.badge_url) <= MAX_VERSION


def test_an_http_register_keeps_its_address_and_bare_thumbprints(ledger):
    """The embedded default (http://127.0.0.1:8000) has no DID: nothing changes for it."""
    number = awarded(ledger)[1]
    CredentialIssuer(ledger).catch_up()
    ProjectionRunner(ledger).catch_up()
    full = current_credential(ledger, number).full
    kid, ob3_kid = Keyring(ledger).active().kid, Keyring(ledger).active(ob3=True).kid
    assert jwt.get_unverified_header(full)["kid"] == kid
    claims = jwt.decode(full, options={"verify_signature": False})
    assert claims["iss"] == claims["issuer"]["id"] == ledger.settings.issuer_url.rstrip("/")
    publisher = Publisher(ledger)
    assert sorted(key["kid"] for key in publisher.jwks()["keys"]) == sorted([kid, ob3_kid])
    with pytest.raises(RuleBroken, match="https"):
        publisher.did_document()
    for token in publisher.status_list_credentials().values():
        assert jwt.get_unverified_header(token)["kid"] == kid


def test_the_browser_verifier_gives_python_s_verdict_on_both_forms_and_on_another_did(
    browser: Any, register: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """verifier/web/verify.js maps the did:web issuer and DID URL kid as verifier/did.py does: the same verdict, in
    the same words, for a credential of each form, one re-issued after the compromise, and one naming another DID."""
    import shutil

    directory = tmp_path_factory.mktemp("web-did")
    for name in PAGE_FILES:
        shutil.copy(WEB / name, directory / name)
    shutil.copytree(WEB / "vendor", directory / "vendor")
    server = Site(directory)
    server.publish(register["bundle"], register["root"])
    at = register["clock"].now().replace(microsecond=0)
    key = register["c"].signing_key
    other_did = jwt.encode(
        {**stripped(register["reissued"].full), "iss": DID, "iat": int(at.timestamp())},
        key.private_key,
        algorithm="ES256",
        headers={"kid": f"did:web:elsewhere.example#{key.kid}", "typ": "vc+jwt"},
    )
    cases = {
        "did:web": (register["first"].full, True),
        "address": (register["by address"], True),
        "re-issued": (register["reissued"].full, True),
        "another DID": (other_did, False),
        "compromised": (register["second"].full, False),
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems = Problems(context)
    try:
        page = ready_checker(context, server.origin, at)
        for case, (token, valid) in cases.items():
            verdict = pasted_verdict(page, token)
            expected = python_verdict(token, register["bundle"], register["root"], at)
            # every check, outcome and reason (of the checks the page has: Python's may have gained one first)
            shown = {check["name"] for check in verdict["checks"]}
            assert verdict["checks"] == [check for check in expected["checks"] if check["name"] in shown], case
            assert (verdict["valid"], verdict["subject"]) == (expected["valid"], expected["subject"]), case
            assert verdict["valid"] is valid, (case, verdict)
            if case == "did:web":
                assert page.get_attribute("#verdict", "data-state") == "valid"
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    screenshot(page, f"h7-did-web-credential-{width}")
                assert serious_accessibility_violations(page) == []
                page.set_viewport_size({"width": 1280, "height": 900})
            if case == "another DID":
                assert [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"] == ["key known"]
                screenshot(page, "h7-another-did-1280")
    finally:
        context.close()
        server.stop()
    assert problems.seen == []
