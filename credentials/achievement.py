"""The full credential: an Open Badges 3.0 ``OpenBadgeCredential`` (an AchievementCredential, W3C VC Data Model
2.0) that says a registrant holds a level of the register, signed as a ``vc+jwt`` (W3C VC-JOSE-COSE).

How the register maps onto Open Badges 3.0:

- the **achievement** is the level: ``name``, ``description``, ``criteria.narrative``, ``humanCode`` (the
  post-nominal), and one ``alignment`` per competency area of the framework;
- ``achievementType`` is ``Certification``. Of the two candidates in the OB 3.0 enumeration, ``License`` is
  "permission to perform an activity, typically by a government authority" -- a statutory licence to practise,
  which registration with a voluntary professional body is not. ``Certification`` is the time-limited, renewable,
  revocable credential that an authoritative body awards for demonstrated competence in an occupation, which is
  what an annually renewed, suspendable, removable registration at an assessed level is;
- the **registration number** is ``credentialSubject.licenseNumber`` (the only OB 3.0 property for a number on a
  register; it sits on the AchievementSubject);
- the **registrant's name** is ``credentialSubject.identifier``: an ``IdentityObject`` with ``identityType``
  ``name``, not hashed, which is how OB 3.0 names a recipient in plain text; wallets show it;
- ``validUntil`` is the renewal date; ``credentialStatus`` holds the Bitstring Status List entries.

Open Badges 3.0 allows at most one ``credentialStatus`` (its JSON schema wants an object), while VC Data Model 2.0
allows one object or a list. So one status entry is written as an object (valid under both schemas) and two or
more as a list (valid under VCDM 2.0; the OB 3.0 schema rejects it, 1EdTech/openbadges-specification#623 proposes
lifting that limit in 3.1).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as quoted  # JSON string, UTF-8 kept
from typing import Any, Literal

from credentials.jwt_sign import b64url, dumps, encoded_header, sign_jws, signature
from credentials.keys import SigningKey
from credentials.timestamps import epoch_seconds, parse_rfc3339, rfc3339, utc

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json"
)
ACHIEVEMENT_TYPE = "Certification"
ALIGNMENT_TARGET_TYPE = "ext:CompetencyArea"
"""The OB 3.0 target types name external frameworks (CASE ``CFItem``, CTDL ``ceasn:Competency``); the register's
own competency areas are neither, so they take an extension type."""

CREDENTIAL_TYP = "vc+jwt"
_FORBIDDEN_CLAIMS = ("vc", "vp")  # VC-JOSE-COSE: the payload is the credential itself, never wrapped


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    url: str

    def to_json(self) -> dict[str, Any]:
        """An OB 3.0 ``Profile``."""
        return {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.url}


@dataclass(frozen=True)
class Alignment:
    """A competency area of the framework that the level is aligned to."""

    code: str
    title: str
    descriptor: str
    url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": ["Alignment"],
            "targetCode": self.code,
            "targetName": self.title,
            "targetDescription": self.descriptor,
            "targetUrl": self.url,
            "targetType": ALIGNMENT_TARGET_TYPE,
        }


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    post_nominal: str
    description: str
    criteria: str
    alignments: tuple[Alignment, ...]


@dataclass(frozen=True)
class StatusEntry:
    """Where a credential's bit sits in one of the issuer's Bitstring Status Lists."""

    purpose: Literal["revocation", "suspension"]
    list_url: str
    index: int

    def __post_init__(self) -> None:
        if self.purpose not in ("revocation", "suspension"):
            raise ValueError(f"status purpose {self.purpose!r} is not revocation or suspension")
        if not isinstance(self.index, int) or isinstance(self.index, bool) or self.index < 0:
            raise ValueError(f"status index must be a non-negative integer, not {self.index!r}")

    def to_json(self, id: str) -> dict[str, Any]:
        """A ``BitstringStatusListEntry`` (the index as a string, as the Recommendation requires)."""
        return {
            "id": id,
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def build_achievement(level: Level, issuer: Issuer, achievement_id: str) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` for a level: the same in every credential of that level."""
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": level.name,
        "description": level.description,
        "humanCode": level.post_nominal,
        "criteria": {"narrative": level.criteria},
        "alignment": [alignment.to_json() for alignment in level.alignments],
        "creator": issuer.to_json(),
    }


