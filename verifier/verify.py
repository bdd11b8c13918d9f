"""``verify(token, trust, at=None)``: a fixed pipeline of named checks over a full credential (a ``vc+jwt``), a
compact badge credential, or the badge's URL. Each check passes, fails, or is not checked, with a reason in plain
words; a credential is valid when none fails and the checks that prove it genuine and current all passed.

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
``regverify --max-status-age 168`` (hours), or the web verifier's "Accept status up to" choice."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from verifier.jose import ALGORITHMS, JWS, Malformed, b64url_decode, signature_valid, split
from verifier.trust import StatusList, Trust, TrustedKey, numeric_date, parse_time

CHECKS = (
    "format",
    "header",
    "key known",
    "key valid",
    "signature",
    "issuer",
    "validity",
    "revocation",
    "suspension",
    "status freshness",
)
REQUIRED = ("format", "header", "key known", "key valid", "signature", "issuer", "validity")
PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"
FULL_TYPES = ("vc+jwt", "JWT")
BADGE_TYP = "rl-badge+jwt"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DEFAULT_MAX_STATUS_AGE = timedelta(hours=24)
STATUS_LIST_TYPES = ("BitstringStatusListCredential", "StatusList2021Credential")
_PURPOSE_CLAIMS = {"revocation": "r", "suspension": "s"}


class Check(NamedTuple):
    name: str
    outcome: str
    reason: str


@dataclass(frozen=True)
class Subject:
    name: str
    registration_number: str
    level: str
    valid_until: str


@dataclass(frozen=True)
class Verification:
    valid: bool
    kind: str | None  # "full", "compact" or None when the input could not be read
    checks: tuple[Check, ...]
    subject: Subject | None  # only when valid
    status_as_of: datetime | None

    @property
    def summary(self) -> str:
        """One sentence for a person."""
        if self.valid and self.subject:
            s = self.subject
            status = f"; status as of {_when(self.status_as_of)}" if self.status_as_of else ""
            return (
                f"Valid: {s.name} holds {s.level}, registration number {s.registration_number}, until "
                f"{s.valid_until}{status}."
            )
        if self.valid:
            return "Valid: the credential verifies, but it does not name a registrant in the register's form."
        failed = [c for c in self.checks if c.outcome == FAIL]
        if failed:
            return "Not valid: " + "; ".join(c.reason for c in failed) + "."
        missing = [c for c in self.checks if c.name in REQUIRED and c.outcome != PASS]
        return "Not valid: " + "; ".join(c.reason for c in missing) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "summary": self.summary,
            "checks": [c._asdict() for c in self.checks],
            "subject": asdict(self.subject) if self.subject else None,
            "status_as_of": self.status_as_of.isoformat() if self.status_as_of else None,
        }


class _Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Credential:
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


def verify(
    token: Any, trust: Trust, at: datetime | None = None, *, max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE
) -> Verification:
    """Verify a credential offline against ``trust`` at ``at`` (default now). Never raises for bad input."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    checks: dict[str, Check] = {}
    credential: _Credential | None = None

    def record(name: str, outcome: str, reason: str) -> None:
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
    record("format", PASS, "a full credential (vc+jwt)" if credential.kind == "full" else "a QR badge credential")

    # header
    header = credential.jws.header
    alg = header.get("alg")
    problem = _header_problem(header, credential.kind)
    if problem:
        record("header", FAIL, problem)
        return skip_rest("the token's header is not acceptable")
    record("header", PASS, f"signed with {alg}")

    # key known, signature (a badge names no key: the bundle's keys with its algorithm are tried)
    if credential.kind == "full":
        key = trust.keys.get(credential.kid)  # type: ignore[arg-type]
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
    key_problem = _key_problem(key, credential.issued_at)
    if key_problem:
        record("key valid", FAIL, key_problem)
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
    if key_problem:
        return skip_rest("the signing key was not valid when the credential was issued")

    # issuer
    issuer_problem = _issuer_problem(credential, trust)
    record("issuer", FAIL if issuer_problem else PASS, issuer_problem or f"issued by {credential.issuer}")

    # validity window
    if credential.valid_from and at < credential.valid_from:
        record("validity", FAIL, f"not valid before {_when(credential.valid_from)}")
    elif credential.valid_until and at >= credential.valid_until:
        record("validity", FAIL, f"expired on {_when(credential.valid_until)}")
    else:
        until = f" until {_day(credential.valid_until)}" if credential.valid_until else ""
        record("validity", PASS, f"within its validity period{until}")

    # status
    used: list[StatusList] = []
    for purpose in ("revocation", "suspension"):
        outcome, reason, used_list = _status(purpose, credential, trust)
        record(purpose, outcome, reason)
        if used_list is not None:
            used.append(used_list)
    status_as_of = min((s.valid_from for s in used), default=None)
    if status_as_of is None:
        record("status freshness", NOT_CHECKED, "no status list was consulted")
    elif at - status_as_of > max_status_age:
        record(
            "status freshness",
            FAIL,
            f"could not confirm current status: the status is as of "
            f"{_when(status_as_of)}, more than {_duration(max_status_age)} ago; "
            "fetch a newer trust bundle",
        )
    else:
        record("status freshness", PASS, f"status as of {_when(status_as_of)}")
    return _result(checks, credential, status_as_of)


