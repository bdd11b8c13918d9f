"""The VC API (W3C VCALM) as the specification gives it: ``POST /credentials/verify`` answers 200 with ``verified:
true`` only for a credential that verifies, and 400 with ``verified: false``, the checks and the problem details
otherwise (tampered, revoked, malformed, a status it cannot check); a bad envelope or request is 400 naming the
field; ``POST /credentials/issue`` refuses a credential that breaks a rule of VC Data Model 2.0 (400, each rule and
its path in ``errors``) and signs nothing. Real signatures by the register's own key throughout."""

from __future__ import annotations

import copy
from typing import Any

import jwt
import pytest

from tests.builders.hostile import service_at
from verifier.checks import NO_SUSPENSION_ENTRY

V2 = "https://www.w3.org/ns/credentials/v2"
PREFIX = "data:application/vc+jwt,"


@pytest.fixture(scope="module")
def actors(tmp_path_factory: pytest.TempPathFactory) -> Any:
    made = service_at(tmp_path_factory.mktemp("vc-api"), "http://127.0.0.1:8000")
    yield made
    made.close()


def plain(actors: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": actors.ledger.settings.issuer_url.rstrip("/"),
        "credentialSubject": {"id": "did:example:visitor", "name": "Open day visitor"},
        **extra,
    }


def issued(actors: Any, credential: dict[str, Any] | None = None) -> tuple[str, str]:
    answer = actors.ok("admin", "POST", "/credentials/issue", {"credential": credential or plain(actors)}, expect=201)
    envelope = answer["verifiableCredential"]
    assert envelope["@context"] == [V2] and envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"].startswith(PREFIX)
    return envelope["id"].removeprefix(PREFIX), answer["recordId"]


def verify(actors: Any, credential: Any, **options: Any) -> Any:
    body = {"verifiableCredential": credential, **({"options": options} if options else {})}
    return actors.call(None, "POST", "/credentials/verify", body)


def enveloped(token: str, **changes: Any) -> dict[str, Any]:
    return {"@context": [V2], "type": "EnvelopedVerifiableCredential", "id": PREFIX + token, **changes}


def signed_by_the_register(actors: Any, document: dict[str, Any]) -> str:
    from credentials.achievement import sign_credential_jwt

    key = actors.app.state.service.keyring.active()
    return sign_credential_jwt(document, key.signing_key, issued_at=actors.ledger.clock.now())


def test_a_credential_that_verifies_is_200_with_every_check(actors: Any) -> None:
    token, _ = issued(actors)
    for form in (token, PREFIX + token, enveloped(token), enveloped(token, type=["EnvelopedVerifiableCredential"])):
        answer = verify(actors, form)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verified"] is True and body["problemDetails"] == [] and body["warnings"] == []
        names = [c["name"] for c in body["checks"]]
        assert names[:2] == ["format", "header"] and "data model" in names and "revocation" in names
        # one status entry, for revocation (a suspension revokes): the suspension check is not made, and says why
        assert [c for c in body["checks"] if c["outcome"] != "pass"] == [
            {"name": "suspension", "outcome": "not checked", "reason": NO_SUSPENSION_ENTRY}
        ]
        assert next(c for c in body["checks"] if c["name"] == "revocation")["outcome"] == "pass"
        assert set(body["checks"][0]) == {"name", "outcome", "reason"}


def test_a_tampered_credential_is_400_with_a_cryptographic_problem(actors: Any) -> None:
    token, _ = issued(actors)
    head, body, signature = token.split(".")
    i = next(i for i in range(5, len(signature) - 2) if signature[i] != signature[i + 1])
    swapped = signature[:i] + signature[i + 1] + signature[i] + signature[i + 2 :]
    answer = verify(actors, enveloped(f"{head}.{body}.{swapped}"))
    assert answer.status_code == 400
    verdict = answer.json()
    assert verdict["verified"] is False
    assert verdict["problemDetails"] == [
        {
            "type": "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR",
            "title": "signature",
            "detail": next(c["reason"] for c in verdict["checks"] if c["name"] == "signature"),
        }
    ]


def test_a_revoked_credential_is_400_and_says_so(actors: Any) -> None:
    token, record = issued(actors)
    assert verify(actors, token).status_code == 200
    actors.ok("admin", "POST", f"/api/requested-credentials/{record}/revoke")
    answer = verify(actors, token)
    assert answer.status_code == 400 and answer.json()["verified"] is False
    assert [p["title"] for p in answer.json()["problemDetails"]] == ["revocation"]


