"""Workers and web processes killed with SIGKILL, as a crash or an out-of-memory kill would.

- Two `regledger worker` processes run while registrants are awarded, days are closed and letters are sent to a
  real SMTP server; one of them is killed at a random moment, again and again, and started again. Afterwards the
  read models equal a rebuild from the events (an uninterrupted run), every award, renewal and reinstatement has
  exactly one credential, the transparency log holds every event once with the right hash, every day was closed
  once and no letter reached the SMTP server twice.
- A web process killed while its write waits for the worker: the client's retry with the same Idempotency-Key gets
  the first answer, and the command acted once.

The fast form kills 6 times; `pytest -m slow` kills 40 times (RELIABILITY.md).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.builders.processes import REGLEDGER, eventually
from tests.builders.records import awarded
from tests.builders.servers import free_port
from tests.conftest import MASTER_KEY

PASSWORD = "correct horse battery staple"


class Inbox:
    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.message_ids.append(message_from_bytes(envelope.original_content)["Message-ID"])
        return "250 OK"


def dump(ledger) -> dict[str, list]:
    """Every read model's rows, in a stable order."""
    from ledger.read.projections.runner import ProjectionRunner

    out = {}
    with ledger.engine.connect() as conn:
        for projection in ProjectionRunner(ledger).projections:
            for table in projection.tables:
                rows = [tuple(str(v) for v in row) for row in conn.execute(select(table))]
                out[table.name] = sorted(rows)
    return out


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*REGLEDGER, "worker", "--quiet"],
        env=env,
        stdout=open(log, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def run_with_kills(database_url: str, tmp_path: Path, kills: int) -> None:
    from ledger.app.ledger import Ledger
    from ledger.domain.aggregates import Credential, Day
    from ledger.domain.clock import Clock, SettableClock
    from ledger.processes.issuance import TOPICS as TRIGGER_TOPICS
    from ledger.processes.status import progress
    from ledger.processes.tick import Ticker
    from ledger.processes.transparency_log import leaf_line, log_leaves
    from ledger.processes.worker import Worker
    from ledger.read.projections.outbox import outbox
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.settings import Settings
    from verifier.merkle import leaf_hash

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    today = date.today()
    settings = Settings(
        database_url=database_url, master_key=MASTER_KEY, smtp_host="127.0.0.1", smtp_port=smtp.port, send_mail=True
    )
    # a year ago: awards now due, so the days the workers close send reminders and overdue letters
    past = Ledger(settings, clock=SettableClock(today - timedelta(days=380)))
    for n in range(6):
        awarded(past, f"Past Person {n}")
    past.clock.set(today - timedelta(days=25))
    Ticker(past).run_until(today - timedelta(days=25))
    past.close()

    env = {
        **os.environ,
        "REGLEDGER_DATABASE_URL": database_url,
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_SMTP_HOST": "127.0.0.1",
        "REGLEDGER_SMTP_PORT": str(smtp.port),
        "REGLEDGER_MAIL_EVERY_SECONDS": "1",
    }
    log = tmp_path / "workers.log"
    workers = [start_worker(env, log), start_worker(env, log)]
    ledger = Ledger(settings, clock=Clock())
    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(awarded(ledger, f"Crash Tester {len(written)}")[1])
            stop.wait(0.2)

    rng = random.Random(kills)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.3, 1.5))
            victim = rng.randrange(2)
            kill(workers[victim])
            time.sleep(rng.uniform(0.0, 0.8))
            workers[victim] = start_worker(env, log)
        stop.set()
        thread.join(30)

        def settled() -> bool:
            facts = progress(ledger)
            return all(f["lag_events"] == 0 for f in facts["followers"]) and Day.id_for(today) in ledger.repository

        eventually("the workers catching up after the kills", settled, 90, 0.5)
    finally:
        stop.set()
        for process in workers:
            kill(process)
    try:
        finish = Worker(ledger).run_once()  # what a last run would still do (letters left queued, say)
        assert not finish.errors, finish.errors
        assert written, "the writer awarded no one"

        # the read models equal an uninterrupted run: a rebuild from the first event
        before = dump(ledger)
        ProjectionRunner(ledger).rebuild()
        assert dump(ledger) == before

        # one credential for every award, renewal and reinstatement, and none twice
        triggers = [n for n in ledger.recorder.select_notifications(start=1, limit=10**6, topics=TRIGGER_TOPICS)]
        for notification in triggers:
            assert (
                Credential.id_for(notification.originator_id, notification.originator_version) in ledger.repository
            ), notification.id
        # the log: every event once, in order, with the hash of its stored bytes
        with ledger.engine.connect() as conn:
            leaves = conn.execute(select(log_leaves).order_by(log_leaves.c.idx)).all()
        notifications = ledger.recorder.select_notifications(start=1, limit=10**6)
        assert [leaf.notification_id for leaf in leaves] == [n.id for n in notifications]
        assert all(
            bytes(leaf.hash) == leaf_hash(leaf_line(leaf.idx, n)) for leaf, n in zip(leaves, notifications, strict=True)
        )
        # every day closed, and no letter sent twice
        for days_ago in range(25):
            assert Day.id_for(today - timedelta(days=days_ago)) in ledger.repository
        assert len(inbox.message_ids) == len(set(inbox.message_ids)), "a letter reached the SMTP server twice"
        with ledger.engine.connect() as conn:
            sent = set(conn.execute(select(outbox.c.message_id).where(outbox.c.status == "sent")).scalars())
        assert sent and sent <= set(inbox.message_ids)
    finally:
        ledger.close()
        smtp.stop()


