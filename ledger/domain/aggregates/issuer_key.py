"""An issuer key's life: generated, activated, retired, perhaps compromised. The private half never appears here:
it is sealed at rest in the key store (``ledger.processes.keyring``); the events carry only the public JWK.

- ``issuer`` keys sign credentials and status lists; one is active at a time (the keyring says which);
- the ``root`` key signs trust bundles; verifiers pin it, so it changes only by a deliberate rotation.

A retired key still verifies what it signed while it was in service. A key compromised since a time verifies
nothing it signed at or after that time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.errors import RuleBroken
from ledger.domain.statuses import KeyRole, KeyState

KEY_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/issuer-key")
ROLES = tuple(KeyRole)


class IssuerKey(LedgerAggregate):
    @staticmethod
    def create_id(kid: str) -> UUID:
        return uuid5(KEY_NAMESPACE, kid)

    id_for = create_id

    class Event(LedgerAggregate.Event):
        """Every event of an issuer key."""

    class Generated(LedgerAggregate.Created):
        kid: str
        alg: str
        public_jwk: dict[str, Any]
        role: str
        occurred_at: datetime

    @event(Generated)
    def __init__(self, kid: str, alg: str, public_jwk: dict[str, Any], role: str, occurred_at: datetime) -> None:
        self.kid = kid
        self.alg = alg
        self.public_jwk = public_jwk
        self.role = role
        self.generated_at = occurred_at
        self.activated_at: datetime | None = None
        self.retired_at: datetime | None = None
        self.compromised_since: datetime | None = None

    @property
    def state(self) -> KeyState:
        if self.compromised_since is not None:
            return KeyState.COMPROMISED
        if self.retired_at is not None:
            return KeyState.RETIRED
        return KeyState.ACTIVE if self.activated_at is not None else KeyState.GENERATED

    def can_sign_at(self, moment: datetime) -> bool:
        return (
            self.activated_at is not None
            and self.retired_at is None
            and (self.compromised_since is None or moment < self.compromised_since)
        )

    def activate(self, occurred_at: datetime) -> None:
        if self.activated_at is not None:
            raise RuleBroken(f"key {self.kid} was already activated")
        if self.compromised_since is not None:
            raise RuleBroken(f"key {self.kid} is compromised and can never be activated")
        self._activated(occurred_at=occurred_at)

    def retire(self, occurred_at: datetime) -> None:
        if self.retired_at is not None:
            raise RuleBroken(f"key {self.kid} was already retired on {self.retired_at:%Y-%m-%d %H:%M}")
        if self.activated_at is None:
            raise RuleBroken(f"key {self.kid} was never activated, so there is nothing to retire")
        if occurred_at <= self.activated_at:  # an empty window of service would make the trust bundle unbuildable
            raise RuleBroken(
                f"key {self.kid} was activated at this very moment; it cannot be retired in the same instant: try again"
            )
        self._retired(occurred_at=occurred_at)

    def mark_compromised(self, since: datetime, occurred_at: datetime) -> None:
        if since > occurred_at:
            raise RuleBroken("a key cannot be compromised since a time that has not come yet")
        if self.compromised_since is not None and self.compromised_since <= since:
            raise RuleBroken(f"key {self.kid} is already compromised since {self.compromised_since.isoformat()}")
        self._compromised(since=since, occurred_at=occurred_at)

    class Activated(Event):
        occurred_at: datetime

    @event(Activated)
    def _activated(self, occurred_at: datetime) -> None:
        self.activated_at = occurred_at

    class Retired(Event):
        occurred_at: datetime

    @event(Retired)
    def _retired(self, occurred_at: datetime) -> None:
        self.retired_at = occurred_at

    class Compromised(Event):
        since: datetime
        occurred_at: datetime

    @event(Compromised)
    def _compromised(self, since: datetime, occurred_at: datetime) -> None:
        self.compromised_since = since
        if self.retired_at is None:
            self.retired_at = occurred_at
