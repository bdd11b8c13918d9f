"""The offline verifier: every check on real credentials from the ledger, the trust bundle's pinning and ordering,
bad input of every kind, and the W3C VC-JOSE-COSE verification vectors."""

from __future__ import annotations

import base64
import gzip
import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest

from credentials.achievement import sign_credential_jwt
from credentials.compact import build_compact_claims, sign_compact
from credentials.keys import generate_key
from credentials.status_list import status_list_url
from credentials.trust import TrustedKey as IssuedKey
from credentials.trust import build_trust_bundle, sign_trust_bundle
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from tests.builders.records import awarded
from tests.builders.register import ISSUER, START, Register
from tests.conftest import shared_file
from verifier import CHECKS, RootNotPinned, Trust, TrustError, load_trust, verify
from verifier.jose import Malformed, b64url_decode


@pytest.fixture
def register(tmp_path):
    made = Register(tmp_path)
    yield made
    made.ledger.close()


def failed(result):
    return [c.name for c in result.checks if c.outcome == "fail"]


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
        assert all(c.outcome == "pass" for c in result.checks)
        assert result.subject.name == "Valid Val" and result.subject.registration_number == shared.number
        assert result.summary.startswith("Valid: Valid Val holds")


def test_suspension_and_removal_show_in_the_next_bundle(register):
    ledger = register.ledger
    suspended, removed = register.credential("Sus Pended"), register.credential("Rem Oved")
    ledger.suspend(register.people["Sus Pended"][0], "Under investigation.", "registrar")
    ledger.remove(register.people["Rem Oved"][0], "Struck off.", "registrar")
    trust = register.trust()
    for shared, check, word in ((suspended, "suspension", "suspended"), (removed, "revocation", "revoked")):
        for token in (shared.full, shared.badge_url):
            result = verify(token, trust, at=register.clock.now())
            assert not result.valid and failed(result) == [check] and result.subject is None
            assert result.summary.startswith(f"Not valid: {word} (status as of")
    ledger.lift_suspension(register.people["Sus Pended"][0], "registrar")
    assert verify(suspended.compact, register.trust(), at=register.clock.now()).valid


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
    old_kid = jwt.get_unverified_header(shared.full)["kid"]
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
    assert failed(verify(shared.full, other_issuer, at=register.clock.now())) == ["issuer"]


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


def test_an_older_bundle_cannot_vouch_for_a_removed_person_for_long(register):
    """The attack: a verifier with no memory of bundles is handed one made before a removal. It is believed for 24
    hours after its status lists were made, no longer (it was 7 days)."""
    removed = register.credential("Rem Oved")
    before, root = register.bundle()
    register.clock.advance(timedelta(hours=1))
    register.ledger.remove(register.people["Rem Oved"][0], "Struck off.", "registrar")
    after, _ = register.bundle()
    as_of = load_trust(before, root=root, at=register.clock.now()).list_for("revocation").valid_from
    now = register.clock.now()
    assert failed(verify(removed.full, load_trust(after, root=root, at=now), at=now)) == ["revocation"]
    for hours, current in ((23, True), (24, True), (24.02, False), (24 * 6, False)):
        at = as_of + timedelta(hours=hours)
        trust = load_trust(before, root=root, at=at)  # a fresh verifier: no cache, nothing newer seen
        if at > trust.refresh_after:  # past its refresh_after: said, as before
            assert trust.notes[-1].endswith("a newer one should be fetched")
        for token in (removed.full, removed.compact, removed.badge_url):
            result = verify(token, trust, at=at)
            assert result.valid is current, (hours, result.summary)
            if not current:
                assert failed(result) == ["status freshness"]
                assert result.summary.startswith("Not valid: could not confirm current status: the status is as of ")
                assert result.summary.endswith("more than 24 hours ago; fetch a newer trust bundle.")


