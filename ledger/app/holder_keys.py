"""Holder keys: one P-256 key per registrant, with which the register signs a verifiable presentation of the
registrant's credential when they ask for one on their page (a ``vp+jwt``, VC-JOSE-COSE section 3.1.2).

Why the register holds the key: registrants have no wallet, and the register will not ask them to run one to show a
client their registration. So the key is the register's, kept for that registrant alone, and a presentation signed
with it proves this: the register presented this credential, at the registrant's signed-in request, to the named
audience (``aud``) with the challenge that client gave (``nonce``). It does not prove possession by the registrant's
own device. The holder is named ``did:jwk:...`` of the public key (resolvable offline by any verifier); the
credential's subject is ``urn:uuid:...``, not that DID, so verifiers report holder binding as not checked, as it is.

Where the key lives: the ``holder_keys`` table, one row per registrant, made when first needed. The private half is
sealed with the registrant's own data key in the vault (``ledger.app.vault``: AES-GCM, the registrant's id as
associated data), so erasure -- which destroys that data key -- makes it unusable for good, like the rest of their
personal data; no presentation can be made for an erased registrant. The table is in the backup's state tables
(``ledger.ops.backup.format.STATE_TABLES``): no event can give a key back.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Column, DateTime, Engine, LargeBinary, String, Table, Text, insert, select
from sqlalchemy.exc import IntegrityError

from credentials.jwt_sign import encode_jws
from credentials.keys import SigningKey, generate_key
from ledger.app.db import metadata
from ledger.app.vault import Shredded, Vault
from ledger.domain.errors import RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.text import clean_text

holder_keys = Table(
    "holder_keys",
    metadata,
    Column("registrant", String(32), primary_key=True),
    Column("public_jwk", Text, nullable=False),
    Column("sealed_private", LargeBinary, nullable=False),  # PKCS#8, sealed with the registrant's data key
    Column("created_at", DateTime(timezone=True), nullable=False),
)

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
PRESENTATION_LIFETIME = timedelta(hours=24)
"""How long a presentation is valid: VC Data Model 2.0 section 4.13 says presentations "SHOULD be extremely
short-lived"; a day lets a client check it the day they get it."""
MAX_AUDIENCE = 200
MAX_NONCE = 200


class HolderKeys:
    """Each registrant's holder key, sealed in the vault."""

    def __init__(self, engine: Engine, vault: Vault) -> None:
        self._engine, self._vault = engine, vault

    def key_for(self, registrant: UUID, now: datetime) -> SigningKey:
        """The registrant's key, made (and sealed) the first time it is needed."""
        found = self._load(registrant)
        if found is not None:
            return found
        key = generate_key("ES256")
        private = key.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        sealed = self._vault.seal_bytes(registrant, private)  # Shredded once the registrant is erased
        public = {k: v for k, v in key.public_jwk.items() if k in ("crv", "kty", "x", "y")}
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(holder_keys).values(
                        registrant=registrant.hex,
                        public_jwk=json.dumps(public, sort_keys=True),
                        sealed_private=sealed.blob,
                        created_at=now,
                    )
                )
        except IntegrityError:  # made meanwhile by another request: use that one
            made = self._load(registrant)
            if made is None:
                raise
            return made
        return key

    def delete(self, registrant: UUID) -> None:
        """Forget the registrant's holder key (erasure: its private half is already unreadable once their data key
        is shredded; the public half goes too)."""
        with self._engine.begin() as conn:
            conn.execute(holder_keys.delete().where(holder_keys.c.registrant == registrant.hex))

    def public_jwk(self, registrant: UUID) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(holder_keys.c.public_jwk).where(holder_keys.c.registrant == registrant.hex)
            ).first()
        return None if row is None else dict(json.loads(row[0]))

    def _load(self, registrant: UUID) -> SigningKey | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(holder_keys.c.sealed_private).where(holder_keys.c.registrant == registrant.hex)
            ).first()
        if row is None:
            return None
        private = self._vault.open_bytes(Sealed(registrant, bytes(row[0])))
        if private is None:
            raise Shredded(f"the personal data of {registrant} was erased; their holder key is gone with it")
        key = serialization.load_der_private_key(private, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise RuleBroken("the holder key is not a P-256 key")
        return SigningKey("ES256", key)


def did_jwk(key: SigningKey) -> str:
    """``did:jwk:`` and the base64url of the public JWK (its RFC 7638 members, compact, sorted)."""
    from credentials.keys import b64url

    public = {k: v for k, v in key.public_jwk.items() if k in ("crv", "kty", "x", "y")}
    return "did:jwk:" + b64url(json.dumps(public, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def present(
    holder_keys_: HolderKeys, registrant: UUID, credential: str, audience: Any, nonce: Any, now: datetime
) -> str:
    """A ``vp+jwt`` holding ``credential`` (a ``vc+jwt``) as an EnvelopedVerifiableCredential, addressed to
    ``audience`` with the client's ``nonce``, signed with the registrant's holder key. Raises ``InvalidInput``
    naming ``audience`` or ``nonce`` when one is empty, too long, or holds hidden characters."""
    audience = clean_text("audience", audience, max_length=MAX_AUDIENCE, multiline=False)
    nonce = clean_text("nonce", nonce, max_length=MAX_NONCE, multiline=False)
    key = holder_keys_.key_for(registrant, now)
    holder = did_jwk(key)
    issued = int(now.timestamp())
    payload = {
        "@context": [VC_V2_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [
            {
                "@context": [VC_V2_CONTEXT],
                "id": f"data:application/vc+jwt,{credential}",
                "type": "EnvelopedVerifiableCredential",
            }
        ],
        "iss": holder,
        "aud": audience,
        "nonce": nonce,
        "iat": issued,
        "exp": issued + int(PRESENTATION_LIFETIME.total_seconds()),
    }
    return encode_jws(payload, key, {"kid": f"{holder}#0", "typ": "vp+jwt", "cty": "vp"})
