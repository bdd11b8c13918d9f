"""The VC Data Model 2.0 rules that need JSON-LD (``credentials.jsonld``, pyld with local contexts): a redefined
protected term, a type that does not expand to a URL, an undefined term, and a context the register does not hold
(refused, never fetched); each with a credential that breaks only it. The packaged contexts are the published bytes."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from credentials.jsonld import CONTEXT_FILES, ContextRefused, document_loader, problems

STANDARDS = Path(__file__).resolve().parents[2].parent / "shared" / "standards"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def minimal() -> dict[str, Any]:
    return json.loads((STANDARDS / "openbadges/example_minimal_valid.json").read_text())


def plain() -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "https://register.example",
        "credentialSubject": {"id": "did:example:1", "name": "Ada"},
    }


@pytest.mark.parametrize("name", sorted(CONTEXT_FILES.values()))
def test_the_packaged_contexts_are_the_published_bytes(name: str) -> None:
    packaged = resources.files("credentials").joinpath("contexts", name).read_bytes()
    assert packaged == (STANDARDS / "contexts" / name).read_bytes()


def test_the_open_badges_example_and_a_plain_credential_pass() -> None:
    assert problems(minimal()) == []
    assert problems(plain()) == []
    inline = {**plain(), "@context": [V2, {"note": "https://register.example/terms#note"}]}
    inline["credentialSubject"] = {"id": "did:example:1", "note": "attended"}
    assert problems(inline) == []


def test_a_context_the_register_does_not_hold_is_refused_and_never_fetched() -> None:
    for url in ("https://www.w3.org/ns/credentials/examples/v2", "https ://not-a-url", "http://127.0.0.1:9/x"):
        with pytest.raises(ContextRefused, match="never fetched"):
            document_loader(url)
        credential = {**plain(), "@context": [V2, url]}
        found = problems(credential)
        assert [(p.rule, p.path) for p in found] == [("contexts", "@context")] and url in found[0].reason
    assert document_loader(V2)["document"]["@context"]["VerifiableCredential"]


def test_a_redefined_protected_term_is_refused() -> None:
    credential = minimal()
    credential["@context"].append({"VerifiableCredential": "https://evil.example/VerifiableCredential"})
    found = problems(credential)
    assert [(p.rule, p.path) for p in found] == [("protected terms", "@context")]
    assert "VerifiableCredential" in found[0].reason


def test_a_type_mapped_to_something_that_is_not_a_url_is_refused() -> None:
    credential = minimal()
    credential["@context"].append({"LocalBadge": "just-a-word"})
    credential["type"].append("LocalBadge")
    assert [(p.rule, p.path) for p in problems(credential)] == [("types", "@context")]
    undefined = minimal()
    undefined["type"].append("NoSuchType")  # no context defines it: it stays a relative IRI
    found = problems(undefined)
    assert [(p.rule, p.path) for p in found] == [("types", "type")] and "NoSuchType" in found[0].reason


@pytest.mark.parametrize(
    "path, value",
    [("badExtension", {"huh": "what?"}), ("credentialSubject.nickname", "Ada")],
)
def test_an_undefined_term_is_an_error_naming_its_path(path: str, value: Any) -> None:
    credential = minimal()
    target = credential
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    found = problems(credential)
    assert [(p.rule, p.path) for p in found] == [("undefined terms", path)]
    assert repr(last) in found[0].reason


@pytest.mark.parametrize("garbage", [None, "x", [], {"@context": 5}, {"@context": [V2, {"@version": 9}]}])
def test_garbage_is_a_problem_never_a_crash(garbage: Any) -> None:
    assert problems(copy.deepcopy(garbage))


def test_a_credential_nested_too_deep_is_a_problem_not_a_crash() -> None:
    credential = plain()
    deep: dict[str, Any] = {"name": "x"}
    for _ in range(3000):
        deep = {"name": "x", "credentialSubject": deep}
    credential["credentialSubject"] = deep
    found = problems(credential)
    assert found and found[0].rule in ("json-ld", "undefined terms")
