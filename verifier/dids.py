"""Decentralized identifiers resolved offline, with no network: ``did:jwk`` (the public JWK is the DID's own text,
base64url) and ``did:key`` for P-256 and Ed25519 keys (multibase base58btc of the multicodec key: ``0xed`` Ed25519,
``0x1200`` P-256 compressed). A presentation's signer and a credential's subject are compared by their keys' RFC 7638
thumbprints, so the same key named by either method is the same holder. Any other DID method needs a resolver and
is not resolved here. ``holder_binding`` is the presentation check that uses them: is the signer the subject?"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verifier.jose import Malformed, PublicKey, b64url, b64url_decode, parse_object, public_key, split, thumbprint
from verifier.result import FAIL, NOT_CHECKED, PASS, Outcome


def resolve_did(did: str) -> tuple[str, PublicKey, dict[str, str]] | None:
    """The algorithm, key and public JWK of a ``did:jwk`` or a ``did:key`` (P-256, Ed25519), offline; None for any
    other DID. Raises ``Malformed`` for one of those methods that does not hold a valid key."""
    if len(did) > 4096:
        raise Malformed("the DID is too long")
    if did.startswith("did:jwk:"):
        jwk = parse_object(b64url_decode(did[len("did:jwk:") :].split("#", 1)[0], "did:jwk key"), "did:jwk key")
        alg, key = public_key(jwk)
        return alg, key, _jwk_of(key)
    if did.startswith("did:key:z"):
        data = _base58(did[len("did:key:z") :].split("#", 1)[0])
        try:
            if data[:2] == b"\xed\x01" and len(data) == 34:
                ed = ed25519.Ed25519PublicKey.from_public_bytes(data[2:])
                return "EdDSA", ed, _jwk_of(ed)
            if data[:2] == b"\x80\x24" and len(data) == 35:
                p256 = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
                return "ES256", p256, _jwk_of(p256)
        except ValueError:
            raise Malformed("the did:key does not hold a valid public key") from None
        raise Malformed("the did:key is not a P-256 or Ed25519 key")
    return None


def did_jwk(jwk: dict[str, Any]) -> str:
    """The ``did:jwk`` of a public JWK: its members of RFC 7638, compact JSON, base64url."""
    _, key = public_key({m: v for m, v in jwk.items() if m not in ("kid", "alg", "use")})
    bare = _jwk_of(key)
    return "did:jwk:" + b64url(json.dumps(bare, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def _jwk_of(key: PublicKey) -> dict[str, str]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        numbers = key.public_numbers()
        return {
            "crv": "P-256",
            "kty": "EC",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url(key.public_bytes(Encoding.Raw, PublicFormat.Raw))}
    numbers_rsa = key.public_numbers()
    size = (numbers_rsa.n.bit_length() + 7) // 8
    return {
        "e": b64url(numbers_rsa.e.to_bytes(3, "big").lstrip(b"\0")),
        "kty": "RSA",
        "n": b64url(numbers_rsa.n.to_bytes(size, "big")),
    }


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(text: str) -> bytes:
    if not text or len(text) > 200 or any(c not in _BASE58 for c in text):
        raise Malformed("the did:key is not base58btc text")
    number = 0
    for char in text:
        number = number * 58 + _BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _short(did: str) -> str:
    return did if len(did) <= 40 else f"{did[:32]}...{did[-6:]}"


def holder_binding(tokens: tuple[str, ...], holder: str | None, signer: str) -> tuple[Outcome, str]:
    """Whether a presentation's signer (``signer``: its key's thumbprint; ``holder``: its DID) is the subject of each
    credential it holds (``tokens``), where a subject's ``id`` is a DID with a key (VC Data Model 2.0 leaves holder
    binding to the securing mechanism and the verifier's policy, section 4.13)."""
    bound, unbound, mismatched = [], [], []
    for number, token in enumerate(tokens, 1):
        subjects = _subject_ids(token)
        keyed = []
        for subject in subjects:
            try:
                resolved = resolve_did(subject) if subject.startswith("did:") else None
            except Malformed:
                resolved = None
            if resolved is not None:
                keyed.append(thumbprint(resolved[2]))
        if not keyed:
            shown = ", ".join(_short(s) for s in subjects) or "no id"
            unbound.append(f"credential {number}'s subject ({shown}) is not a DID with a key")
        elif signer in keyed:
            bound.append(number)
        else:
            mismatched.append(number)
    if mismatched:
        which = ", ".join(str(n) for n in mismatched)
        return FAIL, f"the presentation was signed by {_short(holder or '')}, not by the subject of credential {which}"
    if not bound:
        reason = "; ".join(unbound) if unbound else "the presentation holds no credential"
        return NOT_CHECKED, f"{reason}, so the signer cannot be tied to it: it shows who presented it, not whose it is"
    said = f"the signer is the subject of credential {', '.join(str(n) for n in bound)}"
    return PASS, said + (f"; {'; '.join(unbound)}" if unbound else "")


def _subject_ids(token: str) -> list[str]:
    try:
        payload = split(token).payload
    except Malformed:
        return []
    subject = payload.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return [s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)]