def build_achievement_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    subject_id: str,
    name: str,
    registration_number: str,
    level: Level,
    valid_from: datetime,
    valid_until: datetime,
    status: list[StatusEntry],
    achievement_id: str,
) -> dict[str, Any]:
    """The unsigned credential (a JSON object) saying that ``name`` holds ``level`` from ``valid_from`` to
    ``valid_until`` under ``registration_number``."""
    return _credential(
        credential_id=credential_id,
        issuer=issuer,
        subject_id=subject_id,
        name=name,
        registration_number=registration_number,
        level=level,
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
        achievement_id=achievement_id,
        issuer_json=issuer.to_json(),
        achievement=build_achievement(level, issuer, achievement_id),
    )


def _credential(
    *,
    credential_id: str,
    issuer: Issuer,
    subject_id: str,
    name: str,
    registration_number: str,
    level: Level,
    valid_from: datetime,
    valid_until: datetime,
    status: list[StatusEntry],
    achievement_id: str,
    issuer_json: Any,
    achievement: Any,
) -> dict[str, Any]:
    if utc(valid_until) <= utc(valid_from):
        raise ValueError("validUntil must come after validFrom")
    for label, text in (
        ("credential_id", credential_id),
        ("subject_id", subject_id),
        ("name", name),
        ("registration_number", registration_number),
        ("achievement_id", achievement_id),
    ):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{label} must be a non-empty string")
    purposes = [entry.purpose for entry in status]
    if len(set(purposes)) != len(purposes):
        raise ValueError(f"at most one status entry per purpose, not {purposes}")
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{level.name} ({level.post_nominal})",
        "description": (
            f"{name} is registered with {issuer.name} as {level.name} ({level.post_nominal}), "
            f"registration number {registration_number}, until {day_month_year(utc(valid_until))}."
        ),
        "issuer": issuer_json,
        "validFrom": rfc3339(valid_from),
        "validUntil": rfc3339(valid_until),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}],
            "licenseNumber": registration_number,
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    entries = [entry.to_json(f"{credential_id}#{entry.purpose}") for entry in status]
    if len(entries) == 1:
        credential["credentialStatus"] = entries[0]
    elif entries:
        credential["credentialStatus"] = entries
    return credential


