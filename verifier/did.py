"""The register's did:web name, as the verifier needs it: an https register names itself in what it signs by its
did:web DID (``did:web:register.example.org`` for ``https://register.example.org``) and names the signing key by a
DID URL (``<did>#<thumbprint>``), while its trust bundle names it by its address. Credentials it signed before it
did so carry the address and the bare thumbprint; both forms verify.

``did_web_of`` maps an address to its DID as the did:web method does (host in lower case, a port as ``%3A``, path
segments joined by ``:``), for plain addresses only: an ASCII host, and path segments of unreserved characters.
Anything else has no DID here (it then matches only itself), so Python and the browser verifier
(``verifier/web/verify.js``, which has the same functions) always agree.
"""

from __future__ import annotations

import re

PREFIX = "did:web:"
_PLAIN_HTTPS = re.compile(
    r"https://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?(?P<path>(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)/?"
)


def did_web_of(address: str | None) -> str | None:
    """The did:web DID of a plain https address, or None (not https, or not plain: see the module docstring)."""
    if not isinstance(address, str):
        return None
    found = _PLAIN_HTTPS.fullmatch(address)
    if found is None:
        return None
    name = found["host"].lower() + (f"%3A{found['port']}" if found["port"] else "")
    segments = [segment for segment in found["path"].split("/") if segment]
    return PREFIX + ":".join([name, *segments])


def same_issuer(named: str | None, trusted: str | None) -> bool:
    """Whether a credential naming ``named`` as its issuer names the issuer the trust bundle is for: the same
    identifier, or the did:web DID of its https address."""
    if not isinstance(named, str) or not isinstance(trusted, str):
        return False
    return named == trusted or named == did_web_of(trusted) or did_web_of(named) == trusted


def key_thumbprint(kid: str, issuer: str | None) -> str | None:
    """The thumbprint a DID URL ``kid`` names when its DID is ``issuer``'s (``<did>#<thumbprint>``); None for a DID
    URL of any other DID, for a ``kid`` that is no DID URL, or when there is no issuer to compare with."""
    if not isinstance(kid, str) or not kid.startswith("did:") or "#" not in kid or issuer is None:
        return None
    did, _, fragment = kid.partition("#")
    if not fragment or not same_issuer(did, issuer) or not did.startswith("did:"):
        return None
    return fragment
