"""Issuer keys as events (generated, activated, retired, compromised), the trust bundle signed by the root key, and
the credential commands of the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from typer.testing import CliRunner

from credentials.trust import TRUST_TYP
from ledger.domain.aggregates import IssuerKey
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import awarded, read_qr


def test_rotation_retires_the_old_key_which_stays_trusted_for_what_it_signed(ledger, clock):
    keyring = Keyring(ledger)
    first = keyring.active()
    clock.advance(timedelta(days=30))
    new, retired = keyring.rotate()
    assert [k.kid for k in retired] == [first.kid] and keyring.active().kid == new.kid != first.kid
    trusted = {k.jwk["kid"]: k for k in keyring.trusted_keys()}
    assert trusted[first.kid].valid_until == new.activated_at and trusted[new.kid].valid_until is None
    stored = ledger.recorder.select_events(IssuerKey.id_for(first.kid))
    assert [e.topic.rsplit(".", 1)[1] for e in stored] == ["Generated", "Activated", "Retired"]


def test_a_compromised_active_key_is_replaced_at_once(ledger, clock):
    keyring = Keyring(ledger)
    first = keyring.active()
    since = clock.now() - timedelta(hours=2)
    record, replacement = keyring.mark_compromised(first.kid, since)
    assert record.state == "compromised" and record.compromised_since == since
    assert replacement is not None and keyring.active().kid == replacement.kid
    entry = next(k for k in keyring.trusted_keys() if k.jwk["kid"] == first.kid)
    assert entry.compromised_since == since
    with pytest.raises(RuleBroken, match="already compromised"):
        keyring.mark_compromised(first.kid, since)
    with pytest.raises(RuleBroken, match="not come yet"):
        keyring.mark_compromised(replacement.kid, clock.now() + timedelta(days=1))


def test_bad_key_commands_are_refused_clearly_and_change_nothing(ledger):
    keyring = Keyring(ledger)
    keyring.active()
    before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput, match="only ES256 or EdDSA"):
        keyring.rotate(alg="RS256")
    with pytest.raises(InvalidInput, match="alg"):
        keyring.rotate(alg="HS256")
    with pytest.raises(NotFound, match="no issuer key"):
        keyring.retire("A" * 43)
    with pytest.raises(InvalidInput, match="thumbprint"):
        keyring.retire("short")
    assert ledger.recorder.max_notification_id() == before
    root, _ = keyring.rotate(alg="RS256", role="root")
    assert root.alg == "RS256" and keyring.active("root").kid == root.kid


def test_the_trust_bundle_is_signed_by_the_root_and_carries_keys_and_lists(ledger, clock):
    awarded(ledger)
    CredentialIssuer(ledger).catch_up()
    ProjectionRunner(ledger).catch_up()
    publisher = Publisher(ledger)
    token = publisher.trust_bundle()
    root = publisher.root_jwk()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": root["kid"], "typ": TRUST_TYP, "jwk": root}
    bundle = jwt.decode(token, jwt.PyJWK(root).key, algorithms=["ES256"])
    assert bundle["iss"] == ledger.settings.issuer_url
    keyring = Keyring(ledger)  # the badge key and the Open Badges 3.0 key (RS256), made in the same instant
    issuer_kids = {keyring.active().kid, keyring.active(ob3=True).kid}
    assert {k["jwk"]["kid"] for k in bundle["keys"]} == issuer_kids and len(bundle["keys"]) == 2
    assert set(bundle["status_lists"]) == {"revocation", "suspension"}
    assert bundle["sequence"] == ledger.recorder.max_notification_id()
    clock.advance(timedelta(hours=1))
    awarded(ledger, "Another Person")
    later = jwt.decode(publisher.trust_bundle(), options={"verify_signature": False})
    assert later["sequence"] > bundle["sequence"]
    assert publisher.jwks() == {"keys": [k["jwk"] for k in bundle["keys"]]}
    with pytest.raises(RuleBroken, match="https"):
        publisher.did_document()  # the embedded default serves http://127.0.0.1:8000
    from dataclasses import replace

    ledger.settings = replace(ledger.settings, issuer_url="https://register.creativetechnicians.org.uk")
    did = Publisher(ledger).did_document()
    assert did["id"] == "did:web:register.creativetechnicians.org.uk"
    assert sorted(did["assertionMethod"]) == sorted(f"{did['id']}#{kid}" for kid in issuer_kids)


def said(text: str) -> str:
    """What the CLI said, with rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def cli(tmp_path, monkeypatch):
    from tests.conftest import MASTER_KEY

    monkeypatch.setenv("REGLEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setenv("REGLEDGER_MASTER_KEY", MASTER_KEY)
    monkeypatch.chdir(tmp_path)
    from ledger.cli.main import app

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    assert run("demo", "--registrants", "40", "--years", "2", "--quiet").exit_code == 0
    return run


def test_cli_exports_a_credential_in_every_form(cli, tmp_path):
    listed = json.loads(cli("register", "--json", "--status", "registered", "--limit", "1").stdout)
    number = listed[0]["registration_number"]
    token = cli("credential", "export", number).stdout.strip()
    assert jwt.get_unverified_header(token)["typ"] == "vc+jwt"
    document = json.loads(cli("credential", "export", number, "--format", "json").stdout)
    assert document["credentialSubject"]["licenseNumber"] == number
    url = cli("credential", "export", number, "--format", "url").stdout.strip()
    assert url.startswith("http://127.0.0.1:8000/v#")
    assert cli("credential", "export", number, "--format", "qr-png", "--out", "b.png").exit_code == 0
    from PIL import Image

    assert read_qr(Image.open(tmp_path / "b.png")) == [url]
    svg = cli("credential", "export", number, "--format", "qr-svg").stdout
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:200]
    link = cli("credential", "export", number, "--format", "linkedin").stdout.strip()
    assert link.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME") and number in link
    bad = cli("credential", "export", "RG-1234567-00")
    assert bad.exit_code == 1 and "check digits" in said(bad.stderr)
    unknown_format = cli("credential", "export", number, "--format", "docx")
    assert unknown_format.exit_code == 1 and "--format must be one of" in said(unknown_format.stderr)


