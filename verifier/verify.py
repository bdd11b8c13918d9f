"""``verify(token, trust, at=None)``: a fixed pipeline of named checks over a full credential (a ``vc+jwt``, or the
same credential in the Open Badges 3.0 JWT form: ``typ`` JWT, RS256, held to OB 3.0 section 8.2's header and claim
rules by ``verifier.checks.ob3_problem``), a compact badge credential, or the badge's URL. Each check passes, fails,
or is not checked, with a reason in plain words; a credential is valid when none fails and the checks that prove it
genuine and current all passed.

What is a credential: only a credential about a person. A token whose type names a status list
(BitstringStatusListCredential, StatusList2021Credential) fails the format check ("this is a status list, not a
credential about a person"). Anything else the register signed is the register's word (its VC API issues
through the ledger: recorded, logged, revocable).

How current the status must be: a credential's revocation and suspension are read from the status lists in the
trust bundle, and those say how things stood when they were made, not now. The status is current only if every
status list used was made within ``max_status_age`` of the verification time: 24 hours by default
(``DEFAULT_MAX_STATUS_AGE``), so that an old bundle, made before a removal or suspension, cannot vouch for the
person for longer than that. Older, the "status freshness" check fails ("could not confirm current status: the
status is as of 05 January 2027 09:00 UTC, more than 24 hours ago; fetch a newer trust bundle") and the credential
is not valid. The verifier's user may accept older status: ``verify(..., max_status_age=timedelta(days=7))``,
``regverify --max-status-age 168`` (hours), or the web verifier's "Accept status up to" choice.

A status it cannot check: a credential carrying a status entry this verifier cannot read -- of a type or purpose
it does not know (anything but a BitstringStatusListEntry for revocation or suspension), without the status list or
purpose it needs, or naming a status list the trust bundle does not carry (one this register does not publish) --
is not valid: the "status" check is "not checked" and says why ("the revocation entry names a status list this
register does not publish (...): its status cannot be checked"), and it must pass
(``verifier.checks.status_entries_check``, which quotes VC Data Model 2.0 section 4.10 and Bitstring Status List
section 3.2). A credential with no status entry at all passes it: VC Data Model 2.0 makes status optional.

Is it well formed: a full credential must keep every rule of VC Data Model 2.0 sections 4 and 5 that needs no JSON-LD
(``verifier.data_model``: contexts, identifiers, types, names, issuer, subject, validity period, status, schemas,
related resources, refresh, terms of use, evidence); the "data model" check names each broken rule and where. It is
made right after the format check and listed last (``verifier.result.CHECKS``).

The pipeline and the reading of a token are here; the rules of the checks after reading are in ``verifier.checks``
and the result and its wording in ``verifier.result``. Every name they give the verifier's users is importable from
here as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from verifier.checks import (
    FULL_TYPES,
    OB3_TYP,
    Credential,
    data_model_check,
    described,
    freshness,
    header_problem,
    issuer_problem,
    key_problem,
    ob3_problem,
    status_check,
    status_entries_check,
    unchecked_statuses,
)
from verifier.jose import JWS, Malformed, b64url_decode, signature_valid, split
from verifier.result import (
    CHECKS,
    FAIL,
    MONTHS,
    NOT_CHECKED,
    PASS,
    REQUIRED,
    Check,
    Outcome,
    Subject,
    Verification,
    day,
    when,
)
from verifier.trust import StatusList, Trust, numeric_date, parse_time

__all__ = [
    "BADGE_TYP",
    "CHECKS",
    "DEFAULT_MAX_STATUS_AGE",
    "FAIL",
    "FULL_TYPES",
    "MONTHS",
    "NOT_CHECKED",
    "PASS",
    "REQUIRED",
    "STATUS_LIST_TYPES",
    "VC_V2_CONTEXT",
    "Check",
    "Subject",
    "Verification",
    "verify",
]

BADGE_TYP = "rl-badge+jwt"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DEFAULT_MAX_STATUS_AGE = timedelta(hours=24)
STATUS_LIST_TYPES = ("BitstringStatusListCredential", "StatusList2021Credential")
_PURPOSE_CLAIMS = {"revocation": "r", "suspension": "s"}


class _Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify(
    token: Any, trust: Trust, at: datetime | None = None, *, max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE
) -> Verification:
    """Verify a credential offline against ``trust`` at ``at`` (default now). Never raises for bad input."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    checks: dict[str, Check] = {}
    credential: Credential | None = None

    def record(name: str, outcome: Outcome, reason: str) -> None:
        checks[name] = Check(name, outcome, reason)

    def skip_rest(reason: str) -> Verification:
        for name in CHECKS:
            if name not in checks:
                record(name, NOT_CHECKED, reason)
        return _result(checks, credential, None)

    # format
    try:
        credential = _read(token)
    except (_Failed, Malformed) as error:
        record("format", FAIL, str(error))
        return skip_rest("the credential could not be read")
    record("format", PASS, described(credential))
    record("data model", *data_model_check(credential))

    # header
    header = credential.jws.header
    problem = header_problem(header, credential.kind)
    if problem:
        record("header", FAIL, problem)
        return skip_rest("the token's header is not acceptable")
    alg: str = header["alg"]  # one of ALGORITHMS: the header check passed
    record("header", PASS, f"signed with {alg}")

    # key known, signature (a badge names no key: the bundle's keys with its algorithm are tried)
    if credential.kind == "full":
        key = trust.key_for(credential.kid)  # by thumbprint, or by a DID URL of the issuer's did:web DID
        if key is None or key.alg != alg:
            record(
                "key known",
                FAIL,
                f"the credential was signed with key {credential.kid}, which the trust bundle does not list",
            )
            return skip_rest("the signing key is unknown")
        record("key known", PASS, f"key {key.kid} of {trust.issuer or 'the trusted issuer'}")
        signed = signature_valid(alg, key.key, credential.jws.signing_input, credential.jws.signature)
    else:
        candidates = trust.keys_for(alg)
        if not candidates:
            record("key known", FAIL, f"the trust bundle has no {alg} key to check this badge with")
            return skip_rest("the signing key is unknown")
        key = next(
            (
                k
                for k in candidates
                if signature_valid(alg, k.key, credential.jws.signing_input, credential.jws.signature)
            ),
            None,
        )
        signed = key is not None
        if key is None:
            record("key known", FAIL, "no key in the trust bundle made this badge's signature")
            record("key valid", NOT_CHECKED, "the signing key is unknown")
            record(
                "signature",
                FAIL,
                "the signature does not verify: the badge was altered or not issued by "
                f"{trust.issuer or 'the trusted issuer'}",
            )
            return skip_rest("the signature does not verify")
        record("key known", PASS, f"key {key.kid} of {trust.issuer or 'the trusted issuer'}")

    # key valid at issue
    key_fault = key_problem(key, credential.issued_at)
    if key_fault:
        record("key valid", FAIL, key_fault)
    else:
        record("key valid", PASS, "the key was in service when the credential was issued")

    if not signed:
        record(
            "signature",
            FAIL,
            "the signature does not verify: the credential was altered or not issued by "
            f"{trust.issuer or 'the trusted issuer'}",
        )
        return skip_rest("the signature does not verify")
    record("signature", PASS, "the signature verifies")
    if key_fault:
        return skip_rest("the signing key was not valid when the credential was issued")

    # issuer
    issuer_fault = issuer_problem(credential, trust)
    record("issuer", FAIL if issuer_fault else PASS, issuer_fault or f"issued by {credential.issuer}")

    # validity window
    if credential.valid_from and at < credential.valid_from:
        record("validity", FAIL, f"not valid before {when(credential.valid_from)}")
    elif credential.valid_until and at >= credential.valid_until:
        record("validity", FAIL, f"expired on {when(credential.valid_until)}")
    else:
        until = f" until {day(credential.valid_until)}" if credential.valid_until else ""
        record("validity", PASS, f"within its validity period{until}")

    # status
    used: list[StatusList] = []
    cannot: list[str] = []  # entries the verifier reads whose list the trust bundle does not carry
    for purpose in ("revocation", "suspension"):
        outcome, reason, used_list = status_check(purpose, credential, trust)
        record(purpose, outcome, reason)
        if used_list is not None:
            used.append(used_list)
        if outcome == NOT_CHECKED and purpose in (credential.statuses or {}):
            cannot.append(reason)
    status_as_of = min((s.valid_from for s in used), default=None)
    record("status freshness", *freshness(status_as_of, at, max_status_age))
    record("status", *status_entries_check(credential, cannot))
    return _result(checks, credential, status_as_of)


