"""What the backup and restore tests (tests/integration/test_backup*.py) share: the command line against a
register (``run``), a snapshot of everything a restore must give back, a source register with everything a backup
must keep and its backup file, built once per kind of database per module (``source``, with the module-scoped
``sources`` and ``other_postgres`` fixtures, imported as ``sources_fixture`` and ``other_postgres_fixture``), and a
restore target."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.settings import Settings
from tests.conftest import ADMIN_URL, MASTER_KEY, _reset_postgres, unavailable

PASSWORD = "a long enough password"


def run(args: list[str], database_url: str, master_key: str = MASTER_KEY) -> Any:
    return CliRunner().invoke(
        app, args, env={"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": master_key}
    )


def open_ledger(url: str) -> Any:
    from ledger.app.ledger import Ledger

    return Ledger(Settings(database_url=url, master_key=MASTER_KEY))


def snapshot(url: str) -> dict[str, Any]:
    """Everything a restore must give back, read from a register."""
    from ledger.app.accounts import Accounts, accounts
    from ledger.app.vault import vault_keys
    from ledger.processes.keyring import Keyring
    from ledger.processes.transparency_log import TransparencyLog
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.read.replay import register_digest

    ledger = open_ledger(url)
    try:
        ProjectionRunner(ledger).catch_up()
        log = TransparencyLog(ledger)
        log.catch_up()
        events = [line for _, line in log.events()]
        with ledger.engine.connect() as conn:
            digest = register_digest(conn)
            keys = {
                row.owner: (bytes(row.wrapped) if row.wrapped else None) for row in conn.execute(select(vault_keys))
            }
            emails = sorted(conn.execute(select(accounts.c.email)).scalars())
        keyring = Keyring(ledger)
        issuer = keyring.active("issuer")
        signed_in = Accounts(ledger.engine).authenticate("registrar@example.org", PASSWORD)
        return {
            "events": events,
            "root": log.tree().root().hex(),
            "digest": digest,
            "checkpoints": log.checkpoints(),
            "vault_keys": keys,
            "accounts": emails,
            "signed_in": signed_in.role if signed_in else None,
            "issuer_kid": issuer.kid,  # its private half opened under the master key, and it is the same key
            "issuer_key_opens": issuer.signing_key.kid == issuer.kid,
            "max_notification_id": ledger.recorder.max_notification_id(),
        }
    finally:
        ledger.close()


def build_source(url: str, *, gap: bool) -> dict[str, Any]:
    """A small demo register with everything a backup must keep: events (an erasure among them), issued
    credentials, a signed checkpoint, an account and an idempotent request's receipt; on PostgreSQL, a gap in the
    notification ids (a save that lost a race burns sequence numbers)."""
    result = run(["demo", "--registrants", "30", "--years", "2", "--seed", "5", "--json"], url)
    assert result.exit_code == 0, result.output
    from eventsourcing.persistence import IntegrityError

    from ledger.app.accounts import Accounts
    from ledger.processes.transparency_log import TransparencyLog

    ledger = open_ledger(url)
    try:
        if gap:
            [first] = ledger.recorder.select_notifications(start=1, limit=1)
            from ledger.read.replay import stored_event

            duplicate = stored_event(
                {
                    "id": str(first.originator_id),
                    "v": first.originator_version,
                    "topic": first.topic,
                    "state": base64.b64encode(first.state).decode(),
                }
            )
            for _ in range(2):
                with pytest.raises(IntegrityError):
                    ledger.recorder.insert_events([duplicate])
        TransparencyLog(ledger).checkpoint()  # makes the log key (events after the gap), then signs
        Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
        assert ledger.once("acct:retry-1", "0" * 64, lambda: {"ok": True}) == ({"ok": True}, True)
    finally:
        ledger.close()
    return snapshot(url)


@pytest.fixture(scope="module", name="other_postgres")
def other_postgres_fixture() -> Iterator[str]:
    """A second database of this module's own on the PostgreSQL server (PostgreSQL to PostgreSQL needs two)."""
    try:
        import psycopg

        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001
        unavailable("postgres", f"no PostgreSQL server at {ADMIN_URL}: {error}".strip())
    name = f"regledger_backup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module", name="sources")
def sources_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {}  # built on first use, one per kind of database


def source(
    kind: str, sources: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[dict[str, Any], Path, dict[str, Any]]:
    """(the source's snapshot, its backup file, the backup's figures), built once per kind; the source's URL is
    kept as ``sources["url-KIND"]``."""
    if kind not in sources:
        folder = tmp_path_factory.mktemp(f"source-{kind}")
        url = f"sqlite:///{folder / 'source.db'}" if kind == "sqlite" else request.getfixturevalue("other_postgres")
        before = build_source(url, gap=kind == "postgres")
        file = folder / "register.backup.gz"
        made = run(["backup", str(file), "--json"], url)
        assert made.exit_code == 0, made.output
        figures = json.loads(made.stdout)
        assert snapshot(url)["events"] == before["events"]  # a backup changes nothing in the register
        sources[kind] = (before, file, figures)
        sources[f"url-{kind}"] = url
    return sources[kind]


def target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url = request.getfixturevalue("postgres_server")
    _reset_postgres(url)
    return url
