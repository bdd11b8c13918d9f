"""Hostile input (issue 9, part 4), what a browser and the logs see: security headers on every kind of answer, HSTS
and secure cookies behind an https issuer, a CSRF token on every form post, sign-in throttled on the page and the
API alike, and no secret or personal data in the logs (tests/reliability/test_reliability_hostile.py says what the
other hostile-input modules cover)."""

from __future__ import annotations

from tests.builders.hostile import fresh_fixture, service_at, world_fixture  # noqa: F401 - fixtures


def _sign_in(client, email: str) -> str:
    from tests.builders import second_factor
    from tests.builders.actors import PASSWORD

    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    factor = second_factor.of(client.app.state.service.settings.database_url, email)
    if answer.headers["location"] == "/login/code" and factor is not None:  # staff: the code from their app
        csrf = client.get("/login/code").text.split('name="csrf" value="')[1].split('"')[0]
        answer = client.post("/login/code", data={"code": factor.code(), "csrf": csrf}, follow_redirects=False)
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
    actors = service_at(tmp_path, "https://register.example.org")
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
        "code": "A",  # a competency area
        "evidence_id": "00000000-0000-4000-8000-000000000000",
        "organisation_id": str(actors.organisation),
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
        ("organisation", "office@acme.example"),
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
    actors = service_at(tmp_path, "http://127.0.0.1:8000")
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
    actors = service_at(tmp_path, "http://127.0.0.1:8000")
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
