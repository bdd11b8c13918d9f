"""A projection runner killed with SIGKILL at random points resumes to exactly the state of a clean rebuild."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date

from ledger.domain.clock import SettableClock
from ledger.ops.demo import run_demo
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.read_models import dump
from tests.conftest import MASTER_KEY

RUNNER = """
import sys
from ledger.app.ledger import Ledger
from ledger.read.projections.runner import ProjectionRunner
from ledger.settings import Settings
ledger = Ledger(Settings(database_url=sys.argv[1], master_key=sys.argv[2]))
print("started", flush=True)
ProjectionRunner(ledger, batch_size=40).catch_up()
print("done", flush=True)
"""


def test_sigkill_at_random_points_then_resume(make_ledger, settings):
    clock = SettableClock(date(2026, 6, 1))
    ledger = make_ledger(clock=clock, rng=random.Random(5))
    assert run_demo(ledger, clock, registrants=250, years=2, seed=5, tick=False).refused == 0
    head = ledger.recorder.max_notification_id()
    observer = ProjectionRunner(ledger)
    chance = random.Random(11)
    killed_part_way = 0
    for _ in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, settings.database_url, MASTER_KEY],
            stdout=subprocess.PIPE,
            text=True,
            cwd=os.getcwd(),
        )
        assert process.stdout.readline().strip() == "started"
        time.sleep(chance.uniform(0.05, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if observer.position() < head:
            killed_part_way += 1
    assert killed_part_way >= 1, "every run finished before it was killed: make the history bigger"

    observer.catch_up()
    assert observer.position() == head
    resumed = dump(ledger, observer)
    observer.rebuild()
    assert dump(ledger, observer) == resumed
