"""The issuer's keys: their lifecycle as events (``IssuerKey``), their private halves sealed at rest in the
``issuer_private_keys`` table under a key derived from the master key, never in an event.

One ``issuer`` key is active at a time and signs credentials and status lists; ``rotate`` brings in a new one and
retires the old, which still verifies what it signed. The ``root`` key signs trust bundles; verifiers pin it.
The first credential or trust bundle creates the keys it needs.

Issuer keys come in two slots, one active key in each: the **badge** slot (ES256 or EdDSA: it signs the ``vc+jwt``,
the QR badge, whose signature must be 64 bytes, and the status lists) and the **OB 3.0** slot (RS256: it signs only
the Open Badges 3.0 JWT form of each credential, ``credentials.ob3_jwt``, because OB 3.0 section 8.2.3 makes RS256
the algorithm every OB 3.0 verifier supports). Both are ``issuer`` keys, so the trust bundle, the JWK Set and the
did:web document publish both, and a compromise of either re-issues what it signed. ``rotate(ob3=True)`` and
``active(ob3=True)`` work on the OB 3.0 slot; rotating one slot never retires the other's key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.persistence import IntegrityError
from sqlalchemy import Column, DateTime, LargeBinary, String, Table, insert, select

from credentials.compact import COMPACT_ALGORITHMS
from credentials.keys import ALGORITHMS, SigningKey, generate_key, open_private_key, seal_private_key
from credentials.ob3_jwt import OB3_ALG
from credentials.trust import TrustedKey
from ledger.app.db import metadata
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import IssuerKey
from ledger.domain.clock import utc
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.domain.statuses import KeyRole, KeyState

issuer_private_keys = Table(
    "issuer_private_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


_FIRST_KEY = threading.Lock()


@dataclass(frozen=True)
class ActiveKey:
    record: IssuerKey
    signing_key: SigningKey

    @property
    def kid(self) -> str:
        return self.record.kid


def _next_second(moment: datetime | None) -> datetime | None:
    """Bundles speak in whole seconds: a retirement is rounded up, so a window is never empty."""
    if moment is None:
        return None
    return moment.replace(microsecond=0) + timedelta(seconds=1 if moment.microsecond else 0)


def _in_slot(key: IssuerKey, role: str, ob3: bool) -> bool:
    """Whether ``key`` belongs to the slot asked for: an issuer key is in the OB 3.0 slot when it is RS256 (the
    badge slot never holds RS256: ``rotate`` refuses it), every key of another role in its role's one slot."""
    if role != KeyRole.ISSUER:
        return True
    return (key.alg == OB3_ALG) == ob3