def test_a_bundle_carrying_its_own_root_is_not_trusted_unless_asked(register, tmp_path):
    """The attack: a bundle signed by an attacker's key, carrying that key in its header, handed to a verifier that
    was given no root key. It was accepted as "pinned on first use"; now it is refused, unless the caller asks for
    trust on first use, and a root pinned once is never replaced by that."""
    genuine, root = register.bundle()
    attacker = generate_key()
    forged = sign_trust_bundle(jwt.decode(genuine, options={"verify_signature": False}), attacker)
    assert jwt.get_unverified_header(forged)["jwk"] == attacker.public_jwk
    words = (
        "no root key is pinned: give the register's root key (root.json), or trust this bundle's own root on "
        "first use explicitly"
    )
    for cache in (None, tmp_path / "empty"):
        for bundle in (forged, genuine):
            with pytest.raises(RootNotPinned) as refused:
                load_trust(bundle, cache_dir=cache, at=register.clock.now())
            assert str(refused.value) == words and isinstance(refused.value, TrustError)
    assert not (tmp_path / "empty").exists()  # nothing pinned by a refusal
    # asked for explicitly, without a cache: believed this once, and said so
    once = load_trust(forged, trust_on_first_use=True, at=register.clock.now())
    assert once.pinned_on_first_use and once.root_kid == attacker.kid
    assert once.notes[0] == f"root key {attacker.kid} trusted on first use, and not pinned (no cache directory)"
    # with a cache: the genuine root is pinned on first use, and the forged bundle is refused from then on
    cache = tmp_path / "cache"
    pinned = load_trust(genuine, cache_dir=cache, trust_on_first_use=True, at=register.clock.now())
    assert pinned.pinned_on_first_use and pinned.root_kid == root["kid"]
    assert pinned.notes[0] == f"root key {root['kid']} pinned on first use in {cache / 'root.json'}"
    assert json.loads((cache / "root.json").read_text()) == root
    with pytest.raises(TrustError, match="not the pinned root key"):
        load_trust(forged, cache_dir=cache, trust_on_first_use=True, at=register.clock.now())
    again = load_trust(genuine, cache_dir=cache, at=register.clock.now())
    assert not again.pinned_on_first_use and again.notes == []
    given = load_trust(genuine, root=root, at=register.clock.now())
    assert not given.pinned_on_first_use and given.notes == []


def test_the_bundle_is_pinned_and_never_goes_back(register, tmp_path):
    first, root = register.bundle()
    cache = tmp_path / "cache"
    trust = load_trust(first, cache_dir=cache, trust_on_first_use=True, at=register.clock.now())
    assert trust.notes and "pinned on first use" in trust.notes[0]
    register.clock.advance(timedelta(hours=1))
    awarded(register.ledger, "New Person")
    second, _ = register.bundle()
    assert load_trust(second, cache_dir=cache).sequence > trust.sequence
    with pytest.raises(TrustError, match="older than one already accepted"):
        load_trust(first, cache_dir=cache)
    with pytest.raises(TrustError, match="not the pinned root key"):
        load_trust(second, root=generate_key().public_jwk)
    head, body, signature = second.split(".")
    with pytest.raises(TrustError):
        load_trust(f"{head}.{body[:-4]}AAAA.{signature}", root=root)
    impostor = sign_trust_bundle(jwt.decode(second, options={"verify_signature": False}), generate_key())
    with pytest.raises(TrustError, match="not the pinned root key"):
        load_trust(impostor, cache_dir=cache)
    for junk in ("", "not a bundle", "a.b.c", "x" * 2_000_000):
        with pytest.raises(TrustError):
            load_trust(junk, root=root)


def _bomb_bundle(register, encoded_list):
    """A bundle, properly signed, whose suspension list is ``encoded_list``."""
    keyring = Keyring(register.ledger)
    key = keyring.active().signing_key
    now = register.clock.now()
    lists = Publisher(register.ledger).status_list_credentials(now)
    document = jwt.decode(lists["suspension"], options={"verify_signature": False})
    for claim in ("iss", "iat", "jti", "sub", "nbf", "exp"):
        document.pop(claim, None)
    document["credentialSubject"]["encodedList"] = encoded_list
    lists["suspension"] = sign_credential_jwt(document, key, issued_at=now)
    bundle = build_trust_bundle(
        issuer_id=ISSUER,
        keys=keyring.trusted_keys(),
        status_lists=lists,
        made_at=now,
        refresh_after=now + timedelta(days=1),
        sequence=99,
    )
    root = keyring.active("root")
    return load_trust(sign_trust_bundle(bundle, root.signing_key), root=root.record.public_jwk, at=now)


def test_a_gzip_bomb_in_a_status_list_is_a_failed_check_in_bounded_time(register):
    shared = register.credential("Valid Val")
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(200 * 1024 * 1024))).rstrip(b"=").decode()
    trust = _bomb_bundle(register, bomb)
    started = time.perf_counter()
    result = verify(shared.full, trust, at=register.clock.now())
    assert time.perf_counter() - started < 2
    assert failed(result) == ["suspension"] and "compression bomb" in result.summary
    for bad in (
        "zzz",
        "u!!!",
        "u" + base64.urlsafe_b64encode(b"not gzip").decode(),
        12,
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("="),
    ):
        result = verify(shared.full, _bomb_bundle(register, bad), at=register.clock.now())
        assert failed(result) == ["suspension"], bad


DUPLICATE_ALG = b'{"alg":"ES256","alg":"none"}'
NAN = b'{"a": NaN}'


