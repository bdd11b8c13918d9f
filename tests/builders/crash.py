"""The machinery of tests/reliability/test_reliability_crash.py: a component's catch-up in a child process
(forked from a server that has already imported the ledger), started and killed with SIGKILL over and over
(``kill_repeatedly``); an SMTP server per register (the ``smtp_servers`` fixture, imported as
``smtp_servers_fixture``); a copy of a register (``copy_of``, imported as ``copy_of_fixture``); and what is compared
between the interrupted register and the copy (read models, letters, Message-IDs, credentials)."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ledger.app.ledger import Ledger
from ledger.domain.clock import SettableClock
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.mailer import Mailer
from ledger.read.projections.base import projection_positions
from ledger.read.projections.credentials import credentials as credentials_table
from ledger.read.projections.outbox import outbox
from ledger.read.projections.runner import ProjectionRunner
from ledger.settings import Settings
from tests.builders.servers import free_port
from tests.conftest import ADMIN_URL, MASTER_KEY

COMPONENTS = ("issuer", "runner", "mailer")  # in the order a worker would need them: credentials, views, letters
RUNNER_BATCH = 150  # small batches: many commits in a catch-up, so kills land between them as well as inside
ISSUER_BATCH = 60
RANDOM_COLUMNS = {"credentials": {"revocation_index", "suspension_index"}, "outbox": {"message_id"}}


# -- the child process ------------------------------------------------------------------------------------------------
def work(component: str, url: str, smtp_port: int, now: str, conn: Any) -> None:
    """One component's catch-up, in a child: says 'started' once its Ledger is open, 'done' at the end."""
    settings = Settings(
        database_url=url,
        master_key=MASTER_KEY,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="registrar@register.example",
    )
    ledger = Ledger(settings, clock=SettableClock(datetime.fromisoformat(now)))
    conn.send("started")
    run_component(ledger, component)
    conn.send("done")
    ledger.close()


def run_component(ledger: Ledger, component: str) -> Any:
    if component == "issuer":
        return CredentialIssuer(ledger, batch_size=ISSUER_BATCH).catch_up()
    if component == "runner":
        return ProjectionRunner(ledger, batch_size=RUNNER_BATCH).catch_up()
    return Mailer(ledger).send_pending()


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        [
            "ledger.app.ledger",
            "ledger.processes.issuance",
            "ledger.processes.mailer",
            "ledger.read.projections.runner",
            "tests.builders.crash",
        ]
    )
    return context


# -- an SMTP server per register ---------------------------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.message_ids.append(message_from_bytes(envelope.original_content)["Message-ID"])
        return "250 OK"


@pytest.fixture(name="smtp_servers")
def smtp_servers_fixture():
    servers = []

    def start() -> tuple[int, Inbox]:
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return controller.port, inbox

    yield start
    for controller in servers:
        controller.stop()


# -- copying a register ------------------------------------------------------------------------------------------------
@pytest.fixture(name="copy_of")
def copy_of_fixture(database_url, tmp_path):
    made: list[str] = []

    def copy(url: str) -> str:
        if url.startswith("sqlite"):
            target = tmp_path / "copy.db"
            source = sqlite3.connect(url.removeprefix("sqlite:///"))
            with sqlite3.connect(target) as destination:
                source.backup(destination)
            source.close()
            return f"sqlite:///{target}"
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}_copy"')
            admin.execute(f'CREATE DATABASE "{name}_copy" TEMPLATE "{name}"')
        made.append(f"{name}_copy")
        return f"{url}_copy"

    yield copy
    if made:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def forget_read_models(ledger: Ledger) -> None:
    runner = ProjectionRunner(ledger)
    with ledger.engine.begin() as conn:
        for projection in runner.projections:
            for table in reversed(projection.tables):
                conn.execute(table.delete())
        conn.execute(
            projection_positions.delete().where(projection_positions.c.name.in_([p.name for p in runner.projections]))
        )


