"""The did:web method's mapping between an issuer's https URL and its DID (w3c-ccg did-method-web).

``https://example.com`` <-> ``did:web:example.com`` (document at ``/.well-known/did.json``);
``https://example.com:8443/org/reg`` <-> ``did:web:example.com%3A8443:org:reg`` (document at ``/org/reg/did.json``).

An https register names itself by its did:web DID in what it signs (``issuer``, ``iss``), and its JWS ``kid`` is
then a DID URL, ``<did>#<thumbprint>``, the id of the key's verification method in the DID document (``key_id``):
so a verifier that resolves DIDs gets from a credential to its key (VC-JOSE-COSE, "Key Discovery": the ``kid`` of a
DID issuer is a DID URL naming one of its verification methods). An http register (the embedded default, the tests)
has no DID and keeps its URL and the bare thumbprint.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

PREFIX = "did:web:"


def did_web_id(issuer_url: str) -> str:
    """The did:web DID for an https URL: host (lower case, IDNA), ``:port`` as ``%3A``, path segments joined by
    ``:``."""
    parts = urlsplit(issuer_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"did:web needs an https URL with a host, not {issuer_url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"did:web URL must have no user, query or fragment: {issuer_url!r}")
    host = parts.hostname.encode("idna").decode("ascii")
    if parts.port is not None:
        host += f"%3A{parts.port}"
    segments = [segment for segment in parts.path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        raise ValueError(f"did:web path must not contain '.' or '..' segments: {issuer_url!r}")
    return PREFIX + ":".join([host] + [quote(unquote(segment), safe="") for segment in segments])


def did_web_base_url(did: str) -> str:
    """The https URL a did:web DID names (without ``/.well-known/did.json`` or ``/did.json``)."""
    if not did.startswith(PREFIX) or len(did) == len(PREFIX):
        raise ValueError(f"not a did:web DID: {did!r}")
    host, *segments = did[len(PREFIX) :].split(":")
    host = unquote(host)
    path = "".join("/" + quote(unquote(segment), safe="") for segment in segments)
    return f"https://{host}{path}"


def did_document_url(did: str) -> str:
    """Where the DID document of a did:web DID is published."""
    base = did_web_base_url(did)
    return base + ("/did.json" if urlsplit(base).path else "/.well-known/did.json")


def issuer_base_url(issuer_id: str) -> str:
    """The issuer's https base URL from its id, which is either that URL or its did:web DID."""
    if issuer_id.startswith(PREFIX):
        return did_web_base_url(issuer_id)
    parts = urlsplit(issuer_id)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"an issuer id here is an https URL or a did:web DID, not {issuer_id!r}")
    return issuer_id.rstrip("/")


def key_id(issuer_id: str, thumbprint: str) -> str:
    """The JWS ``kid`` for a key of ``issuer_id``: the DID URL ``<did>#<thumbprint>`` when the issuer is a did:web
    DID (its verification method in the DID document), else the bare RFC 7638 thumbprint."""
    if isinstance(issuer_id, str) and issuer_id.startswith(PREFIX) and len(issuer_id) > len(PREFIX):
        return f"{issuer_id}#{thumbprint}"
    return thumbprint


def issuer_id_for(issuer_url: str) -> str:
    """How a register at ``issuer_url`` names itself in what it signs: its did:web DID for an https address, the
    address itself (without a trailing slash) for any other."""
    url = issuer_url.rstrip("/")
    return did_web_id(url) if url.startswith("https://") else url
