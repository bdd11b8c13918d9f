"""A registration: one per registrant (its id is derived from theirs), carrying the registration number, the level
held, the renewal date, PPD, and the status that drives the public register and the credential status lists."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ledger.domain import ppd, renewal
from ledger.domain.aggregates.base import LedgerAggregate
from ledger.domain.clock import add_months
from ledger.domain.errors import InvalidInput, RuleBroken
from ledger.domain.sealed import Sealed
from ledger.domain.statuses import LIVE, RegistrationStatus

REGISTRATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/registration")

REGISTERED = RegistrationStatus.REGISTERED
SUSPENDED = RegistrationStatus.SUSPENDED
LAPSED = RegistrationStatus.LAPSED
REMOVED = RegistrationStatus.REMOVED
RESIGNED = RegistrationStatus.RESIGNED


@lru_cache(maxsize=100_000)
def _registration_id(registrant_id: UUID) -> UUID:
    return uuid5(REGISTRATION_NAMESPACE, registrant_id.hex)


class Registration(LedgerAggregate):
    @staticmethod
    def create_id(registrant_id: UUID) -> UUID:
        """One registration per person: its id is derived from the registrant's."""
        return _registration_id(registrant_id)

    id_for = create_id

    class Event(LedgerAggregate.Event):
        """Every event of a registration."""

    class Opened(LedgerAggregate.Created):
        registrant_id: UUID
        number: str
        occurred_at: datetime

    @event(Opened)
    def __init__(self, registrant_id: UUID, number: str, occurred_at: datetime) -> None:
        self.registrant_id = registrant_id
        self.number = number
        self.level: str | None = None
        self.status: RegistrationStatus | None = None
        self.registered_since: date | None = None
        self.valid_until: date | None = None
        self.status_since: date | None = None
        self.ppd: list[dict[str, Any]] = []
        self.renewal_pending: dict[str, Any] | None = None
        self.suspended_until: date | None = None
        self.reminded: set[tuple[date, int]] = set()  # (due date, days before it) of reminders sent
        self.overdue_for: date | None = None  # the due date it was last marked overdue for
        self.audits: list[dict[str, Any]] = []  # PPD audit selections
        self.career_breaks: list[tuple[date, date]] = []
        self.reissued_because_of: tuple[str, ...] = ()  # kids of compromised keys its credential was re-issued for

    # -- questions
    @property
    def is_live(self) -> bool:
        """Registered or suspended: the person holds a level and must keep it in good standing."""
        return self.status in LIVE

    def is_overdue(self, today: date) -> bool:
        return self.status == REGISTERED and self.valid_until is not None and today > self.valid_until

    def ppd_categories_between(self, start: date, end: date) -> set[str]:
        return ppd.categories_between(self.ppd, start, end)

    def on_career_break_between(self, start: date, end: date) -> bool:
        return ppd.on_break_between(self.career_breaks, start, end)

    def renewal_window(self, rules: Any) -> tuple[date, date]:
        assert self.valid_until is not None
        return renewal.window(self.valid_until, rules)

    def renewal_has_expired(self, today: date, rules: Any) -> bool:
        """The year a declared renewal would cover has ended: the registration lapses instead (``renewal``)."""
        assert self.valid_until is not None
        return renewal.has_expired(self.valid_until, today, rules)

    def reissued_for(self, kid: str) -> bool:
        return kid in self.reissued_because_of

    # -- commands
    def check_award(self, rank: int, current_rank: int | None) -> None:
        """The registration's side of an award (of a level of ``rank``; ``current_rank`` is the level held): the
        application checks it before its decision is recorded, and ``award_level`` again."""
        if self.status == SUSPENDED:
            raise RuleBroken("a suspended registration cannot be awarded a level until the suspension is lifted")
        if self.status == REGISTERED and current_rank is not None and rank <= current_rank:
            raise RuleBroken(f"already registered at {self.level}: a new award must be a higher level")

    def award_level(
        self,
        level: str,
        rank: int,
        current_rank: int | None,
        application_id: UUID,
        on: date,
        rules: Any,
        framework_version: str,
        occurred_at: datetime,
    ) -> None:
        self.check_award(rank, current_rank)
        self._level_awarded(
            level=level,
            application_id=application_id,
            awarded_on=on,
            valid_until=renewal.next_due(on, rules),
            framework_version=framework_version,
            occurred_at=occurred_at,
        )

    def record_ppd(
        self,
        activity_id: UUID,
        on: date,
        category: str,
        hours: float,
        areas: list[str],
        learned: Sealed | None,
        impact: Sealed | None,
        today: date,
        rules: Any,
        area_codes: set[str],
        framework_version: str,
        occurred_at: datetime,
    ) -> None:
        if self.status in (None, REMOVED):
            raise RuleBroken("PPD can only be recorded against a registration")
        ppd.check_activity(on, category, hours, areas, today, rules, area_codes)
        self._ppd_recorded(
            activity_id=activity_id,
            on=on,
            category=category,
            hours=float(hours),
            areas=sorted(set(areas)),
            learned=learned,
            impact=impact,
            framework_version=framework_version,
            occurred_at=occurred_at,
        )

    def submit_renewal(
        self, declaration: str, today: date, rules: Any, framework_version: str, occurred_at: datetime
    ) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person renews; this registration is {self.status}")
        if self.renewal_pending is not None:
            raise RuleBroken("a renewal was already submitted for this period")
        assert self.valid_until is not None
        renewal.check_submission(self.valid_until, today, rules)
        period_start = add_months(self.valid_until, -rules.renewal_period_months)
        if not self.on_career_break_between(period_start, today):  # a career break pauses the PPD requirement
            ppd.require_enough(self.ppd, period_start, today, rules, "renewal")
        self._renewal_submitted(
            declaration=declaration, submitted_on=today, framework_version=framework_version, occurred_at=occurred_at
        )

    def renew(self, by: str, today: date, rules: Any, framework_version: str, occurred_at: datetime) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person renews; this registration is {self.status}")
        if self.renewal_pending is None:
            raise RuleBroken("no renewal was submitted for this period")
        assert self.valid_until is not None
        renewal.check_approval(self.valid_until, today, rules)
        self._renewed(
            by=by,
            valid_until=renewal.next_due(self.valid_until, rules),
            framework_version=framework_version,
            occurred_at=occurred_at,
        )

    def lapse(self, today: date, rules: Any, framework_version: str, occurred_at: datetime) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person's registration lapses; this one is {self.status}")
        assert self.valid_until is not None
        renewal.check_lapse(self.valid_until, self.renewal_pending is not None, today, rules)
        self._lapsed(on=today, framework_version=framework_version, occurred_at=occurred_at)

    def suspend(self, reason: Sealed | None, until: date | None, today: date, by: str, occurred_at: datetime) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person can be suspended; this registration is {self.status}")
        if until is not None and until <= today:
            raise InvalidInput("until", "a suspension must end after it starts")
        self._suspended(reason=reason, until=until, on=today, by=by, occurred_at=occurred_at)

    def lift_suspension(self, today: date, by: str, occurred_at: datetime) -> None:
        if self.status != SUSPENDED:
            raise RuleBroken(f"there is no suspension to lift; this registration is {self.status}")
        self._suspension_lifted(on=today, by=by, occurred_at=occurred_at)

    def remove(self, reason: Sealed | None, today: date, by: str, occurred_at: datetime) -> None:
        if self.status in (None, REMOVED):
            raise RuleBroken(
                "there is no registration to remove" if self.status is None else "this registration was already removed"
            )
        self._removed(reason=reason, on=today, by=by, occurred_at=occurred_at)

    def reissue(self, reason: str, kid: str, occurred_at: datetime) -> None:
        """Call for a fresh credential for the current registration, because the key that signed the last one can
        no longer be trusted (``kid``). Registered and suspended registrations are current; the new credential's
        status bits follow the registration as always."""
        if not self.is_live:
            raise RuleBroken(f"only a current registration gets a re-issued credential; this one is {self.status}")
        if self.reissued_for(kid):
            raise RuleBroken(f"a credential was already re-issued because of key {kid}")
        self._reissued(reason=reason, kid=kid, occurred_at=occurred_at)

    def resign(self, today: date, occurred_at: datetime) -> None:
        if self.status == SUSPENDED:
            raise RuleBroken("a suspended registrant cannot resign until the suspension is resolved")
        if self.status not in (REGISTERED, LAPSED):
            raise RuleBroken(f"only a registered or lapsed registration can be resigned; this one is {self.status}")
        self._resigned(on=today, occurred_at=occurred_at)

    def reinstate(self, today: date, by: str, rules: Any, framework_version: str, occurred_at: datetime) -> None:
        if self.status not in (LAPSED, RESIGNED):
            raise RuleBroken(f"only a lapsed or resigned registration can be reinstated; this one is {self.status}")
        assert self.status_since is not None
        renewal.check_reinstatement(self.status_since, today, rules)
        ppd.require_enough(
            self.ppd, add_months(today, -rules.reinstatement_window_months), today, rules, "reinstatement"
        )
        self._reinstated(
            on=today,
            by=by,
            valid_until=renewal.next_due(today, rules),
            framework_version=framework_version,
            occurred_at=occurred_at,
        )

    def lapse_after_audit(self, year: int, today: date, framework_version: str, occurred_at: datetime) -> None:
        """A PPD audit decided 'not renewed' has taken effect (the caller checked the audit)."""
        if not self.is_live:
            raise RuleBroken(f"this registration is already {self.status}")
        if not any(a["year"] == year for a in self.audits):
            raise RuleBroken(f"this registration was not selected for the {year} audit")
        self._lapsed(on=today, framework_version=framework_version, occurred_at=occurred_at)

    def take_career_break(self, start: date, end: date, today: date, rules: Any, occurred_at: datetime) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person takes a career break; this registration is {self.status}")
        ppd.check_career_break(start, end, today, rules, self.career_breaks)
        self._career_break_taken(start=start, end=end, occurred_at=occurred_at)

    # -- the daily tick
    def remind(self, days_before: int, today: date, occurred_at: datetime) -> None:
        if self.status != REGISTERED or self.valid_until is None:
            raise RuleBroken(f"only a registered person is reminded to renew; this registration is {self.status}")
        if (self.valid_until - today).days != days_before:
            raise RuleBroken(f"the renewal is due on {self.valid_until}, not in {days_before} days")
        if (self.valid_until, days_before) in self.reminded or self.renewal_pending is not None:
            raise RuleBroken("this reminder was already sent, or the renewal is already in")
        self._reminder_sent(days_before=days_before, due=self.valid_until, occurred_at=occurred_at)

    def mark_overdue(self, today: date, occurred_at: datetime) -> None:
        if self.status != REGISTERED or self.valid_until is None or today <= self.valid_until:
            raise RuleBroken("only a registration past its due date is overdue")
        if self.overdue_for == self.valid_until or self.renewal_pending is not None:
            raise RuleBroken("this registration is already marked overdue, or its renewal is in")
        self._marked_overdue(due=self.valid_until, occurred_at=occurred_at)

    def select_for_audit(self, year: int, seed: str, occurred_at: datetime) -> None:
        if self.status != REGISTERED:
            raise RuleBroken(f"only a registered person is audited; this registration is {self.status}")
        if any(a["year"] == year for a in self.audits):
            raise RuleBroken(f"already selected for the {year} audit")
        self._selected_for_audit(year=year, seed=seed, occurred_at=occurred_at)

    # -- events: each declared with its stored fields, then applied to the state (and only that: see the package)
    class LevelAwarded(Event):
        level: str
        application_id: UUID
        awarded_on: date
        valid_until: date
        framework_version: str
        occurred_at: datetime

    @event(LevelAwarded)
    def _level_awarded(
        self,
        level: str,
        application_id: UUID,
        awarded_on: date,
        valid_until: date,
        framework_version: str,
        occurred_at: datetime,
    ) -> None:
        if self.registered_since is None or self.status not in LIVE:
            self.registered_since = awarded_on
        self.level = level
        self.status = RegistrationStatus.REGISTERED
        self.status_since = awarded_on
        self.valid_until = valid_until
        self.renewal_pending = None

    class PpdRecorded(Event):
        activity_id: UUID
        on: date
        category: str
        hours: float
        areas: list[str]
        learned: Sealed | None
        impact: Sealed | None
        framework_version: str
        occurred_at: datetime

    @event(PpdRecorded)
    def _ppd_recorded(
        self,
        activity_id: UUID,
        on: date,
        category: str,
        hours: float,
        areas: list[str],
        learned: Sealed | None,
        impact: Sealed | None,
        framework_version: str,
        occurred_at: datetime,
    ) -> None:
        self.ppd.append({"id": activity_id, "on": on, "category": category, "hours": hours, "areas": areas})

    class RenewalSubmitted(Event):
        declaration: str
        submitted_on: date
        framework_version: str
        occurred_at: datetime

    @event(RenewalSubmitted)
    def _renewal_submitted(
        self, declaration: str, submitted_on: date, framework_version: str, occurred_at: datetime
    ) -> None:
        self.renewal_pending = {"declaration": declaration, "submitted_on": submitted_on}

    class Renewed(Event):
        by: str
        valid_until: date
        framework_version: str
        occurred_at: datetime

    @event(Renewed)
    def _renewed(self, by: str, valid_until: date, framework_version: str, occurred_at: datetime) -> None:
        self.valid_until = valid_until
        self.renewal_pending = None

    class CredentialReissued(Event):
        reason: str
        kid: str
        occurred_at: datetime

    @event(CredentialReissued)
    def _reissued(self, reason: str, kid: str, occurred_at: datetime) -> None:
        # nothing of the registration changes: the issuer signs a fresh credential for this event
        self.reissued_because_of = (*self.reissued_because_of, kid)

    class Lapsed(Event):
        on: date
        framework_version: str
        occurred_at: datetime

    @event(Lapsed)
    def _lapsed(self, on: date, framework_version: str, occurred_at: datetime) -> None:
        self.status, self.status_since = RegistrationStatus.LAPSED, on
        self.renewal_pending = None  # a declaration not approved in time lapses with the registration

    class Suspended(Event):
        reason: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        until: date | None
        on: date
        by: str
        occurred_at: datetime

    @event(Suspended)
    def _suspended(
        self, reason: Sealed | str | None, until: date | None, on: date, by: str, occurred_at: datetime
    ) -> None:
        self.status, self.status_since, self.suspended_until = RegistrationStatus.SUSPENDED, on, until

    class SuspensionLifted(Event):
        on: date
        by: str
        occurred_at: datetime

    @event(SuspensionLifted)
    def _suspension_lifted(self, on: date, by: str, occurred_at: datetime) -> None:
        self.status, self.status_since, self.suspended_until = RegistrationStatus.REGISTERED, on, None

    class Removed(Event):
        reason: Sealed | str | None  # a plain string in events recorded before reasons were sealed
        on: date
        by: str
        occurred_at: datetime

    @event(Removed)
    def _removed(self, reason: Sealed | str | None, on: date, by: str, occurred_at: datetime) -> None:
        self.status, self.status_since = RegistrationStatus.REMOVED, on
        self.renewal_pending = None

    class Resigned(Event):
        on: date
        occurred_at: datetime

    @event(Resigned)
    def _resigned(self, on: date, occurred_at: datetime) -> None:
        self.status, self.status_since = RegistrationStatus.RESIGNED, on
        self.renewal_pending = None

    class Reinstated(Event):
        on: date
        by: str
        valid_until: date
        framework_version: str
        occurred_at: datetime

    @event(Reinstated)
    def _reinstated(self, on: date, by: str, valid_until: date, framework_version: str, occurred_at: datetime) -> None:
        self.status, self.status_since, self.valid_until = RegistrationStatus.REGISTERED, on, valid_until

    class ReminderSent(Event):
        days_before: int
        due: date
        occurred_at: datetime

    @event(ReminderSent)
    def _reminder_sent(self, days_before: int, due: date, occurred_at: datetime) -> None:
        self.reminded.add((due, days_before))

    class MarkedOverdue(Event):
        due: date
        occurred_at: datetime

    @event(MarkedOverdue)
    def _marked_overdue(self, due: date, occurred_at: datetime) -> None:
        self.overdue_for = due

    class SelectedForAudit(Event):
        year: int
        seed: str
        occurred_at: datetime

    @event(SelectedForAudit)
    def _selected_for_audit(self, year: int, seed: str, occurred_at: datetime) -> None:
        self.audits.append({"year": year, "seed": seed})

    class CareerBreakTaken(Event):
        start: date
        end: date
        occurred_at: datetime

    @event(CareerBreakTaken)
    def _career_break_taken(self, start: date, end: date, occurred_at: datetime) -> None:
        self.career_breaks.append((start, end))
