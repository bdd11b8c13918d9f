"""VC Data Model 2.0 sections 4 and 5 without JSON-LD (``verifier.data_model``): each rule refuses a credential that
breaks only it, names the rule and the path, and the published examples (VC-JOSE-COSE, Open Badges 3.0) pass."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verifier.data_model import RULES, is_url, problems

STANDARDS = Path(__file__).resolve().parents[2].parent / "shared" / "standards"
EXAMPLES = [
    "vc-jose-cose/credential-full.json",
    "vc-jose-cose/credential-minimal.json",
    "vc-jose-cose/credential-unknown-extensions.json",
    "openbadges/example_full.json",
    "openbadges/example_minimal_valid.json",
]


def full() -> dict[str, Any]:
    return json.loads((STANDARDS / "vc-jose-cose/credential-full.json").read_text())


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_published_examples_are_well_formed(name: str) -> None:
    assert problems(json.loads((STANDARDS / name).read_text())) == []


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``value`` at a dotted path (``issuer.name``), creating objects on the way."""

    def change(credential: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = credential
        for part in parents:
            target = target.setdefault(part, {}) if isinstance(target.get(part), dict | None) else target[part]
        target[last] = value

    return change


def drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(credential: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = credential
        for part in parents:
            target = target[part]
        del target[last]

    return change


V2 = "https://www.w3.org/ns/credentials/v2"
LANGUAGE = {"@value": "Degree", "@language": "en"}
DIGEST = "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW"
BROKEN = {  # case: (change, rule, path)
    "no @context": (drop("@context"), "contexts", "@context"),
    "@context not a list": (put("@context", V2), "contexts", "@context"),
    "first context not v2": (put("@context", ["https://www.w3.org/2018/credentials/v1"]), "contexts", "@context[0]"),
    "a context with a space": (put("@context", [V2, "https ://not-a-url"]), "contexts", "@context[1]"),
    "a context that is a number": (put("@context", [V2, 42]), "contexts", "@context[1]"),
    "credential id not a URL": (put("id", "not a url"), "identifiers", "id"),
    "credential id a list": (put("id", ["urn:a", "urn:b"]), "identifiers", "id"),
    "subject id an array": (
        put("credentialSubject.id", ["did:example:1", "did:example:2"]),
        "identifiers",
        "credentialSubject.id",
    ),
    "status id a list": (
        put("credentialStatus.id", ["https://a.example/1", "https://a.example/2"]),
        "identifiers",
        "credentialStatus.id",
    ),
    "no type": (drop("type"), "types", "type"),
    "type without VerifiableCredential": (put("type", ["UniversityDegreeCredential"]), "types", "type"),
    "type a number": (put("type", ["VerifiableCredential", 7]), "types", "type"),
    "credentialStatus without type": (drop("credentialStatus.type"), "types", "credentialStatus.type"),
    "termsOfUse without type": (
        put("termsOfUse", [{"id": "https://example.edu/terms/1"}]),
        "types",
        "termsOfUse[0].type",
    ),
    "evidence without type": (put("evidence", {"id": "https://example.edu/evidence/1"}), "types", "evidence.type"),
    "refreshService without type": (drop("refreshService.type"), "types", "refreshService.type"),
    "credentialSchema without type": (drop("credentialSchema.type"), "types", "credentialSchema.type"),
    "evidence a string": (put("evidence", ["https://example.edu/evidence/1"]), "evidence", "evidence[0]"),
    "name a number": (put("name", 3), "names and descriptions", "name"),
    "name with an extra member": (put("name", {**LANGUAGE, "extra": 1}), "names and descriptions", "name"),
    "description list with an extra member": (
        put("description", [LANGUAGE, {"@value": "x", "@id": "urn:x"}]),
        "names and descriptions",
        "description[1]",
    ),
    "name @value not a string": (put("name", {"@value": 1}), "names and descriptions", "name"),
    "name @direction wrong": (put("name", {"@value": "x", "@direction": "up"}), "names and descriptions", "name"),
    "issuer name with an extra member": (
        put("issuer", {"id": "https://example.issuer/vc-jose-cose", "name": {**LANGUAGE, "foo": "bar"}}),
        "names and descriptions",
        "issuer.name",
    ),
    "no issuer": (drop("issuer"), "issuer", "issuer"),
    "issuer not a URL": (put("issuer", "Example University"), "issuer", "issuer"),
    "issuer object without id": (put("issuer", {"name": "Example University"}), "issuer", "issuer.id"),
    "no subject": (drop("credentialSubject"), "credential subject", "credentialSubject"),
    "subject an empty list": (put("credentialSubject", []), "credential subject", "credentialSubject"),
    "subject a string": (put("credentialSubject", ["did:example:1"]), "credential subject", "credentialSubject[0]"),
    "subject with no claim": (
        put("credentialSubject", {}),
        "credential subject",
        "credentialSubject",
    ),
    "validFrom without a zone": (put("validFrom", "2024-01-01T00:00:00"), "validity period", "validFrom"),
    "validUntil a date only": (put("validUntil", "2027-01-01"), "validity period", "validUntil"),
    "validUntil before validFrom": (put("validUntil", "2023-01-01T00:00:00Z"), "validity period", "validUntil"),
    "two status entries, one id": (
        put(
            "credentialStatus",
            [{"id": "https://s.example/1#1", "type": "X"}, {"id": "https://s.example/1#1", "type": "Y"}],
        ),
        "status",
        "credentialStatus[1].id",
    ),
    "credentialStatus a string": (put("credentialStatus", "https://s.example/1#1"), "status", "credentialStatus"),
    "credentialSchema without id": (drop("credentialSchema.id"), "data schemas", "credentialSchema.id"),
    "relatedResource strings": (
        put("relatedResource", ["https://a.example/x"]),
        "related resources",
        "relatedResource[0]",
    ),
    "relatedResource without id": (
        put("relatedResource", [{"digestSRI": DIGEST}]),
        "related resources",
        "relatedResource[0].id",
    ),
    "relatedResource duplicate id": (
        put(
            "relatedResource",
            [{"id": "https://a.example/x", "digestSRI": DIGEST}, {"id": "https://a.example/x", "digestSRI": DIGEST}],
        ),
        "related resources",
        "relatedResource[1].id",
    ),
    "relatedResource without digest": (
        put("relatedResource", [{"id": "https://a.example/x"}]),
        "related resources",
        "relatedResource[0]",
    ),
    "refreshService a string": (
        put("refreshService", "https://example.edu/refresh/3732"),
        "refresh service",
        "refreshService",
    ),
    "termsOfUse a string": (put("termsOfUse", "https://example.edu/terms/1"), "terms of use", "termsOfUse"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_rule_refuses_a_credential_that_breaks_only_it(case: str) -> None:
    change, rule, path = BROKEN[case]
    credential = full()
    change(credential)
    found = problems(credential)
    assert [(p.rule, p.path) for p in found] == [(rule, path)], (case, found)
    assert rule in RULES and found[0].reason and not found[0].reason[0].isupper()


def test_every_rule_has_a_case() -> None:
    assert {rule for _, rule, _ in BROKEN.values()} == set(RULES)


def test_language_value_objects_and_lists_of_them_pass() -> None:
    credential = full()
    credential["name"] = [LANGUAGE, {"@value": "Diplôme", "@language": "fr", "@direction": "ltr"}]
    credential["description"] = "A degree"
    credential["issuer"] = {"id": "https://example.issuer/vc-jose-cose", "name": LANGUAGE, "description": "x"}
    credential["relatedResource"] = [{"id": "https://a.example/x", "digestMultibase": "uEiB"}]
    assert problems(credential) == []


@pytest.mark.parametrize(
    "value, ok",
    [
        ("https://example.edu/x", True),
        ("did:example:123", True),
        ("urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5", True),
        ("https ://not-a-url", False),
        ("https://", False),
        ("https://a.example:port/", False),
        ("no-scheme", False),
        ("1http://a.example", False),
        ("https://a.example/a b", False),
        (42, False),
    ],
)
def test_urls(value: Any, ok: bool) -> None:
    assert is_url(value) is ok


@pytest.mark.parametrize("garbage", [None, 1, "x", [], [{}], {"@context": {}}])
def test_garbage_is_a_problem_never_a_crash(garbage: Any) -> None:
    assert problems(copy.deepcopy(garbage))


# -- the browser verifier (verifier/web/verify.js) says exactly the same, rule for rule (run under Node)
WEB_VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "web" / "verify.js"
NODE_SCRIPT = """
const api = require(process.argv[1]);
const texts = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = texts.map((text) => {
  const value = api._internals.parseJSON(text, true, 991);
  return {
    problems: api._internals.dataModelProblems(value).map((p) => [p.rule, p.path, p.reason]),
    urls: Array.from(value.get("urls") || [], (u) => api._internals.isUrl(u)),
    times: Array.from(value.get("times") || [], (t) => api._internals.dateTimeStamp(t)),
  };
});
process.stdout.write(JSON.stringify(out));
"""


def javascript(documents: list[Any]) -> list[dict[str, Any]]:
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    texts = json.dumps([json.dumps(d) for d in documents])
    done = subprocess.run(
        [node, "-e", NODE_SCRIPT, str(WEB_VERIFIER)], input=texts, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_browser_verifier_finds_the_same_problems_in_the_same_words() -> None:
    from verifier.data_model import date_time_stamp

    documents = [json.loads((STANDARDS / name).read_text()) for name in EXAMPLES]
    for change, _, _ in BROKEN.values():
        credential = full()
        change(credential)
        documents.append(credential)
    several = full()  # many problems at once, in their order
    for change, _, _ in BROKEN.values():
        try:
            change(several)
        except (KeyError, TypeError):
            pass
    documents.append(several)
    urls = [
        "https://a.example:65535/x",
        "https://a.example:65536",
        "http://[::1]:80/",
        "https://u@h.example",
        "a:b",
        "HTTPS://A.EXAMPLE",
        "https:x",
        "https://a.example/é",
        "mailto:x@y",
        "https://a.example?x#y",
        "",
    ]
    times = [
        "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "2024-01-01T00:00:00+14:01",
        "9999-12-31T23:59:59.123456789-13:59",
        "2024-01-01T23:59:60Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01",
    ]
    documents.append({"urls": urls, "times": times})
    found = javascript(documents)
    for document, answer in zip(documents[:-1], found[:-1], strict=True):
        assert answer["problems"] == [list(p) for p in problems(document)], document
    assert found[-1]["urls"] == [is_url(u) for u in urls]
    assert found[-1]["times"] == [list(t) if (t := date_time_stamp(s)) else None for s in times]
