"""What the register publishes for verifiers: the two status list credentials, the signed trust bundle, the JWK Set
and the did:web document. Built from the read models (bring them up to date first: ``ProjectionRunner.catch_up``).

Which keys each names. The trust bundle names every issuer key that was ever in service, with its window
(``valid_until`` once retired) and ``compromised_since`` once compromised: ``regverify`` and the web verifier read
those and explain a refusal. The JWK Set and the DID document are read by generic verifiers, which know no windows
and no compromise: they list only the keys that may still be trusted, the active key and the retired ones (which
verify what they signed while in service), and never a compromised key. Both are made from the key events at each
request (not kept like the bundle), so a compromise leaves them in the same call that records it.

An https register names itself by its did:web DID (``signing.issuer_profile``) and its credentials' ``kid`` is a DID
URL (``<did>#<thumbprint>``): its JWK Set lists each key under that DID URL as well as under its thumbprint, so a
JOSE library that picks the key by ``kid`` finds it for credentials of either form. The trust bundle keeps naming
the issuer by its address (``iss``), which is what verifiers' pins are keyed by.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from credentials.achievement import sign_credential_jwt
from credentials.did_web import key_id
from credentials.status_list import PURPOSES, StatusList, build_status_list_credential, status_list_url
from credentials.trust import build_trust_bundle, did_web_document, jwks, sign_trust_bundle
from ledger.app.ledger import Ledger
from ledger.domain.errors import RuleBroken
from ledger.domain.statuses import KeyRole, KeyState
from ledger.processes.keyring import Keyring
from ledger.processes.signing import STATUS_LIST_LENGTH, issuer_profile
from ledger.read.projections.credentials import status_bits

STATUS_LIST_LIFETIME = timedelta(minutes=5)
"""A published status list is valid for five minutes (the service republishes it then, and tells caches so): a
suspension reaches online verifiers within minutes. Offline verifiers judge the lists in their trust bundle by age
instead (``verifier``: status as of ..., seven days at most by default)."""
TRUST_REFRESH = timedelta(hours=24)


class Publisher:
    def __init__(self, ledger: Ledger, keyring: Keyring | None = None) -> None:
        self.ledger = ledger
        self.keyring = keyring or Keyring(ledger)
        self.issuer = issuer_profile(ledger)

    def status_lists(self) -> dict[str, StatusList]:
        with self.ledger.engine.connect() as conn:
            revoked, suspended = status_bits(conn)
        lists = {purpose: StatusList(STATUS_LIST_LENGTH) for purpose in PURPOSES}
        for purpose, indexes in (("revocation", revoked), ("suspension", suspended)):
            for index in indexes:
                lists[purpose].set(index)
        return lists

    def status_list_credentials(self, at: datetime | None = None) -> dict[str, str]:
        """Both lists as signed ``BitstringStatusListCredential`` JWTs, valid from ``at`` for a day."""
        at = at or self.ledger.clock.now()
        key = self.keyring.active()
        signed = {}
        for purpose, bits in self.status_lists().items():
            document = build_status_list_credential(
                list_id=status_list_url(self.issuer.id, purpose),
                issuer=self.issuer,
                purpose=purpose,
                encoded_list=bits.encode(),
                valid_from=at,
                valid_until=at + STATUS_LIST_LIFETIME,
            )
            signed[purpose] = sign_credential_jwt(document, key.signing_key, issued_at=at)
        return signed

    def trust_bundle(self, at: datetime | None = None, lists: dict[str, str] | None = None) -> str:
        """The trust bundle, signed by the root key. Its sequence is the ledger's position, so a later bundle
        always has a sequence at least as high."""
        at = at or self.ledger.clock.now()
        root = self.keyring.active(KeyRole.ROOT)  # first: making it adds events, which the sequence must count
        lists = lists if lists is not None else self.status_list_credentials(at)
        bundle = build_trust_bundle(
            issuer_id=self.issuer.url,
            keys=self.keyring.trusted_keys(),
            status_lists=lists,
            made_at=at,
            refresh_after=at + TRUST_REFRESH,
            sequence=self.ledger.recorder.max_notification_id() or 0,
        )
        return sign_trust_bundle(bundle, root.signing_key)

    def publish(self) -> None:
        """Sign both status lists and the trust bundle now, and keep them (``ledger.processes.published``): the web
        serves these copies. The worker calls this when what they state may have changed, and before they expire."""
        from ledger.app.db import upsert
        from ledger.processes.published import TRUST_BUNDLE, published_documents

        now = self.ledger.clock.now()
        self.keyring.active(KeyRole.ROOT)  # before the lists: making it adds events, which the bundle's sequence counts
        lists = self.status_list_credentials(now)
        bundle = self.trust_bundle(now, lists)
        until = now + STATUS_LIST_LIFETIME
        rows = [{"name": TRUST_BUNDLE, "body": bundle, "made_at": now, "valid_until": until}]
        rows += [
            {"name": f"status/{purpose}", "body": token, "made_at": now, "valid_until": until}
            for purpose, token in lists.items()
        ]
        with self.ledger.engine.begin() as conn:
            conn.execute(upsert(conn, published_documents), rows)

    def verification_keys(self) -> list[dict[str, Any]]:
        """The public JWKs a generic verifier may trust: issuer keys that were activated and are not compromised
        (the active one, and retired ones for what they signed in service), oldest first."""
        return [
            k.public_jwk
            for k in self.keyring.records(KeyRole.ISSUER)
            if k.activated_at is not None and k.state != KeyState.COMPROMISED
        ]

    def jwks(self) -> dict[str, Any]:
        """The JWK Set of ``/.well-known/jwks.json``: ``verification_keys``, each under its thumbprint, and for an
        https register under its DID URL too (what the register's credentials name in ``kid``)."""
        document = jwks(self.verification_keys())
        if self.issuer.id != self.issuer.url:  # a did:web issuer
            document["keys"] += [{**jwk, "kid": key_id(self.issuer.id, jwk["kid"])} for jwk in document["keys"]]
        return document

    def did_document(self) -> dict[str, Any]:
        """The did:web document, one verification method per key of ``verification_keys`` (each in
        ``assertionMethod``); did:web is defined for https addresses only."""
        if not self.issuer.url.startswith("https://"):
            raise RuleBroken(
                f"did:web needs an https issuer address, and this register is at {self.issuer.url}: "
                "set REGLEDGER_ISSUER_URL to the public https address"
            )
        return did_web_document(self.issuer.url, self.verification_keys())

    def root_jwk(self) -> dict[str, Any]:
        """The public root key that verifiers pin."""
        return self.keyring.active(KeyRole.ROOT).record.public_jwk
