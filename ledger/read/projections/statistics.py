"""The statistics read model: what the progression and fairness reports are made from, and nothing personal.

Per application: level, route, dates, first outcome and appeal. Per registration: the level held and every dated
change (award, with the level before it and when that was awarded; renewal; lapse, and whether a PPD audit caused
it; suspension, removal, resignation, reinstatement). Per PPD audit: selection, each decision, the appeal and the
end. Per person: when they enrolled, and each time they answered the background questions, only whether they
answered, the socio-economic band (professional, intermediate, lower, or none) and the broad group of working
pattern, sex and ethnic group (each or none) - never the answers.

No row holds a registrant's, application's or registration's id in clear: every key is an HMAC-SHA256 pseudonym
under a key derived from the master key (``Vault.pseudonym_key``), so the tables cannot be joined to the register,
the casework or the event store without that key. This is the only place background answers are unsealed
(``ledger.domain.background.band_of`` and ``characteristics_of`` turn them into a band and groups at once). When a
registrant is erased, every row of theirs is deleted and a bare tombstone (the pseudonym, nothing else) keeps their
later events out; on a rebuild their sealed answers no longer open, and the erasure deletes what their other events
made.

Per PPD activity: its date, the day it was recorded, the framework's category code and the hours (never what the
registrant wrote of it). Per appointment of an assessor who is on the register: when they were appointed and when
they stood down (an assessor who is not a registrant has no background, so no row). These two tables came with
issue 20: a register made before them needs ``regledger rebuild`` once, or its PPD and appointments so far are
missing from the reports (the tables are created empty, and only new events fill them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from ledger.domain import background
from ledger.domain.aggregates import Application, Assessor, PpdAudit, Registrant, Registration
from ledger.domain.statuses import Appeal, ApplicationStatus, AuditOutcome, Outcome, RegistrationStatus, Remedy
from ledger.read.projections.base import Projection
from ledger.read.projections.statistics_tables import PERSONAL_TABLES, Pseudonyms, statistics_events, statistics_people
from ledger.read.projections.statistics_tables import statistics_rows as statistics_rows  # for the reports

STATUS_AFTER: dict[type[Registration.Event], tuple[str, RegistrationStatus | None]] = {
    Registration.Suspended: ("suspended", RegistrationStatus.SUSPENDED),
    Registration.SuspensionLifted: ("suspension_lifted", RegistrationStatus.REGISTERED),
    Registration.Removed: ("removed", RegistrationStatus.REMOVED),
    Registration.Resigned: ("resigned", RegistrationStatus.RESIGNED),
    Registration.Reinstated: ("reinstated", RegistrationStatus.REGISTERED),
    Registration.Renewed: ("renewed", None),
}
"""(the kind of dated record, the status after) for each of these events."""


def _on(e: Any) -> date:
    """The business date of an event: its own date field where it has one, else the day it occurred."""
    for name in ("on", "awarded_on", "decided_on", "submitted_on"):
        value = getattr(e, name, None)
        if isinstance(value, date):
            return value
    occurred: datetime = e.occurred_at
    return occurred.date()


class StatisticsProjection(Projection):
    name = "statistics"
    tables = (statistics_people, *PERSONAL_TABLES)
    handlers = {
        Registrant.Enrolled: "enrolled",
        Registrant.BackgroundAnswered: "background_answered",
        Registrant.Erased: "erased",
        Application.Started: "application_started",
        Application.Submitted: "application_submitted",
        Application.Withdrawn: "application_withdrawn",
        Application.Decided: "application_decided",
        Application.Appealed: "application_appealed",
        Application.AppealDecided: "application_appeal_decided",
        Registration.Opened: "registration_opened",
        Registration.LevelAwarded: "level_awarded",
        Registration.Renewed: "status_changed",
        Registration.Lapsed: "lapsed",
        Registration.Suspended: "status_changed",
        Registration.SuspensionLifted: "status_changed",
        Registration.Removed: "status_changed",
        Registration.Resigned: "status_changed",
        Registration.Reinstated: "status_changed",
        Registration.PpdRecorded: "ppd_recorded",
        Assessor.Appointed: "assessor_appointed",
        Assessor.StoodDown: "assessor_stood_down",
        PpdAudit.Requested: "audit_requested",
        PpdAudit.Decided: "audit_decided",
        PpdAudit.AppealDecided: "audit_appeal_decided",
        PpdAudit.Ended: "audit_ended",
    }

    def __init__(self, vault: Any) -> None:
        super().__init__(vault)
        self.pseudonym = Pseudonyms(vault.pseudonym_key)  # every row's key

    # -- pseudonyms
    def person(self, registrant_id: UUID) -> str:
        return self.pseudonym("person", registrant_id)

    def _event_key(self, e: Any) -> str:
        return self.pseudonym("event", e.originator_id, e.originator_version)

    # -- batching
    def prefetch(self, events: list[Any]) -> None:
        people, applications, registrations, audits, appointments = [], [], [], [], []
        for e in events:
            if isinstance(e, Assessor.Appointed) and e.registrant_id is not None:
                people.append(self.person(e.registrant_id))
            elif isinstance(e, Assessor.StoodDown):
                appointments.append(self.pseudonym("assessor", e.originator_id))
            if isinstance(e, Registrant.Event):
                people.append(self.person(e.originator_id))
            elif isinstance(e, (Application.Started, Registration.Opened, PpdAudit.Requested)):
                people.append(self.person(e.registrant_id))
            elif isinstance(e, Application.Event):
                applications.append(self.pseudonym("application", e.originator_id))
            if isinstance(e, Registration.Event) and not isinstance(e, Registration.Opened):
                registrations.append(self.pseudonym("registration", e.originator_id))
            if isinstance(e, Registration.LevelAwarded):
                applications.append(self.pseudonym("application", e.application_id))
            if isinstance(e, PpdAudit.Event) and not isinstance(e, PpdAudit.Requested):
                audits.append(self.pseudonym("audit", e.originator_id))
        self.rows["statistics_people"].want(people)
        self.rows["statistics_applications"].want(applications)
        self.rows["statistics_registrations"].want(registrations)
        self.rows["statistics_audits"].want(audits)
        self.rows["statistics_assessors"].want(appointments)
        self.vault.preload(
            [
                e.background.owner
                for e in events
                if isinstance(e, (Registrant.Enrolled, Registrant.BackgroundAnswered)) and e.background is not None
            ]
        )

    def _is_erased(self, person: str) -> bool:
        row = self.get("statistics_people", person)
        return row is not None and row["erased"]

    # -- people and their background (the only place background answers are opened)
    def _answered(self, e: Any, person: str) -> None:
        answers = self.vault.open_json(e.background) if e.background is not None else None
        self.put(
            "statistics_answers",
            {
                "id": self._event_key(e),
                "person": person,
                "on": e.occurred_at.date(),
                "seq": e.originator_version,
                "responded": bool(answers),
                "band": background.band_of(answers),
                **background.characteristics_of(answers),
            },
        )

    def enrolled(self, e: Registrant.Enrolled) -> None:
        person = self.person(e.originator_id)
        self.put("statistics_people", {"person": person, "enrolled_on": e.occurred_at.date(), "erased": False})
        self._answered(e, person)

    def background_answered(self, e: Registrant.BackgroundAnswered) -> None:
        person = self.person(e.originator_id)
        if not self._is_erased(person):
            self._answered(e, person)

    def erased(self, e: Registrant.Erased) -> None:
        """Every row about the person goes; a tombstone (the pseudonym alone) keeps their later events out."""
        assert self.conn is not None
        person = self.person(e.originator_id)
        for table in PERSONAL_TABLES:
            rows = self.rows[table.name]
            stored = self.conn.execute(select(rows.key_column).where(table.c.person == person)).scalars()
            buffered = [k for k, row in rows.rows.items() if row is not None and row["person"] == person]
            for row_key in {*stored, *buffered}:
                rows.delete(row_key)
        self.put("statistics_people", {"person": person, "enrolled_on": None, "erased": True})

    # -- applications
    def application_started(self, e: Application.Started) -> None:
        person = self.person(e.registrant_id)
        if self._is_erased(person):
            return
        self.put(
            "statistics_applications",
            {
                "id": self.pseudonym("application", e.originator_id),
                "person": person,
                "level": e.level,
                "route": e.route,
                "started_on": e.occurred_at.date(),
                "submitted_on": None,
                "closed_on": None,
                "first_outcome": None,
                "appealed_on": None,
                "appeal_decided_on": None,
                "appeal_outcome": None,
                "outcome": None,
                "awarded_on": None,
            },
        )

    def _application(self, e: Any) -> dict[str, Any] | None:
        return self.get("statistics_applications", self.pseudonym("application", e.originator_id))

    def _close(self, row: dict[str, Any], outcome: str, on: date) -> None:
        if row["first_outcome"] is None:
            row.update(first_outcome=outcome, closed_on=on)
        row["outcome"] = outcome
        if outcome == Outcome.AWARD:
            row["awarded_on"] = on
        self.put("statistics_applications", row)

    def application_submitted(self, e: Application.Submitted) -> None:
        row = self._application(e)
        if row is not None and row["submitted_on"] is None:
            row["submitted_on"] = e.occurred_at.date()
            self.put("statistics_applications", row)

    def application_withdrawn(self, e: Application.Withdrawn) -> None:
        row = self._application(e)
        if row is not None:
            self._close(row, ApplicationStatus.WITHDRAWN, e.occurred_at.date())

    def application_decided(self, e: Application.Decided) -> None:
        row = self._application(e)
        if row is not None:
            self._close(row, e.outcome, e.decided_on)

    def application_appealed(self, e: Application.Appealed) -> None:
        row = self._application(e)
        if row is not None:
            row["appealed_on"] = e.occurred_at.date()
            self.put("statistics_applications", row)

    def application_appeal_decided(self, e: Application.AppealDecided) -> None:
        row = self._application(e)
        if row is None:
            return
        row.update(
            appeal_decided_on=e.decided_on, appeal_outcome=(e.remedy or Remedy.AWARD) if e.upheld else Appeal.DISMISSED
        )
        if e.upheld and e.remedy == Remedy.AWARD:
            self._close(row, Outcome.AWARD, e.decided_on)
        else:
            if e.upheld:
                row["outcome"] = None  # reassessed: decided afresh
            self.put("statistics_applications", row)

    # -- registrations
    def registration_opened(self, e: Registration.Opened) -> None:
        person = self.person(e.registrant_id)
        if self._is_erased(person):
            return
        self.put(
            "statistics_registrations",
            {
                "id": self.pseudonym("registration", e.originator_id),
                "person": person,
                "level": None,
                "status": None,
                "first_awarded_on": None,
                "level_awarded_on": None,
                "audit_ended_on": None,
            },
        )

    def _registration(self, e: Any) -> dict[str, Any] | None:
        return self.get("statistics_registrations", self.pseudonym("registration", e.originator_id))

    def _record(self, e: Any, person: str, kind: str, **values: Any) -> None:
        self.put(
            "statistics_events",
            {
                "id": self._event_key(e),
                "person": person,
                "kind": kind,
                "on": _on(e),
                "seq": e.originator_version,
                "level": None,
                "previous_level": None,
                "previous_on": None,
                "route": None,
                "year": None,
                "outcome": None,
                **values,
            },
        )

    def level_awarded(self, e: Registration.LevelAwarded) -> None:
        row = self._registration(e)
        if row is None:
            return
        application = self.get("statistics_applications", self.pseudonym("application", e.application_id))
        self._record(
            e,
            row["person"],
            "awarded",
            level=e.level,
            previous_level=row["level"],
            previous_on=row["level_awarded_on"],
            route=application["route"] if application else None,
        )
        row.update(
            level=e.level,
            status=RegistrationStatus.REGISTERED,
            level_awarded_on=e.awarded_on,
            first_awarded_on=row["first_awarded_on"] or e.awarded_on,
        )
        self.put("statistics_registrations", row)

    def lapsed(self, e: Registration.Lapsed) -> None:
        row = self._registration(e)
        if row is None:
            return
        kind = "lapsed_after_audit" if row["audit_ended_on"] == e.on else "lapsed"
        self._record(e, row["person"], kind, level=row["level"])
        row["status"] = RegistrationStatus.LAPSED
        self.put("statistics_registrations", row)

    def status_changed(self, e: Any) -> None:
        row = self._registration(e)
        if row is None:
            return
        kind, status = STATUS_AFTER[type(e)]
        self._record(e, row["person"], kind, level=row["level"])
        if status is not None:
            row["status"] = status
            self.put("statistics_registrations", row)

    # -- PPD and assessors
    def ppd_recorded(self, e: Registration.PpdRecorded) -> None:
        """The activity's category code, hours and dates; what the registrant wrote (sealed) is never opened."""
        row = self._registration(e)
        if row is None:  # erased (or opened before the statistics began)
            return
        self.put(
            "statistics_ppd",
            {
                "id": self._event_key(e),
                "person": row["person"],
                "on": e.on,
                "recorded_on": e.occurred_at.date(),
                "category": e.category,
                "hours": float(e.hours),
            },
        )

    def assessor_appointed(self, e: Assessor.Appointed) -> None:
        if e.registrant_id is None:  # not on the register: no background to count them by
            return
        person = self.person(e.registrant_id)
        if self._is_erased(person):
            return
        self.put(
            "statistics_assessors",
            {
                "id": self.pseudonym("assessor", e.originator_id),
                "person": person,
                "appointed_on": e.occurred_at.date(),
                "stood_down_on": None,
            },
        )

    def assessor_stood_down(self, e: Assessor.StoodDown) -> None:
        self.update("statistics_assessors", self.pseudonym("assessor", e.originator_id), stood_down_on=_on(e))

    # -- PPD audits
    def audit_requested(self, e: PpdAudit.Requested) -> None:
        person = self.person(e.registrant_id)
        if self._is_erased(person):
            return
        self.put(
            "statistics_audits",
            {
                "id": self.pseudonym("audit", e.originator_id),
                "person": person,
                "registration": self.pseudonym("registration", e.registration_id),
                "year": e.year,
                "selected_on": e.occurred_at.date(),
                "outcome": None,
                "decided_on": None,
                "appeal": None,
                "ended_on": None,
            },
        )
        self._record(e, person, "audit_selected", year=e.year)

    def _audit(self, e: Any) -> dict[str, Any] | None:
        return self.get("statistics_audits", self.pseudonym("audit", e.originator_id))

    def audit_decided(self, e: PpdAudit.Decided) -> None:
        row = self._audit(e)
        if row is None:
            return
        row.update(outcome=e.outcome, decided_on=e.decided_on)
        self.put("statistics_audits", row)
        self._record(e, row["person"], "audit_decided", year=row["year"], outcome=e.outcome)

    def audit_appeal_decided(self, e: PpdAudit.AppealDecided) -> None:
        row = self._audit(e)
        if row is None:
            return
        row["appeal"] = Appeal.UPHELD if e.upheld else Appeal.DISMISSED
        if e.upheld:
            row["outcome"] = AuditOutcome.ACCEPTED
        self.put("statistics_audits", row)
        self._record(e, row["person"], "audit_appeal_decided", year=row["year"], outcome=row["appeal"])

    def audit_ended(self, e: PpdAudit.Ended) -> None:
        row = self._audit(e)
        if row is None:
            return
        row["ended_on"] = e.on
        self.put("statistics_audits", row)
        self._record(e, row["person"], "audit_ended", year=row["year"])
        registration = self.get("statistics_registrations", row["registration"])
        if registration is not None:  # the lapse saved with this event is the audit's, not a missed renewal
            registration["audit_ended_on"] = e.on
            self.put("statistics_registrations", registration)
            # saved together, the lapse may come first (a batch saves its aggregates in the order it met them)
            for lapse in self._records(row["person"], "lapsed", e.on):
                lapse["kind"] = "lapsed_after_audit"
                self.put("statistics_events", lapse)

    def _records(self, person: str, kind: str, on: date) -> list[dict[str, Any]]:
        """The person's dated records of a kind on a day, stored or in this batch."""
        assert self.conn is not None
        rows = self.rows["statistics_events"]
        stored = self.conn.execute(
            select(statistics_events.c.id).where(
                statistics_events.c.person == person, statistics_events.c.kind == kind, statistics_events.c["on"] == on
            )
        ).scalars()
        keys = {
            *stored,
            *(
                k
                for k, r in rows.rows.items()
                if r is not None and r["person"] == person and r["kind"] == kind and r["on"] == on
            ),
        }
        found = [self.get("statistics_events", k) for k in keys]
        return [r for r in found if r is not None and r["kind"] == kind]