def test_a_status_the_verifier_does_not_know_is_not_checked_and_never_verified(actors: Any) -> None:
    token, _ = issued(actors)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["credentialStatus"]["statusPurpose"] == "revocation"  # one entry, an object
    payload["credentialStatus"] = [
        payload["credentialStatus"],
        {"id": "https://status.example/7#1", "type": "StatusList2021Entry", "statusPurpose": "revocation"},
    ]
    answer = verify(actors, signed_by_the_register(actors, payload))
    assert answer.status_code == 400, answer.text
    verdict = answer.json()
    assert verdict["verified"] is False and verdict["problemDetails"] == []
    status = [c for c in verdict["checks"] if c["name"] == "status"]
    assert [c["outcome"] for c in status] == ["not checked"] and "'StatusList2021Entry'" in status[0]["reason"]
    assert [w["title"] for w in verdict["warnings"]] == ["status"]
    assert verdict["warnings"][0]["detail"] == status[0]["reason"] and verdict["summary"].startswith("Not valid")
    assert verdict["credentialSubject"] is None


def test_a_malformed_credential_the_register_signed_is_400_naming_the_rule(actors: Any) -> None:
    token, _ = issued(actors)
    payload = jwt.decode(token, options={"verify_signature": False})
    payload["credentialSubject"]["id"] = ["did:example:1", "did:example:2"]
    answer = verify(actors, signed_by_the_register(actors, payload))
    assert answer.status_code == 400
    problem = answer.json()["problemDetails"]
    assert [(p["title"], p["type"]) for p in problem] == [
        ("data model", "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR")
    ]
    assert "credentialSubject.id" in problem[0]["detail"] and "4.4 Identifiers" in problem[0]["detail"]


@pytest.mark.parametrize(
    "case, field",
    [
        ("empty @context", "verifiableCredential.@context"),
        ("no @context", "verifiableCredential.@context"),
        ("v1 @context", "verifiableCredential.@context"),
        ("no type", "verifiableCredential.type"),
        ("wrong type", "verifiableCredential.type"),
        ("id not a data: URL", "verifiableCredential.id"),
        ("id of another media type", "verifiableCredential.id"),
        ("id of the draft media type", "verifiableCredential.id"),
        ("id with no data", "verifiableCredential.id"),
        ("an embedded proof", "verifiableCredential.proof"),
        ("a number", "verifiableCredential"),
        ("a data: URL string of another media type", "verifiableCredential"),
        ("missing", "verifiableCredential"),
        ("an unknown member", "extra"),
        ("an unknown option", "options.challenge"),
        ("options not an object", "options"),
        ("a bad time", "options.at"),
        ("not an object", "body"),
    ],
)
def test_a_request_that_cannot_be_read_is_400_naming_the_field(actors: Any, case: str, field: str) -> None:
    token = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
    good = enveloped(token)
    bodies: dict[str, Any] = {
        "empty @context": {"verifiableCredential": {**good, "@context": []}},
        "no @context": {"verifiableCredential": {k: v for k, v in good.items() if k != "@context"}},
        "v1 @context": {"verifiableCredential": {**good, "@context": ["https://www.w3.org/2018/credentials/v1"]}},
        "no type": {"verifiableCredential": {k: v for k, v in good.items() if k != "type"}},
        "wrong type": {"verifiableCredential": {**good, "type": "VerifiableCredential"}},
        "id not a data: URL": {"verifiableCredential": {**good, "id": token}},
        "id of another media type": {"verifiableCredential": {**good, "id": f"data:application/json,{token}"}},
        "id of the draft media type": {
            "verifiableCredential": {**good, "id": f"data:application/vc+ld+json+jwt,{token}"}
        },
        "id with no data": {"verifiableCredential": {**good, "id": "data:application/vc+jwt,"}},
        "an embedded proof": {"verifiableCredential": {**plain(actors), "proof": {"type": "DataIntegrityProof"}}},
        "a number": {"verifiableCredential": 42},
        "a data: URL string of another media type": {"verifiableCredential": f"data:text/plain,{token}"},
        "missing": {"options": {}},
        "an unknown member": {"verifiableCredential": good, "extra": 1},
        "an unknown option": {"verifiableCredential": good, "options": {"challenge": "x"}},
        "options not an object": {"verifiableCredential": good, "options": ["at"]},
        "a bad time": {"verifiableCredential": good, "options": {"at": "tomorrow"}},
        "not an object": [good],
    }
    answer = actors.call(None, "POST", "/credentials/verify", bodies[case])
    assert answer.status_code == 400, (case, answer.text)
    verdict = answer.json()
    assert verdict["verified"] is False and verdict["errors"][0]["field"] == field, (case, verdict)
    assert verdict["problemDetails"][0]["type"] == "https://www.w3.org/TR/vc-data-model#PARSING_ERROR"
    assert field in verdict["problemDetails"][0]["detail"]


