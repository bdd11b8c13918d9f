"""``verify_presentation(presentation, trust, at=None, nonce=..., audience=...)``: check a verifiable presentation
offline -- a ``vp+jwt`` (VC-JOSE-COSE) or an ``EnvelopedVerifiablePresentation`` object holding one -- in a fixed
order of named checks, each passing, failing or not checked with a reason in plain words, like ``verify``.

What the standards say, and what is checked here:

- VC-JOSE-COSE (W3C Recommendation), section 3.1.2 "Securing JSON-LD Verifiable Presentations with JOSE": "A
  conforming JWS issuer implementation MUST use [RFC7515] to secure this media type. The unsecured verifiable
  presentation is the unencoded JWS payload. The typ header parameter SHOULD be vp+jwt. When present, the cty header
  parameter SHOULD be vp." So the payload is the presentation itself (no ``vp`` claim), ``typ`` must be ``vp+jwt``
  (the way a presentation is told from a credential here), and ``cty``, when present, ``vp``.
- VC Data Model 2.0, section 4.13 "Verifiable Presentations": "The type property MUST be present ... One value of
  this property MUST be VerifiablePresentation"; "The verifiableCredential property MAY be present. The value MUST
  be one or more verifiable credential and/or enveloped verifiable credential objects (the values MUST NOT be
  non-object values such as numbers, strings, or URLs)"; "The holder property is optional. If present, the value
  MUST be either a URL or an object containing an id property"; and "Verifiable presentations SHOULD be extremely
  short-lived and bound to a challenge provided by a verifier." Section 4.13.1 "Enveloped Verifiable Credentials":
  the object's "@context property ... MUST be present and include a context, such as the base context", its "id
  value ... MUST be a data: URL [RFC2397] that expresses a secured verifiable credential using an enveloping
  securing mechanism", and its "type value ... MUST be EnvelopedVerifiableCredential". Section 4.13.2 "Enveloped
  Verifiable Presentations" says the same of an ``EnvelopedVerifiablePresentation`` and its ``data:`` URL.

The checks, in order (``PRESENTATION_CHECKS``):

- **format**: the envelope (if any) and the presentation's shape as above; each credential must be an enveloped
  ``vc+jwt`` (a credential secured another way cannot be checked here and fails).
- **header**: ``alg`` in the verifier's allow-list, ``typ`` ``vp+jwt``, ``cty`` ``vp`` when present, no ``crit``.
- **holder key**: the signer's key from its DID, resolved offline with no network: ``did:jwk`` (the JWK is in the
  DID), or ``did:key`` for P-256 and Ed25519 keys. The signer is the ``holder`` (else the ``kid``'s DID, else
  ``iss``); a ``kid`` or ``iss`` naming another DID fails.
- **signature**: the presentation's signature by that key.
- **validity**: ``exp``, ``nbf`` and ``iat`` when present (five minutes of clock difference allowed).
- **nonce** and **audience**: the JWT ``nonce`` and ``aud`` against what the verifier asked for (the VC API's
  ``challenge`` and ``domain``). Asked for, a missing or different value fails; not asked for, not checked: a
  presentation without them can be replayed to anyone, which the reason says.
- **credentials**: each enveloped credential verified with ``verifier.verify.verify`` against the trust bundle;
  every one must be valid, and there must be at least one.
- **holder binding**: when a credential's subject ``id`` is a DID with a key (``did:jwk``, ``did:key``), the
  presentation's signer must be that key. A credential whose subject is not such a DID (the register's own
  credentials name their subject ``urn:uuid:...``) leaves it not checked, with that reason: the presentation then
  shows who presented the credential, not that the presenter is its subject.

A presentation is valid when no check fails and format, header, holder key, signature, validity and credentials all
passed. Bad input of any kind gives a failed check, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier.dids import did_jwk, holder_binding, resolve_did
from verifier.jose import ALGORITHMS, JWS, Malformed, PublicKey, parse_object, signature_valid, split, thumbprint
from verifier.result import FAIL, NOT_CHECKED, PASS, Check, Outcome, Verification, when
from verifier.trust import Trust, numeric_date
from verifier.verify import DEFAULT_MAX_STATUS_AGE, VC_V2_CONTEXT, verify

__all__ = [
    "PRESENTATION_CHECKS",
    "PRESENTATION_REQUIRED",
    "VP_PREFIX",
    "VP_TYP",
    "Presentation",
    "PresentationVerification",
    "did_jwk",
    "is_presentation",
    "resolve_did",
    "verify_presentation",
]

VP_TYP = "vp+jwt"
VP_PREFIX = "data:application/vp+jwt,"
VC_PREFIX = "data:application/vc+jwt,"
MAX_PRESENTATION_BYTES = 128 * 1024
MAX_CREDENTIALS = 20
CLOCK_SKEW = timedelta(minutes=5)
PRESENTATION_CHECKS = (
    "format",
    "header",
    "holder key",
    "signature",
    "validity",
    "nonce",
    "audience",
    "credentials",
    "holder binding",
)
PRESENTATION_REQUIRED = ("format", "header", "holder key", "signature", "validity", "credentials")


@dataclass(frozen=True)
class PresentationVerification:
    """What a presentation check says: valid or not, the signer (its DID), every check, each credential's own
    verification (in the order the presentation holds them)."""

    valid: bool
    holder: str | None
    checks: tuple[Check, ...]
    credentials: tuple[Verification, ...]

    @property
    def summary(self) -> str:
        """One sentence for a person."""
        if self.valid:
            held = " ".join(c.summary for c in self.credentials)
            return f"Valid presentation by {self.holder}. {held}"
        failed = [c.reason for c in self.checks if c.outcome == FAIL]
        if not failed:
            failed = [c.reason for c in self.checks if c.name in PRESENTATION_REQUIRED and c.outcome != PASS]
        return "Not valid: " + "; ".join(failed) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": "presentation",
            "summary": self.summary,
            "holder": self.holder,
            "checks": [c._asdict() for c in self.checks],
            "credentials": [c.to_json() for c in self.credentials],
        }


@dataclass(frozen=True)
class Presentation:
    """A presentation as read, before its signature is checked."""

    jws: JWS
    credentials: tuple[str, ...]  # the vc+jwt tokens, in order


class _Failed(Exception):
    pass


def is_presentation(given: Any) -> bool:
    """Whether ``given`` (text) looks like a presentation rather than a credential: a ``vp+jwt``, its ``data:`` URL,
    or an ``EnvelopedVerifiablePresentation`` as JSON. Reads no more than it needs; decides nothing about validity."""
    if isinstance(given, dict):
        return given.get("type") == "EnvelopedVerifiablePresentation" or "EnvelopedVerifiablePresentation" in (
            given.get("type") or []
        )
    if not isinstance(given, str):
        return False
    text = given.strip()
    if text.startswith(VP_PREFIX):
        return True
    if text.startswith("{"):
        return "EnvelopedVerifiablePresentation" in text
    try:
        return split(text.split(".", 1)[0] + ".e30.AA", MAX_PRESENTATION_BYTES).header.get("typ") == VP_TYP
    except Malformed:
        return False


def verify_presentation(
    presentation: Any,
    trust: Trust,
    at: datetime | None = None,
    *,
    nonce: str | None = None,
    audience: str | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
) -> PresentationVerification:
    """Verify a presentation offline against ``trust`` at ``at`` (default now), with the ``nonce`` and ``audience``
    the verifier asked for (None: not asked). Never raises for bad input."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    checks: dict[str, Check] = {}
    results: list[Verification] = []
    holder: str | None = None

    def record(name: str, outcome: Outcome, reason: str) -> None:
        checks[name] = Check(name, outcome, reason)

    def finish(reason: str) -> PresentationVerification:
        for name in PRESENTATION_CHECKS:
            if name not in checks:
                record(name, NOT_CHECKED, reason)
        ordered = tuple(checks[name] for name in PRESENTATION_CHECKS)
        valid = all(c.outcome != FAIL for c in ordered) and all(
            checks[n].outcome == PASS for n in PRESENTATION_REQUIRED
        )
        return PresentationVerification(valid, holder, ordered, tuple(results))

    # format
    try:
        read = _read(presentation)
    except (_Failed, Malformed) as error:
        record("format", FAIL, str(error))
        return finish("the presentation could not be read")
    count = len(read.credentials)
    record("format", PASS, f"a verifiable presentation (vp+jwt) holding {count} credential{'s' * (count != 1)}")

    # header
    header = read.jws.header
    problem = _header_problem(header)
    if problem:
        record("header", FAIL, problem)
        return finish("the presentation's header is not acceptable")
    alg: str = header["alg"]
    record("header", PASS, f"signed with {alg}")

    # holder key
    try:
        holder, key_alg, key, signer_print = _signer(read.jws)
    except (_Failed, Malformed) as error:
        record("holder key", FAIL, str(error))
        return finish("the presentation's signer is not known")
    if key_alg != alg:
        record("holder key", FAIL, f"the holder's key is a {key_alg} key, but the presentation says {alg}")
        return finish("the presentation's signer is not known")
    record("holder key", PASS, f"the key of {holder}")

    # signature
    if not signature_valid(alg, key, read.jws.signing_input, read.jws.signature):
        record(
            "signature", FAIL, f"the presentation's signature does not verify: it was altered or not signed by {holder}"
        )
        return finish("the presentation's signature does not verify")
    record("signature", PASS, "the presentation's signature verifies")

    payload = read.jws.payload
    record("validity", *_validity(payload, at))
    record("nonce", *_asked("nonce", payload.get("nonce"), nonce))
    record("audience", *_asked("audience", payload.get("aud"), audience))

    # credentials
    results.extend(verify(token, trust, at, max_status_age=max_status_age) for token in read.credentials)
    bad = [(i, r) for i, r in enumerate(results, 1) if not r.valid]
    if not count:
        record("credentials", FAIL, "the presentation holds no credential")
    elif bad:
        record(
            "credentials",
            FAIL,
            "; ".join(
                f"credential {i} of {count} is not valid ({r.summary.removeprefix('Not valid: ').rstrip('.')})"
                for i, r in bad
            ),
        )
    else:
        record("credentials", PASS, f"{'the credential is' if count == 1 else f'all {count} credentials are'} valid")

    record("holder binding", *holder_binding(read.credentials, holder, signer_print))
    return finish("")


