"""The daily tick: what the register does by itself as the days pass. For each day, in order: renewal reminders 90, 60,
30 and 7 days before the due date; renewals declared (with their PPD) and not yet approved by the registrar renewed
on their due date (or the next day, if declared late), unless a PPD audit decided 'not renewed' stands; registrations
past their due date marked overdue; registrations lapsed once the grace period is over without a renewal; time-
limited suspensions ended; PPD audits decided 'not renewed' taking effect once their appeal window has closed; and on
1 January the year's PPD audit sample drawn from a seed recorded in the events. Every effect is an event, and the day
itself is closed by a ``Day`` event in the same transaction: a day is done once, whole, or not at all. Then
credentials and read models catch up.

The tick runs on its own clock, set to each day in turn, so a tick after a gap of months catches up day by day."""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select

from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Day
from ledger.domain.clock import SettableClock, add_months
from ledger.domain.statuses import AuditOutcome, RegistrationStatus
from ledger.read.projections.audits import audits_taking_effect, ppd_audits
from ledger.read.projections.calendar import last_closed_day
from ledger.read.projections.register import registrations as register_rows
from ledger.read.projections.renewals import renewals
from ledger.read.projections.runner import ProjectionRunner

AUDIT_DAY = (1, 1)
"""(month, day) on which the year's PPD audit sample is drawn."""
TICK_TIME = time(0, 5)


@dataclass
class DayResult:
    day: date
    already_closed: bool = False
    reminders: int = 0
    overdue: int = 0
    lapsed: int = 0
    suspensions_ended: int = 0
    renewed: int = 0
    ended_after_audit: int = 0
    audit_seed: str | None = None
    audit_selected: list[str] = field(default_factory=list)


def audit_sample(eligible: list[str], seed: str, rate: float) -> list[str]:
    """Who is selected: ``rate`` of the eligible registration numbers (rounded up), drawn with ``random.Random(seed)``
    from the numbers in sorted order. Anyone can repeat it from the seed and the register of that day."""
    population = sorted(eligible)
    count = min(len(population), math.ceil(rate * len(population)))
    return sorted(random.Random(seed).sample(population, count))