def test_workers_killed_at_random_lose_nothing_and_do_nothing_twice(database_url, tmp_path):
    run_with_kills(database_url, tmp_path, kills=6)


@pytest.mark.slow
def test_workers_killed_at_random_forty_times(database_url, tmp_path):
    run_with_kills(database_url, tmp_path, kills=40)


@pytest.mark.postgres
def test_a_web_process_killed_while_its_write_waits_answers_the_retry_with_the_first_answer(postgres_server, tmp_path):
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.read.projections.register import registrants
    from ledger.settings import Settings
    from tests.builders import second_factor
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_server)
    port = free_port()
    env = {
        **os.environ,
        "REGLEDGER_DATABASE_URL": postgres_server,
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_ISSUER_URL": f"http://127.0.0.1:{port}",
        "REGLEDGER_WRITE_WAIT_SECONDS": "60",
    }
    ledger = Ledger(Settings(database_url=postgres_server, master_key=MASTER_KEY))
    Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
    factor = second_factor.set_up(ledger, "registrar@example.org")  # staff sign in with a code
    subprocess.run([*REGLEDGER, "worker", "--once"], env=env, check=True, capture_output=True, timeout=120)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"

    def serve() -> subprocess.Popen:
        process = subprocess.Popen(
            [*REGLEDGER, "serve", "--port", str(port), "--quiet"],
            env=env,
            stdout=open(log, "ab"),
            stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        eventually("serve answering", up, 60, 0.2)
        return process

    web = serve()
    worker = None
    try:
        token = httpx.post(
            f"{base}/api/token", data={"email": "registrar@example.org", "password": PASSWORD, "otp": factor.code()}
        ).json()["access_token"]
        request = {
            "headers": {"Authorization": f"Bearer {token}", "Idempotency-Key": "enrol-kim"},
            "json": {
                "name": "Kim Killed-Midway",
                "email": "kim@example.org",
                "disciplines": [ledger.framework.disciplines[0].code],
            },
        }
        head = ledger.recorder.max_notification_id()
        outcome: dict[str, object] = {}

        def first_attempt() -> None:
            try:
                outcome["answer"] = httpx.post(f"{base}/api/enrolments", timeout=90, **request)
            except httpx.HTTPError as error:
                outcome["error"] = error

        attempt = threading.Thread(target=first_attempt)
        attempt.start()
        # the write is committed and waits for a worker (none runs): kill the web process now
        eventually("the write committed", lambda: (ledger.recorder.max_notification_id() or 0) > head, 30)
        time.sleep(0.2)
        kill(web)
        attempt.join(30)
        assert "error" in outcome, outcome  # the client never got an answer
        worker = subprocess.Popen([*REGLEDGER, "worker", "--quiet"], env=env, start_new_session=True)
        web = serve()
        retried = httpx.post(f"{base}/api/enrolments", timeout=90, **request)
        assert retried.status_code == 200, retried.text
        again = httpx.post(f"{base}/api/enrolments", timeout=90, **request)
        assert again.json() == retried.json()  # the first answer, each time
        with ledger.engine.connect() as conn:
            kims = [n for n in conn.execute(select(registrants.c.name)).scalars() if n == "Kim Killed-Midway"]
        assert kims == ["Kim Killed-Midway"]  # acted once
    finally:
        kill(web)
        if worker is not None:
            kill(worker)
        ledger.close()
