"""The rules of W3C Verifiable Credentials Data Model 2.0, sections 4 and 5, that need no JSON-LD processing: each a
named rule that reports where a credential breaks it and why, in plain words.

``problems(credential)`` gives a list of ``Problem(rule, path, reason)``, empty when the credential is well formed.
It judges the credential's JSON as a JSON processor may (VCDM 2.0 section 6.1): the rules that need a JSON-LD
processor (every ``type`` expands to an IRI, no protected term redefined, undefined terms) live outside this package
(``credentials.jsonld``), which keeps the verifier installable alone. The rules, with the statements they enforce:

- ``contexts`` (4.3): ``@context`` MUST be present, an ordered set whose first item is
  ``https://www.w3.org/ns/credentials/v2``; each later item a URL or an object (a context), nothing else.
- ``identifiers`` (4.4): where present, ``id`` MUST be a single URL -- on the credential and on every object in it.
- ``types`` (4.5): ``type`` MUST be present, one or more terms or absolute URLs, and include
  ``VerifiableCredential``; the objects the specification requires a type of MUST have one (credentialStatus 4.10,
  credentialSchema 4.11, refreshService 5.4, termsOfUse 5.5, evidence 5.6).
- ``names and descriptions`` (4.6, 11.1): ``name`` and ``description`` of the credential and of its issuer MUST be a
  string, a language value object (``@value`` a string, and only ``@language`` and ``@direction`` besides), or a
  list of those.
- ``issuer`` (4.7): MUST be present, a URL or an object whose ``id`` is a URL.
- ``credential subject`` (4.8): MUST be present, an object or a non-empty list of objects, each the subject of at
  least one claim (an empty object makes none; an ``id`` alone is taken as the claim that the credential is about
  it).
- ``validity period`` (4.9): ``validFrom`` and ``validUntil``, where present, MUST be XML Schema dateTimeStamp
  strings (a date-time with a time zone), and ``validFrom`` MUST NOT be later than ``validUntil``.
- ``status`` (4.10): each ``credentialStatus`` entry MUST be an object with a ``type``; an ``id``, where present,
  follows 4.4; two entries MUST NOT share an ``id``.
- ``data schemas`` (4.11): each ``credentialSchema`` MUST have an ``id`` (a URL) and a ``type``.
- ``related resources`` (5.3): each ``relatedResource`` MUST be an object with an ``id`` (a URL, unique among
  them) and at least a ``digestSRI`` or a ``digestMultibase``.
- ``refresh service`` (5.4), ``terms of use`` (5.5), ``evidence`` (5.6): objects, each with a ``type``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
RULES = {
    "contexts": "4.3 Contexts",
    "identifiers": "4.4 Identifiers",
    "types": "4.5 Types",
    "names and descriptions": "4.6 Names and Descriptions",
    "issuer": "4.7 Issuer",
    "credential subject": "4.8 Credential Subject",
    "validity period": "4.9 Validity Period",
    "status": "4.10 Status",
    "data schemas": "4.11 Data Schemas",
    "related resources": "5.3 Integrity of Related Resources",
    "refresh service": "5.4 Refreshing",
    "terms of use": "5.5 Terms of Use",
    "evidence": "5.6 Evidence",
}
"""Each rule's name and the section of VC Data Model 2.0 it comes from."""
TYPED = {
    "credentialStatus": "status",
    "credentialSchema": "data schemas",
    "refreshService": "refresh service",
    "termsOfUse": "terms of use",
    "evidence": "evidence",
}
"""The credential's properties whose every object MUST have a ``type``, and the rule that says so."""
LANGUAGE_VALUE_MEMBERS = frozenset({"@value", "@language", "@direction"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_AUTHORITY_END = re.compile(r"[/?#]")
_AUTHORITY = re.compile(r"(?:[^@]*@)?(?:\[[^\]]*\]|[^:@\[\]]+)(?::([0-9]*))?")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")
_DATE_TIME_STAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:Z|([+-])([0-9]{2}):([0-9]{2}))"
)
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


class Problem(NamedTuple):
    """Where a credential breaks a rule: the rule's name (a key of ``RULES``), the path (``credentialSubject.id``,
    ``@context[1]``) and the reason, in plain words."""

    rule: str
    path: str
    reason: str


def is_url(value: Any) -> bool:
    """A single absolute URL (RFC 3986): a scheme, a colon, nothing a URL cannot hold (spaces, quotes, angle
    brackets), and for http and https an authority with a host and a numeric port if any. ``"https ://not-a-url"``
    is not one. (Written out rather than with ``urllib``, so that the browser verifier can say exactly the same.)"""
    if not isinstance(value, str) or not value or len(value) > 8192 or _NOT_IN_URL.search(value):
        return False
    scheme, colon, rest = value.partition(":")
    if not colon or not rest or not _SCHEME.fullmatch(scheme):
        return False
    if scheme.lower() not in ("http", "https"):
        return True
    if not rest.startswith("//"):
        return False
    authority = _AUTHORITY_END.split(rest[2:], maxsplit=1)[0]
    found = _AUTHORITY.fullmatch(authority)
    return found is not None and (not found[1] or int(found[1]) <= 65535)


