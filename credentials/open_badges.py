"""The Open Badges 3.0 document of the full credential: the issuer, level, alignment and status-entry values that
describe it, and the unsigned JSON they make (an ``OpenBadgeCredential``, W3C VC Data Model 2.0).
``credentials.achievement`` signs it; ``credentials.template`` signs many of one level fast.

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

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from credentials.timestamps import rfc3339, utc

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json"
)
ACHIEVEMENT_TYPE = "Certification"
ALIGNMENT_TARGET_TYPE = "ext:CompetencyArea"
"""The OB 3.0 target types name external frameworks (CASE ``CFItem``, CTDL ``ceasn:Competency``); the register's
own competency areas are neither, so they take an extension type."""

CREDENTIAL_TYP = "vc+jwt"  # the JOSE typ of a signed credential (W3C VC-JOSE-COSE)


@dataclass(frozen=True)
class Issuer:
    """The body that signs, as an OB 3.0 ``Profile``: its id, name and website, and where given its contact email
    and postal address (``street``, ``locality``, ``postal_code``, ``country_code``: OB 3.0's ``Address``)."""

    id: str
    name: str
    url: str
    email: str | None = None
    address: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """An OB 3.0 ``Profile``."""
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.url}
        if self.email:
            profile["email"] = self.email
        if self.address:
            parts = dict(self.address)
            profile["address"] = {"type": ["Address"]} | {
                member: parts[key] for key, member in ADDRESS_MEMBERS if parts.get(key)
            }
        return profile


ADDRESS_MEMBERS = (
    ("street", "streetAddress"),
    ("locality", "addressLocality"),
    ("postal_code", "postalCode"),
    ("country_code", "addressCountryCode"),
)
"""The parts of an issuer's address, and the OB 3.0 ``Address`` members they fill."""


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
    return credential_document(
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


def credential_document(
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
    issuer_json: dict[str, Any],
    achievement: dict[str, Any] | str,
) -> dict[str, Any]:
    """The credential's JSON, with the issuer and achievement as given (``CredentialTemplate`` passes a slot where
    the achievement goes)."""
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
