"""Database faults (issue 9, part 3): the test starts a PostgreSQL server of its own, serves the web service on it
under a load of idempotent writes, stops the server with ``pg_ctl stop -m immediate`` (as a crash would) and starts
it again. While it is down the service answers 503 with Retry-After (not 500, not a hang); once it is back the
service recovers by itself; and every write it acknowledged (2xx) is in the event store afterwards, once.

CI runs one restart; ``REGLEDGER_FAULT_RESTARTS=N`` (with ``-m slow`` for the slow variant) runs more:
``.venv/bin/python -m pytest -q -m slow tests/reliability/test_reliability_faults.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.builders.servers import free_port, serving
from tests.conftest import MASTER_KEY, unavailable

PG_BIN = Path(os.environ.get("REGLEDGER_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "correct horse battery staple"
WRITERS = 4
REQUEST_TIMEOUT = 20.0  # a request that takes longer than this counts as a hang
DOWN_SECONDS = 3.0
DISCIPLINE = "performing_arts"


class Server:
    """A PostgreSQL server of this test's own: initdb into a temporary directory, pg_ctl start on a free port. As
    root (initdb refuses to run as root) it runs as the ``postgres`` OS user, in a directory that user owns."""

    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / tool).exists():
                unavailable("postgres", f"the PostgreSQL server binaries are not at {PG_BIN} (set REGLEDGER_PG_BIN)")
        self.as_postgres: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="regledger-pgfault-"))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                unavailable("postgres", "running as root and runuser is missing: initdb cannot run as root")
            try:
                shutil.chown(self.root, user="postgres", group="postgres")
            except (LookupError, OSError) as error:
                unavailable("postgres", f"running as root and there is no 'postgres' OS user to run initdb: {error}")
            self.as_postgres = [runuser, "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [*self.as_postgres, str(PG_BIN / tool), *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.root,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def crash(self) -> None:
        """Stop the server as a crash would: no checkpoint, clients cut off mid-transaction."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def server() -> Iterator[Server]:
    made = Server()
    try:
        yield made
    finally:
        made.close()


