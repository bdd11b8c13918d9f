"""The demo's calendar: actions on days, run in order, with the daily tick between days."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.domain.errors import LedgerError
from ledger.ops.demo.cast import DemoResult, Person
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.tick import DayResult, Ticker


class Schedule:
    def __init__(
        self, ledger: Ledger, clock: SettableClock, registrants: int, years: int, seed: int, end: date
    ) -> None:
        self.ledger, self.clock = ledger, clock
        self.rng = random.Random(seed)
        self.framework = ledger.framework
        self.end = end
        self.start = end - timedelta(days=365 * years)
        self.result = DemoResult(registrants, years, seed, self.start, end)
        self.agenda: list[tuple[int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self.seq = itertools.count()
        self.assessors: list[UUID] = []
        self.erased_one = False
        self.disciplines = [d.code for d in self.framework.disciplines]
        self.levels = [level.code for level in self.framework.levels]
        self.rules = self.framework.rules
        self.people: dict[UUID, Person] = {}
        self.ticking = False
        self.removed_one = False

    # -- scheduling
    def at(self, day: date, action: Callable[..., Any], *args: Any) -> None:
        if day <= self.end:
            heapq.heappush(self.agenda, (day.toordinal(), next(self.seq), action, args))

    def later(self, low: int, high: int) -> date:
        return self.clock.today() + timedelta(days=self.rng.randint(low, high))

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 2000,
        issue_credentials: bool = True,
        tick: bool = True,
    ) -> DemoResult:
        self.clock.set(self.start)
        self.ticking = tick
        for i in range(max(4, self.result.registrants // 40)):
            self.at(self.start, self.appoint_assessor, i)
        enrol_span = max(1, (self.end - self.start).days - 120)
        for _ in range(self.result.registrants):
            self.at(self.start + timedelta(days=self.rng.randrange(enrol_span)), self.enrol)
        total_days = (self.end - self.start).days
        issuer = CredentialIssuer(self.ledger)
        ticker = Ticker(self.ledger) if tick else None
        next_day = self.start
        while self.agenda:
            today = date.fromordinal(self.agenda[0][0])
            if ticker is not None:  # close each day up to this one, before its business
                while next_day <= today:
                    self.after_tick(ticker.run_day(next_day))
                    next_day += timedelta(days=1)
            with self.ledger.batch():  # one transaction per batch of commands (one day's, when ticking)
                for _ in range(batch_size):
                    if not self.agenda or (ticker is not None and self.agenda[0][0] != today.toordinal()):
                        break
                    self.step(progress, total_days)
            if issue_credentials:  # each award, renewal and reinstatement gets its credential
                self.result.credentials += issuer.catch_up().issued
        if ticker is not None:
            while next_day <= self.end:
                self.after_tick(ticker.run_day(next_day))
                next_day += timedelta(days=1)
            if issue_credentials:
                self.result.credentials += issuer.catch_up().issued
        if not self.erased_one and self.result.registrants:
            self.erase_someone()
        if progress:
            progress(total_days, total_days)
        return self.result

    def after_tick(self, day: DayResult) -> None:
        """What people do about the day's tick: those selected for the PPD audit start on their profiles."""
        self.result.ticked_days += 1
        for number in day.audit_selected:
            person = self.people.get(self.ledger.registrant_by_number(number))
            if person is not None:
                self.result.audits += 1
                self.audit_story(person, day.day.year)

    def step(self, progress: Callable[[int, int], None] | None, total_days: int) -> None:
        """The next thing on the agenda, on its day. A refused command is counted, never hidden."""
        ordinal, _, action, args = heapq.heappop(self.agenda)
        day = date.fromordinal(ordinal)
        if day != self.clock.today():
            self.clock.set(datetime.combine(day, time(9), UTC))
            if progress:
                progress((day - self.start).days, total_days)
        else:
            self.clock.advance(timedelta(seconds=1))
        self.result.commands += 1
        try:
            action(*args)
        except LedgerError as error:
            self.result.refused += 1
            if len(self.result.refusals) < 20:
                self.result.refusals.append(f"{day} {action.__name__}: {error}")

    def chance(self, p: float) -> bool:
        return self.rng.random() < p
