"""The credential issuer: for every award, renewal, reinstatement, lifted suspension and re-issue in the event log,
one signed credential, recorded as a ``Credential.Issued`` event, exactly once.

It reads the log in order from where it last stopped (its position is kept beside the read models'), and for each
triggering event derives the credential's id from the registration and the event's version. If that credential is
already recorded it moves on; otherwise it signs the full credential, the compact badge and the Open Badges 3.0 JWT
form, and records them with a fresh revocation-list index in one save. Two issuers racing, or one re-run after a
crash between signing and recording, can only ever record one credential per event: the event store refuses the
second id.

The OB 3.0 form (``credentials.ob3_jwt``) is the very document the ``vc+jwt`` carries, signed again by the issuer's
RS256 key (the keyring's OB 3.0 slot) under OB 3.0 section 8.2's header rules. It is signed here, beside the
``vc+jwt``, and recorded in the same ``Credential.Issued`` event (version 2: ``ob3``, ``ob3_kid``, ``ob3_sha256``),
not derived later from the stored document: every signed form of a credential exists only because a recorded
decision made it, and what was signed is pinned in the event.

A lifted suspension calls for a new credential because the suspension revoked the old one for good (one status
entry, README "Status entries: the decision"). A suspension lifted after the registration's renewal date has passed
calls for none (there is no current period to certify; the person renews or is reinstated, which issues one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from credentials.achievement import CredentialTemplate
from credentials.compact import build_compact_claims, sign_compact
from credentials.ob3_jwt import payload_of, sign_ob3_jwt
from credentials.status_list import StatusListFull
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Credential, Registration, StatusIndexClaim
from ledger.domain.aggregates.credential import TRIGGERS
from ledger.domain.clock import end_of_day
from ledger.domain.statuses import CredentialTrigger
from ledger.processes.keyring import ActiveKey, Keyring
from ledger.processes.requested import issue_on_request  # the VC API's way, not by a decision: re-exported
from ledger.processes.signing import (
    INDEX_ATTEMPTS,
    STATUS_LIST_LENGTH,
    describe_level,
    free_index,
    issuer_profile,
    level_for,
    start_of_day,
    status_entries,
)
from ledger.read import parking
from ledger.read.projections.base import advance_position, position_of
from ledger.read.sharing import pack_token

POSITION = "credential-issuer"
TOPICS = [get_topic(cls) for cls in TRIGGERS]
"""The stored topics of the events that call for a credential (``ledger.domain.aggregates.credential.TRIGGERS``)."""
VALID_FROM: dict[CredentialTrigger, Callable[[Any], date]] = {
    CredentialTrigger.AWARD: lambda event: event.awarded_on,
    CredentialTrigger.REINSTATEMENT: lambda event: event.on,
    CredentialTrigger.RENEWAL: lambda event: event.occurred_at.date(),
    CredentialTrigger.REISSUE: lambda event: event.occurred_at.date(),
    CredentialTrigger.SUSPENSION_LIFTED: lambda event: event.on,
}
"""When a credential's validity starts, from the event that called for it."""

__all__ = [  # what callers import from here, wherever it is defined
    "INDEX_ATTEMPTS",
    "POSITION",
    "STATUS_LIST_LENGTH",
    "TOPICS",
    "TRIGGERS",
    "CrashForTest",
    "CredentialIssuer",
    "IssueResult",
    "describe_level",
    "issue_on_request",
    "issuer_profile",
]

Progress = Callable[[int, int], None]


class CrashForTest(RuntimeError):
    """Raised by ``catch_up(fail_after=...)`` to stop the issuer as a crash would."""


@dataclass
class IssueResult:
    events: int = 0
    issued: int = 0
    already_issued: int = 0
    erased: int = 0
    past_due: int = 0  # suspensions lifted after the renewal date: no current period to certify
    parked: int = 0
    credentials: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class Signed:
    full: str
    compact: str
    revocation_index: int
    ob3: str


