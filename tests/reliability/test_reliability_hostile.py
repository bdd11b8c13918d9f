"""Hostile input (issue 9, part 4): schemathesis against the service's own OpenAPI document (no server error, every
response as documented), hypothesis on every parser that reads what a stranger sends (registration numbers, share
tokens, compact credentials and badge links, background answers, framework files), and what a browser and the logs
see: security headers, cookie flags, CSRF on every form, sign-in throttling, no secret or personal data in the logs.

The verifier's own fuzzing is in tests/unit/test_verifier_fuzz.py, the authorisation matrix in
tests/api/test_authorization_matrix.py and the first protections in tests/api/test_api.py; this adds what they lack.
CI runs modest example counts; the slow variants run more:
``.venv/bin/python -m pytest -q -m slow tests/reliability/test_reliability_hostile.py``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as given_

from tests.builders.actors import Actors
from tests.builders.mangled import mutate
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
ROLE_FOR = ("registrant", "assessor", "registrar", "admin", "auditor")  # the first role an endpoint allows


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path_factory.mktemp("hostile") / "r.db"
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{path}",
            master_key=MASTER_KEY,
            rate_login_per_minute=100_000,
            rate_public_per_minute=100_000,
        ),
        clock=SettableClock(date(2026, 1, 5)),
    )
    actors = Actors(ledger)
    actors.application, actors.number = actors.awarded_application()
    actors.accepted_audit(2026)
    yield actors
    actors.close()
    ledger.close()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A service that schemathesis has not been at (its fuzzed key rotations change what is published)."""
    actors = _service_at(
        tmp_path_factory.mktemp("fresh"), "http://127.0.0.1:8000", trusted_proxies="testclient"
    )  # as if behind a TLS-terminating proxy
    actors.awarded_application()
    yield actors
    actors.close()
    actors.ledger.close()


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


def _st():
    from hypothesis import strategies

    return strategies


# -- every parser that reads what a stranger (or a damaged file) gives it: a clean refusal, never a crash
PARSER_EXAMPLES = int(os.environ.get("REGLEDGER_PARSER_EXAMPLES", "300"))
parser_settings = settings(
    max_examples=PARSER_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _number_like():
    from hypothesis import strategies as st

    from ledger.domain.regnumber import format_number

    genuine = st.integers(1, 9_999_999).map(format_number)
    mangled = st.tuples(genuine, st.integers(0, 14), st.characters()).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    return st.one_of(genuine, mangled, st.text(max_size=40), genuine.map(str.lower), genuine.map(lambda n: f" {n} "))


@parser_settings
@given_(text=_number_like())
def test_registration_numbers_parse_or_are_refused(text):
    from ledger.domain.regnumber import InvalidRegistrationNumber, looks_like_number, parse_number

    try:
        number = parse_number(text)
    except InvalidRegistrationNumber as error:
        assert str(error)
        return
    assert looks_like_number(number) and parse_number(number) == number  # canonical, and stays so


@parser_settings
@given_(data=_st().binary(max_size=300), token=_st().tuples(*[_st().binary(min_size=1, max_size=120)] * 3))
def test_share_tokens_pack_back_exactly_and_garbage_is_refused(data, token):
    import base64
    import struct
    import zlib

    from ledger.read.sharing import pack_token, unpack_token

    text = ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in token)
    assert unpack_token(pack_token(text)) == text
    try:
        unpack_token(data)
    except (ValueError, zlib.error, struct.error):
        pass  # a clean refusal of bytes that were never a packed token


@parser_settings
@given_(
    short=_st().one_of(
        _st().text(max_size=30),
        _st().uuids().map(lambda u: __import__("credentials.compact", fromlist=["short_id"]).short_id(f"urn:uuid:{u}")),
        _st().integers(),
        _st().none(),
    )
)
def test_compact_credential_ids_read_back_or_are_refused(short):
    from credentials.compact import long_id, short_id

    try:
        long = long_id(short)
    except ValueError:
        return
    assert long.startswith("urn:uuid:") and short_id(long) == short


@parser_settings
@given_(
    answers=_st().one_of(
        _st().none(),
        _st().integers(),
        _st().text(max_size=5),
        _st().lists(_st().text(max_size=5), max_size=3),
        _st().dictionaries(
            _st().one_of(_st().sampled_from(["parental_occupation_14", "school_type", "x"]), _st().text(max_size=8)),
            _st().one_of(
                _st().text(max_size=12),
                _st().sampled_from(["professional", "prefer_not_to_say"]),
                _st().integers(),
                _st().none(),
                _st().lists(_st().integers(), max_size=2),
                _st().dictionaries(_st().text(max_size=3), _st().integers(), max_size=2),
            ),
            max_size=4,
        ),
    )
)
def test_background_answers_are_checked_never_crash(answers):
    from ledger.domain.background import check_answers
    from ledger.domain.errors import InvalidInput

    try:
        checked = check_answers(answers)
    except InvalidInput as error:
        assert error.field.startswith("background")
        return
    assert checked == answers


