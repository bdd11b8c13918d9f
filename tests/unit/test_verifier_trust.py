"""The offline verifier and the trust bundle: an older bundle believed for 24 hours of its status and no longer, a
bundle carrying its own root refused unless trust on first use is asked for, a bundle pinned that never goes back,
and a compression bomb in a bundle's status list."""

from __future__ import annotations

import base64
import gzip
import json
import time
from datetime import timedelta

import jwt
import pytest

from credentials.achievement import sign_credential_jwt
from credentials.keys import generate_key
from credentials.trust import build_trust_bundle, sign_trust_bundle
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from tests.builders.records import awarded
from tests.builders.register import ISSUER
from tests.builders.verifier import failed, register_fixture  # noqa: F401 - the register fixture
from verifier import CHECKS, RootNotPinned, TrustError, load_trust, verify
from verifier.checks import NO_SUSPENSION_ENTRY


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


def _bomb_bundle(register, encoded_list, purpose="revocation"):
    """A bundle, properly signed, whose ``purpose`` status list (the revocation list, the one a credential's single
    status entry names) is ``encoded_list``."""
    keyring = Keyring(register.ledger)
    key = keyring.active().signing_key
    now = register.clock.now()
    lists = Publisher(register.ledger).status_list_credentials(now)
    document = jwt.decode(lists[purpose], options={"verify_signature": False})
    for claim in ("iss", "iat", "jti", "sub", "nbf", "exp"):
        document.pop(claim, None)
    document["credentialSubject"]["encodedList"] = encoded_list
    lists[purpose] = sign_credential_jwt(document, key, issued_at=now)
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
    assert failed(result) == ["revocation"] and "compression bomb" in result.summary and not result.valid
    for bad in (
        "zzz",
        "u!!!",
        "u" + base64.urlsafe_b64encode(b"not gzip").decode(),
        12,
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("="),
    ):
        result = verify(shared.full, _bomb_bundle(register, bad), at=register.clock.now())
        assert failed(result) == ["revocation"] and not result.valid, bad
    # the suspension list is still published, but a credential with one status entry (revocation) never reads it
    started = time.perf_counter()
    result = verify(shared.full, _bomb_bundle(register, bomb, "suspension"), at=register.clock.now())
    assert time.perf_counter() - started < 2
    assert result.valid and failed(result) == [], result.to_json()
    suspension = result.checks[CHECKS.index("suspension")]
    assert (suspension.outcome, suspension.reason) == ("not checked", NO_SUSPENSION_ENTRY)
