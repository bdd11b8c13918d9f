"""The demo's calendar: actions on days, taken one by one in order (``Demo.run`` goes through it, closing each day
with the daily tick before its business)."""

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
from ledger.ops.demo.employers import Employers


class Schedule:
    def __init__(
        self, ledger: Ledger, clock: SettableClock, registrants: int, years: int, seed: int, end: date
    ) -> None:
        self.ledger, self.clock = ledger, clock
        self.rng = random.Random(seed)
        self.answers_rng = random.Random(f"{seed}:answers")  # the later questions: the earlier draws stay as they were
        self.employers = Employers(seed)  # organisations and who links to them: their own generator
        self.appointed: set[UUID] = set()  # registrants appointed assessors (they assess nothing in the demo)
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