def _result(checks: dict[str, Check], credential: Credential | None, status_as_of: datetime | None) -> Verification:
    ordered = tuple(checks[name] for name in CHECKS)
    valid = (
        credential is not None
        and all(c.outcome != FAIL for c in ordered)
        and all(checks[name].outcome == PASS for name in REQUIRED)
    )
    return Verification(
        valid,
        credential.kind if credential else None,
        ordered,
        credential.subject if valid and credential else None,
        status_as_of,
    )


# -- reading a token
def _read(token: Any) -> Credential:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise _Failed("the credential is not text") from None
    if not isinstance(token, str):
        raise _Failed("the credential is not text")
    token = token.strip()
    origin = None
    if token.startswith("data:application/vc+jwt,"):
        token = token[len("data:application/vc+jwt,") :]
    elif token.startswith(("https://", "http://")):
        if len(token) > 20_000:
            raise _Failed("the link is too long to be a badge link")
        try:
            parts = urlsplit(token)
            netloc = parts.netloc
        except ValueError:
            raise _Failed("the link is not a valid web address") from None
        if not parts.fragment:
            raise _Failed("the link carries no credential (nothing after '#')")
        origin = f"{parts.scheme}://{netloc}"
        token = parts.fragment
    jws = split(token)
    typ = jws.header.get("typ")
    if typ == BADGE_TYP:
        return _read_compact(jws, origin)
    return _read_full(jws, origin)


