"""Every credential also in Open Badges 3.0's own JWT form (issue 19, item 6), signed at issuance beside the vc+jwt
by the issuer's RS256 key and recorded in the same event.

What OB 3.0 (1EdTech, Open Badges Specification 3.0, section 8.2 "JSON Web Token Proof Format") asks, and what is
checked here:
- 8.2.3 "Create the JOSE Header": "Additional JOSE Headers are NOT allowed" beyond ``alg``, ``kid``, ``jwk`` and
  ``typ``; ``alg`` "MUST be RS256 as a minimum"; ``typ`` "If present, MUST be set to JWT"; ``kid`` a URI that can be
  dereferenced to the JWK (here the did:web DID URL, resolved in the served did.json), and the ``jwk`` "MUST never
  contain d".
- 8.2.4.1 "JWT Payload Format": the payload is the OpenBadgeCredential's JSON with ``iss`` (issuer.id), ``jti`` (id),
  ``sub`` (credentialSubject.id), ``nbf`` (validFrom) required, and ``exp`` (validUntil) when it has one.
- 8.2.6.1 "Verify a Credential VC-JWT Signature": those claims must match the credential's fields.
The payload is validated against the OB 3.0 AchievementCredential JSON schema: its one objection is the list of two
status entries, the open question of item 5 (each entry is a valid OB CredentialStatus); jwcrypto verifies the RS256
signature against the served JWKS and the did:web document; regverify verifies it and refuses it altered."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import timedelta
from typing import Any

import jwt
import pytest
from jwcrypto import jwk, jws
from typer.testing import CliRunner

from credentials.jwt_sign import encode_jws
from ledger.domain.aggregates import Credential
from ledger.domain.errors import InvalidInput
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.sharing import current_credential, open_token
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import awarded
from tests.builders.register import START
from tests.builders.schemas import errors, validator
from tests.builders.servers import free_port, serving
from tests.builders.web_verifier import PAGE_FILES, WEB, Problems, Site, pasted_verdict, python_verdict, ready_checker
from tests.conftest import shared_file
from verifier import load_trust, verify
from verifier.cli import main as regverify

ADDRESS = "https://register.example.org"
DID = "did:web:register.example.org"
CLAIMS = ("iss", "iat", "jti", "sub", "nbf", "exp")


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    database = tmp_path_factory.mktemp("ob3") / "r.db"
    clock = SettableClock(START)
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{database}", master_key=MASTER_KEY, issuer_url=ADDRESS),
        clock=clock,
        rng=random.Random(9),
    )
    keyring = Keyring(ledger)
    registrant, number = awarded(ledger, "Siân Ó Briain")
    other, suspended = awarded(ledger, "Otto Other")
    CredentialIssuer(ledger, keyring).catch_up()
    ProjectionRunner(ledger).catch_up()
    ledger.suspend(other, "Under investigation.", "registrar")
    ProjectionRunner(ledger).catch_up()
    clock.advance(timedelta(hours=1))
    Publisher(ledger, keyring).publish()
    app = create_app(ledger, worker="none")
    with TestClient(app, base_url=ADDRESS) as client:
        yield {
            "ledger": ledger,
            "clock": clock,
            "keyring": keyring,
            "client": client,
            "app": app,
            "database": database,
            "number": number,
            "suspended": suspended,
            "shared": current_credential(ledger, number),
            "bundle": client.get("/trust.jwt").text,
            "root": client.get("/root.json").json(),
        }
    ledger.close()


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def test_issued_credentials_carry_the_ob3_form_signed_by_a_second_issuer_key(register):
    ledger, keyring, shared = register["ledger"], register["keyring"], register["shared"]
    credential = ledger._get(Credential, shared.credential_id, "credential")
    ob3 = open_token(ledger, credential.ob3)
    assert ob3 == shared.ob3 and credential.ob3_sha256 == hashlib.sha256(ob3.encode()).hexdigest()
    badge_key, ob3_key = keyring.active(), keyring.active(ob3=True)
    assert (credential.kid, credential.ob3_kid) == (badge_key.kid, ob3_key.kid)
    assert (badge_key.record.alg, ob3_key.record.alg) == ("ES256", "RS256")
    assert [k.role for k in keyring.records()].count("issuer") == 2  # one active issuer key per slot


def test_header_and_claims_follow_ob3_section_8_2(register):
    """8.2.3: only alg, kid, jwk, typ; RS256; typ JWT; a public jwk. 8.2.4.1 and 8.2.6.1: iss, jti, sub, nbf (and
    exp) present and equal to the credential's fields; the payload is the credential itself (no ``vc``)."""
    shared = register["shared"]
    header, payload = parts(shared.ob3)
    ob3_key = register["keyring"].active(ob3=True)
    assert set(header) == {"alg", "kid", "jwk", "typ"}
    assert (header["alg"], header["typ"], header["kid"]) == ("RS256", "JWT", f"{DID}#{ob3_key.kid}")
    assert header["jwk"]["kty"] == "RSA" and "d" not in header["jwk"] and header["jwk"]["kid"] == ob3_key.kid
    assert "vc" not in payload
    assert payload["iss"] == payload["issuer"]["id"] == DID
    assert payload["jti"] == payload["id"] and payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["nbf"] == int(jwt_time(payload["validFrom"])) and payload["exp"] == int(
        jwt_time(payload["validUntil"])
    )
    # the same credential as the vc+jwt: only the signature's header differs
    full_header, full_payload = parts(shared.full)
    assert full_payload == payload and full_header["typ"] == "vc+jwt" and full_header["alg"] == "ES256"


