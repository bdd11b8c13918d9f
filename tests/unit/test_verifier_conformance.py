"""Rules of VC-JOSE-COSE, VC Data Model 2.0 and Bitstring Status List that the offline verifier enforces, each shown
on the register's own credentials and presentations (CONFORMANCE.md cites these tests): a token or presentation that
breaks one rule, signed again by the register's real key (or the registrant's holder key), is refused with the
verifier's words, and a control that differs from it in that one respect only is valid.

- VC-JOSE-COSE 3.1.1: ``cty``, when present, is ``vc``; 3.1.2: a presentation's is ``vp``.
- VC-JOSE-COSE 3.1.3 (RFC 7515 section 4.1.11): a ``crit`` header naming an extension the verifier does not know is
  refused; header parameters and claims it does not understand are otherwise ignored.
- VC-JOSE-COSE 4.1.2: ``iss``, when present, is the credential's issuer.
- VC Data Model 2.0 4.3 and 4.13: a presentation has ``@context``; its ``holder`` is a URL or an object with an id.
- Bitstring Status List 3.2: an index outside the bitstring is a failed check (RANGE_ERROR); a status list whose
  ``statusPurpose`` is not the one it is published for is refused (STATUS_VERIFICATION_ERROR)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest

from credentials.achievement import sign_credential_jwt
from credentials.jwt_sign import encode_jws
from credentials.keys import generate_key
from ledger.app.holder_keys import HolderKeys, present
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from tests.builders.verifier import failed, register_fixture  # noqa: F401 - the register fixture
from verifier import TrustError, load_trust, verify
from verifier.presentation import verify_presentation

Change = Callable[[dict[str, Any]], None]
CLIENT, CHALLENGE = "Acme Studios", "acme-7f3c9e21"
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")


def nothing(_: dict[str, Any]) -> None:
    """No change: what a control is signed with."""


def resigned(token: str, key: Any, header: Change = nothing, payload: Change = nothing) -> str:
    """``token`` with ``header`` and ``payload`` changed as given, signed again by ``key`` (``alg`` is the key's)."""
    new_header = {name: value for name, value in jwt.get_unverified_header(token).items() if name != "alg"}
    new_payload = jwt.decode(token, options={"verify_signature": False})
    header(new_header)
    payload(new_payload)
    return encode_jws(new_payload, key, new_header)


def setting(name: str, value: Any) -> Change:
    return lambda document: document.update({name: value})


def removing(name: str) -> Change:
    return lambda document: document.pop(name)


def checks_of(result: Any) -> dict[str, Any]:
    return {c.name: c for c in result.checks}


@pytest.fixture(name="signed")
def signed_fixture(register):
    """Valid Val's credential as the register issued it, the register's signing key, a trust bundle, and now."""
    shared = register.credential("Valid Val")
    return shared.full, Keyring(register.ledger).active().signing_key, register.trust(), register.clock.now()


# -- VC-JOSE-COSE: the vc+jwt header and claims
def test_a_credential_whose_cty_is_not_vc_is_refused(signed):
    token, key, trust, now = signed
    control = verify(resigned(token, key, setting("cty", "vc")), trust, at=now)
    assert control.valid, control.to_json()
    for other in ("vp", "json", "application/vc"):
        result = verify(resigned(token, key, setting("cty", other)), trust, at=now)
        assert not result.valid and failed(result) == ["header"], result.to_json()
        assert checks_of(result)["header"].reason == f"the token's content type {other!r} is not a credential's"


def test_a_credential_demanding_an_extension_the_verifier_does_not_know_is_refused(signed):
    token, key, trust, now = signed

    def extension(header: dict[str, Any]) -> None:
        header["urn:example:binding"] = "device-7"

    def critical(header: dict[str, Any]) -> None:
        extension(header)
        header["crit"] = ["urn:example:binding"]

    control = verify(resigned(token, key, extension), trust, at=now)  # the same header parameter, not critical
    assert control.valid, control.to_json()
    result = verify(resigned(token, key, critical), trust, at=now)
    assert not result.valid and failed(result) == ["header"], result.to_json()
    assert checks_of(result)["header"].reason == "the token demands extensions this verifier does not know ('crit')"


def test_header_parameters_and_claims_the_verifier_does_not_understand_are_ignored(signed):
    token, key, trust, now = signed

    def unknown_header(header: dict[str, Any]) -> None:
        header["x5u"] = "https://keys.example/chain.pem"
        header["urn:example:note"] = {"made by": "a test"}

    def unknown_claims(payload: dict[str, Any]) -> None:
        payload["urn:example:claim"] = ["anything", 42]
        payload["cnf"] = {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}

    as_issued = verify(token, trust, at=now)
    assert as_issued.valid, as_issued.to_json()
    for header, payload in ((unknown_header, nothing), (nothing, unknown_claims), (unknown_header, unknown_claims)):
        result = verify(resigned(token, key, header, payload), trust, at=now)
        assert result.valid, result.to_json()
        assert [(c.name, c.outcome, c.reason) for c in result.checks] == [
            (c.name, c.outcome, c.reason) for c in as_issued.checks
        ]
    # ignored, not taken on trust: the same token signed by another key (its kid unchanged) is refused
    stranger = verify(resigned(token, generate_key("ES256"), unknown_header, unknown_claims), trust, at=now)
    assert not stranger.valid and failed(stranger) == ["signature"], stranger.to_json()


def test_a_credential_whose_iss_is_not_its_issuer_is_refused(signed):
    token, key, trust, now = signed
    issuer = jwt.decode(token, options={"verify_signature": False})["issuer"]
    issuer_id = issuer["id"] if isinstance(issuer, dict) else issuer
    control = verify(resigned(token, key, payload=setting("iss", issuer_id)), trust, at=now)
    assert control.valid, control.to_json()
    without = verify(resigned(token, key, payload=removing("iss")), trust, at=now)  # "if present"
    assert without.valid, without.to_json()
    for other in ("https://elsewhere.example", issuer_id + "/other"):
        result = verify(resigned(token, key, payload=setting("iss", other)), trust, at=now)
        assert not result.valid and failed(result) == ["format"], result.to_json()
        assert checks_of(result)["format"].reason == (
            f"the token's iss ({other}) is not the credential's issuer ({issuer_id})"
        )


# -- Bitstring Status List 3.2
def test_a_status_index_outside_the_bitstring_fails_the_revocation_check(signed):
    token, key, trust, now = signed
    length = trust.list_for("revocation").bits().length

    def index(n: int) -> Change:
        def change(payload: dict[str, Any]) -> None:
            payload["credentialStatus"] = {**payload["credentialStatus"], "statusListIndex": str(n)}

        return change

    control = verify(resigned(token, key, payload=index(length - 1)), trust, at=now)  # the last bit: not set
    assert control.valid, control.to_json()
    assert checks_of(control)["revocation"].reason == "not revoked"
    for outside in (length, length + 1, 10**11):
        result = verify(resigned(token, key, payload=index(outside)), trust, at=now)
        assert not result.valid and failed(result) == ["revocation"], result.to_json()
        assert checks_of(result)["revocation"].reason == f"the revocation index {outside} is outside the list"


def _lists_with_purpose(register: Any, slot: str, purpose: str) -> dict[str, str]:
    """The register's two status list credentials, the one published as ``slot`` saying ``purpose`` instead, each
    signed by the register's key."""
    key = Keyring(register.ledger).active().signing_key
    now = register.clock.now()
    lists = Publisher(register.ledger).status_list_credentials(now)
    document = jwt.decode(lists[slot], options={"verify_signature": False})
    document = {name: value for name, value in document.items() if name not in JWT_CLAIMS}
    document["credentialSubject"] = {**document["credentialSubject"], "statusPurpose": purpose}
    lists[slot] = sign_credential_jwt(document, key, issued_at=now)
    return lists


def test_a_status_list_of_another_purpose_than_its_own_is_refused(register):
    shared = register.credential("Valid Val")
    now = register.clock.now()
    publisher = Publisher(register.ledger)
    root = publisher.root_jwk()
    control = publisher.trust_bundle(now, _lists_with_purpose(register, "revocation", "revocation"))
    result = verify(shared.full, load_trust(control, root=root, at=now), at=now)  # re-signed, purpose unchanged
    assert result.valid, result.to_json()
    for slot, purpose in (("revocation", "suspension"), ("suspension", "revocation"), ("revocation", "refresh")):
        bundle = publisher.trust_bundle(now, _lists_with_purpose(register, slot, purpose))
        with pytest.raises(TrustError) as refused:
            load_trust(bundle, root=root, at=now)
        assert str(refused.value) == f"the {slot} status list is not a {slot} BitstringStatusListCredential"


# -- presentations: VC-JOSE-COSE 3.1.2, VC Data Model 2.0 4.3 and 4.13
@pytest.fixture(name="presented")
def presented_fixture(register):
    """A presentation of Valid Val's credential as the register makes it on their page, the holder key that signed
    it, a trust bundle, and now."""
    shared = register.credential("Valid Val")
    registrant = register.people["Valid Val"][0]
    now = register.clock.now()
    keys = HolderKeys(register.ledger.engine, register.ledger.vault)
    token = present(keys, registrant, shared.full, CLIENT, CHALLENGE, now)
    return token, keys.key_for(registrant, now), register.trust(), now


def check(presentation: str, trust: Any, now: Any) -> Any:
    return verify_presentation(presentation, trust, now + timedelta(minutes=1), nonce=CHALLENGE, audience=CLIENT)


def test_a_presentation_whose_cty_is_not_vp_is_refused(presented):
    token, key, trust, now = presented
    assert jwt.get_unverified_header(token)["cty"] == "vp"
    for control in (token, resigned(token, key), resigned(token, key, removing("cty"))):
        result = check(control, trust, now)
        assert result.valid, result.to_json()
    for other in ("vc", "json"):
        result = check(resigned(token, key, setting("cty", other)), trust, now)
        assert not result.valid and failed(result) == ["header"], result.to_json()
        assert checks_of(result)["header"].reason == f"the token's content type {other!r} is not a presentation's (vp)"


def test_a_presentation_without_context_is_refused(presented):
    token, key, trust, now = presented
    assert check(resigned(token, key), trust, now).valid
    for change in (removing("@context"), setting("@context", []), setting("@context", ["https://example.org/ctx"])):
        result = check(resigned(token, key, payload=change), trust, now)
        assert not result.valid and failed(result) == ["format"], result.to_json()
        assert checks_of(result)["format"].reason == "the token is not a W3C Verifiable Presentation 2.0 (its @context)"


def test_a_presentation_holder_is_a_url_or_an_object_with_an_id(presented):
    token, key, trust, now = presented
    holder = jwt.decode(token, options={"verify_signature": False})["holder"]
    for control in (holder, {"id": holder}, {"id": holder, "name": "Valid Val"}):
        result = check(resigned(token, key, payload=setting("holder", control)), trust, now)
        assert result.valid and result.holder == holder, result.to_json()
    for malformed in ("Valid Val", 42, None, [holder], {"name": "Valid Val"}, {"id": 7}):
        result = check(resigned(token, key, payload=setting("holder", malformed)), trust, now)
        assert not result.valid and failed(result) == ["format"], (malformed, result.to_json())
        assert (
            checks_of(result)["format"].reason == "the presentation's holder is neither a URL nor an object with an id"
        )


def test_an_entry_naming_a_list_of_another_purpose_fails_its_status_check(signed):
    """Bitstring Status List 3.2: the list's statusPurpose must match the entry's. A revocation entry that names the
    register's suspension list (signed by the register's own key) would otherwise be read from that list, where its
    bit is clear, and pass."""
    token, key, trust, now = signed
    suspension_list = trust.list_for("suspension").url

    def naming(url: str) -> Change:
        def change(payload: dict[str, Any]) -> None:
            payload["credentialStatus"] = {**payload["credentialStatus"], "statusListCredential": url}

        return change

    control = verify(resigned(token, key, payload=naming(trust.list_for("revocation").url)), trust, at=now)
    assert control.valid, control.to_json()
    result = verify(resigned(token, key, payload=naming(suspension_list)), trust, at=now)
    assert not result.valid and failed(result) == ["revocation"], result.to_json()
    assert checks_of(result)["revocation"].reason == (
        f"the revocation entry names the register's suspension list ({suspension_list}): an entry must name a list "
        "of its own purpose"
    )
