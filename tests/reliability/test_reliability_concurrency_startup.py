"""Ledgers starting together on one PostgreSQL database (service workers starting at once), on a fresh database
and on one whose tables exist: every one starts. Found by the races of test_reliability_concurrency.py."""

from __future__ import annotations

import threading
import traceback

import pytest

from ledger.app.ledger import Ledger
from ledger.settings import Settings
from tests.conftest import MASTER_KEY, _reset_postgres


@pytest.mark.postgres
def test_ledgers_starting_together_on_postgres_all_start(postgres_server):
    """Found by this suite: Ledgers starting at once on PostgreSQL (service workers starting together) crashed
    making their tables ("duplicate key value ... pg_type" on a fresh database) and on every start after that
    (the eventsourcing library's CREATE OR REPLACE FUNCTION: "tuple concurrently updated"). They now take turns
    (``ledger.app.db.schema_lock``)."""
    failures: list[str] = []

    def start() -> None:
        try:
            Ledger(Settings(database_url=postgres_server, master_key=MASTER_KEY)).close()
        except Exception:  # noqa: BLE001 - the finding this test guards against
            failures.append(traceback.format_exc())

    for fresh in (True, False, False):
        if fresh:
            _reset_postgres(postgres_server)
        threads = [threading.Thread(target=start) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures, failures[0]
