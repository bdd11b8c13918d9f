"""``regledger demo``: a realistic body over some years, driven through the Ledger's own commands.

People enrol, apply by both routes at all three levels, are assessed by two assessors, are awarded, deferred or
rejected, appeal, upgrade, log PPD, renew or lapse, are suspended, removed, resign, are reinstated; one asks to be
erased. The same seed gives the same history. Every rule is still checked by the commands.

By default the daily tick runs through the simulated years as it would in service: each day is closed (reminders,
overdue notices, lapses, suspensions ending, renewals declared but not yet approved renewed on their due date, the
1 January PPD audit sample) before that day's business, and the people selected for audit send profiles that
assessors judge and the registrar decides (accepted, deferred then accepted, not renewed, appealed). The last day
closed is the demo's end, so ``regledger tick`` carries on from there. Without the tick (``tick=False``, for the
import benchmark) commands run in large batches (one transaction per batch) and the demo lapses people itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.ops.demo.cast import DemoResult
from ledger.ops.demo.story import Demo

__all__ = ["Demo", "DemoResult", "run_demo"]


def run_demo(
    ledger: Ledger,
    clock: SettableClock,
    *,
    registrants: int = 300,
    years: int = 3,
    seed: int = 1,
    end: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
    issue_credentials: bool = True,
    tick: bool = True,
) -> DemoResult:
    import time as _time

    started = _time.perf_counter()
    before = ledger.recorder.max_notification_id() or 0
    demo = Demo(ledger, clock, registrants, years, seed, end or clock.today())
    result = demo.run(progress, batch_size=batch_size, issue_credentials=issue_credentials, tick=tick)
    result.events = (ledger.recorder.max_notification_id() or 0) - before
    result.kinds = dict(sorted(ledger.saved_kinds.items()))
    result.seconds = _time.perf_counter() - started
    return result
