"""The rules of the checks that follow reading a token: what the checks need from a credential (``Credential``), and
the header, key-valid-at-issue, issuer, revocation and suspension, and status freshness rules, each giving its
problem or its outcome in plain words. ``verifier.verify`` reads the token into a ``Credential`` and runs these in
the fixed order of ``verifier.result.CHECKS``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from verifier.data_model import RULES, problems
from verifier.did import same_issuer
from verifier.jose import ALGORITHMS, JWS, Malformed
from verifier.result import FAIL, NOT_CHECKED, PASS, Outcome, Subject, duration, when
from verifier.trust import StatusList, Trust, TrustedKey

FULL_TYPES = ("vc+jwt", "JWT")
OB3_TYP = "JWT"


@dataclass
class Credential:
    """What the checks need, read from either kind of token."""

    kind: str
    jws: JWS
    url_origin: str | None
    kid: str | None = None
    issued_at: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    issuer: str | None = None
    statuses: dict[str, tuple[str | None, int]] | None = None  # purpose -> (list URL or None for the issuer's, index)
    subject: Subject | None = None
    unchecked: tuple[str, ...] = ()  # why each status entry the checks cannot read is so (``unchecked_statuses``)


def described(credential: Credential) -> str:
    """What the format check says a readable token is."""
    if credential.kind != "full":
        return "a QR badge credential"
    if credential.jws.header.get("typ") == OB3_TYP:
        return "a full credential (Open Badges 3.0 JWT)"
    return "a full credential (vc+jwt)"


def data_model_check(credential: Credential) -> tuple[Outcome, str]:
    """The "data model" check: a full credential must keep every rule of VC Data Model 2.0 sections 4 and 5 that
    needs no JSON-LD (``verifier.data_model``); the reason names each broken rule, where, and its section."""
    if credential.kind != "full":
        return NOT_CHECKED, "a QR badge is not a VC Data Model document"
    found = problems(credential.jws.payload)
    if not found:
        return PASS, "well formed (VC Data Model 2.0)"
    return FAIL, "it breaks VC Data Model 2.0: " + "; ".join(f"{p.path}: {p.reason} ({RULES[p.rule]})" for p in found)


CHECKED_STATUS = {"BitstringStatusListEntry": ("revocation", "suspension")}
"""The status entries the revocation and suspension checks read: their type and purposes."""
NO_SUSPENSION_ENTRY = "no suspension entry: a suspension revokes this credential (the revocation check)"
"""The suspension check of a credential with one status entry, for revocation: the register's credentials since its
one-entry status design (a suspension, lapse, resignation or removal sets the revocation bit for good)."""
CANNOT = "its status cannot be checked"


def unchecked_statuses(payload: dict[str, Any]) -> list[str]:
    """Why each ``credentialStatus`` entry of a full credential's payload is one the status checks cannot read, in
    plain words: not an object, a type or a purpose this verifier does not know, or an entry without the purpose or
    the status list it needs (``statusPurpose``, ``statusListCredential``). Each makes the "status" check "not
    checked" and the credential not valid (see ``status_entries_check``). An entry this verifier reads but whose list
    the trust bundle lacks is found by the revocation or suspension check instead (``status_check``)."""
    status = payload.get("credentialStatus")
    entries = status if isinstance(status, list) else [] if status is None else [status]
    found = []
    for i, entry in enumerate(entries):
        where = f"credentialStatus[{i}]" if isinstance(status, list) else "credentialStatus"
        if not isinstance(entry, dict):
            found.append(f"{where} is not an object: {CANNOT}")
            continue
        kind, purpose = entry.get("type"), entry.get("statusPurpose")
        purposes = CHECKED_STATUS.get(kind) if isinstance(kind, str) else None
        if purposes is None:
            found.append(f"{where} is of type {kind!r}, which this verifier does not know: {CANNOT}")
        elif purpose is None:
            found.append(f"{where} does not say its purpose (statusPurpose): {CANNOT}")
        elif purpose not in purposes:
            found.append(f"{where} has the purpose {purpose!r}, which this verifier does not check: {CANNOT}")
        elif not isinstance(entry.get("statusListCredential"), str):
            found.append(f"{where} does not name its status list (statusListCredential): {CANNOT}")
    return found


def status_entries_check(credential: Credential, cannot: list[str]) -> tuple[Outcome, str]:
    """The "status" check: passes when every status entry the credential carries is one this verifier checked (or it
    carries none); otherwise "not checked", naming each entry it could not check (``cannot``: the revocation and
    suspension checks' reasons for an entry whose list the trust bundle lacks, then ``credential.unchecked``). It is
    one of the checks that must pass (``verifier.result.REQUIRED``), so such a credential is not valid.

    Why: VC Data Model 2.0 section 4.10 (Status) defines ``credentialStatus`` "for discovering information related
    to the status of a verifiable credential, such as whether it is suspended or revoked", and leaves "the precise
    content of the credential status information" to "the specific credentialStatus type definition": a verifier
    that does not know the type (or the purpose) cannot learn the status. Bitstring Status List v1.0 section 3.2
    (Validate Algorithm): "Dereference the statusListCredential URL, and ensure that all proofs verify successfully.
    If the dereference fails, raise a STATUS_RETRIEVAL_ERROR. If any of the proof verifications fail, raise a
    STATUS_VERIFICATION_ERROR": validation ends in an error, not in a status. This verifier works offline from the
    signed trust bundle, so a list the bundle does not carry is one it cannot retrieve. A credential the register
    may have withdrawn by a means this verifier cannot read is therefore never called valid: its status is reported
    as not checked, with the reason.
    """
    found = [*cannot, *credential.unchecked]
    if found:
        return NOT_CHECKED, "; ".join(found)
    if credential.statuses:
        return PASS, "every status entry is one this verifier checked"
    return PASS, "the credential carries no status entry"


def header_problem(header: dict[str, Any], kind: str) -> str | None:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return f"the signing algorithm {alg!r} is not accepted (only {', '.join(ALGORITHMS)})"
    if "crit" in header:
        return "the token demands extensions this verifier does not know ('crit')"
    typ = header.get("typ")
    if kind == "full":
        if typ not in FULL_TYPES:
            return f"the token's type {typ!r} is not a credential's (vc+jwt)"
        if not isinstance(header.get("kid"), str):
            return "the token does not say which key signed it (no 'kid')"
        if "cty" in header and header["cty"] != "vc":
            return f"the token's content type {header['cty']!r} is not a credential's"
    return None


OB3_HEADERS = ("alg", "kid", "jwk", "typ")
OB3_CLAIMS = (("iss", None), ("jti", "id"), ("sub", "credentialSubject.id"), ("nbf", None))


def ob3_problem(header: dict[str, Any], payload: dict[str, Any]) -> str | None:
    """What makes a full credential of ``typ`` JWT break Open Badges 3.0 section 8.2 (its JWT proof format), or
    None: only the ``alg``, ``kid``, ``jwk`` and ``typ`` headers (8.2.3: "Additional JOSE Headers are NOT allowed"),
    a ``jwk`` without private members; the claims ``iss``, ``jti``, ``sub`` and ``nbf`` present (8.2.4.1), ``jti`` and
    ``sub`` equal to the credential's ``id`` and ``credentialSubject.id``, and ``exp`` when it has ``validUntil``
    (8.2.6.1; ``iss``, ``nbf`` and ``exp`` are compared with the credential's fields when it is read)."""
    extra = sorted(name for name in header if name not in OB3_HEADERS)
    if extra:
        return (
            "an Open Badges 3.0 JWT carries only the alg, kid, jwk and typ headers (OB 3.0 section 8.2.3); "
            f"this one also has {', '.join(extra)}"
        )
    jwk = header.get("jwk")
    if jwk is not None and (not isinstance(jwk, dict) or "d" in jwk):
        return "the token's jwk header is not a public key (OB 3.0 section 8.2.3)"
    missing = [claim for claim, _ in OB3_CLAIMS if claim not in payload]
    if "validUntil" in payload and "exp" not in payload:
        missing.append("exp")
    if missing:
        return f"an Open Badges 3.0 JWT must carry the claim(s) {', '.join(missing)} (OB 3.0 section 8.2.4.1)"
    subject = payload.get("credentialSubject")
    fields = {"id": payload.get("id"), "credentialSubject.id": subject.get("id") if isinstance(subject, dict) else None}
    for claim, field in OB3_CLAIMS:
        if field is not None and (not isinstance(payload[claim], str) or payload[claim] != fields[field]):
            return f"the token's {claim} is not the credential's {field} (OB 3.0 section 8.2.6.1)"
    return None


def key_problem(key: TrustedKey, issued_at: datetime | None) -> str | None:
    if issued_at is None:
        return "the credential does not say when it was issued"
    at = f"{when(issued_at)}"
    if key.compromised_since:  # a signer chooses its own dates: nothing a stolen key signed can be told apart
        return (
            f"the key that signed it was reported compromised ({when(key.compromised_since)}), so no "
            "credential it signed can be trusted: ask the holder for their re-issued credential"
        )
    if key.valid_from and issued_at < key.valid_from:
        return f"signed on {at}, before the key came into service"
    if key.valid_until and issued_at >= key.valid_until:
        return f"signed on {at}, after the key was retired"
    return None


def issuer_problem(credential: Credential, trust: Trust) -> str | None:
    if credential.kind == "compact":
        credential.issuer = trust.issuer or "the trusted issuer"
    elif trust.issuer is not None and not same_issuer(credential.issuer, trust.issuer):  # or its did:web DID
        return f"the credential names {credential.issuer} as its issuer, not {trust.issuer}"
    if credential.url_origin and trust.issuer and trust.issuer.startswith(("https://", "http://")):
        try:
            parts = urlsplit(trust.issuer)
            issuer_origin = f"{parts.scheme}://{parts.netloc}"
        except ValueError:
            issuer_origin = trust.issuer
        if credential.url_origin != issuer_origin:
            return f"the link points at {credential.url_origin}, not at {trust.issuer}"
    return None


def status_check(purpose: str, credential: Credential, trust: Trust) -> tuple[Outcome, str, StatusList | None]:
    """The revocation or suspension check, and the list it read (for the freshness check). An entry whose list the
    trust bundle does not carry (a list this register does not publish) is "not checked", and so is the "status"
    check (``status_entries_check``): the credential is not valid."""
    entry = (credential.statuses or {}).get(purpose)
    if entry is None and purpose == "suspension" and "revocation" in (credential.statuses or {}):
        return NOT_CHECKED, NO_SUSPENSION_ENTRY, None
    if entry is None:
        return NOT_CHECKED, f"the credential has no {purpose} entry", None
    url, index = entry
    status_list = trust.list_for(purpose) if url is None else trust.status_lists.get(url)
    if status_list is None and url is None:
        return NOT_CHECKED, f"the trust bundle has no {purpose} list: {CANNOT}", None
    if status_list is None:
        return (
            NOT_CHECKED,
            f"the {purpose} entry names a status list this register does not publish ({url}): {CANNOT}",
            None,
        )
    if status_list.purpose != purpose:  # Bitstring Status List 3.2: a STATUS_VERIFICATION_ERROR
        return (
            FAIL,
            f"the {purpose} entry names the register's {status_list.purpose} list ({status_list.url}): an entry "
            "must name a list of its own purpose",
            None,
        )
    try:
        bits = status_list.bits()
    except Malformed as error:
        return FAIL, f"the {purpose} list cannot be read: {error}", None
    if not 0 <= index < bits.length:
        return FAIL, f"the {purpose} index {index} is outside the list", None
    if bits.get(index):
        word = "revoked" if purpose == "revocation" else "suspended"
        return FAIL, f"{word} (status as of {when(status_list.valid_from)})", status_list
    word = "not revoked" if purpose == "revocation" else "not suspended"
    return PASS, word, status_list


def freshness(status_as_of: datetime | None, at: datetime, max_status_age: timedelta) -> tuple[Outcome, str]:
    """The status freshness check: current only if the oldest list consulted is at most ``max_status_age`` old."""
    if status_as_of is None:
        return NOT_CHECKED, "no status list was consulted"
    if at - status_as_of > max_status_age:
        return (
            FAIL,
            f"could not confirm current status: the status is as of "
            f"{when(status_as_of)}, more than {duration(max_status_age)} ago; "
            "fetch a newer trust bundle",
        )
    return PASS, f"status as of {when(status_as_of)}"
