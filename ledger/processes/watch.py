"""Organisations watching their linked people: for every suspension, lapse, resignation or removal of a registration
whose holder was linked to organisations at that moment, one letter to each such organisation's contact and, where
it has set a webhook, one signed delivery (``ledger.processes.webhooks``), exactly once per (event, organisation).

It follows the event log as the credential issuer does (``ledger.processes.issuance``): from its own position, over
the four events' topics only, parking what it cannot handle with the later events of the same registration. The
letter's id (``Mail.id_for``) and the delivery's id are derived from the event and the organisation, so a second
run over the same events (after a crash between queuing and moving the position, or two workers overlapping at a
hand-over) finds them there and queues nothing again: the event store refuses a second letter, the table a second
delivery. Each is checked on its own, so a crash between the letter and the delivery leaves the delivery to the
next run.

"Linked at that moment": the registrant's ``OrganisationLink`` as its stored events stood when the status change was
recorded, so a link made after it (or taken back before it) does not tell the organisation, however late the
follower runs.

What the organisation is told is what the public register shows: who, the registration number, what changed and
since when, and the page to look at; never the reason (a suspension's or removal's reason is the person's). The
letter's text names the person, so it is sealed with the person's own key (the address with the organisation's):
an erasure shreds it, and the mailer sends nothing it cannot open. A person already erased when the follower reaches
the event produces nothing, neither letter nor delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from ledger.app.ledger import Ledger
from ledger.app.vault import Shredded
from ledger.domain.aggregates import Organisation, OrganisationLink, Registration
from ledger.domain.aggregates.mail import Mail
from ledger.processes.webhooks import delivery_id, ensure_table, queue_delivery
from ledger.read import parking
from ledger.read.projections.base import advance_position, position_of

POSITION = "organisation-watch"
KIND = "organisation letter"
CHANGES: dict[type, tuple[str, str]] = {
    Registration.Suspended: ("suspended", "suspended"),
    Registration.Lapsed: ("lapsed", "lapsed"),
    Registration.Resigned: ("resigned", "resigned"),
    Registration.Removed: ("removed", "removed"),
}
"""Each watched event: (the webhook's ``type`` after ``registration.``, the status it leaves)."""
TOPICS = [get_topic(cls) for cls in CHANGES]
MEANING = {
    "suspended": "The registrar has suspended the registration: while it is suspended they are not registered, and "
    "their credential and QR badge show as not valid.",
    "lapsed": "The registration has lapsed (it was not renewed in time, or a PPD audit ended it): they are not "
    "registered until they renew or are reinstated, and their credential shows as not valid.",
    "resigned": "They have left the register: they are no longer registered, and their credential shows as not valid.",
    "removed": "The registrar has removed them from the register: they are no longer registered, and their "
    "credential shows as not valid.",
}


class CrashForTest(RuntimeError):
    """Raised by ``catch_up(fail_after=...)`` to stop the follower as a crash would."""


@dataclass
class WatchResult:
    events: int = 0
    letters: int = 0
    deliveries: int = 0
    already: int = 0  # letters or deliveries found queued by an earlier run
    unlinked: int = 0  # events of people linked to no organisation then
    erased: int = 0
    parked: int = 0


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class Watch:
    def __init__(self, ledger: Ledger, *, batch_size: int = 500) -> None:
        self.ledger = ledger
        self.batch_size = batch_size
        ensure_table(ledger.engine)

    # -- position (as the issuer keeps its own)
    def position(self) -> int:
        return position_of(self.ledger.engine, POSITION)

    def _save_position(self, position: int) -> None:
        advance_position(self.ledger.engine, POSITION, position)

    # -- the catch-up
    def catch_up(self, *, fail_after: int | None = None) -> WatchResult:
        """Tell the organisations of every watched event up to the head of the log as it was when called.
        ``fail_after`` is for tests: once that many letters are queued in this run, the follower stops before it
        queues anything more or moves its position, as a crash would."""
        result = WatchResult()
        start = self.position()
        head = self.ledger.recorder.max_notification_id() or 0
        blocked = parking.blocked(self.ledger.engine, POSITION)
        while start < head:
            notifications = self.ledger.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=head, topics=TOPICS, inclusive_of_start=False
            )
            if not notifications:
                break
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
                    self._watch(self.ledger.mapper.to_domain_event(notification), result, fail_after)
                except CrashForTest:
                    raise
                except Exception as error:
                    if parking.is_database_fault(error):
                        raise
                    parking.park(self.ledger.engine, POSITION, notification, parking.describe(error))
                    blocked.add(UUID(str(notification.originator_id)))
                    result.parked += 1
            start = notifications[-1].id
            self._save_position(start)
        if head > self.position():
            self._save_position(head)
        return result

    def retry_parked(self) -> tuple[int, int]:
        """Each registration's parked events again, in order. Returns (released, still parked)."""
        released = still = 0
        groups: dict[UUID, list[parking.Parked]] = {}
        for item in parking.parked(self.ledger.engine, POSITION):
            groups.setdefault(item.originator_id, []).append(item)
        for group in groups.values():
            try:
                for item in group:
                    found = self.ledger.recorder.select_notifications(start=item.notification_id, limit=1)
                    self._watch(self.ledger.mapper.to_domain_event(found[0]), WatchResult(), None)
            except Exception as error:
                if parking.is_database_fault(error):
                    raise
                parking.tried_again(self.ledger.engine, POSITION, item.notification_id, parking.describe(error))
                still += len(group)
                continue
            parking.release(self.ledger.engine, POSITION, [item.notification_id for item in group])
            released += len(group)
        return released, still

    # -- one event
    def linked_then(self, registrant_id: UUID, recorded: datetime) -> list[UUID]:
        """The organisations the registrant was linked to when ``recorded`` (a stored event's timestamp)."""
        linked: dict[UUID, None] = {}
        event: Any
        for event in self.ledger.events.get(OrganisationLink.id_for(registrant_id)):
            if event.timestamp > recorded:
                break
            if isinstance(event, OrganisationLink.Linked):
                linked[event.organisation_id] = None
            elif isinstance(event, OrganisationLink.Unlinked):
                linked.pop(event.organisation_id, None)
        return list(linked)

    def _watch(self, event: Any, result: WatchResult, fail_after: int | None) -> None:
        ledger = self.ledger
        registration: Registration = ledger.repository.get(event.originator_id, version=event.originator_version)
        registrant = ledger.registrant(registration.registrant_id)
        name = None if registrant.erased else ledger.vault.open(registrant.name)
        if name is None:
            result.erased += 1
            return
        organisations = self.linked_then(registration.registrant_id, event.timestamp)
        if not organisations:
            result.unlinked += 1
            return
        change, status = CHANGES[type(event)]
        page = f"{ledger.settings.issuer_url.rstrip('/')}/r/{registration.number}"
        for organisation_id in organisations:
            organisation = ledger.organisation(organisation_id)
            if not organisation.open:  # its accounts act no more, and it is told nothing more
                continue
            if fail_after is not None and result.letters >= fail_after:
                raise CrashForTest(f"stopped before telling {organisation.code} of event {event.originator_version}")
            try:
                queued = self._letter(event, registration, name, organisation, status, page)
            except Shredded:  # erased between the check and the sealing
                result.erased += 1
                return
            if queued:
                result.letters += 1
            else:
                result.already += 1
            if organisation.webhook_url is not None:
                body = {
                    "type": f"registration.{change}",
                    "number": registration.number,
                    "status": status,
                    "since": event.on.isoformat(),
                    "page": page,
                }
                made = delivery_id(event.originator_id, event.originator_version, organisation_id)
                if queue_delivery(ledger.engine, made, organisation_id, body["type"], body, ledger.clock.now()):
                    result.deliveries += 1
                else:
                    result.already += 1

    def _letter(
        self, event: Any, registration: Registration, name: str, organisation: Organisation, status: str, page: str
    ) -> bool:
        """The letter to the organisation's contact; False if an earlier run queued it."""
        ledger = self.ledger
        mail_id = Mail.id_for(event.originator_id, event.originator_version, f"{KIND} {organisation.id.hex}")
        if ledger._exists(mail_id):
            return False
        contact = ledger.contact_email(organisation)
        if contact is None:
            raise Shredded(f"the contact of {organisation.code} cannot be opened")
        issuer = ledger.settings.issuer_name
        text = (
            f"Dear {organisation.name},\n\n"
            f"{name} (registration number {registration.number}) is {status} on the register of {issuer} since "
            f"{_day(event.on)}.\n\n{MEANING[status]}\n\n"
            f"The public register shows their registration as it stands now:\n{page}\n\n"
            f"You are told because {name} chose to link their registration to {organisation.name} "
            f"({organisation.code}). We tell you nothing more about them than the public register shows.\n\n"
            f"{ledger.settings.body.signature}\n"
        )
        mail = Mail(
            id=mail_id,
            registrant_id=registration.registrant_id,
            kind=KIND,
            to=ledger.vault.seal(organisation.id, contact),
            subject=f"A registration linked to {organisation.name} is now {status}"[:200],
            body=ledger.vault.seal(registration.registrant_id, text),
            occurred_at=ledger.clock.now(),
        )
        try:
            ledger._commit(mail)
        except IntegrityError:  # another follower queued it first
            return False
        return True