def jwt_time(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_the_payload_validates_against_the_ob3_schema_and_the_vc_2_schema(register):
    _, payload = parts(register["shared"].ob3)
    open_badges = validator("standards/openbadges/ob_v3p0_achievementcredential_schema.json")
    assert errors(open_badges, payload) == []  # one status entry, an object (README "Status entries")
    status_schema = json.loads(
        shared_file("standards/openbadges/ob_v3p0_achievementcredential_schema.json").read_text()
    )["$defs"]["CredentialStatus"]
    import jsonschema

    jsonschema.validate(payload["credentialStatus"], status_schema)
    assert payload["credentialStatus"]["statusPurpose"] == "revocation"
    assert errors(validator("standards/vcdm/verifiable-credential-schema.json"), payload) == []


def jose_verify(token: str, key: jwk.JWK | jwk.JWKSet) -> dict[str, Any]:
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(key, alg="RS256")
    return json.loads(signed.payload)


def test_jwcrypto_verifies_the_rs256_signature_by_the_served_jwks_and_did_document(register):
    client, token = register["client"], register["shared"].ob3
    served = client.get("/.well-known/jwks.json").text
    assert jose_verify(token, jwk.JWKSet.from_json(served))["jti"] == register["shared"].payload["jti"]
    did = client.get("/.well-known/did.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    method = next(m for m in did["verificationMethod"] if m["id"] == kid)
    assert kid in did["assertionMethod"]
    assert jose_verify(token, jwk.JWK(**method["publicKeyJwk"]))["iss"] == DID
    altered = token.split(".")
    altered[1] = (
        base64.urlsafe_b64encode(json.dumps({**parts(token)[1], "name": "Someone Else"}).encode()).rstrip(b"=").decode()
    )
    with pytest.raises(jws.InvalidJWSSignature):  # by the key itself (a key set says only "no working key")
        jose_verify(".".join(altered), jwk.JWK(**method["publicKeyJwk"]))


def off_profile(register: dict[str, Any]) -> dict[str, tuple[str, str, str | None]]:
    """The OB 3.0 JWT altered, or signed by the register's own OB 3.0 key but off OB 3.0's profile: the token, the
    check that must fail and words its reason must hold."""
    token = register["shared"].ob3
    header, payload = parts(token)
    key = register["keyring"].active(ob3=True).signing_key
    head, _, signature = token.split(".")
    altered = base64.urlsafe_b64encode(json.dumps({**payload, "name": "X"}).encode()).rstrip(b"=").decode()
    bare = {k: v for k, v in header.items() if k != "alg"}
    return {
        "altered": (".".join((head, altered, signature)), "signature", None),
        "an extra header": (encode_jws(payload, key, {**bare, "cty": "vc"}), "format", "section 8.2.3"),
        "no jti": (
            encode_jws({k: v for k, v in payload.items() if k != "jti"}, key, bare),
            "format",
            "the claim(s) jti (OB 3.0 section 8.2.4.1)",
        ),
        "sub of another": (encode_jws({**payload, "sub": "urn:uuid:0"}, key, bare), "format", "section 8.2.6.1"),
    }


def test_regverify_verifies_it_and_refuses_it_altered_or_off_profile(register, tmp_path, capsys):
    (tmp_path / "trust.jwt").write_text(register["bundle"])
    (tmp_path / "root.json").write_text(json.dumps(register["root"]))
    at = register["clock"].now().strftime("%Y-%m-%dT%H:%M:%SZ")
    common = ["--trust", tmp_path / "trust.jwt", "--root", tmp_path / "root.json", "--at", at, "--json"]
    common += ["--cache", tmp_path / "cache"]

    def run(token: str) -> tuple[int, dict[str, Any]]:
        (tmp_path / "credential.jwt").write_text(token)
        code = regverify([str(arg) for arg in (tmp_path / "credential.jwt", *common)])
        said = capsys.readouterr()
        assert said.out, (code, said.err)
        return code, json.loads(said.out)

    token = register["shared"].ob3
    code, result = run(token)
    assert code == 0 and result["valid"], result
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["format"]["reason"] == "a full credential (Open Badges 3.0 JWT)"
    assert checks["header"]["reason"] == "signed with RS256" and checks["revocation"]["outcome"] == "pass"
    assert (checks["suspension"]["outcome"], checks["suspension"]["reason"]) == (
        "not checked",
        "no suspension entry: a suspension revokes this credential (the revocation check)",
    )

    for case, (bad, failing, words) in off_profile(register).items():
        code, result = run(bad)
        failed = {c["name"]: c["reason"] for c in result["checks"] if c["outcome"] == "fail"}
        assert code == 1 and failing in failed, (case, result)
        assert words is None or words in failed[failing], (case, failed)


def test_the_export_command_and_the_download_route_give_it(register):
    client, number, shared = register["client"], register["number"], register["shared"]
    answer = client.get(f"/r/{number}/credential.ob3.jwt")
    assert answer.status_code == 200 and answer.text == shared.ob3 + "\n"
    assert answer.headers["content-type"].startswith("application/jwt")
    assert f'filename="{number}-credential.ob3.jwt"' in answer.headers["content-disposition"]
    refused = client.get(f"/r/{register['suspended']}/credential.ob3.jwt")
    assert refused.status_code == 409 and "not currently registered" in refused.text
    page = client.get(f"/r/{number}").text
    assert f'href="/r/{number}/credential.ob3.jwt"' in page
    assert "credential.ob3.jwt" not in client.get(f"/r/{register['suspended']}").text

    from ledger.cli.main import app
    from tests.conftest import MASTER_KEY

    env = {
        "REGLEDGER_DATABASE_URL": f"sqlite:///{register['database']}",
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_ISSUER_URL": ADDRESS,
    }
    result = CliRunner().invoke(app, ["credential", "export", number, "--format", "ob3-jwt"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == shared.ob3
    wrong = CliRunner().invoke(app, ["credential", "export", number, "--format", "ob3"], env=env)
    assert wrong.exit_code == 1 and "ob3-jwt" in wrong.output


def test_the_registrant_page_offers_it_at_every_width(register):
    with serving(register["app"], free_port()) as url, chromium() as browser:
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{url}/r/{register['number']}")
            link = page.get_by_role("link", name="Download it for Open Badges 3.0 wallets (.ob3.jwt)")
            assert link.is_visible()
            screenshot(page, f"h9-ob3-registrant-{width}")
            assert serious_accessibility_violations(page) == []
            page.close()


def test_the_browser_verifier_gives_python_s_verdict_on_it(register, tmp_path):
    """verifier/web/verify.js reads the OB 3.0 JWT (WebCrypto RS256) and holds it to the same OB 3.0 rules: the same
    checks, outcomes and reasons as Python for the genuine token and each one off the profile."""
    import shutil

    for name in PAGE_FILES:
        shutil.copy(WEB / name, tmp_path / name)
    shutil.copytree(WEB / "vendor", tmp_path / "vendor")
    server = Site(tmp_path)
    server.publish(register["bundle"], register["root"])
    at = register["clock"].now().replace(microsecond=0)
    cases = {"genuine": (register["shared"].ob3, "", None)} | off_profile(register)
    try:
        with chromium() as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            problems = Problems(context)
            page = ready_checker(context, server.origin, at)
            for case, (token, failing, _) in cases.items():
                verdict = pasted_verdict(page, token)
                expected = python_verdict(token, register["bundle"], register["root"], at)
                shown = {check["name"] for check in verdict["checks"]}
                assert verdict["checks"] == [check for check in expected["checks"] if check["name"] in shown], case
                assert verdict["valid"] is expected["valid"] is (case == "genuine"), (case, verdict)
                assert case == "genuine" or failing in [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"]
                if case in ("genuine", "an extra header"):
                    screenshot(page, f"h9-ob3-web-verifier-{case.replace(' ', '-')}-1280")
            assert serious_accessibility_violations(page) == []
            context.close()
    finally:
        server.stop()
    assert problems.seen == []


def test_each_issuer_slot_rotates_and_is_replaced_on_compromise_on_its_own(ledger):
    """The badge key (ES256/EdDSA) and the OB 3.0 key (RS256) are two slots of the issuer role: rotating one never
    retires the other; a compromised OB 3.0 key is replaced by a new RS256 key and what it signed is re-issued."""
    keyring = Keyring(ledger)
    number = awarded(ledger)[1]
    CredentialIssuer(ledger, keyring).catch_up()
    ProjectionRunner(ledger).catch_up()
    first = current_credential(ledger, number)
    ob3 = keyring.active(ob3=True)
    ledger.clock.advance(timedelta(minutes=1))
    badge, retired = keyring.rotate()
    assert [k.alg for k in retired] == ["ES256"] and keyring.active(ob3=True).kid == ob3.kid
    with pytest.raises(InvalidInput, match="only ES256 or EdDSA"):
        keyring.rotate(alg="RS256")
    with pytest.raises(InvalidInput, match="role"):
        keyring.rotate(role="root", ob3=True)
    ledger.clock.advance(timedelta(minutes=5))
    _, replacement = keyring.mark_compromised(ob3.kid, ledger.clock.now() - timedelta(days=1))
    assert replacement is not None and replacement.alg == "RS256" and keyring.active().kid == badge.kid
    CredentialIssuer(ledger, keyring).catch_up()
    ProjectionRunner(ledger).catch_up()
    again = current_credential(ledger, number)
    assert again.credential_id != first.credential_id  # re-issued: its OB 3.0 form was signed by the stolen key
    assert jwt.get_unverified_header(again.ob3)["kid"] == replacement.kid
    assert jwt.get_unverified_header(again.full)["kid"] == badge.kid
    publisher = Publisher(ledger, keyring)
    now = ledger.clock.now()
    trust = load_trust(publisher.trust_bundle(), root=publisher.root_jwk(), at=now)
    refused = verify(first.ob3, trust, at=now)
    assert not refused.valid and "reported compromised" in refused.summary
    assert verify(again.ob3, trust, at=now).valid
    ledger.clock.advance(timedelta(minutes=1))
    newest, retired = keyring.rotate(ob3=True)
    assert newest.alg == "RS256" and [k.kid for k in retired] == [replacement.kid]
    assert keyring.active().kid == badge.kid


def test_erasure_shreds_the_ob3_form_with_the_rest(ledger):
    """The OB 3.0 form names the holder, so it is sealed with their data key like the vc+jwt: erasure makes it
    unreadable, and the pin (its SHA-256) stays."""
    registrant, number = awarded(ledger, "Erin Erased")
    CredentialIssuer(ledger).catch_up()
    ProjectionRunner(ledger).catch_up()
    shared = current_credential(ledger, number)
    credential = ledger._get(Credential, shared.credential_id, "credential")
    assert "Erin Erased" in json.dumps(parts(shared.ob3)[1], ensure_ascii=False)
    ledger.erase(registrant, "registrar")
    credential = ledger._get(Credential, shared.credential_id, "credential")
    assert open_token(ledger, credential.ob3) is None and open_token(ledger, credential.full) is None
    assert credential.ob3_sha256 == hashlib.sha256(shared.ob3.encode()).hexdigest()