def problems(credential: Any) -> list[Problem]:
    """Every place ``credential`` breaks a rule of VC Data Model 2.0 sections 4 and 5 that needs no JSON-LD
    processing; empty when it is well formed. Never raises for bad input."""
    if not isinstance(credential, dict):
        return [Problem("types", "", "a credential must be a JSON object")]
    found: list[Problem] = []
    found += _contexts(credential)
    found += _identifiers(credential)
    found += _types(credential)
    found += _names(credential, "")
    found += _issuer(credential)
    found += _subject(credential)
    found += _validity(credential)
    found += _status(credential)
    found += _schemas(credential)
    found += _related(credential)
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _entries(credential: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    """The objects of ``name`` (one or a list) with their paths; an empty list when absent."""
    if name not in credential:
        return []
    value = credential[name]
    if isinstance(value, list):
        return [(_at(name, i), item) for i, item in enumerate(value)]
    return [(name, value)]


# -- 4.3 contexts
def _contexts(credential: dict[str, Any]) -> list[Problem]:
    if "@context" not in credential:
        return [Problem("contexts", "@context", "the credential has no @context")]
    context = credential["@context"]
    if not isinstance(context, list) or not context:
        return [Problem("contexts", "@context", "@context must be a list (an ordered set) of contexts")]
    found = []
    if context[0] != VC_V2_CONTEXT:
        found.append(Problem("contexts", "@context[0]", f"the first context must be {VC_V2_CONTEXT}"))
    for i, item in enumerate(context[1:], start=1):
        if isinstance(item, str):
            if not is_url(item):
                found.append(Problem("contexts", f"@context[{i}]", f"{item!r} is not a well-formed URL"))
        elif not isinstance(item, dict):
            found.append(Problem("contexts", f"@context[{i}]", "each context must be a URL or an object"))
    return found


# -- 4.4 identifiers, everywhere in the credential but inside contexts (depth first, in document order, without
# recursion: a token may nest as deep as the JSON reader allows)
def _identifiers(credential: dict[str, Any]) -> list[Problem]:
    found = []
    stack: list[tuple[Any, str]] = [(credential, "")]
    while stack:
        value, path = stack.pop()
        children: list[tuple[Any, str]] = []
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "@context":
                    continue
                where = _at(path, key)
                if key == "id" and not is_url(item):
                    reason = "an id must be a single URL, not a list" if isinstance(item, list) else "id must be a URL"
                    found.append(Problem("identifiers", where, reason))
                else:
                    children.append((item, where))
        elif isinstance(value, list):
            children = [(item, _at(path, i)) for i, item in enumerate(value)]
        stack.extend(reversed(children))
    return found


# -- 4.5 types
def _type_problem(value: Any) -> str | None:
    if value is None:
        return "it has no type"
    if not all(isinstance(t, str) and t for t in _listed(value)) or value == []:
        return "type must be one or more terms or URLs (strings)"
    return None


def _types(credential: dict[str, Any]) -> list[Problem]:
    found = []
    problem = _type_problem(credential.get("type"))
    if problem:
        found.append(Problem("types", "type", f"the credential: {problem}"))
    elif "VerifiableCredential" not in _listed(credential["type"]):
        found.append(Problem("types", "type", "the credential's type must include VerifiableCredential"))
    for name, rule in TYPED.items():
        for where, entry in _entries(credential, name):
            if not isinstance(entry, dict):
                found.append(Problem(rule, where, f"each {name} entry must be an object"))
                continue
            problem = _type_problem(entry.get("type"))
            if problem:
                found.append(Problem("types", _at(where, "type"), f"this {name} entry: {problem}"))
    return found


# -- 4.6 names and descriptions (on the credential and on its issuer)
def _language_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if not isinstance(value, dict):
        return "must be a string or a language value object"
    extra = [key for key in value if key not in LANGUAGE_VALUE_MEMBERS]
    if extra:
        return f"a language value object holds only @value, @language and @direction, not {', '.join(extra)}"
    if not isinstance(value.get("@value"), str):
        return "a language value object's @value must be a string"
    language = value.get("@language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE_TAG.fullmatch(language)):
        return "@language must be a language tag (BCP 47)"
    if "@direction" in value and value["@direction"] not in ("ltr", "rtl"):
        return "@direction must be ltr or rtl"
    return None


def _names(holder: dict[str, Any], path: str) -> list[Problem]:
    found = []
    for key in ("name", "description"):
        if key not in holder:
            continue
        value = holder[key]
        items = [(_at(_at(path, key), i), v) for i, v in enumerate(value)] if isinstance(value, list) else []
        if isinstance(value, list) and not value:
            found.append(Problem("names and descriptions", _at(path, key), f"{key} must not be an empty list"))
        for where, item in items or [(_at(path, key), value)]:
            problem = _language_problem(item)
            if problem:
                found.append(Problem("names and descriptions", where, problem))
    return found


# -- 4.7 issuer
def _issuer(credential: dict[str, Any]) -> list[Problem]:
    if "issuer" not in credential:
        return [Problem("issuer", "issuer", "the credential has no issuer")]
    issuer = credential["issuer"]
    if isinstance(issuer, dict):
        found = _names(issuer, "issuer")
        if "id" not in issuer:
            found.append(Problem("issuer", "issuer.id", "an issuer object must have an id (a URL)"))
        return found  # a malformed id is the identifiers rule's
    if not is_url(issuer):
        return [Problem("issuer", "issuer", "the issuer must be a URL or an object whose id is a URL")]
    return []


# -- 4.8 credential subject
def _subject(credential: dict[str, Any]) -> list[Problem]:
    if "credentialSubject" not in credential:
        return [Problem("credential subject", "credentialSubject", "the credential has no credentialSubject")]
    subject = credential["credentialSubject"]
    if isinstance(subject, list) and not subject:
        return [Problem("credential subject", "credentialSubject", "credentialSubject must not be an empty list")]
    found = []
    for where, entry in _entries(credential, "credentialSubject"):
        if not isinstance(entry, dict):
            found.append(Problem("credential subject", where, "each credential subject must be an object"))
        elif not entry:
            found.append(Problem("credential subject", where, "a credential subject must make at least one claim"))
    return found


# -- 4.9 validity period
def date_time_stamp(value: Any) -> tuple[int, int] | None:
    """An XML Schema dateTimeStamp (a date-time with a time zone: ``Z`` or an offset of at most 14:00) as (whole
    seconds since 1970 in UTC, nanoseconds), or None when it is not one. Years 0001 to 9999; no leap second, no
    24:00:00."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    found = _DATE_TIME_STAMP.fullmatch(value)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(found[i]) for i in range(1, 7))
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _days_in(year, month):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    if found[8]:
        hours, minutes = int(found[9]), int(found[10])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            return None
        offset = (hours * 60 + minutes) * 60 * (-1 if found[8] == "-" else 1)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds, int((found[7] or "").ljust(9, "0")[:9])


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _validity(credential: dict[str, Any]) -> list[Problem]:
    found, moments = [], {}
    for key in ("validFrom", "validUntil"):
        if key in credential:
            moment = date_time_stamp(credential[key])
            if moment is None:
                found.append(
                    Problem("validity period", key, f"{key} must be a date-time with a time zone (dateTimeStamp)")
                )
            else:
                moments[key] = moment
    if len(moments) == 2 and moments["validUntil"] < moments["validFrom"]:
        found.append(Problem("validity period", "validUntil", "validUntil is earlier than validFrom"))
    return found


# -- 4.10 status (a type is the types rule's; a malformed id the identifiers rule's)
def _status(credential: dict[str, Any]) -> list[Problem]:
    found, seen = [], set()
    for where, entry in _entries(credential, "credentialStatus"):
        identifier = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(identifier, str):
            if identifier in seen:
                found.append(Problem("status", _at(where, "id"), "two status entries have the same id"))
            seen.add(identifier)
    return found


# -- 4.11 data schemas
def _schemas(credential: dict[str, Any]) -> list[Problem]:
    return [
        Problem("data schemas", _at(where, "id"), "a credentialSchema must have an id (the schema's URL)")
        for where, entry in _entries(credential, "credentialSchema")
        if isinstance(entry, dict) and "id" not in entry
    ]


# -- 5.3 related resources
def _related(credential: dict[str, Any]) -> list[Problem]:
    found, seen = [], set()
    entries = _entries(credential, "relatedResource")
    if "relatedResource" in credential and not entries:
        found.append(Problem("related resources", "relatedResource", "relatedResource must not be an empty list"))
    for where, entry in entries:
        if not isinstance(entry, dict):
            found.append(Problem("related resources", where, "each related resource must be an object with an id"))
            continue
        identifier = entry.get("id")
        if identifier is None:
            found.append(Problem("related resources", _at(where, "id"), "a related resource must have an id"))
        elif isinstance(identifier, str):
            if identifier in seen:
                found.append(Problem("related resources", _at(where, "id"), "two related resources have this id"))
            seen.add(identifier)
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            found.append(
                Problem("related resources", where, "a related resource must have a digestSRI or a digestMultibase")
            )
    return found