# -- reading
def _read(given: Any) -> Presentation:
    if isinstance(given, bytes):
        try:
            given = given.decode("utf-8")
        except UnicodeDecodeError:
            raise _Failed("the presentation is not text") from None
    if isinstance(given, str) and given.strip().startswith("{"):
        if len(given) > MAX_PRESENTATION_BYTES + 1024:
            raise _Failed("the presentation is too long")
        given = parse_object(given.strip().encode("utf-8"), "presentation")
    if isinstance(given, dict):
        given = _unwrap(given, "EnvelopedVerifiablePresentation", VP_PREFIX, "presentation")
    if not isinstance(given, str):
        raise _Failed("the presentation is not text, nor an EnvelopedVerifiablePresentation object")
    token = given.strip().removeprefix(VP_PREFIX)
    jws = split(token, MAX_PRESENTATION_BYTES)
    return Presentation(jws, _credentials(jws.payload))


def _unwrap(envelope: dict[str, Any], kind: str, prefix: str, what: str) -> str:
    """The token inside an enveloped object (VC Data Model 2.0 sections 4.13.1 and 4.13.2)."""
    context = envelope.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if VC_V2_CONTEXT not in contexts:
        raise _Failed(f"the enveloped {what}'s @context does not include {VC_V2_CONTEXT}")
    types = envelope.get("type")
    if types != kind and not (isinstance(types, list) and kind in types):
        raise _Failed(f"the enveloped {what}'s type is not {kind}")
    identifier = envelope.get("id")
    if not isinstance(identifier, str) or not identifier.startswith(prefix):
        raise _Failed(f"the enveloped {what}'s id is not a {prefix}<token> URL")
    return identifier[len(prefix) :]