class Keyring:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._opened: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    # -- reading
    def records(self, role: str | None = None) -> list[IssuerKey]:
        """Every key ever generated (of ``role``, if given), oldest first (a destroyed key's row stays, empty)."""
        with self.ledger.engine.connect() as conn:
            kids = conn.execute(select(issuer_private_keys.c.kid)).scalars().all()
        found = []
        for kid in kids:
            try:
                found.append(self.record(kid))
            except NotFound:
                continue  # the private half was stored but the process stopped before the event: never used
        return sorted((k for k in found if role in (None, k.role)), key=lambda k: k.generated_at)

    def record(self, kid: str) -> IssuerKey:
        if not isinstance(kid, str) or not 20 <= len(kid) <= 64:
            raise InvalidInput("kid", "a key id is the key's RFC 7638 thumbprint (43 characters)")
        try:
            return self.ledger._get(IssuerKey, IssuerKey.id_for(kid), "key")
        except NotFound:
            raise NotFound(f"no issuer key {kid}") from None

    def signing_key(self, kid: str) -> SigningKey:
        with self._lock:
            if kid not in self._opened:
                with self.ledger.engine.connect() as conn:
                    sealed = conn.execute(
                        select(issuer_private_keys.c.sealed).where(issuer_private_keys.c.kid == kid)
                    ).scalar()
                if sealed is None:
                    raise NotFound(f"the private half of key {kid} is not in this key store")
                if not sealed:
                    raise RuleBroken(f"key {kid} was retired or compromised: its private half was destroyed")
                self._opened[kid] = open_private_key(sealed, self.ledger.key_secret)
            return self._opened[kid]

    def active(self, role: str = KeyRole.ISSUER, *, ob3: bool = False) -> ActiveKey:
        """The key that signs now (for the issuer: of the badge slot, or of the OB 3.0 slot with ``ob3``); the
        first call makes one (ES256; RS256 for the OB 3.0 slot) if there is none."""
        now = self.ledger.clock.now()

        def live_keys() -> list[IssuerKey]:
            return [k for k in self.records(role) if k.can_sign_at(now) and _in_slot(k, role, ob3)]

        live = live_keys()
        if not live:
            with _FIRST_KEY:  # two requests arriving together must not each make a key
                live = live_keys()
                if not live:
                    self.rotate(role=role, ob3=ob3)
                    live = live_keys()
        record = max(live, key=lambda k: k.activated_at or now)  # every live key was activated
        return ActiveKey(record, self.signing_key(record.kid))

    def trusted_keys(self) -> list[TrustedKey]:
        """The issuer keys a verifier should know, with their validity windows and compromise times."""
        return [
            TrustedKey(
                jwk=k.public_jwk,
                valid_from=k.activated_at.replace(microsecond=0),
                valid_until=_next_second(k.retired_at),
                compromised_since=k.compromised_since,
            )
            for k in self.records(KeyRole.ISSUER)
            if k.activated_at is not None
        ]

    # -- lifecycle
    def rotate(
        self, *, alg: str = "ES256", role: str = KeyRole.ISSUER, ob3: bool = False
    ) -> tuple[IssuerKey, list[IssuerKey]]:
        """A new key, activated; the keys of the same role (and, for the issuer, the same slot) that were active
        are retired in the same save. ``ob3`` rotates the issuer's OB 3.0 key (always RS256). Returns the new key
        and the retired ones."""
        if ob3:
            if role != KeyRole.ISSUER:
                raise InvalidInput("role", "only the issuer has an Open Badges 3.0 key")
            alg = OB3_ALG
        if alg not in ALGORITHMS:
            raise InvalidInput("alg", f"expected one of {', '.join(ALGORITHMS)}")
        if role not in tuple(KeyRole):
            raise InvalidInput("role", "expected issuer, root or log")
        if role == KeyRole.LOG:
            alg = "EdDSA"  # checkpoints are signed notes: Ed25519
        if role == KeyRole.ISSUER and alg not in COMPACT_ALGORITHMS and not ob3:
            fits = " or ".join(COMPACT_ALGORITHMS)
            raise InvalidInput(
                "alg",
                f"an issuer key also signs QR badges, which only {fits} signatures fit; "
                f"{alg} is available for the root key (--root), and RS256 signs the Open Badges 3.0 form (--ob3)",
            )
        now = self.ledger.clock.now()
        key = generate_key(alg)
        with self.ledger.engine.begin() as conn:  # the private half first: an event never names a missing key
            conn.execute(
                insert(issuer_private_keys).values(
                    kid=key.kid, role=role, sealed=seal_private_key(key, self.ledger.key_secret), created_at=now
                )
            )
        record = IssuerKey(kid=key.kid, alg=alg, public_jwk=key.public_jwk, role=role, occurred_at=now)
        record.activate(occurred_at=now)
        retired = [k for k in self.records(role) if k.state == KeyState.ACTIVE and _in_slot(k, role, ob3)]
        for old in retired:
            old.retire(occurred_at=now)
        try:
            self.ledger._commit(record, *retired)
        except IntegrityError:
            raise RuleBroken("another process changed the keys at the same moment; look again and retry") from None
        with self._lock:
            self._opened[key.kid] = key
        self.destroy_private_key(*(k.kid for k in retired))
        return record, retired

    def retire(self, kid: str) -> IssuerKey:
        record = self.record(kid)
        record.retire(occurred_at=self.ledger.clock.now())
        self.ledger._commit(record)
        self.destroy_private_key(kid)
        return record

    def mark_compromised(self, kid: str, since: datetime) -> tuple[IssuerKey, IssuerKey | None]:
        """The key verifies nothing it signed at or after ``since``. If it was the active key of its role, a new
        one takes over in the same call (returned second)."""
        record = self.record(kid)
        was_active = record.state == KeyState.ACTIVE
        record.mark_compromised(utc(since), occurred_at=self.ledger.clock.now())
        self.ledger._commit(record)
        self.destroy_private_key(kid)
        ob3 = record.role == KeyRole.ISSUER and record.alg == OB3_ALG
        replacement = self.rotate(role=record.role, ob3=ob3)[0] if was_active else None
        if record.role == KeyRole.ISSUER:
            self.ledger.reissue_after_compromise(kid)
        return record, replacement

    def destroy_private_key(self, *kids: str) -> None:
        """Retired and compromised keys sign nothing again: their private halves are overwritten with nothing (the
        row stays, naming the key; SQLite overwrites the freed bytes: ``secure_delete``)."""
        if not kids:
            return
        with self.ledger.engine.begin() as conn:
            conn.execute(
                issuer_private_keys.update().where(issuer_private_keys.c.kid.in_(list(kids))).values(sealed=b"")
            )
        with self._lock:
            for kid in kids:
                self._opened.pop(kid, None)
