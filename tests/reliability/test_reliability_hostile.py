"""Hostile input (issue 9, part 4): schemathesis against the service's own OpenAPI document (no server error, every
response as documented), hypothesis on every parser that reads what a stranger sends (registration numbers, share
tokens, compact credentials and badge links, background answers, framework files), and what a browser and the logs
see: security headers, cookie flags, CSRF on every form, sign-in throttling, no secret or personal data in the logs.

The verifier's own fuzzing is in tests/unit/test_verifier_fuzz.py, the authorisation matrix in
tests/api/test_authorization_matrix.py and the first protections in tests/api/test_api.py; this adds what they lack.
CI runs modest example counts; the slow variants run more:
``.venv/bin/python -m pytest -q -m slow tests/reliability/test_reliability_hostile.py``.

Here: schemathesis against the OpenAPI document. The parsers are in test_reliability_hostile_parsers.py; what a
browser and the logs see in test_reliability_hostile_web.py; the services they are at in tests/builders/hostile.py."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.builders.hostile import world_fixture  # noqa: F401 - the world fixture
from tests.builders.policy import POLICY, PUBLIC

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install -e '.[test]')")

CI_EXAMPLES = int(os.environ.get("REGLEDGER_HOSTILE_EXAMPLES", "8"))
SLOW_EXAMPLES = int(os.environ.get("REGLEDGER_HOSTILE_SLOW_EXAMPLES", "100"))
KNOWN: dict[str, str] = {}
"""Failures found by this test and not yet fixed, by operation (none now: ``GET /api/audits?year=`` beyond 64 bits
was a 500 on SQLite; the year is now bounded)."""
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
"""Input the schema allows may still be refused (422): a registration number's check digits, a JWT's signature,
a date in range are checked by the service, not by the schema's types."""
ROLE_FOR = ("registrant", "assessor", "registrar", "admin", "auditor", "organisation")  # the first role allowed


def role_for(method: str, path: str) -> str | None:
    allowed = POLICY.get((method.upper(), path), (PUBLIC,))
    if PUBLIC in allowed:
        return None
    return next(role for role in ROLE_FOR if role in allowed)


def run_schema(world, examples: int) -> dict[str, int]:
    actors = world
    schema = schemathesis.openapi.from_asgi("/openapi.json", actors.app)
    tried: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        who = role_for(operation.method, operation.path)
        headers = actors.headers(who)
        label = f"{operation.method.upper()} {operation.path}"

        check = _checker(operation, examples, headers, label, tried)
        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation is tried, then listed
            if KNOWN.get(label, "\0") in str(error):
                print(f"\nknown, not yet fixed: {label}: {KNOWN[label]}")
                continue
            failures.append(f"{label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
    return tried


def _checker(operation, examples: int, headers: dict[str, str], label: str, tried: dict[str, int]):
    from hypothesis import given

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        tried[label] = tried.get(label, 0) + 1
        case.call_and_validate(headers={**(case.headers or {}), **headers}, excluded_checks=EXCLUDED)

    return check


def test_the_api_against_its_own_openapi_document(world):
    tried = run_schema(world, CI_EXAMPLES)
    assert len(tried) == len(POLICY)
    print(f"\nschemathesis: {sum(tried.values())} requests over {len(tried)} operations")


@pytest.mark.slow
def test_the_api_against_its_own_openapi_document_at_length(world):
    tried = run_schema(world, SLOW_EXAMPLES)
    print(f"\nschemathesis: {sum(tried.values())} requests over {len(tried)} operations")