def _b64(value) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "three parts"),
        ("a.b", "three parts"),
        ("x" * 17_000, "at most"),
        ("é.é.é", "not base64url"),
        ("@@@.@@@.@@@", "not base64url"),
        (f"{_b64({'alg': 'ES256'})}.{_b64([1, 2])}.AAAA", "not an object"),
        (_b64(DUPLICATE_ALG) + "." + _b64({}) + ".AAAA", "names 'alg' twice"),
        (_b64({"alg": "ES256"}) + "." + _b64(NAN) + ".AAAA", "not a JSON number"),
        (f"{_b64({'alg': 'ES256'})}.{_b64(b'[' * 5000 + b']' * 5000)}.AAAA", "not valid JSON"),
        (f"{_b64({'alg': 'ES256', 'typ': 'rl-badge+jwt'})}.{_b64({'i': 5})}.AAAA", "wrong type"),
        (f"{_b64({'alg': 'ES256', 'typ': 'vc+jwt'})}.{_b64({'vc': {}})}.AAAA", "'vc' claim"),
        (_b64({"alg": "ES256"}) + "." + _b64(bytes([255, 254])) + ".AAAA", "not UTF-8"),
        (None, "not text"),
        (12345, "not text"),
        ("https://register.creativetechnicians.org.uk/v", "nothing after '#'"),
    ],
)
def test_bad_input_is_a_failed_format_check_with_a_reason(register, token, words):
    result = verify(token, register.trust(), at=register.clock.now())
    assert failed(result) == ["format"] and words in result.summary, result.summary
    assert all(c.outcome == "not checked" for c in result.checks[1:])


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