def test_cli_key_lifecycle_and_trust_export(cli, tmp_path):
    every = json.loads(cli("keys", "list", "--json").stdout)
    assert sorted((k["role"], k["alg"], k["state"]) for k in every) == [
        ("issuer", "ES256", "active"),
        ("issuer", "RS256", "active"),
    ]
    keys = [k for k in every if k["alg"] == "ES256"]  # the badge slot; the OB 3.0 key (RS256) is left alone
    rotated = cli("keys", "rotate")
    assert rotated.exit_code == 0 and f"Key {keys[0]['kid']} is retired." in said(rotated.stdout)
    assert said(rotated.stdout).count("is retired") == 1
    keys = [k for k in json.loads(cli("keys", "list", "--json").stdout) if k["alg"] == "ES256"]
    assert [k["state"] for k in keys] == ["retired", "active"]
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    compromised = cli("keys", "compromised", keys[1]["kid"], "--since", since, "--yes")
    assert compromised.exit_code == 0 and "is now active in its place" in said(compromised.stdout)
    refused = cli("keys", "rotate", "--alg", "RS256")
    assert refused.exit_code == 1 and "root key" in said(refused.stderr)
    assert cli("trust", "export", "--out", "bundle.jwt").exit_code == 0
    assert cli("trust", "export", "--what", "root", "--out", "root.json").exit_code == 0
    root = json.loads((tmp_path / "root.json").read_text())
    bundle = jwt.decode((tmp_path / "bundle.jwt").read_text().strip(), jwt.PyJWK(root).key, algorithms=["ES256"])
    states = {k["jwk"]["kid"]: k for k in bundle["keys"]}
    assert "compromised_since" in states[keys[1]["kid"]] and "valid_until" in states[keys[0]["kid"]]
    assert len(bundle["keys"]) == 4  # two badge keys, the one that replaced the compromised one, the OB 3.0 key
    assert json.loads(cli("trust", "export", "--what", "jwks", "--out", "-").stdout)["keys"]


def test_two_rotations_in_the_same_instant_leave_no_empty_window(ledger):
    """A key activated and retired in the same instant would have an empty window of service, and the trust bundle
    could not be built; the second rotation is refused instead."""
    from ledger.domain.errors import RuleBroken
    from ledger.processes.keyring import Keyring
    from ledger.processes.publication import Publisher

    keyring = Keyring(ledger)
    keyring.rotate()
    with pytest.raises(RuleBroken, match="same"):
        keyring.rotate()  # the test clock has not moved
    ledger.clock.advance(timedelta(seconds=1))
    keyring.rotate()
    assert Publisher(ledger).trust_bundle()