def _result(checks: dict[str, Check], credential: _Credential | None, status_as_of: datetime | None) -> Verification:
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


@lru_cache(maxsize=1024)
def _when(moment: datetime) -> str:
    """``05 January 2027 09:00 UTC``, in English whatever the locale."""
    return f"{_day(moment)} {moment:%H:%M} UTC"


@lru_cache(maxsize=1024)
def _day(moment: datetime) -> str:
    """``05 January 2027``."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year}"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _duration(age: timedelta) -> str:
    """``24 hours``, ``7 days``, ``1.5 hours``: whole days from two days up, hours below."""
    if age.days >= 2 and not age.seconds and not age.microseconds:
        return f"{age.days} days"
    hours = age.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


# -- reading a token
def _read(token: Any) -> _Credential:
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


def _read_full(jws: JWS, origin: str | None) -> _Credential:
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
    credential = _Credential("full", jws, origin, kid=jws.header.get("kid"), issuer=issuer_id)
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
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    level = achievement.get("name")
    code = achievement.get("humanCode")
    number = subject.get("licenseNumber")
    if not names or not isinstance(names[0], str) or not isinstance(level, str) or not isinstance(number, str):
        return None
    return Subject(
        names[0],
        number,
        f"{level} ({code})" if isinstance(code, str) else level,
        f"{_day(valid_until)}" if valid_until else "no end date",
    )


def _read_compact(jws: JWS, origin: str | None) -> _Credential:
    claims = jws.payload
    for claim, kind in _BADGE_CLAIMS:
        value = claims.get(claim)
        if value.__class__ is not kind:  # exactly int or str: not bool, not float
            raise _Failed(f"the badge's '{claim}' is missing or of the wrong type")
    statuses = {}
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
    return _Credential(
        "compact",
        jws,
        origin,
        issued_at=valid_from,
        valid_from=valid_from,
        valid_until=valid_until,
        statuses=statuses,
        subject=Subject(claims["n"], claims["rn"], claims["lv"], _day(valid_until)),
    )


_BADGE_CLAIMS = (("i", str), ("nbf", int), ("exp", int), ("n", str), ("rn", str), ("lv", str))


# -- the checks' rules
def _header_problem(header: dict[str, Any], kind: str) -> str | None:
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


def _key_problem(key: TrustedKey, issued_at: datetime | None) -> str | None:
    if issued_at is None:
        return "the credential does not say when it was issued"
    when = f"{_when(issued_at)}"
    if key.compromised_since:  # a signer chooses its own dates: nothing a stolen key signed can be told apart
        return (
            f"the key that signed it was reported compromised ({_when(key.compromised_since)}), so no "
            "credential it signed can be trusted: ask the holder for their re-issued credential"
        )
    if key.valid_from and issued_at < key.valid_from:
        return f"signed on {when}, before the key came into service"
    if key.valid_until and issued_at >= key.valid_until:
        return f"signed on {when}, after the key was retired"
    return None


def _issuer_problem(credential: _Credential, trust: Trust) -> str | None:
    if credential.kind == "compact":
        credential.issuer = trust.issuer or "the trusted issuer"
    elif trust.issuer is not None and credential.issuer != trust.issuer:
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


def _status(purpose: str, credential: _Credential, trust: Trust) -> tuple[str, str, StatusList | None]:
    entry = (credential.statuses or {}).get(purpose)
    if entry is None:
        return NOT_CHECKED, f"the credential has no {purpose} entry", None
    url, index = entry
    status_list = trust.list_for(purpose) if url is None else trust.status_lists.get(url)
    if status_list is None:
        return NOT_CHECKED, f"the trust bundle has no {purpose} list" + (f" ({url})" if url else ""), None
    try:
        bits = status_list.bits()
    except Malformed as error:
        return FAIL, f"the {purpose} list cannot be read: {error}", None
    if not 0 <= index < bits.length:
        return FAIL, f"the {purpose} index {index} is outside the list", None
    if bits.get(index):
        word = "revoked" if purpose == "revocation" else "suspended"
        return FAIL, f"{word} (status as of {_when(status_list.valid_from)})", status_list
    word = "not revoked" if purpose == "revocation" else "not suspended"
    return PASS, word, status_list
