"""Compact JWS signing (pyjwt does the JOSE work). Payloads are serialised as compact UTF-8 JSON, so names with
accents cost two bytes a character rather than six (``\\u00e9``), which matters inside a QR code."""

from __future__ import annotations

import json
from typing import Any

from jwt import api_jws

from credentials.keys import SigningKey

_RESERVED_HEADERS = {"alg"}


def encode_jws(payload: dict[str, Any], key: SigningKey, headers: dict[str, Any]) -> str:
    """Sign ``payload`` with exactly ``headers`` plus ``alg`` (the one place that serialises a payload)."""
    if not isinstance(payload, dict):
        raise TypeError("a JWS payload here is a JSON object (dict)")
    clash = _RESERVED_HEADERS & headers.keys()
    if clash:
        raise ValueError(f"header(s) {sorted(clash)} are set from the key, not by the caller")
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    return api_jws.encode(body, key.private_key, algorithm=key.alg, headers=headers)


def sign_jws(payload: dict[str, Any], key: SigningKey, *, typ: str, extra_headers: dict[str, Any] | None = None
             ) -> str:
    """A compact JWS whose protected header has ``alg``, ``kid`` (the key's RFC 7638 thumbprint) and ``typ``."""
    return encode_jws(payload, key, {"kid": key.kid, **(extra_headers or {}), "typ": typ})
