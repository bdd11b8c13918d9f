"""What every signature the register makes needs, whether a decision called for it (``ledger.processes.issuance``) or
someone asked for it through the VC API (``ledger.processes.requested``): the issuer as credentials name it, a level
described as a credential's achievement, and a fresh revocation-list index that no other credential holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from credentials.achievement import Alignment, Issuer, Level, StatusEntry
from credentials.did_web import issuer_id_for
from credentials.status_list import allocate_index, status_list_url
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import StatusIndexClaim
from ledger.domain.framework import Framework

STATUS_LIST_LENGTH = 1_048_576
"""Entries per status list: 2^20, room for years of credentials (each holds one index in the revocation list) while
the published list stays small (sparse bitstrings compress to a few kilobytes)."""
INDEX_ATTEMPTS = 8
"""How many times a signature draws a fresh index when another credential took it meanwhile."""


def issuer_profile(ledger: Ledger) -> Issuer:
    """The register as its credentials name it: ``id`` is its did:web DID when its address is https (so ``issuer``,
    ``iss`` and the DID URL ``kid`` lead a DID-resolving verifier to the published did.json), its address otherwise
    (the embedded default); ``url`` is always the address, which links, status lists and achievements are under."""
    url = ledger.settings.issuer_url.rstrip("/")
    body = ledger.settings.body
    return Issuer(
        id=issuer_id_for(url), name=body.name, url=url, email=body.email, address=tuple(body.postal_address.items())
    )


_LEVELS: dict[tuple[str, str, str], Level] = {}


def level_for(framework: Framework, code: str, issuer_url: str) -> Level:
    """The level as a credential describes it (made once per framework version, level and issuer)."""
    cache_key = (framework.version, code, issuer_url)
    if cache_key not in _LEVELS:
        _LEVELS[cache_key] = describe_level(framework, code, issuer_url)
    return _LEVELS[cache_key]


def describe_level(framework: Framework, code: str, issuer_url: str) -> Level:
    """A framework level as a credential's achievement: name, description, criteria from the level descriptors of
    every competency area it requires, and one alignment per area."""
    level = framework.level(code)
    areas = framework.required_areas(code)
    criteria = (
        f"Assessed by two assessors against every competency area of the {framework.title} "
        f"(version {framework.version}) at this level: "
        + " ".join(f"{a.code}. {a.title}: {a.descriptor(code)}" for a in areas)
    )
    return Level(
        code=level.code,
        name=level.name,
        post_nominal=level.post_nominal,
        description=level.description,
        criteria=criteria,
        alignments=tuple(
            Alignment(
                code=a.code,
                title=a.title,
                descriptor=a.descriptor(code) or "",
                url=f"{issuer_url}/framework/{code}#area-{a.code}",
            )
            for a in areas
        ),
    )


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def free_index(ledger: Ledger, purpose: str) -> int:
    """An index of the ``purpose`` status list that no credential has claimed yet (drawn at random). The claim is
    made when the credential is recorded; a race for the same index is lost by the second save."""

    class Taken:
        def __contains__(self, index: object) -> bool:
            return isinstance(index, int) and ledger._exists(StatusIndexClaim.id_for(purpose, index))

    return allocate_index(ledger.rng, Taken(), STATUS_LIST_LENGTH)


def status_entries(issuer_url: str, revocation: int) -> list[StatusEntry]:
    """A credential's one status entry, its index in the revocation list: a suspension, lapse, resignation or
    removal revokes the credential for good, and a return to good standing issues a new one (README, "Status
    entries: the decision"). Credentials issued before that decision also hold a suspension index
    (``Credential.Issued.suspension_index``), which the suspension list still publishes."""
    return [StatusEntry("revocation", status_list_url(issuer_url, "revocation"), revocation)]
