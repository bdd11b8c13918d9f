"""The read models: batched catch-up, a crash mid-batch, resumption, and rebuild all agree."""

from __future__ import annotations

import random
from datetime import date

import pytest

from ledger.domain.clock import SettableClock
from ledger.ops.demo import run_demo
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.read_models import dump


@pytest.fixture
def demo_ledger(make_ledger):
    clock = SettableClock(date(2026, 6, 1))
    ledger = make_ledger(clock=clock, rng=random.Random(7))
    result = run_demo(ledger, clock, registrants=60, years=2, seed=7, tick=False)
    assert result.refused == 0, result.refusals
    return ledger


def test_a_crash_mid_batch_resumes_to_the_state_of_a_clean_rebuild(demo_ledger):
    ledger = demo_ledger
    head = ledger.recorder.max_notification_id()
    crashing = ProjectionRunner(ledger, batch_size=97)
    for crash_after in (150, 40, 333):  # crash several times, part-way through different batches
        with pytest.raises(RuntimeError, match="simulated crash"):
            crashing.catch_up(fail_after=crash_after)
        positions = crashing.positions()
        assert all(p % 97 == 0 or p == head for p in positions.values())  # only whole batches committed
    resumed = ProjectionRunner(ledger, batch_size=97)
    resumed.catch_up()
    assert resumed.position() == head
    after_resume = dump(ledger, resumed)

    clean = ProjectionRunner(ledger, batch_size=1000)
    clean.rebuild()
    assert dump(ledger, clean) == after_resume
    assert len(after_resume["registrations"]) > 10


def test_catch_up_is_incremental_and_applies_nothing_twice(demo_ledger):
    ledger = demo_ledger
    runner = ProjectionRunner(ledger, batch_size=500)
    assert runner.catch_up() == ledger.recorder.max_notification_id()
    assert runner.catch_up() == 0
    state = dump(ledger, runner)
    registrant = ledger.enrol("Late Arrival", "late@example.org", ["digital"])
    assert runner.catch_up() == 1
    assert len(dump(ledger, runner)["registrants"]) == len(state["registrants"]) + 1
    assert registrant