def _read_full(jws: JWS, origin: str | None) -> Credential:
    payload = jws.payload
    for claim in ("vc", "vp"):
        if claim in payload:
            raise _Failed(f"the token wraps the credential in a '{claim}' claim; a vc+jwt is the credential itself")
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise _Failed("the token is not a W3C Verifiable Credential 2.0 (its @context)")
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _Failed("the token is not a Verifiable Credential (its type)")
    if any(t in STATUS_LIST_TYPES for t in types):
        raise _Failed("this is a status list, not a credential about a person")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise _Failed("the credential names no issuer")
    if jws.header.get("typ") == OB3_TYP:
        problem = ob3_problem(jws.header, payload)
        if problem:
            raise _Failed(problem)
    credential = Credential("full", jws, origin, kid=jws.header.get("kid"), issuer=issuer_id)
    iss = payload.get("iss")
    if iss is not None and iss != issuer_id:
        raise _Failed(f"the token's iss ({iss}) is not the credential's issuer ({issuer_id})")
    if "iat" in payload:
        credential.issued_at = _issued_at(payload["iat"])
    if "validFrom" in payload:
        credential.valid_from = parse_time(payload["validFrom"], "validFrom")
    if "validUntil" in payload:
        credential.valid_until = parse_time(payload["validUntil"], "validUntil")
    for claim, value in (("nbf", credential.valid_from), ("exp", credential.valid_until)):
        if claim in payload:
            moment = numeric_date(payload[claim], f"the token's {claim}")
            if value is not None and int(value.timestamp()) != int(moment.timestamp()):
                raise _Failed(f"the token's {claim} disagrees with the credential's own dates")
            if value is None and claim == "nbf":
                credential.valid_from = moment
            elif value is None:
                credential.valid_until = moment
    if credential.issued_at is None:
        credential.issued_at = credential.valid_from
    credential.statuses = _full_statuses(payload.get("credentialStatus"))
    credential.unchecked = tuple(unchecked_statuses(payload))
    credential.subject = _full_subject(payload, credential.valid_until)
    return credential


def _issued_at(value: Any) -> datetime:
    """The token's ``iat``: a NumericDate, as RFC 7519 says (some published test vectors carry text)."""
    if isinstance(value, str):
        raise _Failed("the token's iat is text, not a NumericDate")
    return numeric_date(value, "the token's iat")


def _full_statuses(status: Any) -> dict[str, tuple[str | None, int]]:
    entries = status if isinstance(status, list) else [status] if status is not None else []
    found: dict[str, tuple[str | None, int]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue
        purpose, url, index = (
            entry.get("statusPurpose"),
            entry.get("statusListCredential"),
            entry.get("statusListIndex"),
        )
        if not isinstance(purpose, str) or purpose not in _PURPOSE_CLAIMS or not isinstance(url, str):
            continue
        if not isinstance(index, str) or not index.isascii() or not index.isdigit() or len(index) > 12:
            raise _Failed(f"the {purpose} status entry's index is not a number")
        if purpose in found:
            raise _Failed(f"the credential has two {purpose} status entries")
        found[purpose] = (url, int(index))
    return found


def _full_subject(payload: dict[str, Any], valid_until: datetime | None) -> Subject | None:
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict):
        return None
    identifiers = subject.get("identifier")
    if not isinstance(identifiers, list):
        return None
    names = [
        i.get("identityHash")
        for i in identifiers
        if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
    ]
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        achievement = {}
    level = achievement.get("name")
    code = achievement.get("humanCode")
    number = subject.get("licenseNumber")
    if not names or not isinstance(names[0], str) or not isinstance(level, str) or not isinstance(number, str):
        return None
    return Subject(
        names[0],
        number,
        f"{level} ({code})" if isinstance(code, str) else level,
        f"{day(valid_until)}" if valid_until else "no end date",
    )


def _read_compact(jws: JWS, origin: str | None) -> Credential:
    claims = jws.payload
    for claim, kind in _BADGE_CLAIMS:
        value = claims.get(claim)
        if value.__class__ is not kind:  # exactly int or str: not bool, not float
            raise _Failed(f"the badge's '{claim}' is missing or of the wrong type")
    statuses: dict[str, tuple[str | None, int]] = {}
    for purpose, claim in _PURPOSE_CLAIMS.items():
        if claim in claims:
            index = claims[claim]
            if index.__class__ is not int or not 0 <= index < 2**40:
                raise _Failed(f"the badge's status index '{claim}' is not a number")
            statuses[purpose] = (None, index)
    try:
        if len(b64url_decode(claims["i"], "credential id")) != 16:
            raise Malformed("not 16 bytes")
    except Malformed:
        raise _Failed("the badge's credential id is not valid") from None
    valid_from = numeric_date(claims["nbf"], "the badge's nbf")
    valid_until = numeric_date(claims["exp"], "the badge's exp")
    return Credential(
        "compact",
        jws,
        origin,
        issued_at=valid_from,
        valid_from=valid_from,
        valid_until=valid_until,
        statuses=statuses,
        subject=Subject(claims["n"], claims["rn"], claims["lv"], day(valid_until)),
    )


_BADGE_CLAIMS = (("i", str), ("nbf", int), ("exp", int), ("n", str), ("rn", str), ("lv", str))