@dataclass
class Tally:
    sent: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> registrant id
    unavailable: int = 0  # 503 with Retry-After
    other: list[tuple[int, str]] = field(default_factory=list)  # anything else: a failure of this test
    hangs: int = 0
    longest_ack: float = 0.0  # seconds: a write held while the store was down (its library retries) then done
    first_503: float | None = None
    last_503: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(base: str, token: str, stop: threading.Event, tally: Tally, number: int) -> None:
    """Enrol people one after another, each with its own Idempotency-Key, retrying the same key (after a 503's
    Retry-After, or a timeout) until it is acknowledged."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        sequence = 0
        while not stop.is_set():
            sequence += 1
            key = f"w{number}-{sequence}"
            body = {
                "name": f"Fault Tester {number}-{sequence}",
                "email": f"f{number}.{sequence}@example.org",
                "disciplines": [DISCIPLINE],
            }
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with tally.lock:
                    tally.sent += 1
                started = time.monotonic()
                try:
                    answer = client.post("/api/enrolments", json=body, headers={**headers, "Idempotency-Key": key})
                except httpx.TimeoutException:
                    with tally.lock:
                        tally.hangs += 1
                    continue
                if answer.status_code == 200:
                    with tally.lock:
                        previous = tally.acknowledged.setdefault(key, answer.json()["id"])
                        assert previous == answer.json()["id"], "a retried key got another answer"
                        tally.longest_ack = max(tally.longest_ack, time.monotonic() - started)
                    break
                with tally.lock:
                    if answer.status_code == 503 and "retry-after" in answer.headers:
                        tally.unavailable += 1
                        now = time.monotonic()
                        tally.first_503 = tally.first_503 or now
                        tally.last_503 = now
                    else:
                        tally.other.append((answer.status_code, answer.text[:300]))
                time.sleep(min(float(answer.headers.get("retry-after", "1")), 1.0))
            if stop.is_set():
                break


def run_with_restarts(server: Server, restarts: int, seconds_between: float) -> dict[str, float]:
    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.builders import second_factor

    ledger = Ledger(Settings(database_url=server.url, master_key=MASTER_KEY))
    Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
    factor = second_factor.set_up(ledger, "registrar@example.org")  # staff sign in with a code
    app = create_app(ledger)  # with its worker in-process, as `regledger serve` on one machine
    tally = Tally()
    figures: dict[str, float] = {}
    recoveries: list[float] = []
    try:
        with serving(app, free_port()) as base:
            token = httpx.post(
                f"{base}/api/token", data={"email": "registrar@example.org", "password": PASSWORD, "otp": factor.code()}
            ).json()["access_token"]
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(base, token, stop, tally, n), daemon=True) for n in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            for _ in range(restarts):
                time.sleep(seconds_between)
                server.crash()
                down_at = time.monotonic()
                # while it is down: a write and a read both answer 503 with Retry-After, promptly
                time.sleep(0.5)
                probe_started = time.monotonic()
                probe = httpx.get(f"{base}/api/register/RG-0000000-00", timeout=REQUEST_TIMEOUT)
                assert probe.status_code in (503, 422, 404), probe.text  # 422/404: a read that needs no database
                write_probe = httpx.post(
                    f"{base}/api/enrolments",
                    timeout=REQUEST_TIMEOUT,
                    json={"name": "Probe", "email": "probe@example.org", "disciplines": [DISCIPLINE]},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert write_probe.status_code == 503, write_probe.text
                assert int(write_probe.headers["retry-after"]) >= 1
                assert write_probe.json()["status"] == 503
                figures["probe_seconds"] = max(figures.get("probe_seconds", 0.0), time.monotonic() - probe_started)
                time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
                server.start()
                back_at = time.monotonic()
                acknowledged = len(tally.acknowledged)
                while len(tally.acknowledged) == acknowledged:  # the first acknowledged write after the restart
                    assert time.monotonic() - back_at < 60, ("the service did not recover within 60 s", tally)
                    time.sleep(0.05)
                recoveries.append(time.monotonic() - back_at)
            time.sleep(seconds_between)
            stop.set()
            for thread in threads:
                thread.join(REQUEST_TIMEOUT + 5)
            # the worker still follows: a write by another process reaches the service's read models
            other = Ledger(Settings(database_url=server.url, master_key=MASTER_KEY))
            other.enrol("Outside Writer", "outside@example.org", [DISCIPLINE], None, "listed")
            last = other.recorder.max_notification_id()
            other.close()
            from ledger.api.service import Behind

            deadline = time.monotonic() + 30
            while True:
                try:
                    app.state.service.await_position(last)
                    break
                except Behind:
                    assert time.monotonic() < deadline, app.state.service.worker.errors
    finally:
        ledger.close()
    # every acknowledged write is in the store afterwards, once
    check = Ledger(Settings(database_url=server.url, master_key=MASTER_KEY))
    try:
        for key, registrant_id in tally.acknowledged.items():
            registrant = check.registrant(uuid.UUID(registrant_id))
            number, sequence = key[1:].split("-")
            assert check.vault.open(registrant.name) == f"Fault Tester {number}-{sequence}", key
        enrolled = [(name, i) for name, i in enrolled_names(check) if name.startswith("Fault Tester")]
        names = [name for name, _ in enrolled]
        twice = {name: [str(i) for n, i in enrolled if n == name] for name in names if names.count(name) > 1}
        acked = {f"Fault Tester {k[1:]}": v for k, v in tally.acknowledged.items()}
        assert not twice, ("a key was acted on twice", {n: (ids, acked.get(n)) for n, ids in twice.items()})
    finally:
        check.close()
    assert tally.other == [], tally.other[:5]
    assert tally.hangs == 0
    # the writers felt the outage: answered 503, or held (the event store's own retries) and then acknowledged
    assert tally.unavailable > 0 or tally.longest_ack > 1.0, tally
    figures.update(
        sent=tally.sent,
        acknowledged=len(tally.acknowledged),
        unavailable=tally.unavailable,
        longest_ack=tally.longest_ack,
        restarts=restarts,
        recovery_max=max(recoveries),
        recovery_mean=sum(recoveries) / len(recoveries),
    )
    print("\nfaults:", {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()})
    return figures


def enrolled_names(ledger) -> list[tuple[str, uuid.UUID]]:
    names = []
    for notification in ledger.recorder.select_notifications(start=1, limit=1_000_000):
        if notification.topic.endswith("Registrant.Enrolled"):
            names.append(
                (ledger.vault.open(ledger.registrant(notification.originator_id).name), notification.originator_id)
            )
    return names


@pytest.mark.postgres
def test_a_restarted_database_under_load(server):
    figures = run_with_restarts(server, restarts=1, seconds_between=3.0)
    assert figures["acknowledged"] > 0


@pytest.mark.postgres
@pytest.mark.slow
def test_many_restarts_under_load(server):
    restarts = int(os.environ.get("REGLEDGER_FAULT_RESTARTS", "10"))
    figures = run_with_restarts(server, restarts=restarts, seconds_between=4.0)
    assert figures["acknowledged"] > 0