class CredentialIssuer:
    def __init__(self, ledger: Ledger, keyring: Keyring | None = None, *, batch_size: int = 500) -> None:
        self.ledger = ledger
        self.keyring = keyring or Keyring(ledger)
        self.batch_size = batch_size
        self.issuer = issuer_profile(ledger)
        self._templates: dict[tuple[str, str], CredentialTemplate] = {}
        self._ob3_key: ActiveKey | None = None

    # -- position
    def position(self) -> int:
        return position_of(self.ledger.engine, POSITION)

    def _save_position(self, position: int) -> None:
        advance_position(self.ledger.engine, POSITION, position)

    # -- the catch-up
    def catch_up(self, progress: Progress | None = None, *, fail_after: int | None = None) -> IssueResult:
        """Issue every credential the log calls for that is not yet recorded, up to the head of the log as it was
        when called (the position then says the issuer has seen everything up to there). ``fail_after`` is for
        tests: after that many credentials have been signed, the next one is signed and then the issuer stops
        before recording it, as a crash would.

        A trigger the issuer cannot turn into a credential (the builder refuses the record, say) is parked with
        every later trigger of the same registration (``ledger.read.parking``); the rest are issued."""
        result = IssueResult()
        start = self.position()
        head = self.ledger.recorder.max_notification_id() or 0
        total = max(head - start, 0)
        blocked = parking.blocked(self.ledger.engine, POSITION)
        key: ActiveKey | None = None
        self._ob3_key = None
        while start < head:
            notifications = self.ledger.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=head, topics=TOPICS, inclusive_of_start=False
            )
            if not notifications:
                break
            key = key or self.keyring.active()
            for notification in notifications:
                result.events += 1
                if notification.originator_id in blocked:
                    parking.park(
                        self.ledger.engine,
                        POSITION,
                        notification,
                        "waits for an earlier parked event of the same registration",
                    )
                    result.parked += 1
                    continue
                try:
                    event = self.ledger.mapper.to_domain_event(notification)
                    self._issue_for(event, key, result, fail_after)
                except CrashForTest:
                    raise
                except Exception as error:
                    if parking.is_database_fault(error):
                        raise
                    parking.park(self.ledger.engine, POSITION, notification, parking.describe(error))
                    blocked.add(UUID(str(notification.originator_id)))  # the ledger's aggregates have UUID ids
                    result.parked += 1
            start = notifications[-1].id
            self._save_position(start)
            if progress:
                progress(min(start, head) - (head - total), total)
        if head > self.position():
            self._save_position(head)
        if progress:
            progress(total, total)
        return result

    def retry_parked(self) -> tuple[int, int]:
        """Issue each registration's parked triggers again, in order; released together once they all go through.
        Returns (events released, events still parked)."""
        released = still = 0
        groups: dict[UUID, list[parking.Parked]] = {}
        for item in parking.parked(self.ledger.engine, POSITION):
            groups.setdefault(item.originator_id, []).append(item)
        key: ActiveKey | None = None
        self._ob3_key = None
        for group in groups.values():
            key = key or self.keyring.active()
            try:
                for item in group:
                    found = self.ledger.recorder.select_notifications(start=item.notification_id, limit=1)
                    event = self.ledger.mapper.to_domain_event(found[0])
                    self._issue_for(event, key, IssueResult(), None)
            except Exception as error:
                if parking.is_database_fault(error):
                    raise
                parking.tried_again(self.ledger.engine, POSITION, item.notification_id, parking.describe(error))
                still += len(group)
                continue
            parking.release(self.ledger.engine, POSITION, [item.notification_id for item in group])
            released += len(group)
        return released, still

    def _issue_for(self, event: Any, key: ActiveKey, result: IssueResult, fail_after: int | None) -> None:
        registration_id, version = event.originator_id, event.originator_version
        credential_id = Credential.id_for(registration_id, version)
        if self.ledger._exists(credential_id):
            result.already_issued += 1
            return
        registration: Registration = self.ledger.repository.get(registration_id, version=version)
        registrant = self.ledger.registrant(registration.registrant_id)
        name = self.ledger.vault.open(registrant.name)
        if name is None:  # erased: there is no one to issue to
            result.erased += 1
            return
        trigger = TRIGGERS[type(event)]
        valid_from = VALID_FROM[trigger](event)
        assert registration.level is not None and registration.valid_until is not None
        if registration.valid_until < valid_from:
            result.past_due += 1
            return
        for _ in range(INDEX_ATTEMPTS):
            signed = self._sign(credential_id, registration, name, key, valid_from, registration.valid_until)
            if fail_after is not None and result.issued >= fail_after:
                raise CrashForTest(f"stopped after signing credential {credential_id} and before recording it")
            owner = registration.registrant_id
            now = self.ledger.clock.now()
            credential = Credential(
                registration_id=registration_id,
                registrant_id=owner,
                trigger=trigger,
                trigger_version=version,
                number=registration.number,
                level=registration.level,
                kid=key.kid,
                revocation_index=signed.revocation_index,
                suspension_index=None,
                valid_from=valid_from,
                valid_until=registration.valid_until,
                full=self.ledger.vault.seal_bytes(owner, pack_token(signed.full)),
                compact=self.ledger.vault.seal_bytes(owner, pack_token(signed.compact)),
                sha256=hashlib.sha256(f"{signed.full}\n{signed.compact}".encode("ascii")).hexdigest(),
                occurred_at=now,
                ob3=self.ledger.vault.seal_bytes(owner, pack_token(signed.ob3)),
                ob3_kid=self._ob3().kid,
                ob3_sha256=hashlib.sha256(signed.ob3.encode("ascii")).hexdigest(),
            )
            claim = StatusIndexClaim(
                purpose="revocation", index=signed.revocation_index, credential_id=credential_id, occurred_at=now
            )
            try:
                self.ledger._commit(credential, claim)
            except IntegrityError:
                if self.ledger._exists(credential_id):  # another issuer recorded it first: nothing twice
                    result.already_issued += 1
                    return
                continue  # the index was claimed meanwhile: draw again
            result.issued += 1
            result.credentials.append(credential_id)
            return
        raise StatusListFull(
            f"could not find a free status index for credential {credential_id} after {INDEX_ATTEMPTS} attempts"
        )

    def _sign(
        self,
        credential_id: UUID,
        registration: Registration,
        name: str,
        key: ActiveKey,
        valid_from: date,
        valid_until: date,
    ) -> Signed:
        ob3_key = self._ob3()  # first: making it records its activation, which must not come after ``now``
        issuer_url = self.issuer.url  # the address (the id is the did:web DID of an https register)
        assert registration.level is not None
        level = level_for(self.ledger.framework, registration.level, issuer_url)
        revocation = free_index(self.ledger, "revocation")
        status = status_entries(issuer_url, revocation)
        starts, ends = start_of_day(valid_from), end_of_day(valid_until)
        now = self.ledger.clock.now()
        template = self._templates.get((level.code, key.kid))
        if template is None:
            template = self._templates[(level.code, key.kid)] = CredentialTemplate(
                issuer=self.issuer,
                level=level,
                achievement_id=f"{issuer_url}/framework/{level.code}",
                key=key.signing_key,
            )
        full = template.sign(
            credential_id=f"urn:uuid:{credential_id}",
            subject_id=f"urn:uuid:{registration.registrant_id}",
            name=name,
            registration_number=registration.number,
            valid_from=starts,
            valid_until=ends,
            revocation_index=revocation,
            issued_at=now,
        )
        # the badge is valid from the moment it is signed (a verifier checks its key was in service then)
        claims = build_compact_claims(
            credential_id=f"urn:uuid:{credential_id}",
            issuer_id=issuer_url,
            name=name,
            registration_number=registration.number,
            level_code=level.code,
            valid_from=now if now < ends else starts,
            valid_until=ends,
            status=status,
        )
        ob3 = sign_ob3_jwt(payload_of(full), ob3_key.signing_key, issued_at=now)
        return Signed(full, sign_compact(claims, key.signing_key), revocation, ob3)

    def _ob3(self) -> ActiveKey:
        """The issuer's RS256 key for the OB 3.0 form, looked up once per run like the badge key."""
        if self._ob3_key is None:
            self._ob3_key = self.keyring.active(ob3=True)
        return self._ob3_key