@parser_settings
@given_(data=_st().data())
def test_a_damaged_framework_file_is_refused_with_a_reason(tmp_path_factory, data):
    import json

    import ledger.domain.framework
    from ledger.domain.framework import FrameworkError, load_framework

    original = Path(ledger.domain.framework.__file__).with_name("framework.json")
    document = json.loads(original.read_text("utf-8"))
    for _ in range(data.draw(_st().integers(1, 3))):
        document = _mutate_json(document, data)
    path = tmp_path_factory.mktemp("framework") / "framework.json"
    if data.draw(_st().booleans(), label="as text"):
        path.write_text(json.dumps(document), "utf-8")
    else:
        raw = bytearray(json.dumps(document).encode())
        position = data.draw(_st().integers(0, len(raw) - 1))
        raw[position] = data.draw(_st().integers(0, 255))
        path.write_bytes(bytes(raw))
    try:
        load_framework(path)
    except FrameworkError as error:
        assert str(error)


def _mutate_json(node, data):
    """One change somewhere in a JSON document: a value replaced by another type, a key dropped, an item gone."""
    from hypothesis import strategies as st

    if isinstance(node, dict) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node)))
        action = data.draw(st.sampled_from(["descend", "drop", "replace"]))
        if action == "drop":
            return {k: v for k, v in node.items() if k != key}
        if action == "replace":
            return {**node, key: data.draw(_json_values())}
        return {**node, key: _mutate_json(node[key], data)}
    if isinstance(node, list) and node and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(node) - 1))
        action = data.draw(st.sampled_from(["descend", "drop", "duplicate", "replace"]))
        if action == "drop":
            return node[:index] + node[index + 1 :]
        if action == "duplicate":
            return node + [node[index]]
        if action == "replace":
            return node[:index] + [data.draw(_json_values())] + node[index + 1 :]
        return node[:index] + [_mutate_json(node[index], data)] + node[index + 1 :]
    return data.draw(_json_values())


def _json_values():
    from hypothesis import strategies as st

    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 10**6),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.lists(st.integers(), max_size=3),
        st.just({}),
        st.just([]),
        st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    )


@parser_settings
@given_(data=_st().data())
def test_a_mangled_trust_bundle_is_refused_cleanly(fresh, data):
    """The verifier's reading of a trust bundle (tests/unit/test_verifier_fuzz.py mangles credentials, not bundles)."""
    from verifier import load_trust
    from verifier.trust import TrustError

    actors = fresh
    bundle = actors.client.get("/trust.jwt").text
    root = actors.client.get("/root.json").json()
    mangled = mutate(bundle, data)
    try:
        trust = load_trust(mangled, root=root)
    except TrustError as error:
        assert str(error)
        return
    assert trust.issuer == actors.ledger.settings.issuer_url.rstrip("/")  # only the genuine bundle (or its bytes)


# -- what a browser sees, and what the logs keep
def _service_at(tmp_path, issuer_url: str, trusted_proxies: str = ""):
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}",
            master_key=MASTER_KEY,
            issuer_url=issuer_url,
            trusted_proxies=trusted_proxies,
        ),
        clock=SettableClock(date(2026, 1, 5)),
    )
    return Actors(ledger)


def _sign_in(client, email: str) -> str:
    from tests.builders.actors import PASSWORD

    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return answer.headers["set-cookie"]


def test_security_headers_on_every_kind_of_answer(fresh):
    """A page, a JSON answer, a problem, a static file, a credential file, an unknown path: each carries CSP,
    nosniff, frame options and referrer policy; HSTS only behind TLS."""
    client = fresh.client
    for path in (
        "/",
        "/api/framework",
        "/api/me",
        "/static/style.css",
        "/trust.jwt",
        "/no/such/page",
        "/login",
        "/.well-known/jwks.json",
    ):
        answer = client.get(path)
        headers = answer.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "strict-transport-security" not in headers, path
        behind_tls = client.get(path, headers={"X-Forwarded-Proto": "https"}).headers
        assert behind_tls["strict-transport-security"].startswith("max-age="), path
    assert "strict-transport-security" not in client.get("/", headers={"X-Forwarded-Proto": "http"}).headers