BROKEN = {  # what the admin sends: (change, the field named, the rule)
    "a context that is not a URL": (lambda c: c["@context"].append("https ://not-a-url"), "@context[1]", "contexts"),
    "a context that is a number": (lambda c: c["@context"].append(7), "@context[1]", "contexts"),
    "a subject id that is an array": (
        lambda c: c["credentialSubject"].update(id=["did:example:1", "did:example:2"]),
        "credentialSubject.id",
        "identifiers",
    ),
    "termsOfUse without a type": (
        lambda c: c.update(termsOfUse=[{"id": "https://register.example/terms"}]),
        "termsOfUse[0].type",
        "types",
    ),
    "evidence without a type": (lambda c: c.update(evidence={"name": "x"}), "evidence.type", "types"),
    "refreshService without a type": (
        lambda c: c.update(refreshService={"id": "https://register.example/refresh"}),
        "refreshService.type",
        "types",
    ),
    "credentialSchema without a type": (
        lambda c: c.update(credentialSchema={"id": "https://register.example/schema.json"}),
        "credentialSchema.type",
        "types",
    ),
    "a name with an extra member": (
        lambda c: c.update(name={"@value": "Visit", "@language": "en", "extra": 1}),
        "name",
        "names and descriptions",
    ),
    "an issuer description with an extra member": (
        lambda c: c.update(issuer={"id": c["issuer"], "description": {"@value": "x", "@id": "urn:x"}}),
        "issuer.description",
        "names and descriptions",
    ),
    "relatedResource as strings": (
        lambda c: c.update(relatedResource=["https://register.example/a"]),
        "relatedResource[0]",
        "related resources",
    ),
    "validUntil before validFrom": (
        lambda c: c.update(validFrom="2026-02-01T00:00:00Z", validUntil="2026-01-01T00:00:00Z"),
        "validUntil",
        "validity period",
    ),
    "a redefined protected term": (
        lambda c: c["@context"].append({"VerifiableCredential": "https://evil.example/VC"}),
        "@context",
        "protected terms",
    ),
    "a type mapped to something that is not a URL": (
        lambda c: (c["@context"].append({"Visit": "visit"}), c["type"].append("Visit")),
        "@context",
        "types",
    ),
    "an undefined term": (
        lambda c: c["credentialSubject"].update(note="hello"),
        "credentialSubject.note",
        "undefined terms",
    ),
    "another issuer": (lambda c: c.update(issuer="https://someone.else"), "issuer", "issuer"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_issue_refuses_a_credential_that_breaks_a_rule_naming_it_and_signs_nothing(actors: Any, case: str) -> None:
    change, path, rule = BROKEN[case]
    credential = copy.deepcopy(plain(actors))
    change(credential)
    before = actors.ledger.recorder.max_notification_id()
    answer = actors.call("admin", "POST", "/credentials/issue", {"credential": credential})
    assert answer.status_code == 400, (case, answer.text)
    errors = answer.json()["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [(f"credential.{path}", rule)], (case, errors)
    assert errors[0]["detail"] and f"credential.{path}" in answer.json()["detail"]
    assert actors.ledger.recorder.max_notification_id() == before


def test_issue_refuses_what_it_does_not_understand(actors: Any) -> None:
    for body, field in (
        ({"credential": plain(actors), "extra": 1}, "extra"),
        ({"credential": plain(actors), "options": {"credentialId": "x"}}, "options.credentialId"),
        ({"credential": "text"}, "credential"),
        ({"credential": {**plain(actors), "proof": {"type": "DataIntegrityProof"}}}, "credential.proof"),
    ):
        answer = actors.call("admin", "POST", "/credentials/issue", body)
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == field, answer.text


def test_a_language_value_name_and_an_inline_context_are_issued_and_verify(actors: Any) -> None:
    credential = plain(
        actors, name=[{"@value": "Open day", "@language": "en"}, {"@value": "Diwrnod agored", "@language": "cy"}]
    )
    credential["@context"].append({"note": "https://register.example/terms#note"})
    credential["credentialSubject"]["note"] = "came to the open day"
    token, _ = issued(actors, credential)
    assert verify(actors, token).json()["verified"] is True