def _altered_last_character(part: str) -> str:
    """The same bytes, spelt otherwise: the last character's unused low bits set ('Q' -> 'R')."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return part[:-1] + alphabet[alphabet.index(part[-1]) + 1]


def test_a_token_spelt_otherwise_does_not_verify(register):
    """The attack: the last base64url character of a signature changed so that the bytes stay the same (its unused
    bits set). It verified; now base64url must be the one encoding of its bytes."""
    shared = register.credential("Valid Val")
    trust = register.trust()
    for token in (shared.full, shared.compact):
        head, body, signature = token.split(".")
        assert len(signature) % 4 and signature[-1] in "AQgw"  # 86 characters for 64 bytes: 4 bits unused
        altered = _altered_last_character(signature)
        assert b64url_decode(signature, "s") == base64.urlsafe_b64decode(altered + "==")  # the same bytes
        for tampered in (f"{head}.{body}.{altered}", f"{shared.badge_url.split('#')[0]}#{head}.{body}.{altered}"):
            result = verify(tampered, trust, at=register.clock.now())
            assert not result.valid and failed(result) == ["format"]
            assert result.summary == (
                "Not valid: the token signature is not canonical base64url text (its last character was altered)."
            )
        if len(body) % 4:
            result = verify(f"{head}.{_altered_last_character(body)}.{signature}", trust, at=register.clock.now())
            assert failed(result) == ["format"] and "token payload is not canonical" in result.summary
    assert b64url_decode("AQ", "x") == b"\x01"
    for spelling in ("AR", "AB", "QR9", "_-"):
        with pytest.raises(Malformed, match="not canonical base64url"):
            b64url_decode(spelling, "x")


def test_the_verifier_imports_only_the_standard_library_pyjwt_and_cryptography():
    import sys

    from tests.builders.imports import imported_packages

    outside = imported_packages("verifier") - set(sys.stdlib_module_names) - {"verifier", "jwt", "cryptography"}
    assert outside == set()


# -- the W3C VC-JOSE-COSE verification vectors
def _cases():
    return [
        c
        for c in json.loads(shared_file("standards/vc-jose-cose/cases.json").read_text())["cases"]
        if c["fn"] == "verify"
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"case-{c['number']}")
def test_w3c_vc_jose_cose_verification_cases(case, monkeypatch):
    from verifier import verify as verify_module

    key = json.loads(shared_file(f"standards/vc-jose-cose/{case['key']}").read_text())["publicKeyJwk"]
    token = shared_file(f"standards/vc-jose-cose/{case['input']}").read_text().strip()
    at = datetime(2024, 1, 1, tzinfo=UTC)
    trust = Trust.from_keys([key])
    strict = verify(token, trust, at=at)
    assert not strict.valid  # every vector carries iat as text (w3c/vc-jose-cose#334) or is meant to fail
    # the one relaxation cases.json allows: iat as RFC 3339 text
    import importlib

    module = importlib.import_module("verifier.verify")
    monkeypatch.setattr(
        module,
        "_issued_at",
        lambda value: module.parse_time(value, "iat") if isinstance(value, str) else module.numeric_date(value, "iat"),
    )
    relaxed = verify_module(token, trust, at=at)
    assert relaxed.valid == (case["expected"] == "success"), (case, relaxed.to_json())
    if case["expected"] == "success":
        assert [c.reason for c in strict.checks if c.outcome == "fail"] == [
            "the token's iat is text, not a NumericDate"
        ]


def test_verification_cases_fail_for_the_reason_they_are_about(monkeypatch):
    import importlib

    module = importlib.import_module("verifier.verify")
    monkeypatch.setattr(module, "_issued_at", lambda value: module.parse_time(value, "iat"))  # the vectors' quirk
    reasons = {}
    at = datetime(2024, 1, 1, tzinfo=UTC)
    for case in _cases():
        key = json.loads(shared_file(f"standards/vc-jose-cose/{case['key']}").read_text())["publicKeyJwk"]
        token = shared_file(f"standards/vc-jose-cose/{case['input']}").read_text().strip()
        reasons[case["number"]] = failed(verify(token, Trust.from_keys([key]), at=at))
    assert reasons[9] == ["header"]  # ES512: not on the allow-list
    assert reasons[10] == ["format"]  # an unsecured JSON credential
    assert reasons[13] == ["header"]  # typ bad+typ
    assert reasons[15] == ["format"]  # vc and vp claims
    assert reasons[12] == ["signature"]
    assert reasons[6] == reasons[8] == []


def test_a_key_from_a_vector_file_becomes_trust(register):
    key = json.loads(shared_file("standards/vc-jose-cose/vm-ed25519.json").read_text())["publicKeyJwk"]
    trust = Trust.from_keys([key], issuer="https://example.issuer/vc-jose-cose")
    assert list(trust.keys) == [key["kid"]] and trust.keys[key["kid"]].alg == "EdDSA"


def test_badges_signed_with_eddsa_verify_too(register):
    key = generate_key("EdDSA")
    claims = build_compact_claims(
        credential_id="urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        issuer_id=ISSUER,
        name="Ed Dsa",
        registration_number="RG-1234567-89",
        level_code="RCT",
        valid_from=START,
        valid_until=START + timedelta(days=365),
        status=[],
    )
    token = sign_compact(claims, key)
    trust = Trust.from_keys([key.public_jwk], issuer=ISSUER)
    result = verify(token, trust, at=START + timedelta(days=1))
    assert result.valid and [c.outcome for c in result.checks[-3:]] == ["not checked"] * 3
    assert date.fromisoformat("2027-03-02") and IssuedKey  # (imports used)
    assert status_list_url(ISSUER, "revocation").endswith("/status/revocation")


def _full_token(**changes) -> str:
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        **changes,
    }
    return _b64({"alg": "ES256", "typ": "vc+jwt", "kid": "k"}) + "." + _b64(payload) + "." + "A" * 86


@pytest.mark.parametrize(
    "token",
    [
        "http://[x#a.b.c",
        "http://\u2100.example#a.b.c",
        _full_token(
            credentialStatus={
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListCredential": "https://x/status/revocation",
                "statusListIndex": "\u00b2",
            }
        ),
        _full_token(
            credentialStatus={
                "type": "BitstringStatusListEntry",
                "statusPurpose": ["revocation"],
                "statusListCredential": "https://x/status/revocation",
                "statusListIndex": "1",
            }
        ),
        _full_token(credentialSubject={"identifier": 1}),
        _full_token(credentialSubject={"identifier": True}),
        _full_token(validFrom="0001-01-01T00:00:00+01:00"),
        _full_token(validFrom="9999-12-31T23:30:00-01:00"),
    ],
    ids=[
        "ipv6-link",
        "nfkc-link",
        "superscript-index",
        "list-purpose",
        "number-identifier",
        "true-identifier",
        "year-0",
        "year-10000",
    ],
)
def test_inputs_that_once_crashed_the_verifier_fail_a_check_instead(token):
    """Found by the web verifier's comparison harness: each raised from verify() before it was fixed."""
    from verifier import Trust

    result = verify(token, Trust(issuer=ISSUER, keys={}), at=START)
    assert not result.valid and any(c.outcome == "fail" for c in result.checks)


def test_a_genuine_credential_that_names_no_registrant_says_so():
    key = generate_key()
    token = sign_credential_jwt(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:1"},
        },
        key,
        issued_at=START,
    )
    result = verify(token, Trust.from_keys([key.public_jwk], issuer=ISSUER), at=START)
    assert result.valid and result.subject is None
    assert result.summary == "Valid: the credential verifies, but it does not name a registrant in the register's form."
