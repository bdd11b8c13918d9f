"""``CredentialTemplate``: signs the full credentials of one level, for one issuer, with one key, from a payload
serialised once with a slot for each field that differs between credentials. What it signs is what
``credentials.achievement.sign_credential_jwt(build_achievement_credential(...))`` signs (the tests compare them);
issuing a credential costs little more than its signature (``python -m bench credentials``)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as quoted  # JSON string, UTF-8 kept

from credentials.did_web import key_id
from credentials.jwt_sign import b64url, dumps, encoded_header, signature
from credentials.keys import SigningKey
from credentials.open_badges import (
    CREDENTIAL_TYP,
    Issuer,
    Level,
    StatusEntry,
    build_achievement,
    credential_document,
    day_month_year,
)
from credentials.status_list import status_list_url
from credentials.timestamps import epoch_seconds, rfc3339, utc

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
    "iat",
    "nbf",
    "exp",
)
_NUMBERS = ("iat", "nbf", "exp")
_ACHIEVEMENT = "achievement"
_STATIC_MEMBERS = ("@context", "type", "name", "issuer", "credentialSchema")


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
    another order and a few padding spaces apart (the tests compare them). It always carries one status entry, the
    credential's index in the revocation list, written as an object (the register's status design: README,
    "Status entries"). Text with control characters is refused, so no value can imitate a slot."""

    def __init__(self, *, issuer: Issuer, level: Level, achievement_id: str, key: SigningKey) -> None:
        self.issuer, self.level, self.achievement_id, self.key = issuer, level, achievement_id, key
        skeleton = credential_document(
            credential_id=_slot("credential_id"),
            issuer=issuer,
            subject_id=_slot("subject_id"),
            name=_slot("name"),
            registration_number=_slot("number"),
            level=level,
            valid_from=datetime(2000, 1, 1, tzinfo=UTC),
            valid_until=datetime(2000, 1, 2, tzinfo=UTC),
            status=[StatusEntry("revocation", status_list_url(issuer.id, "revocation"), 0)],
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
        skeleton["credentialStatus"].update(id=_slot("revocation_id"), statusListIndex=_slot("revocation_index"))
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
        self._header = encoded_header(key, {"kid": key_id(issuer.id, key.kid), "typ": CREDENTIAL_TYP})

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
        if revocation_index.__class__ is not int or revocation_index < 0:
            raise ValueError(f"the status index must be a non-negative integer, not {revocation_index!r}")
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