def jwt_claims(credential: dict[str, Any], issued_at: datetime) -> dict[str, Any]:
    """The registered JWT claims that mirror a credential's own fields (VC-JOSE-COSE allows them beside it)."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise ValueError("the credential has no issuer id")
    claims: dict[str, Any] = {"iss": issuer_id, "iat": epoch_seconds(issued_at)}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if "validFrom" in credential:
        claims["nbf"] = epoch_seconds(parse_rfc3339(credential["validFrom"]))
    if "validUntil" in credential:
        claims["exp"] = epoch_seconds(parse_rfc3339(credential["validUntil"]))
    return claims


def sign_credential_jwt(credential: dict[str, Any], key: SigningKey, *, issued_at: datetime | None = None) -> str:
    """The credential as a ``vc+jwt``: header ``alg``, ``kid``, ``typ``; payload the credential itself plus ``iss``,
    ``jti``, ``sub``, ``nbf``, ``exp`` mirroring its issuer, id, subject id, validFrom and validUntil, and ``iat``
    (``issued_at``, the caller's clock; now by default)."""
    present = [claim for claim in _FORBIDDEN_CLAIMS if claim in credential]
    if present:
        raise ValueError(f"a vc+jwt payload is the credential itself; it must not carry {present}")
    claims = jwt_claims(credential, issued_at or datetime.now(UTC))
    clashing = [name for name, value in claims.items() if name in credential and credential[name] != value]
    if clashing:
        raise ValueError(f"the credential already has claim(s) {clashing} that disagree with its own fields")
    return sign_jws({**credential, **claims}, key, typ=CREDENTIAL_TYP)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELDS = (
    "credential_id",
    "description",
    "valid_from",
    "valid_until",
    "subject_id",
    "name",
    "number",
    "revocation_id",
    "revocation_index",
    "suspension_id",
    "suspension_index",
    "iat",
    "nbf",
    "exp",
)
_NUMBERS = ("iat", "nbf", "exp")
_ACHIEVEMENT = "achievement"
_STATIC_MEMBERS = ("@context", "type", "name", "issuer", "credentialSchema")


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


def day_month_year(moment: datetime) -> str:
    """``05 January 2027``, in English whatever the locale."""
    return f"{moment.day:02d} {MONTHS[moment.month - 1]} {moment.year}"


@dataclass(frozen=True)
class _Dates:
    valid_from: str
    valid_until: str
    until: str
    nbf: str
    exp: str


@functools.lru_cache(maxsize=4096)
def _dates(starts: datetime, ends: datetime) -> _Dates:
    """A credential's dates as the template writes them (credentials issued on one day share them)."""
    return _Dates(
        f'"{rfc3339(starts)}"',
        f'"{rfc3339(ends)}"',
        day_month_year(ends),
        str(epoch_seconds(starts)),
        str(epoch_seconds(ends)),
    )


def _slot(field: str) -> str:
    return f"\x00{field}\x00"


class CredentialTemplate:
    """Signs credentials of one level, for one issuer, with one key, as fast as the signature allows.

    The credential is serialised once at the start, its members in an order that puts what every credential of
    the level shares (context, type, name, issuer, schema) first and the achievement (the level, its criteria and
    alignments: most of the bytes) last, with a slot for each field that differs between credentials in between;
    each credential then only escapes its own values into the slots. The shared parts are also base64url-encoded
    once: base64 works in groups of three bytes, so JSON whitespace (which changes no value) pads each part to a
    multiple of three, and the payload's encoding is the concatenation of the parts' encodings.

    The payload says exactly what ``sign_credential_jwt(build_achievement_credential(...))`` signs, members in
    another order and a few padding spaces apart (the tests compare them). It always carries one revocation and one
    suspension entry. Text with control characters is refused, so no value can imitate a slot."""

    def __init__(self, *, issuer: Issuer, level: Level, achievement_id: str, key: SigningKey) -> None:
        self.issuer, self.level, self.achievement_id, self.key = issuer, level, achievement_id, key
        from credentials.status_list import status_list_url  # (status_list builds on this module)

        self._lists = {purpose: status_list_url(issuer.id, purpose) for purpose in ("revocation", "suspension")}
        skeleton = _credential(
            credential_id=_slot("credential_id"),
            issuer=issuer,
            subject_id=_slot("subject_id"),
            name=_slot("name"),
            registration_number=_slot("number"),
            level=level,
            valid_from=datetime(2000, 1, 1, tzinfo=UTC),
            valid_until=datetime(2000, 1, 2, tzinfo=UTC),
            status=[
                StatusEntry("revocation", self._lists["revocation"], 0),
                StatusEntry("suspension", self._lists["suspension"], 0),
            ],
            achievement_id=achievement_id,
            issuer_json=issuer.to_json(),
            achievement=_slot(_ACHIEVEMENT),
        )
        skeleton.update(
            description=_slot("description"),
            validFrom=_slot("valid_from"),
            validUntil=_slot("valid_until"),
            iss=issuer.id,
            iat=_slot("iat"),
            jti=_slot("credential_id"),
            sub=_slot("subject_id"),
            nbf=_slot("nbf"),
            exp=_slot("exp"),
        )
        for entry, purpose in zip(skeleton["credentialStatus"], ("revocation", "suspension"), strict=True):
            entry.update(id=_slot(f"{purpose}_id"), statusListIndex=_slot(f"{purpose}_index"))
        # what every credential of the level shares comes first, then the fields that differ, then the
        # achievement (the subject's last member) and the closing braces
        head = {name: skeleton.pop(name) for name in _STATIC_MEMBERS}
        subject = skeleton.pop("credentialSubject")
        skeleton["credentialSubject"] = subject
        head_json = dumps(head)[:-1].encode("utf-8") + b","
        self._head_b64 = b64url(head_json + b" " * (-len(head_json) % 3))
        middle, _, tail = dumps(skeleton)[1:].partition(dumps(_slot(_ACHIEVEMENT)))
        self._middle = self._split(middle)
        achievement = dumps(build_achievement(level, issuer, achievement_id)).encode("utf-8")
        self._achievement_b64 = b64url(achievement + b" " * (-len(achievement) % 3))
        self._tail_b64 = b64url(tail.encode("utf-8"))
        self._header = encoded_header(key, {"kid": key.kid, "typ": CREDENTIAL_TYP})

    @staticmethod
    def _split(text: str) -> str:
        """The text as a ``str.format`` pattern: braces doubled, each slot a ``{field}``."""
        pattern = "|".join(re.escape(dumps(_slot(field))) for field in _FIELDS)
        parts = re.split(f"({pattern})", text)
        return "".join(
            part.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + part[7:-7] + "}"
            for i, part in enumerate(parts)
        )  # a slot is '"\u0000' field '\u0000"'

    def sign(
        self,
        *,
        credential_id: str,
        subject_id: str,
        name: str,
        registration_number: str,
        valid_from: datetime,
        valid_until: datetime,
        revocation_index: int,
        suspension_index: int,
        issued_at: datetime,
    ) -> str:
        if (
            credential_id.__class__ is not str
            or subject_id.__class__ is not str
            or name.__class__ is not str
            or registration_number.__class__ is not str
            or not name.strip()
            or not registration_number.strip()
            or not credential_id
            or not subject_id
            or _CONTROL.search(f"{credential_id}{subject_id}{name}{registration_number}")
        ):
            raise ValueError(
                "credential_id, subject_id, name and registration_number must be non-empty text "
                "without control characters"
            )
        if (
            revocation_index.__class__ is not int
            or suspension_index.__class__ is not int
            or revocation_index < 0
            or suspension_index < 0
        ):
            raise ValueError(
                f"status indexes must be non-negative integers, not {revocation_index!r} and {suspension_index!r}"
            )
        starts, ends = utc(valid_from), utc(valid_until)
        if ends <= starts:
            raise ValueError("validUntil must come after validFrom")
        dates = _dates(starts, ends)
        level = self.level
        values = {
            "credential_id": quoted(credential_id),
            "subject_id": quoted(subject_id),
            "name": quoted(name),
            "number": quoted(registration_number),
            "description": quoted(
                f"{name} is registered with {self.issuer.name} as {level.name} "
                f"({level.post_nominal}), registration number {registration_number}, until "
                f"{dates.until}."
            ),
            "valid_from": dates.valid_from,
            "valid_until": dates.valid_until,
            "revocation_id": quoted(f"{credential_id}#revocation"),
            "revocation_index": f'"{revocation_index}"',
            "suspension_id": quoted(f"{credential_id}#suspension"),
            "suspension_index": f'"{suspension_index}"',
            "iat": str(epoch_seconds(issued_at)),
            "nbf": dates.nbf,
            "exp": dates.exp,
        }
        middle = self._middle.format_map(values).encode("utf-8")
        middle += b" " * (-len(middle) % 3)
        signing_input = b"".join(
            (self._header, b".", self._head_b64, b64url(middle), self._achievement_b64, self._tail_b64)
        )
        return b"".join((signing_input, b".", b64url(signature(signing_input, self.key)))).decode("ascii")