def test_an_https_issuer_sends_hsts_and_secure_cookies(tmp_path):
    actors = _service_at(tmp_path, "https://register.example.org")
    try:
        client = actors.client
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=31536000")
        client.base_url = "https://testserver"
        cookie = _sign_in(client, "ada@example.org").lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    finally:
        actors.close()
        actors.ledger.close()


def test_every_form_post_needs_its_csrf_token(world):
    """Every POST page route (the API takes bearer tokens and no cookies) refuses a signed-in session's post
    without the form's token, for a role that may use it, before it acts."""
    actors = world
    values = {
        "application_id": actors.application,
        "number": actors.number,
        "year": "2026",
        "action": "suspend",
        "registrant_id": str(actors.registrant),
    }
    from ledger.api import pages

    forms = sorted({route.path for route in pages.router.routes if "POST" in (getattr(route, "methods", None) or ())})
    assert len(forms) >= 15, forms
    sessions = {}
    for who, email in (
        ("registrant", "ada@example.org"),
        ("assessor", "asha@example.org"),
        ("registrar", "registrar@example.org"),
        ("admin", "admin@example.org"),
    ):
        from fastapi.testclient import TestClient

        sessions[who] = TestClient(actors.app)
        _sign_in(sessions[who], email)
    before = actors.ledger.recorder.max_notification_id()
    refused = {}
    for path in forms:
        concrete = path.format(**values)
        for who, client in sessions.items():
            answer = client.post(concrete, data={"reason": "x", "text": "x", "csrf": ""}, follow_redirects=False)
            if answer.status_code == 403 and "security token" in answer.text:
                refused[path] = who
                break
    for client in sessions.values():
        client.close()
    assert set(refused) == set(forms) - {"/login"} or set(refused) == set(forms), set(forms) - set(refused)
    assert actors.ledger.recorder.max_notification_id() == before  # nothing acted


def test_sign_in_is_throttled_on_the_page_and_the_api(tmp_path):
    actors = _service_at(tmp_path, "http://127.0.0.1:8000")
    try:
        client = actors.client
        csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
        pages = [
            client.post(
                "/login", data={"email": "ada@example.org", "password": "wrong!", "csrf": csrf}, follow_redirects=False
            ).status_code
            for _ in range(12)
        ]
        assert 429 in pages and pages[0] != 429, pages
        # the page and the API share the budget: guessing cannot go on through the other door
        assert client.post("/api/token", data={"email": "ada@example.org", "password": "x"}).status_code == 429
        throttled = client.post("/api/token", data={"email": "ada@example.org", "password": "x"})
        assert int(throttled.headers["retry-after"]) >= 1
    finally:
        actors.close()
        actors.ledger.close()


def test_no_secrets_or_personal_data_in_the_logs(tmp_path, caplog):
    """A whole journey (sign-ins, a wrong password, an application to an award, a page session, a credential, a
    verification, a refused request) with every logger at DEBUG: no password, token, key, name or email."""
    import base64
    import logging

    from tests.builders.actors import PASSWORD
    from tests.conftest import MASTER_KEY

    caplog.set_level(logging.DEBUG)
    actors = _service_at(tmp_path, "http://127.0.0.1:8000")
    try:
        _, number = actors.awarded_application()
        client = actors.client
        client.post("/api/token", data={"email": "ada@example.org", "password": "a wrong password"})
        credential = actors.ok("registrant", "GET", "/api/credentials")
        actors.ok(None, "POST", "/credentials/verify", {"verifiableCredential": credential["jwt"]})
        actors.call("other", "GET", f"/api/registrants/{actors.registrant}")
        cookie = _sign_in(client, "ada@example.org")
        client.get("/me")
        secrets = {
            "password": PASSWORD,
            "wrong password": "a wrong password",
            "master key": MASTER_KEY,
            "master key bytes (hex)": base64.b64decode(MASTER_KEY).hex(),
            "session secret": actors.ledger.session_secret.hex(),
            "credential": credential["jwt"],
            "session cookie": cookie.split(";")[0].split("=", 1)[1],
            **{f"token of {who}": token for who, token in actors._tokens.items()},
            "name": "Ada Applicant",
            "other's name": "Otto Other",
            "assessor's name": "Asha Assessor",
        }
        secrets.update({f"email {who}": email for who, (email, _) in actors.emails.items()})
        text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
        found = [what for what, secret in secrets.items() if secret and secret in text]
        assert not found, (found, len(caplog.records))
        assert number  # the public registration number may appear; nothing above may
    finally:
        actors.close()
        actors.ledger.close()
