"""The trust bundle: the issuer's public keys with their validity windows and compromise times, and its current
status lists, in one document signed by a long-lived root key that the verifier pins.

Pinning: pass the root key (``root=``, a public JWK), or let a cache directory (``cache_dir=``) remember it. A
bundle carries its root key in its header (the key id is the key's own thumbprint), but anyone can make a bundle
that carries their own key: that key is taken only when the caller says so (``trust_on_first_use=True``), and is
then pinned in the cache (``root.json``), which refuses any later bundle signed by another key. With no root given,
none pinned in the cache and no explicit trust on first use, ``load_trust`` refuses. The cache also remembers the
newest bundle number accepted and refuses any older bundle.

What the bundle says of each key: ``valid_from``; ``valid_until`` once the key is retired (it then verifies only what
it signed before that moment: "signed ..., after the key was retired"); ``compromised_since`` once it is reported
compromised (it then verifies nothing: a thief chooses the dates). The register's JWK Set and DID document, read by
generic verifiers that know no windows, leave compromised keys out altogether. A token names its key by thumbprint,
or, from an https register, by a DID URL of the register's did:web DID (``Trust.key_for``, ``verifier.did``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from verifier.did import key_thumbprint, same_issuer
from verifier.jose import ALGORITHMS, JWS, Malformed, PublicKey, public_key, signature_valid, split, thumbprint
from verifier.status import Bitstring

TRUST_TYP = "rl-trust+jwt"
LIST_TYP = "vc+jwt"
PURPOSES = ("revocation", "suspension")
MAX_BUNDLE_BYTES = 1024 * 1024


class TrustError(Exception):
    """The trust bundle cannot be used; the message says why."""


class RootNotPinned(TrustError):
    """No root key was given or pinned, and trust on first use was not asked for."""


NOT_PINNED = (
    "no root key is pinned: give the register's root key (root.json), or trust this bundle's own root on "
    "first use explicitly"
)


def parse_time(value: Any, what: str) -> datetime:
    """An RFC 3339 date-time with an offset (or Z), as an aware UTC datetime."""
    if not isinstance(value, str) or len(value) > 40 or "T" not in value.upper():
        raise Malformed(f"{what} is not an RFC 3339 date-time")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise Malformed(f"{what} has no time zone offset")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        if isinstance(error, Malformed):
            raise
        raise Malformed(f"{what} is not an RFC 3339 date-time") from None


def numeric_date(value: Any, what: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 253402300800:
        raise Malformed(f"{what} is not a NumericDate (seconds since 1970)")
    return datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    alg: str
    key: PublicKey = field(repr=False)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    compromised_since: datetime | None = None


@dataclass
class StatusList:
    """One published list, decoded when first needed (a bad list fails the check that reads it, not the bundle)."""

    purpose: str
    url: str
    valid_from: datetime
    valid_until: datetime | None
    encoded: Any = field(repr=False)
    _bits: Bitstring | Malformed | None = field(default=None, repr=False)

    def bits(self) -> Bitstring:
        if self._bits is None:
            try:
                self._bits = Bitstring.decode(self.encoded)
            except Malformed as error:
                self._bits = error
        if isinstance(self._bits, Malformed):
            raise self._bits
        return self._bits


@dataclass
class Trust:
    issuer: str | None
    keys: dict[str, TrustedKey]
    status_lists: dict[str, StatusList] = field(default_factory=dict)  # by list URL
    made_at: datetime | None = None
    refresh_after: datetime | None = None
    sequence: int | None = None
    root_kid: str | None = None
    notes: list[str] = field(default_factory=list)
    pinned_on_first_use: bool = False  # the root key was the bundle's own, taken because the caller said so

    def list_for(self, purpose: str) -> StatusList | None:
        """The issuer's own list for ``purpose`` (what a badge's index refers to)."""
        return self._lists_by_purpose.get(purpose)

    def key_for(self, kid: Any) -> TrustedKey | None:
        """The key a token's ``kid`` names: a key of the bundle by its thumbprint, or by a DID URL of the issuer's
        did:web DID (``<did>#<thumbprint>``, what an https register's credentials carry); None for any other,
        a DID URL of another DID included."""
        return _key_named(self.keys, kid, self.issuer)

    def keys_for(self, alg: str) -> list[TrustedKey]:
        return self._keys_by_alg.get(alg, [])

    @cached_property
    def _lists_by_purpose(self) -> dict[str, StatusList]:
        return {s.purpose: s for s in reversed(list(self.status_lists.values()))}

    @cached_property
    def _keys_by_alg(self) -> dict[str, list[TrustedKey]]:
        found: dict[str, list[TrustedKey]] = {}
        for key in self.keys.values():
            found.setdefault(key.alg, []).append(key)
        return found

    @classmethod
    def from_keys(cls, jwks: list[dict[str, Any]], issuer: str | None = None) -> Trust:
        """Trust these public keys at any time, without status lists (for other issuers' credentials and tests)."""
        keys: dict[str, TrustedKey] = {}
        for jwk in jwks:
            alg, key = public_key(jwk)
            kid = jwk.get("kid")
            if not isinstance(kid, str):
                kid = thumbprint(jwk)
            keys[kid] = TrustedKey(kid, alg, key)
        return cls(issuer=issuer, keys=keys)


def _key_named(keys: dict[str, TrustedKey], kid: Any, issuer: str | None) -> TrustedKey | None:
    if not isinstance(kid, str):
        return None
    found = keys.get(kid)
    if found is None:
        thumbprint_named = key_thumbprint(kid, issuer)
        found = keys.get(thumbprint_named) if thumbprint_named is not None else None
    return found


def load_trust(
    bundle: str | bytes,
    *,
    root: dict[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    trust_on_first_use: bool = False,
    at: datetime | None = None,
) -> Trust:
    """Check and read a trust bundle (the compact JWS that ``regledger trust export`` writes) against the root key:
    ``root`` (the register's ``root.json``), else the one pinned in ``cache_dir``, else -- only with
    ``trust_on_first_use=True`` -- the root key the bundle carries, which is then pinned in ``cache_dir`` (if given).
    Raises ``TrustError`` (``RootNotPinned`` when there is no root to check against)."""
    try:
        return _load(bundle, root, Path(cache_dir) if cache_dir else None, trust_on_first_use, at or datetime.now(UTC))
    except Malformed as error:
        raise TrustError(f"the trust bundle is not usable: {error}") from None


def _load(
    bundle: str | bytes, root: dict[str, Any] | None, cache: Path | None, trust_on_first_use: bool, at: datetime
) -> Trust:
    if isinstance(bundle, bytes):
        if len(bundle) > MAX_BUNDLE_BYTES:
            raise TrustError("the trust bundle is too large to be genuine")
        bundle = bundle.decode("ascii", errors="replace")
    token = bundle.strip()
    if len(token) > MAX_BUNDLE_BYTES:
        raise TrustError("the trust bundle is too large to be genuine")
    jws = _split_large(token)
    header = jws.header
    if header.get("typ") != TRUST_TYP:
        raise TrustError(f"this is not a regledger trust bundle (its type is {header.get('typ')!r})")
    if header.get("alg") not in ALGORITHMS:
        raise TrustError(f"the trust bundle is signed with {header.get('alg')!r}, which is not accepted")
    notes: list[str] = []
    pinned = _pinned_root(root, cache)
    first_use = pinned is None
    if pinned is None:
        if not trust_on_first_use:
            raise RootNotPinned(NOT_PINNED)
        carried = header.get("jwk")
        if not isinstance(carried, dict) or thumbprint(carried) != header.get("kid"):
            raise TrustError("no root key is pinned and the bundle does not carry its own root key")
        pinned = carried
        notes.append(
            f"root key {header['kid']} pinned on first use in {cache / 'root.json'}"
            if cache is not None
            else f"root key {header['kid']} trusted on first use, and not pinned (no cache directory)"
        )
    root_alg, root_key = public_key(pinned)
    root_kid = thumbprint(pinned)
    if header.get("kid") != root_kid:
        raise TrustError(f"the trust bundle is signed by key {header.get('kid')!r}, not the pinned root key {root_kid}")
    if header["alg"] != root_alg or not signature_valid(root_alg, root_key, jws.signing_input, jws.signature):
        raise TrustError(
            "the trust bundle's signature does not verify with the pinned root key: it was altered "
            "or not made by the register"
        )
    payload = jws.payload
    sequence = payload.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise TrustError("the trust bundle has no valid sequence number")
    issuer = payload.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise TrustError("the trust bundle names no issuer")
    made_at = parse_time(payload.get("made_at"), "the bundle's made_at")
    refresh_after = parse_time(payload.get("refresh_after"), "the bundle's refresh_after")
    newest = _cached_sequence(cache)
    if newest is not None and sequence < newest:
        raise TrustError(
            f"this trust bundle (number {sequence}) is older than one already accepted (number "
            f"{newest}): refusing to go back"
        )
    keys = _keys(payload.get("keys"))
    lists = _status_lists(payload.get("status_lists"), keys, issuer)
    if at > refresh_after:
        notes.append(f"the trust bundle was made {made_at:%Y-%m-%d %H:%M} UTC; a newer one should be fetched")
    trust = Trust(issuer, keys, lists, made_at, refresh_after, sequence, root_kid, notes, first_use)
    if cache is not None:
        _remember(cache, pinned, sequence)
    return trust


def _split_large(token: str) -> JWS:
    return split(token, MAX_BUNDLE_BYTES)


def _keys(entries: Any) -> dict[str, TrustedKey]:
    if not isinstance(entries, list) or not entries:
        raise TrustError("the trust bundle lists no keys")
    keys = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("jwk"), dict):
            raise TrustError("a key entry of the trust bundle is not an object with a jwk")
        jwk = entry["jwk"]
        alg, key = public_key(jwk)
        kid = thumbprint(jwk)
        if jwk.get("kid") != kid:
            raise TrustError(f"key {jwk.get('kid')!r} in the trust bundle is not named by its thumbprint")
        keys[kid] = TrustedKey(
            kid,
            alg,
            key,
            parse_time(entry.get("valid_from"), f"key {kid}'s valid_from"),
            parse_time(entry["valid_until"], f"key {kid}'s valid_until") if "valid_until" in entry else None,
            parse_time(entry["compromised_since"], f"key {kid}'s compromised_since")
            if "compromised_since" in entry
            else None,
        )
    return keys


def _status_lists(lists: Any, keys: dict[str, TrustedKey], issuer: str) -> dict[str, StatusList]:
    if lists is None:
        return {}
    if not isinstance(lists, dict):
        raise TrustError("the trust bundle's status lists are not an object")
    found = {}
    for purpose, token in lists.items():
        if purpose not in PURPOSES or not isinstance(token, str):
            raise TrustError(f"the trust bundle has an unknown status list {purpose!r}")
        jws = _split_large(token)
        key = _key_named(keys, jws.header.get("kid"), issuer)
        if jws.header.get("typ") != LIST_TYP or key is None or jws.header.get("alg") != key.alg:
            raise TrustError(f"the {purpose} status list is not signed by a key of the bundle")
        if not signature_valid(key.alg, key.key, jws.signing_input, jws.signature):
            raise TrustError(f"the {purpose} status list's signature does not verify: it was altered")
        document = jws.payload
        subject = document.get("credentialSubject")
        types = document.get("type")
        if (
            not isinstance(subject, dict)
            or subject.get("statusPurpose") != purpose
            or not isinstance(types, list)
            or "BitstringStatusListCredential" not in types
        ):
            raise TrustError(f"the {purpose} status list is not a {purpose} BitstringStatusListCredential")
        list_issuer = document.get("issuer")
        list_issuer = list_issuer.get("id") if isinstance(list_issuer, dict) else list_issuer
        url = document.get("id")
        if not same_issuer(list_issuer, issuer) or not isinstance(url, str):
            raise TrustError(f"the {purpose} status list is not the issuer's own")
        valid_from = parse_time(document.get("validFrom"), f"the {purpose} list's validFrom")
        valid_until = (
            parse_time(document["validUntil"], f"the {purpose} list's validUntil") if "validUntil" in document else None
        )
        found[url] = StatusList(purpose, url, valid_from, valid_until, subject.get("encodedList"))
    return found


# -- the cache of what was accepted before
def _pinned_root(root: dict[str, Any] | None, cache: Path | None) -> Any:
    """The root key given, else the one pinned in the cache, else None. What the cache holds is JSON as read, to be
    checked as a key by ``public_key`` like a given root (``regverify --root`` reads its file the same way)."""
    if root is not None:
        return root
    if cache is not None and (cache / "root.json").is_file():
        try:
            return json.loads((cache / "root.json").read_text())
        except (OSError, ValueError):
            raise TrustError(f"the pinned root key in {cache / 'root.json'} cannot be read") from None
    return None


def _cached_sequence(cache: Path | None) -> int | None:
    if cache is None or not (cache / "sequence").is_file():
        return None
    try:
        return int((cache / "sequence").read_text().strip())
    except (OSError, ValueError):
        return None


def _remember(cache: Path, root: dict[str, Any], sequence: int) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "root.json").exists():
        _write(cache / "root.json", json.dumps(root))
    current = _cached_sequence(cache)
    if current is None or sequence > current:
        _write(cache / "sequence", str(sequence))


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
