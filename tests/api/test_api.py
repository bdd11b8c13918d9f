"""The web service's JSON API: a whole journey by role, idempotent writes, problem details, object-level checks,
the VC API, what verifiers fetch, and the protections (headers, cookies, CSRF, rate limits, body size)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import jwt
import pytest

from tests.builders.actors import PASSWORD, Actors
from tests.builders.records import QUALIFICATION


@pytest.fixture
def actors(ledger):
    made = Actors(ledger)
    yield made
    made.close()


def test_the_whole_journey_through_the_api(actors):
    application, number = actors.awarded_application()
    # the write answered once the read models showed it: the register has the award already
    entry = actors.ok(None, "GET", f"/api/register/{number}")
    assert entry["name"] == "Ada Applicant" and entry["level"] == "RCT" and entry["status"] == "registered"
    mine = actors.ok("registrant", "GET", "/api/credentials")
    assert mine["number"] == number and mine["badge_url"].startswith(actors.ledger.settings.issuer_url)
    verdict = actors.ok(None, "POST", "/credentials/verify", {"verifiableCredential": mine["jwt"]})
    assert verdict["verified"] is True and verdict["problemDetails"] == [], verdict
    view = actors.ok("registrant", "GET", f"/api/applications/{application}")
    assert view["outcome"] == "award" and len(view["assessments"]) == 2
    assert view["assessments"][0]["feedback"] == "Clear evidence."


def test_idempotency_keys_make_retries_safe(actors):
    body = {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]}
    first = actors.call("registrant", "POST", "/api/applications", body, **{"Idempotency-Key": "apply-1"})
    again = actors.call("registrant", "POST", "/api/applications", body, **{"Idempotency-Key": "apply-1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(actors.ok("registrant", "GET", "/api/applications")) == 1
    changed = actors.call(
        "registrant", "POST", "/api/applications", {**body, "level": "RCP"}, **{"Idempotency-Key": "apply-1"}
    )
    assert changed.status_code == 422 and "different request" in changed.json()["detail"]
    # a refused command leaves its key free for the corrected request
    refused = actors.call(
        "registrant", "POST", "/api/applications", {**body, "level": "XXX"}, **{"Idempotency-Key": "apply-2"}
    )
    assert refused.status_code == 422


def test_a_form_sent_twice_acts_once(actors):
    """Each form carries a key of its own: a double click, or a resend after a lost answer, starts one application,
    and both sends land on it. The same form with other contents is a new request (it runs, and is refused here)."""
    client = actors.client
    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf": csrf})
    page = client.get("/me/apply/details?level=RCT&route=standard").text
    again_page = client.get("/me/apply/details?level=RCT&route=standard").text
    key = re.findall(r'name="form_key" value="([^"]+)"', page)
    assert key and key != re.findall(r'name="form_key" value="([^"]+)"', again_page)  # every form its own key
    form = page.split('action="/me/applications"')[1].split("</form>")[0]
    fields = {name: form.split(f'name="{name}" value="')[1].split('"')[0] for name in ("csrf", "form_key")}
    data = {
        **fields,
        "level": "RCT",
        "route": "standard",
        "qualification_title": QUALIFICATION[3]["title"],
        "qualification_awarding_body": QUALIFICATION[3]["awarding_body"],
        "qualification_level": "3",
    }
    first = client.post("/me/applications", data=data, follow_redirects=False)
    again = client.post("/me/applications", data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"].startswith("/me/applications/")
    assert len(actors.ok("registrant", "GET", "/api/applications")) == 1
    other = client.post("/me/applications", data={**data, "qualification_level": "x"}, follow_redirects=False)
    assert other.headers["location"] == "/me/apply"  # it ran (and was refused): not taken for the first send
    assert len(actors.ok("registrant", "GET", "/api/applications")) == 1


def test_errors_are_problem_details_that_say_which_field(actors):
    answer = actors.call(
        "registrant",
        "POST",
        "/api/applications",
        {"level": "ZZZ", "route": "standard", "qualification": QUALIFICATION[3]},
    )
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422 and problem["errors"][0]["field"] == "level"
    missing = actors.call("registrant", "POST", "/api/applications", {"route": "standard"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "level"
    actors.ok(
        "registrant",
        "POST",
        "/api/applications",
        {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]},
    )
    twice = actors.call(
        "registrant",
        "POST",
        "/api/applications",
        {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]},
    )
    assert twice.status_code == 409 and twice.json()["title"] == "Conflict"
    assert actors.call(None, "GET", "/api/me").status_code == 401
    assert actors.call("registrant", "GET", "/api/casework").status_code == 403
    assert actors.call(None, "GET", "/api/register/RG-1234567-00").status_code == 422
    assert actors.client.get("/api/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert actors.client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_nobody_reaches_what_is_not_theirs(actors):
    application, number = actors.awarded_application()
    assert actors.call("other", "GET", f"/api/applications/{application}").status_code == 404
    assert (
        actors.call(
            "other", "POST", f"/api/applications/{application}/evidence", {"area": "A", "text": "x"}
        ).status_code
        == 404
    )
    assert actors.call("unassigned", "GET", f"/api/applications/{application}").status_code == 404
    assert (
        actors.call(
            "unassigned",
            "POST",
            f"/api/applications/{application}/assessment",
            {"judgements": {}, "recommendation": "award"},
        ).status_code
        == 404
    )
    assert actors.call("assessor", "GET", f"/api/registrants/{actors.registrant}").status_code == 403
    actors.ok("registrant", "PUT", "/api/background", {"answers": {"parental_occupation_14": "professional"}})
    assert actors.ok("registrant", "GET", "/api/me")["registrant"]["background"] == {
        "parental_occupation_14": "professional"
    }
    for reader in ("registrar", "auditor", "admin"):
        record = actors.ok(reader, "GET", f"/api/registrants/{actors.registrant}")
        assert "background" not in record and record["registration"]["number"] == number
    assert actors.call("auditor", "POST", f"/api/registrations/{number}/suspend", {"reason": "x"}).status_code == 403
    assert actors.call("registrant", "GET", "/api/applications/not-a-uuid").status_code == 404


def test_the_vc_api_verifies_and_issues(actors):
    _, number = actors.awarded_application()
    token = actors.ok("registrant", "GET", "/api/credentials")["jwt"]
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    assert actors.ok(None, "POST", "/credentials/verify", {"verifiableCredential": enveloped})["verified"]
    head, body, signature = token.split(".")
    i = next(i for i in range(5, len(signature) - 2) if signature[i] != signature[i + 1])
    swapped = signature[:i] + signature[i + 1] + signature[i] + signature[i + 2 :]  # still canonical base64url
    tampered = actors.call(None, "POST", "/credentials/verify", {"verifiableCredential": f"{head}.{body}.{swapped}"})
    assert tampered.status_code == 400  # the VC API: a credential that does not verify is not a 2xx
    assert tampered.json()["verified"] is False and tampered.json()["problemDetails"][0]["title"] == "signature"
    later = actors.call(
        None, "POST", "/credentials/verify", {"verifiableCredential": token, "options": {"at": "2040-01-01T00:00:00Z"}}
    )
    assert later.status_code == 400 and not later.json()["verified"]
    assert "validity" in [p["title"] for p in later.json()["problemDetails"]]
    assert actors.call(None, "POST", "/credentials/verify", {"verifiableCredential": 42}).status_code == 400
    assert actors.call(None, "POST", "/credentials/verify", {"nothing": 1}).status_code == 400
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": actors.ledger.settings.issuer_url.rstrip("/"),
        "credentialSubject": {"id": "did:example:1", "name": "Open day visitor"},
    }
    issued = actors.ok("admin", "POST", "/credentials/issue", {"credential": credential}, expect=201)
    signed = issued["verifiableCredential"]["id"].removeprefix("data:application/vc+jwt,")
    assert jwt.get_unverified_header(signed)["typ"] == "vc+jwt"
    assert actors.ok(None, "POST", "/credentials/verify", {"verifiableCredential": signed})["verified"]
    assert actors.call("registrar", "POST", "/credentials/issue", {"credential": credential}).status_code == 403
    for bad in (
        {**credential, "@context": ["https://www.w3.org/2018/credentials/v1"]},
        {**credential, "issuer": "https://someone.else"},
        {**credential, "credentialSubject": {}},
        {**credential, "validFrom": "yesterday"},
        "text",
    ):
        answer = actors.call("admin", "POST", "/credentials/issue", {"credential": bad})
        assert answer.status_code == 400, bad


def test_what_verifiers_fetch(actors):
    actors.awarded_application()
    client = actors.client
    for purpose in ("revocation", "suspension"):
        answer = client.get(f"/status/{purpose}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vc+jwt")
        max_age = int(answer.headers["cache-control"].split("max-age=")[1])
        document = jwt.decode(answer.text, options={"verify_signature": False})
        from datetime import datetime

        lifetime = datetime.fromisoformat(document["validUntil"].replace("Z", "+00:00")) - datetime.fromisoformat(
            document["validFrom"].replace("Z", "+00:00")
        )
        assert 0 <= max_age <= lifetime.total_seconds() == 300
    assert client.get("/status/other").status_code == 404
    from verifier import load_trust

    trust = load_trust(client.get("/trust.jwt").text, root=client.get("/root.json").json())
    assert trust.issuer == actors.ledger.settings.issuer_url.rstrip("/")
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]] == list(trust.keys)
    assert client.get("/.well-known/did.json").status_code == 409  # http://127.0.0.1:8000 has no did:web
    assert client.get("/openapi.json").json()["paths"]["/credentials/verify"]


def test_protections(actors, clock):
    client = actors.client
    page = client.get("/")
    for header in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
        assert header in page.headers
    assert "strict-transport-security" not in page.headers
    # X-Forwarded-Proto from a client that is not a trusted proxy changes nothing
    assert "strict-transport-security" not in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
    too_big = client.post(
        "/credentials/verify", content=b"{" + b" " * 300_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert too_big.status_code == 413
    login = client.get("/login")
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    no_token = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert no_token.status_code == 403
    signed_in = client.post(
        "/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    answers = [
        client.post("/api/token", data={"email": "ada@example.org", "password": "wrong password!"}) for _ in range(12)
    ]
    assert answers[0].status_code == 401 and answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert json.loads(answers[-1].text)["status"] == 429
    assert timedelta(0) is not None and clock


def test_remembered_searches_end_when_the_register_changes(actors):
    before = actors.ok(None, "GET", "/api/register?query=Ada")
    assert before == actors.ok(None, "GET", "/api/register?query=Ada") == []  # the same answer, remembered
    _, number = actors.awarded_application()
    after = actors.ok(None, "GET", "/api/register?query=Ada")
    assert [e["registration_number"] for e in after] == [number]
    page = actors.client.get(f"/r/{number}")
    assert "registered" in page.text
    actors.ok("registrar", "POST", f"/api/registrations/{number}/suspend", {"reason": "Under review."})
    assert actors.ok(None, "GET", "/api/register?query=Ada")[0]["status"] == "suspended"
    assert "suspended" in actors.client.get(f"/r/{number}").text
    assert "set-cookie" not in page.headers  # an anonymous visit starts no session


def test_the_register_as_of_a_date_through_the_api(actors, clock):
    _, number = actors.awarded_application()
    today = clock.today()
    assert actors.ok("auditor", "GET", f"/api/register?as_of={today - timedelta(days=1)}") == []
    assert [e["registration_number"] for e in actors.ok("registrar", "GET", f"/api/register?as_of={today}")] == [number]
    assert actors.call("auditor", "GET", "/api/register?as_of=yesterday").status_code == 422
    assert actors.call(None, "GET", f"/api/register?as_of={today}").status_code == 401
    assert actors.call("registrant", "GET", f"/api/register?as_of={today}").status_code == 403


def test_the_api_documentation_pages_load_their_scripts_from_the_service(actors):
    """/docs and /redoc take Swagger UI and ReDoc from this service (no CDN), and only they may run inline scripts."""
    for path, script in (
        ("/docs", "/docs/assets/swagger-ui-bundle.js"),
        ("/redoc", "/docs/assets/redoc.standalone.js"),
    ):
        page = actors.client.get(path)
        policy = page.headers["content-security-policy"]
        assert page.status_code == 200 and f'src="{script}"' in page.text and "cdn" not in page.text
        assert "http" not in policy and "'unsafe-inline'" in policy
        assert actors.client.get(script).status_code == 200
    assert "'unsafe-inline'" not in actors.client.get("/").headers["content-security-policy"]


def test_a_page_session_does_not_sign_in_to_the_api(actors):
    """A browser sends its session cookie with any request, even one another site's form makes: the API's writes
    therefore take bearer tokens only."""
    client = actors.client
    login = client.get("/login")
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    signed_in = client.post(
        "/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    assert client.get("/me").status_code == 200  # the page knows her
    assert client.post("/api/resign").status_code == 401  # the API does not, without a token
    assert client.get("/api/me").status_code == 401


def test_a_ppd_audit_through_the_api_by_role(actors):
    _, number = actors.awarded_application()
    actors.accepted_audit(2026)
    path = f"/api/audits/{number}/2026"
    mine = actors.ok("registrant", "GET", path)
    assert mine["stage"] == "accepted" and mine["judgement"]["feedback"] == "Well evidenced."
    assert mine["profile"]["activities"][0]["learned"] == "A new console."
    seen_by_assessor = actors.ok("assessor", "GET", path)
    assert seen_by_assessor["profile"]["summary"] == "Touring lighting." and "background" not in str(seen_by_assessor)
    assert [a["number"] for a in actors.ok("assessor", "GET", "/api/audits")] == [number]
    assert actors.ok("assessor2", "GET", "/api/audits") == []
    assert actors.call("assessor2", "GET", path).status_code == 404
    queue = actors.ok("registrar", "GET", "/api/audits?stage=accepted")
    assert [(a["number"], a["year"], a["outcome"]) for a in queue] == [(number, 2026, "accepted")]
    refused = actors.call("registrar", "POST", f"{path}/decision", {"outcome": "not_renewed", "reasons": "No."})
    assert refused.status_code == 409 and "decided" in refused.json()["detail"]
    assert actors.call("registrar", "GET", f"/api/audits/{number}/1999").status_code == 422
    assert actors.call("registrar", "GET", f"/api/audits/{number}/2025").status_code == 404