class Ticker:
    def __init__(self, ledger: Ledger) -> None:
        if not isinstance(ledger.clock, SettableClock):
            raise TypeError("the tick needs a Ledger on a SettableClock, which it sets to each day in turn")
        self.ledger = ledger
        self.clock: SettableClock = ledger.clock
        self.runner = ProjectionRunner(ledger)

    def last_closed(self, before: date | None = None) -> date | None:
        """The most recent day the tick closed (before ``before``, if given), however long ago."""
        self.runner.catch_up()
        with self.ledger.engine.connect() as conn:
            return last_closed_day(conn, before)

    def run_until(
        self, until: date, progress: Callable[[int, int], None] | None = None, start: date | None = None
    ) -> list[DayResult]:
        """Close every day from the day after the last closed one (or ``start``, or ``until`` itself when none was
        ever closed) to ``until``, in order."""
        last = self.last_closed(until + timedelta(days=1))
        first = start or (last + timedelta(days=1) if last else until)
        days = [first + timedelta(days=i) for i in range((until - first).days + 1)]
        results = []
        for done, day in enumerate(days, 1):
            results.append(self.run_day(day))
            if progress:
                progress(done, len(days))
        from ledger.processes.issuance import CredentialIssuer

        CredentialIssuer(self.ledger).catch_up()
        self.runner.catch_up()
        return results

    def _letter(self, registrant: UUID, kind: str, subject: str, text: str) -> None:
        """Queue a letter caused by the registration's latest event (in the day's transaction)."""
        ledger = self.ledger
        registration = ledger.registration(registrant)
        body = (
            text.format(number=registration.number, due=registration.valid_until)
            + f"\n\n{ledger.settings.issuer_url.rstrip('/')}/r/{registration.number}"
        )
        ledger.queue_letter(registrant, kind, registration, subject, body)

    def run_day(self, day: date) -> DayResult:
        ledger = self.ledger
        result = DayResult(day)
        if ledger._exists(Day.id_for(day)):
            result.already_closed = True
            return result
        self.clock.set(datetime.combine(day, TICK_TIME, UTC))
        self.runner.catch_up()
        rules = ledger.framework.rules
        with ledger.engine.connect() as conn:
            waiting = renewals.c.renewal_submitted_on.is_(None)
            registered = renewals.c.status == RegistrationStatus.REGISTERED
            year_ago = add_months(day, -rules.renewal_period_months)  # a due date this old: its next year is over
            # registrants whose PPD audit decided 'not renewed' (appealed or not yet in effect): the audit settles them
            blocked = select(ppd_audits.c.registrant_id).where(
                ppd_audits.c.outcome == AuditOutcome.NOT_RENEWED, ppd_audits.c.ended_on.is_(None)
            )
            reminders = [
                (r.registrant_id, (r.valid_until - day).days)
                for r in conn.execute(
                    select(renewals.c.registrant_id, renewals.c.valid_until).where(
                        registered,
                        waiting,
                        renewals.c.valid_until.in_([day + timedelta(days=n) for n in rules.reminder_days_before_due]),
                    )
                )
            ]
            overdue = list(
                conn.execute(
                    select(renewals.c.registrant_id).where(
                        registered, waiting, renewals.c.valid_until == day - timedelta(days=1)
                    )
                ).scalars()
            )
            lapsing = list(
                conn.execute(
                    select(renewals.c.registrant_id).where(
                        registered,
                        renewals.c.valid_until < day - timedelta(days=rules.grace_days),
                        or_(waiting, renewals.c.valid_until <= year_ago),
                        renewals.c.registrant_id.not_in(blocked),
                    )
                ).scalars()
            )
            ending = list(
                conn.execute(
                    select(register_rows.c.registrant_id).where(
                        register_rows.c.status == RegistrationStatus.SUSPENDED,
                        register_rows.c.suspended_until.is_not(None),
                        register_rows.c.suspended_until <= day,
                    )
                ).scalars()
            )
            audits_ending = audits_taking_effect(conn, day)
            declared = renewals.c.renewal_submitted_on.is_not(None)
            renewing = list(
                conn.execute(
                    select(renewals.c.registrant_id).where(
                        registered,
                        declared,
                        renewals.c.valid_until <= day,
                        renewals.c.valid_until > year_ago,
                        renewals.c.registrant_id.not_in(blocked),
                    )
                ).scalars()
            )
            eligible: list[Any] = []
            if (day.month, day.day) == AUDIT_DAY:
                since = add_months(day, -12 * rules.audit_min_years_registered)
                eligible = list(
                    conn.execute(
                        select(register_rows.c.number, register_rows.c.registrant_id).where(
                            and_(
                                register_rows.c.status == RegistrationStatus.REGISTERED,
                                register_rows.c.registered_since <= since,
                            )
                        )
                    )
                )
        with ledger.batch():  # the day's effects, their letters and the day's closing, in one transaction
            for registrant, days_before in reminders:
                ledger.send_reminder(UUID(registrant), days_before)
                self._letter(
                    UUID(registrant),
                    "renewal reminder",
                    "Your registration is due for renewal",
                    "your registration {number} is due for renewal on {due}. Renew with your PPD record before then.",
                )
                result.reminders += 1
            for registrant in renewing:
                ledger.renew(UUID(registrant), "the daily tick")
                self._letter(
                    UUID(registrant),
                    "renewal confirmation",
                    "Your registration is renewed",
                    "your registration {number} is renewed until {due}. Your renewed credential is on your page.",
                )
                result.renewed += 1
            for registrant in overdue:
                ledger.mark_overdue(UUID(registrant))
                self._letter(
                    UUID(registrant),
                    "overdue notice",
                    "Your registration is overdue",
                    "your registration {number} was due for renewal on {due}. It lapses if it is not "
                    f"renewed within {rules.grace_days} days of that date.",
                )
                result.overdue += 1
            for registrant in lapsing:
                ledger.lapse(UUID(registrant))
                self._letter(
                    UUID(registrant),
                    "lapse notice",
                    "Your registration has lapsed",
                    "your registration {number} has lapsed: it was not renewed in time. You can be "
                    "reinstated within 12 months with the PPD you missed.",
                )
                result.lapsed += 1
            for registrant in ending:
                ledger.lift_suspension(UUID(registrant), "the suspension's end date")
                self._letter(
                    UUID(registrant),
                    "suspension ended",
                    "Your suspension has ended",
                    "the suspension of your registration {number} has ended. We are signing a new credential for "
                    "you (the one you had stays withdrawn): download it and its QR badge from your page on the "
                    "register and replace every copy you have shared.",
                )
                result.suspensions_ended += 1
            for registrant, year in audits_ending:
                ledger.end_after_audit(UUID(registrant), year)
                result.ended_after_audit += 1
            if eligible:
                result.audit_seed = secrets.token_hex(16)
                registrant_of = {number: registrant for number, registrant in eligible}
                result.audit_selected = audit_sample(list(registrant_of), result.audit_seed, rules.audit_sample_rate)
                for number in result.audit_selected:
                    ledger.select_for_audit(UUID(registrant_of[number]), day.year, result.audit_seed)
                    due = day + timedelta(days=rules.audit_profile_days)
                    self._letter(
                        UUID(registrant_of[number]),
                        "audit request",
                        "Your PPD record will be audited",
                        "your registration {number} has been selected at random for this year's audit "
                        f"of PPD records. Please send your PPD profile by {due}: a summary of your "
                        "practice, the PPD activities from your record it draws on, a statement of how "
                        "they meet the audit standards, and any evidence. Sign in to send it.",
                    )
            ledger._commit(
                Day(
                    day=day,
                    reminders=result.reminders,
                    overdue=result.overdue,
                    lapsed=result.lapsed,
                    suspensions_ended=result.suspensions_ended,
                    renewed=result.renewed,
                    ended_after_audit=result.ended_after_audit,
                    audit_seed=result.audit_seed,
                    audit_selected=len(result.audit_selected),
                    occurred_at=ledger._now(),
                )
            )
        return result


def close_days_to_today(ledger: Ledger) -> int:
    """Close every day up to today (by ``ledger``'s clock), once each, on a Ledger of its own whose clock the tick
    sets to each day in turn. Returns how many days it closed."""
    today = ledger.clock.now().date()
    ticking = Ledger(ledger.settings, clock=SettableClock(today), engine=ledger.engine, master_key=ledger.master_key)
    try:
        return sum(not r.already_closed for r in Ticker(ticking).run_until(today))
    finally:
        ticking.close(dispose_engine=False)
