"""The offline verifier: every check on real credentials from the ledger (each form of a credential, status,
tampering, unknown, retired and compromised keys, algorithm confusion, issuer, status freshness), what counts as a
credential (not a status list; anything else the register signed), and what the verifier imports.

The trust bundle's pinning and ordering are in test_verifier_trust.py; bad input of every kind and the W3C
VC-JOSE-COSE verification vectors in test_verifier_input.py."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta

import jwt

from credentials.achievement import sign_credential_jwt
from credentials.compact import sign_compact
from credentials.keys import generate_key
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from tests.builders.register import ISSUER, START
from tests.builders.verifier import failed, register_fixture  # noqa: F401 - the register fixture
from verifier import CHECKS, Trust, load_trust, verify
from verifier.checks import NO_SUSPENSION_ENTRY


def test_a_valid_credential_passes_every_check_in_each_form(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    for token in (
        shared.full,
        shared.compact,
        shared.badge_url,
        f"data:application/vc+jwt,{shared.full}",
        shared.full.encode(),
    ):
        result = verify(token, trust, at=register.clock.now())
        assert result.valid, result.to_json()
        assert [c.name for c in result.checks] == list(CHECKS)
        badge = result.kind == "compact"  # a QR badge is not a VC Data Model document: that check is not made
        unmade = {"suspension"} | ({"data model"} if badge else set())
        assert all(c.outcome == "pass" for c in result.checks if c.name not in unmade), result.to_json()
        data_model = result.checks[CHECKS.index("data model")]
        assert data_model.outcome == ("not checked" if badge else "pass"), data_model
        # one status entry, for revocation: a suspension revokes the credential, so there is no suspension check
        suspension = result.checks[CHECKS.index("suspension")]
        assert (suspension.outcome, suspension.reason) == ("not checked", NO_SUSPENSION_ENTRY), suspension
        assert result.checks[CHECKS.index("revocation")].outcome == "pass"
        assert result.subject.name == "Valid Val" and result.subject.registration_number == shared.number
        assert result.summary.startswith("Valid: Valid Val holds")


def test_suspension_and_removal_show_in_the_next_bundle(register):
    ledger = register.ledger
    suspended, removed = register.credential("Sus Pended"), register.credential("Rem Oved")
    ledger.suspend(register.people["Sus Pended"][0], "Under investigation.", "registrar")
    ledger.remove(register.people["Rem Oved"][0], "Struck off.", "registrar")
    trust = register.trust()
    # a suspension, like a removal, revokes the credentials the person holds (one status entry, for revocation)
    for shared in (suspended, removed):
        for token in (shared.full, shared.compact, shared.badge_url):
            result = verify(token, trust, at=register.clock.now())
            assert not result.valid and failed(result) == ["revocation"] and result.subject is None
            assert result.summary.startswith("Not valid: revoked (status as of")
            assert result.checks[CHECKS.index("revocation")].reason.startswith("revoked (status as of")
            suspension = result.checks[CHECKS.index("suspension")]
            assert (suspension.outcome, suspension.reason) == ("not checked", NO_SUSPENSION_ENTRY)
    ledger.lift_suspension(register.people["Sus Pended"][0], "registrar")
    lifted = register.credential("Sus Pended")  # the issuer signs a new credential for the lifted suspension
    trust = register.trust()
    assert lifted.full != suspended.full and lifted.number == suspended.number
    for token in (suspended.full, suspended.compact, suspended.badge_url):  # revocation is for good
        result = verify(token, trust, at=register.clock.now())
        assert not result.valid and failed(result) == ["revocation"], result.summary
    for token in (lifted.full, lifted.compact, lifted.badge_url):
        result = verify(token, trust, at=register.clock.now())
        assert result.valid and failed(result) == [], result.to_json()
        assert result.subject.name == "Sus Pended"


def test_tampered_expired_and_not_yet_valid(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    head, body, signature = shared.full.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    result = verify(f"{head}.{body}.{flipped}", trust, at=register.clock.now())
    assert failed(result) == ["signature"] and result.checks[CHECKS.index("issuer")].outcome == "not checked"
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert failed(verify(f"{head}.{forged}.{signature}", trust, at=register.clock.now())) == ["signature"]
    badge_head, badge_body, badge_signature = shared.compact.split(".")
    assert failed(verify(f"{badge_head}.{badge_body[:-2]}AA.{badge_signature}", trust, at=register.clock.now())) in (
        ["key known", "signature"],
        ["format"],
    )
    later = register.clock.now() + timedelta(days=400)
    expired = verify(shared.full, trust, at=later)
    assert "validity" in failed(expired) and expired.summary.startswith("Not valid: expired on")
    early = verify(shared.full, trust, at=register.clock.now() - timedelta(days=2))
    assert failed(early) == ["validity"] and "not valid before" in early.summary


def test_an_unknown_key_is_named(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    stranger = generate_key()
    claims = jwt.decode(shared.full, options={"verify_signature": False})
    forged = sign_credential_jwt(
        {k: v for k, v in claims.items() if k not in ("iss", "iat", "jti", "sub", "nbf", "exp")},
        stranger,
        issued_at=START,
    )
    result = verify(forged, trust, at=register.clock.now())
    assert failed(result) == ["key known"] and stranger.kid in result.summary
    badge = jwt.decode(shared.compact, options={"verify_signature": False})
    forged_badge = sign_compact(badge, stranger)
    result = verify(forged_badge, trust, at=register.clock.now())
    assert failed(result) == ["key known", "signature"]


def test_retired_keys_still_verify_and_compromised_ones_never_do(register):
    """A retired key still vouches for what it signed in service. A compromised key vouches for nothing: its thief
    chooses the dates (a backdated iat or nbf), so no token it signed can be told apart from a genuine one."""
    shared = register.credential("Valid Val")
    keyring = Keyring(register.ledger)
    stolen = keyring.active().signing_key  # what a thief copied while it was in service
    register.clock.advance(timedelta(days=10))
    keyring.rotate()
    assert verify(shared.full, register.trust(), at=register.clock.now()).valid
    old_kid = jwt.get_unverified_header(shared.full)["kid"].rpartition("#")[2]  # <did>#<thumbprint>: https register
    keyring.mark_compromised(old_kid, START + timedelta(days=5))  # said to be after the genuine one was signed
    trust = register.trust()
    claims = jwt.decode(shared.full, options={"verify_signature": False})
    backdated = sign_credential_jwt(
        {k: v for k, v in claims.items() if k not in ("iss", "iat", "jti", "sub", "nbf", "exp")},
        stolen,
        issued_at=START - timedelta(days=1),
    )
    badge = jwt.decode(shared.compact, options={"verify_signature": False})
    backdated_badge = sign_compact({**badge, "nbf": int((START - timedelta(days=1)).timestamp())}, stolen)
    for token in (shared.full, shared.compact, backdated, backdated_badge):
        result = verify(token, trust, at=register.clock.now())
        assert failed(result) == ["key valid"] and "reported compromised" in result.summary, result.summary


def test_algorithm_confusion_and_none_are_refused(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    claims = jwt.decode(shared.full, options={"verify_signature": False})
    kid = jwt.get_unverified_header(shared.full)["kid"]
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid, "typ": "vc+jwt"})
    hmac = jwt.encode(
        claims,
        b"the public key's bytes used as an HMAC secret",
        algorithm="HS256",
        headers={"kid": kid, "typ": "vc+jwt"},
    )
    for token in (unsigned, hmac):
        result = verify(token, trust, at=register.clock.now())
        assert failed(result) in (["header"], ["format"]) and not result.valid


def test_issuer_and_link_origin_must_match(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    elsewhere = shared.badge_url.replace(ISSUER, "https://register.example.net")
    result = verify(elsewhere, trust, at=register.clock.now())
    assert failed(result) == ["issuer"] and "https://register.example.net" in result.summary
    other_issuer = replace(trust, issuer="https://another.example")
    # the credential names its key by a DID URL of the register's did:web DID, which is not another issuer's key
    assert failed(verify(shared.full, other_issuer, at=register.clock.now())) == ["key known"]
    claims = jwt.decode(shared.full, options={"verify_signature": False})
    by_address = sign_credential_jwt(  # the older form: the https address as issuer, the bare thumbprint as kid
        {**{k: v for k, v in claims.items() if k not in ("iss", "iat", "jti", "sub", "nbf", "exp")}, "issuer": ISSUER},
        Keyring(register.ledger).active().signing_key,
        issued_at=register.clock.now(),
    )
    assert verify(by_address, trust, at=register.clock.now()).valid
    assert failed(verify(by_address, other_issuer, at=register.clock.now())) == ["issuer"]


def test_status_freshness_has_a_configurable_maximum_age(register):
    shared = register.credential("Valid Val")
    trust = register.trust()
    as_of = trust.list_for("revocation").valid_from
    assert verify(shared.full, trust, at=as_of + timedelta(hours=24)).valid  # 24 hours: still current
    later = as_of + timedelta(days=2)
    for token in (shared.full, shared.badge_url):
        stale = verify(token, trust, at=later)
        assert failed(stale) == ["status freshness"] and not stale.valid and stale.subject is None
        reason = stale.checks[CHECKS.index("status freshness")].reason
        assert reason == (
            f"could not confirm current status: the status is as of {as_of.day:02d} "
            f"{as_of:%B %Y %H:%M} UTC, more than 24 hours ago; fetch a newer trust bundle"
        )
        assert stale.summary == f"Not valid: {reason}."
    assert verify(shared.full, trust, at=later, max_status_age=timedelta(days=7)).valid  # the user's choice
    week = verify(shared.full, trust, at=as_of + timedelta(days=8), max_status_age=timedelta(days=7))
    assert "more than 7 days ago" in week.summary
    hours = verify(shared.full, trust, at=as_of + timedelta(hours=2), max_status_age=timedelta(hours=1.5))
    assert "more than 1.5 hours ago" in hours.summary


def test_a_status_list_is_not_a_credential(register):
    """The attack: the register's public revocation list (/status/revocation), signed by the register's own key,
    shown as a credential. It verified as "Valid"; now the format check refuses it, whatever the trust."""
    register.credential("Valid Val")
    bundle, root = register.bundle()
    trust = load_trust(bundle, root=root, at=register.clock.now())
    lists = jwt.decode(bundle, options={"verify_signature": False})["status_lists"]
    published = Publisher(register.ledger).status_list_credentials(register.clock.now())
    keys = Trust.from_keys(
        [e["jwk"] for e in jwt.decode(bundle, options={"verify_signature": False})["keys"]], issuer=ISSUER
    )  # the register's keys trusted directly
    for token in (lists["revocation"], lists["suspension"], published["revocation"]):
        assert "BitstringStatusListCredential" in jwt.decode(token, options={"verify_signature": False})["type"]
        for against in (trust, keys):
            result = verify(token, against, at=register.clock.now())
            assert not result.valid and failed(result) == ["format"] and result.subject is None
            assert result.summary == "Not valid: this is a status list, not a credential about a person."
            assert all(c.outcome == "not checked" for c in result.checks[1:])
    key = Keyring(register.ledger).active().signing_key
    old_style = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "issuer": ISSUER,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"type": "StatusList2021", "statusPurpose": "revocation", "encodedList": "uAA"},
    }
    result = verify(sign_credential_jwt(old_style, key, issued_at=START), keys, at=register.clock.now())
    assert failed(result) == ["format"] and "this is a status list" in result.summary


def test_anything_else_the_register_signed_through_the_ledger_verifies(register):
    """A generic Verifiable Credential the register signed (the VC API's issue goes through the ledger: recorded,
    logged, with status entries) is the register's word too: it verifies against the bundle as against its keys."""
    trust = register.trust()
    key = Keyring(register.ledger).active()
    other = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
    }
    token = sign_credential_jwt(other, key.signing_key, issued_at=START)
    assert verify(token, trust, at=register.clock.now()).valid
    assert verify(token, Trust.from_keys([key.record.public_jwk], issuer=ISSUER), at=register.clock.now()).valid


def test_the_verifier_imports_only_the_standard_library_pyjwt_and_cryptography():
    import sys

    from tests.builders.imports import imported_packages

    outside = imported_packages("verifier") - set(sys.stdlib_module_names) - {"verifier", "jwt", "cryptography"}
    assert outside == set()
