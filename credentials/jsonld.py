"""The rules of VC Data Model 2.0 that need a JSON-LD processor, run by pyld with the two contexts the register
knows loaded from this package's own files (``credentials/contexts/``), never from the network.

``problems(credential)`` gives a list of ``Problem(rule, path, reason)`` (the same shape as
``verifier.data_model.Problem``), empty when the credential passes:

- ``contexts``: every context the credential names must be one the register holds
  (``https://www.w3.org/ns/credentials/v2`` and the Open Badges 3.0.3 context) or given inline; the document loader
  refuses every other URL with a clear error and fetches nothing.
- ``protected terms`` (VCDM 2.0 section 4.3 and JSON-LD 1.1 section 4.1.11): the base context protects its terms; a
  later context that redefines one (``VerifiableCredential``, ``id``, ``credentialSubject`` ...) makes JSON-LD
  expansion fail ("protected term redefinition"), and the credential is refused.
- ``types`` (VCDM 2.0 section 4.5: each term in a ``type`` value MUST map to a URL): after expansion every ``@type``
  is an absolute IRI; a type a context maps to something that is not one is refused.
- ``undefined terms``: a property no context defines is dropped by JSON-LD expansion, and its claim is lost to every
  JSON-LD reader. VC Data Model 2.0 removed the ``@vocab`` of its earlier drafts from the base context: a conforming
  document whose contexts do not define every term it uses must name the undefined-terms context
  (``https://www.w3.org/ns/credentials/undefined-terms/v2``) last. So an undefined term is an error here, not a
  warning; the register does not hold that context, so such a credential is refused with the term and its path.
- any other JSON-LD error (an invalid context, a malformed ``@value``) is a ``json-ld`` problem with pyld's words.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from pyld import jsonld  # type: ignore[import-untyped]  # pyld ships no type information

CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
}
"""The only contexts the processor loads, each from a file in ``credentials/contexts`` (byte for byte the published
documents: a test compares them with ``../shared/standards/contexts``)."""
MAX_NODES = 20_000
SECTIONS = {
    "contexts": "VC Data Model 2.0 4.3 Contexts",
    "protected terms": "VC Data Model 2.0 4.3 Contexts; JSON-LD 1.1 4.1.11 Protected Term Definitions",
    "types": "VC Data Model 2.0 4.5 Types",
    "undefined terms": "VC Data Model 2.0 4.3 Contexts (every term defined by a context)",
    "json-ld": "JSON-LD 1.1",
}
"""Where each rule comes from, for a reader of the problem."""


class Problem(NamedTuple):
    rule: str
    path: str
    reason: str


class ContextRefused(Exception):
    """A context the register does not hold: never fetched."""


@cache
def _context(url: str) -> Any:
    text = resources.files("credentials").joinpath("contexts", CONTEXT_FILES[url]).read_text("utf-8")
    return json.loads(text)


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the two known contexts from the package, every other URL refused."""
    if url not in CONTEXT_FILES:
        raise ContextRefused(
            f"the context {url} is not one this register holds (only {', '.join(CONTEXT_FILES)}); it is never "
            "fetched from the network"
        )
    return {"contextUrl": None, "documentUrl": url, "document": _context(url)}


def expand(credential: Any, dropped: list[str] | None = None) -> list[Any]:
    """The credential expanded by pyld with the local contexts; the terms expansion dropped go into ``dropped``."""
    seen = dropped if dropped is not None else []
    result: list[Any] = jsonld.expand(
        credential,
        {"documentLoader": document_loader, "base": None},
        on_property_dropped=lambda term: seen.append(str(term)),
    )
    return result


def problems(credential: Any) -> list[Problem]:
    """Every JSON-LD rule ``credential`` breaks; empty when it passes. Never raises for bad input."""
    if not isinstance(credential, dict):
        return [Problem("json-ld", "", "a credential must be a JSON object")]
    if _size(credential) > MAX_NODES:
        return [Problem("json-ld", "", "the credential is too large to process")]
    dropped: list[str] = []
    try:
        expanded = expand(credential, dropped)
        found = [
            Problem("undefined terms", path, f"the term {term!r} is defined by no context, so JSON-LD drops it")
            for term in dict.fromkeys(dropped)
            for path in _paths_of(credential, term)
        ]
        found += [
            Problem("types", "type", f"the type {value!r} does not expand to a URL")
            for value in _types(expanded)
            if not _absolute(value)
        ]
    except jsonld.JsonLdError as error:
        return [_error_problem(error, credential)]
    except (RecursionError, ValueError, TypeError) as error:
        return [Problem("json-ld", "", f"the credential cannot be processed as JSON-LD: {type(error).__name__}")]
    return found


def _error_problem(error: Exception, credential: dict[str, Any]) -> Problem:
    """pyld's error (it wraps the cause: a refused context, a redefined protected term) as one problem."""
    cause: Any = error
    while cause is not None:
        if isinstance(cause, ContextRefused):
            return Problem("contexts", "@context", str(cause))
        code = getattr(cause, "code", None)
        if code == "protected term redefinition":
            terms = _redefined(credential)
            named = f" ({', '.join(terms)})" if terms else ""
            return Problem(
                "protected terms",
                "@context",
                f"a context redefines a protected term of the VC 2.0 base context{named}",
            )
        if code == "invalid IRI mapping" or code == "invalid type mapping":
            return Problem("types", "@context", "a context maps a term to something that is not a URL")
        details = getattr(cause, "details", None)
        cause = (details.get("cause") if isinstance(details, dict) else None) or cause.__cause__
    code = getattr(error, "code", None) or "error"
    return Problem("json-ld", "@context", f"the credential is not valid JSON-LD ({code})")


def _redefined(credential: dict[str, Any]) -> list[str]:
    """The base context's terms that an inline context of the credential defines again."""
    base = _context("https://www.w3.org/ns/credentials/v2")["@context"]
    contexts = credential.get("@context")
    inline = [c for c in contexts if isinstance(c, dict)] if isinstance(contexts, list) else []
    return sorted({term for context in inline for term in context if term in base and not term.startswith("@")})


def _types(node: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                found += value if isinstance(value, list) else [value]
            elif key not in ("@value", "@context"):
                found += _types(value)
    elif isinstance(node, list):
        for item in node:
            found += _types(item)
    return found


def _absolute(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme and scheme[0].isalpha() and " " not in value)


def _paths_of(value: Any, term: str, path: str = "") -> list[str]:
    """Where the key ``term`` occurs in the credential (outside contexts), as dotted paths."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            where = f"{path}.{key}" if path else key
            if key == term:
                found.append(where)
            found += _paths_of(item, term, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths_of(item, term, f"{path}[{i}]")
    return found or ([term] if not path else [])


def _size(value: Any) -> int:
    stack, count = [value], 0
    while stack and count <= MAX_NODES:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count
