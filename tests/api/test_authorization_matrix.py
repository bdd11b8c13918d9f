"""Every endpoint of the API (as the OpenAPI document lists them) and every page, with every role and with
nobody signed in, and with another person's ids: each role reaches exactly what it should. A request that is
allowed may still be refused as invalid input (these requests carry empty bodies, so nothing is written), but never
as unauthorised, and never with a server error."""

from __future__ import annotations

import pytest

from tests.builders.actors import Actors
from tests.builders.policy import EVERYONE, POLICY, PUBLIC, READERS
from tests.builders.records import enrol

WHO = (None, *EVERYONE)
ROLE_OF = {"other": "registrant", "unassigned": "assessor"}  # the second registrant and an assessor not assigned

# object-level: the role may use the route, but only for its own object
OWNERS = {"registrant": ("registrant",), "assessor": ("assessor",)}
OBJECT_ROUTES = {path for (_, path) in POLICY if "{application_id}" in path or "{year}" in path}
# well-formed bodies for the object routes, so that the object check (not input validation) decides; each is refused
# by the rules for the awarded application they name, so nothing is written
BODIES = {
    "/api/applications/{application_id}/evidence": {"area": "A", "text": "More."},
    "/api/applications/{application_id}/evidence/{evidence_id}": {"text": "Rewritten."},
    "/api/applications/{application_id}/appeal": {"grounds": "Unfair."},
    "/api/applications/{application_id}/assessment": {"judgements": {"A": "met"}, "recommendation": "award"},
    # the audit was accepted: every further step is refused by its rules
    "/api/audits/{number}/{year}/profile": {"summary": "S.", "statement": "T.", "activities": []},
    "/api/audits/{number}/{year}/appeal": {"grounds": "Unfair."},
    "/api/audits/{number}/{year}/judgement": {"judgements": {"record": "met"}},
    "/api/audits/{number}/{year}/decision": {"outcome": "deferred", "reasons": "More time."},
    "/api/audits/{number}/{year}/appeal-decision": {"upheld": True, "reasons": "Yes."},
}

PAGES: dict[str, tuple[str, ...]] = {
    "/": (PUBLIC,),
    "/register?query=a": (PUBLIC,),
    "/r/{number}": (PUBLIC,),
    "/r/{number}/badge.svg": (PUBLIC,),
    "/r/{number}/credential.jwt": (PUBLIC,),
    "/r/{number}/credential.ob3.jwt": (PUBLIC,),
    "/r/{number}/certificate.pdf": (PUBLIC,),
    "/r/{number}/provenance.json": (PUBLIC,),
    "/privacy": (PUBLIC,),
    "/accessibility": (PUBLIC,),
    "/complaints": (PUBLIC,),
    "/logo.svg": (PUBLIC,),
    "/favicon.svg": (PUBLIC,),
    "/login": (PUBLIC,),
    "/me": ("registrant", "other"),
    "/me/applications/{application_id}": ("registrant",),
    "/me/applications/{application_id}/files": ("registrant",),
    "/assess": ("assessor", "unassigned"),
    "/assess/{application_id}": ("assessor",),
    "/casework": READERS,
    "/casework/{application_id}": READERS,
    "/casework/registrations/{number}": READERS,
    "/me/audits/{number}/{year}": ("registrant",),
    "/assess/audits/{number}/{year}": ("assessor",),
    "/casework/audits": READERS,
    "/casework/audits/{number}/{year}": READERS,
    "/analytics": ("registrar", "auditor"),
    "/casework/assessor-consistency": ("registrar",),
    "/me/organisations": ("registrant", "other"),
    "/org": ("organisation",),
    "/org/verify": ("registrar", "organisation"),
    "/org/analytics": ("organisation",),
    "/org/analytics?from=2025-01-01&to=2025-12-31": ("organisation",),
    "/org/webhook": ("organisation",),
    "/casework/organisations": ("registrar", "admin"),
    "/casework/organisations?q=spare": ("registrar", "admin"),
    "/casework/organisations/new": ("registrar", "admin"),
    "/casework/organisations/{organisation_id}": ("registrar", "admin"),
    "/casework/organisations/{organisation_id}/close": ("registrar", "admin"),
    "/analytics.csv": ("registrar", "auditor"),
    "/analytics?from=2025-01-01&to=2025-12-31": ("registrar", "auditor"),
    "/skills": (PUBLIC,),
    "/admin/accounts": ("admin",),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from datetime import date

    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path_factory.mktemp("matrix") / "r.db"
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=SettableClock(date(2026, 1, 5))
    )
    actors = Actors(ledger)
    application, number = actors.awarded_application()
    actors.accepted_audit(2026)
    values = {
        "application_id": application,
        "number": number,
        "registrant_id": str(enrol(ledger, "Spare Person")),  # erased by the registrar's call
        "purpose": "suspension",
        "assessor_id": str(ledger.appoint_assessor("Dee Spare")),  # stood down by the registrar's call
        "year": "2026",
        "email": "nobody@example.org",  # no such account: an allowed call answers 404 and changes nothing
        "credential_id": "00000000-0000-4000-8000-000000000000",
        "file_id": "00000000-0000-4000-8000-000000000000",
        "evidence_id": "00000000-0000-4000-8000-000000000000",
        # closed by the registrar's call
        "organisation_id": str(ledger.register_organisation("Spare Studios", "office@spare.example", "registrar")),
    }
    yield actors, values
    actors.close()
    ledger.close()


def _path(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def test_the_policy_covers_every_endpoint(world):
    actors, _ = world
    listed = {
        (method.upper(), path) for path, operations in actors.app.openapi()["paths"].items() for method in operations
    }
    assert listed == set(POLICY), listed ^ set(POLICY)


@pytest.mark.parametrize(("method", "path"), sorted(POLICY))
def test_every_role_on_every_endpoint(world, method, path):
    actors, values = world
    allowed = POLICY[(method, path)]
    for who in WHO:
        body = BODIES.get(path, {}) if method in ("POST", "PUT", "PATCH") else None
        answer = actors.call(who, method, _path(path, values), body)
        status = answer.status_code
        assert status < 500, (who, method, path, status, answer.text)
        if PUBLIC in allowed or who in allowed:
            expected_owner = path in OBJECT_ROUTES and who in ("other", "unassigned")
            assert status not in (401, 403), (who, method, path, status, answer.text)
            if expected_owner:
                assert status == 404, (who, method, path, status)
        elif who is None:
            assert status == 401, (who, method, path, status)
        elif path in OBJECT_ROUTES and ROLE_OF.get(who) in allowed:
            assert status == 404, (who, method, path, status)  # another's object: as if it did not exist
        else:
            assert status == 403, (who, method, path, status, answer.text)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_role_on_every_page(world, page):
    actors, values = world
    allowed = PAGES[page]
    for who in WHO:
        answer = actors.client.get(_path(page, values), headers=actors.headers(who), follow_redirects=False)
        status = answer.status_code
        assert status < 500, (who, page, status, answer.text[:300])
        if PUBLIC in allowed or who in allowed:
            # the downloads refuse (409) once the registration is no longer current: the calls above resign it
            not_current = (
                status == 409 and page.startswith("/r/{number}/") and "not currently registered" in answer.text
            )
            assert status == 200 or not_current, (who, page, status, answer.text[:300])
        elif who is None:
            assert status == 303 and answer.headers["location"].startswith("/login"), (page, status)
        elif ("{application_id}" in page or "{year}" in page) and ROLE_OF.get(who) in allowed:
            assert status == 404, (who, page, status)
        else:
            assert status == 403, (who, page, status)