def _credentials(payload: dict[str, Any]) -> tuple[str, ...]:
    if "vp" in payload:
        raise _Failed("the token wraps the presentation in a 'vp' claim; a vp+jwt is the presentation itself")
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise _Failed("the token is not a W3C Verifiable Presentation 2.0 (its @context)")
    types = payload.get("type")
    if types != "VerifiablePresentation" and not (isinstance(types, list) and "VerifiablePresentation" in types):
        raise _Failed("the token is not a Verifiable Presentation (its type)")
    if "holder" in payload:
        holder = payload["holder"]
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        if not isinstance(holder_id, str) or ":" not in holder_id:
            raise _Failed("the presentation's holder is neither a URL nor an object with an id")
    held = payload.get("verifiableCredential", [])
    entries = held if isinstance(held, list) else [held]
    if len(entries) > MAX_CREDENTIALS:
        raise _Failed(f"the presentation holds {len(entries)} credentials; at most {MAX_CREDENTIALS} are checked")
    tokens = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise _Failed(f"credential {number} is not an object (a presentation holds credential objects, not text)")
        kind = entry.get("type")
        if kind != "EnvelopedVerifiableCredential" and not (
            isinstance(kind, list) and "EnvelopedVerifiableCredential" in kind
        ):
            raise _Failed(
                f"credential {number} is not an enveloped credential (EnvelopedVerifiableCredential holding a "
                "vc+jwt), the only kind checked here"
            )
        tokens.append(_unwrap(entry, "EnvelopedVerifiableCredential", VC_PREFIX, f"credential {number}"))
    return tuple(tokens)


