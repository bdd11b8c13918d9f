"""Assessors and decisions never read background data. A spy on the vault records every sealed value opened, and the
stack that opened it; then every GET route the service has (pages and API, found by walking the app, so a new route
is walked too) is requested as an assigned assessor, an unassigned one, the registrar and the auditor, with every id
filled in, and an assessment and a decision are made. No background answer may be opened, except by the statistics
projection (which the service runs as it catches up). The registrant's own page does open their answers: the spy is
shown to catch that, so the check can fail."""

from __future__ import annotations

import re
from itertools import product
from typing import Any

import pytest

from tests.builders.records import judgements
from tests.builders.vault import background_blobs, spy_on_the_vault

STATISTICS = "ledger.read.projections.statistics"
ANSWERS = {
    "parental_occupation_14": "routine",
    "school_type": "state",
    "free_school_meals": "yes",
    "parental_degree": "no",
}
WALKERS = ("assessor", "unassigned", "registrar", "auditor")
"""An assigned assessor, an unassigned one, and those who decide (the registrar) or review decisions (the auditor)."""


def get_routes(app: Any) -> list[str]:
    def walk(routes: Any) -> Any:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes)
            else:
                yield route

    return sorted({r.path for r in walk(app.routes) if "GET" in getattr(r, "methods", ())})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from datetime import date

    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.builders.actors import Actors
    from tests.conftest import MASTER_KEY

    path = tmp_path_factory.mktemp("never-read") / "r.db"
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=SettableClock(date(2026, 1, 5))
    )
    actors = Actors(ledger)
    for who in ("registrant", "other"):
        actors.ok(who, "PUT", "/api/background", {"answers": ANSWERS})
    awarded, number = actors.awarded_application()
    actors.accepted_audit(2026)
    pending = actors.ok(
        "other",
        "POST",
        "/api/applications",
        {
            "level": "RCT",
            "route": "standard",
            "qualification": {"title": "Extended Diploma", "awarding_body": "Pearson", "level": 3},
        },
    )["id"]
    for area in ("A", "B", "C", "D", "E"):
        actors.ok("other", "POST", f"/api/applications/{pending}/evidence", {"area": area, "text": "My work."})
    actors.ok("other", "POST", f"/api/applications/{pending}/submit")
    for assessor in actors.assessors:
        actors.ok(
            "registrar",
            "POST",
            f"/api/applications/{pending}/assign",
            {"assessor_id": str(assessor), "declaration": "No conflict."},
        )
    values = {
        "application_id": [awarded, pending],
        "number": [number],
        "year": ["2026"],
        "registrant_id": [str(actors.registrant), str(actors.other_registrant)],
        "assessor_id": [str(actors.assessors[0])],
        "purpose": ["suspension", "revocation"],
        "fmt": ["svg", "png", "jwt", "json"],
        "file_id": ["00000000-0000-4000-8000-000000000000"],
        "evidence_id": ["00000000-0000-4000-8000-000000000000"],
        "code": ["A"],
        "organisation_id": [str(actors.organisation)],
    }
    yield actors, values, pending
    actors.close()
    ledger.close()


def _background_opened_outside_statistics(
    opened: list[tuple[bytes, frozenset[str]]], blobs: set[bytes]
) -> list[frozenset[str]]:
    return [callers for blob, callers in opened if blob in blobs and STATISTICS not in callers]


def test_no_assessor_view_and_no_decision_reads_background_data(world, monkeypatch):
    actors, values, pending = world
    blobs = background_blobs(actors.ledger)
    assert len(blobs) == 2
    opened = spy_on_the_vault(monkeypatch)
    walked = 0
    for route in get_routes(actors.app):
        params = re.findall(r"{(\w+)}", route)
        missing = [p for p in params if p not in values]
        assert not missing, f"give the walk a value for {missing} (route {route})"
        for combination in product(*(values[p] for p in params)):
            path = route.format(**dict(zip(params, combination, strict=True)))
            for who in WALKERS:
                answer = actors.call(who, "GET", path)
                assert answer.status_code < 500, (who, path, answer.text[:300])
                walked += answer.status_code == 200
    # an assessment by each assessor and the registrar's decision, through the API and the pages' handlers alike
    for who in ("assessor", "assessor2"):
        actors.ok(who, "POST", f"/api/applications/{pending}/accept", {"declaration": ""})
        actors.ok(
            who,
            "POST",
            f"/api/applications/{pending}/assessment",
            {"judgements": judgements(actors.ledger, "RCT"), "recommendation": "award", "feedback": "Good."},
        )
    actors.ok("registrar", "POST", f"/api/applications/{pending}/decision", {"outcome": "award", "reasons": ""})
    for who in WALKERS:
        actors.call(who, "GET", f"/casework/{pending}")
        actors.call(who, "GET", f"/api/applications/{pending}")
    assert walked > 60
    assert any(blob not in blobs for blob, _ in opened)  # the walk did open sealed data (names, evidence ...)
    assert _background_opened_outside_statistics(opened, blobs) == []


def test_the_spy_catches_a_view_that_reads_background(world, monkeypatch):
    """The registrant's own page shows them their answers: the same check flags it, so it is a real check."""
    actors, _, _ = world
    blobs = background_blobs(actors.ledger)
    opened = spy_on_the_vault(monkeypatch)
    assert actors.call("registrant", "GET", "/api/me").status_code == 200
    from ledger.read.views import registrant_view

    registrant_view(actors.ledger, actors.registrant, personal=True)
    flagged = _background_opened_outside_statistics(opened, blobs)
    assert flagged and all("ledger.read.views" in callers for callers in flagged)