# -- what is compared --------------------------------------------------------------------------------------------------
def read_models(ledger: Ledger) -> dict[str, list[tuple]]:
    """Every row of every table of ALL_PROJECTIONS, the random columns left out, the outbox apart."""
    tables: dict[str, list[tuple]] = {}
    with ledger.engine.connect() as conn:
        for projection in ProjectionRunner(ledger).projections:
            for table in projection.tables:
                if table.name == "outbox":
                    continue
                skip = RANDOM_COLUMNS.get(table.name, set())
                rows = conn.execute(select(table)).mappings().all()
                tables[table.name] = sorted(
                    (tuple(sorted((k, v) for k, v in r.items() if k not in skip)) for r in rows), key=repr
                )
    return tables


def outbox_rows(ledger: Ledger) -> dict[str, Any]:
    with ledger.engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(outbox))}


def message_ids_of(ledger: Ledger) -> dict[str, str]:
    """Every Message-ID the sender ever recorded (``Mail.Sending``), to the letter's id."""
    owners: dict[str, str] = {}
    for notification in ledger.recorder.select_notifications(
        start=0, limit=10**9, topics=["ledger.aggregates.mail:Mail.Sending"]
    ):
        event = ledger.mapper.to_domain_event(notification)
        assert event.message_id not in owners, "a Message-ID was used twice"
        owners[event.message_id] = event.originator_id.hex
    return owners


def credential_facts(ledger: Ledger) -> tuple[list[tuple], Counter]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(credentials_table)).mappings().all()
    facts = sorted(
        (
            r["registration_id"],
            r["trigger_version"],
            r["trigger"],
            r["level"],
            r["number"],
            r["valid_from"],
            r["valid_until"],
            r["kid"],
        )
        for r in rows
    )
    # a credential holds a suspension index only if it was issued before the one-entry design: count those it holds
    indexes = Counter(
        [("revocation", r["revocation_index"]) for r in rows]
        + [("suspension", r["suspension_index"]) for r in rows if r["suspension_index"] is not None]
    )
    return facts, indexes


@dataclass
class Figures:
    clean_seconds: dict[str, float] = field(default_factory=dict)
    runs: Counter = field(default_factory=Counter)  # child processes started, by component
    killed: Counter = field(default_factory=Counter)  # killed before they said 'done'
    finished: Counter = field(default_factory=Counter)  # said 'done' before the kill came


def said_done(parent: Any) -> bool:
    try:
        while parent.poll():
            if parent.recv() == "done":
                return True
    except EOFError:  # the child is gone: nothing more to read
        pass
    return False


def kill_repeatedly(
    url: str,
    smtp_port: int,
    now: str,
    component: str,
    kills: int,
    clean_seconds: float,
    chance: random.Random,
    figures: Figures,
) -> None:
    """Start the component in a child and SIGKILL it after a random part of the clean run's time, ``kills``
    times (fewer if it finishes first: then there is nothing left to interrupt), then once more to the end."""
    context = _context()
    # on average the kills together cover the whole clean run; each lands within 70% of it, so that a child a
    # little quicker than the clean run (a machine less loaded than when it was timed) is still caught part-way
    window = min(2 * clean_seconds / kills, 0.7 * clean_seconds)
    for _ in range(kills):
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=work, args=(component, url, smtp_port, now, child))
        process.start()
        child.close()
        figures.runs[component] += 1
        assert parent.poll(60) and parent.recv() == "started"
        time.sleep(chance.uniform(0, window))
        process.kill()
        process.join()
        if said_done(parent):
            figures.finished[component] += 1
            parent.close()
            break
        figures.killed[component] += 1
        parent.close()
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=work, args=(component, url, smtp_port, now, child))
    process.start()
    child.close()
    figures.runs[component] += 1
    process.join(300)
    assert process.exitcode == 0, f"the final {component} run failed (exit code {process.exitcode})"