def _header_problem(header: dict[str, Any]) -> str | None:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return f"the signing algorithm {alg!r} is not accepted (only {', '.join(ALGORITHMS)})"
    if "crit" in header:
        return "the token demands extensions this verifier does not know ('crit')"
    if header.get("typ") != VP_TYP:
        return f"the token's type {header.get('typ')!r} is not a presentation's ({VP_TYP})"
    if "cty" in header and header["cty"] != "vp":
        return f"the token's content type {header['cty']!r} is not a presentation's (vp)"
    return None


# -- the holder's key
def _signer(jws: JWS) -> tuple[str, str, PublicKey, str]:
    """The signer's DID, its key's algorithm, the key, and the key's RFC 7638 thumbprint."""
    payload, kid = jws.payload, jws.header.get("kid")
    holder = payload.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    kid_did = kid.split("#", 1)[0] if isinstance(kid, str) and kid.startswith("did:") else None
    iss = payload.get("iss")
    did = next((d for d in (holder_id, kid_did, iss) if isinstance(d, str) and d.startswith("did:")), None)
    if did is None:
        raise _Failed(
            "the presentation does not name its signer by a DID this verifier can resolve offline "
            "(did:jwk, or did:key for P-256 and Ed25519 keys)"
        )
    for name, value in (("holder", holder_id), ("kid", kid_did), ("iss", iss)):
        if isinstance(value, str) and value != did:
            raise _Failed(f"the presentation's {name} ({_short(value)}) is not its signer ({_short(did)})")
    resolved = resolve_did(did)
    if resolved is None:
        raise _Failed(f"the signer {_short(did)} is not a DID this verifier can resolve offline (did:jwk or did:key)")
    alg, key, jwk = resolved
    return did, alg, key, thumbprint(jwk)


def _short(did: str) -> str:
    return did if len(did) <= 40 else f"{did[:32]}...{did[-6:]}"


# -- the checks after the signature
def _validity(payload: dict[str, Any], at: datetime) -> tuple[Outcome, str]:
    try:
        moments = {
            c: numeric_date(payload[c], f"the presentation's {c}") for c in ("iat", "nbf", "exp") if c in payload
        }
    except Malformed as error:
        return FAIL, str(error)
    if "exp" in moments and at >= moments["exp"] + CLOCK_SKEW:
        return FAIL, f"the presentation expired at {when(moments['exp'])}"
    if "nbf" in moments and at + CLOCK_SKEW < moments["nbf"]:
        return FAIL, f"the presentation is not valid before {when(moments['nbf'])}"
    if "iat" in moments and at + CLOCK_SKEW < moments["iat"]:
        return FAIL, f"the presentation says it was made at {when(moments['iat'])}, which is still to come"
    made = f"made at {when(moments['iat'])}" if "iat" in moments else "it does not say when it was made"
    until = f", valid until {when(moments['exp'])}" if "exp" in moments else ", with no expiry"
    return PASS, made + until


def _asked(name: str, given: Any, asked: str | None) -> tuple[Outcome, str]:
    claim = "nonce" if name == "nonce" else "aud"
    values = given if isinstance(given, list) else [] if given is None else [given]
    if asked is None:
        if values:
            return NOT_CHECKED, f"no {name} was asked for (the presentation's {claim} is not compared)"
        return NOT_CHECKED, f"no {name} was asked for, and the presentation carries none: it could be replayed"
    if not values:
        return FAIL, f"the presentation carries no {name} ({claim}); {asked!r} was asked for"
    if asked in values and all(isinstance(v, str) for v in values):
        return PASS, f"the {name} is the one asked for"
    shown = ", ".join(repr(v)[:80] for v in values)
    return FAIL, f"the presentation's {name} ({shown}) is not the one asked for ({asked!r})"
