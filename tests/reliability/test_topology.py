"""The deployment of deploy/compose.yaml, as processes on this machine: two `regledger serve` (one of them with two
web workers) and two `regledger worker` on one PostgreSQL database. A write through one web process is read through
the other; an erasure made from the command line leaves both within 2 seconds; killing the leading worker hands
its duties to the other within 10 seconds; a poison record is parked while other people's awards are issued."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builders.processes import REGLEDGER, eventually
from tests.builders.records import awarded
from tests.builders.servers import free_port
from tests.conftest import MASTER_KEY, _reset_postgres

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse battery staple"
FOLLOWERS = {"projections", "issuer", "log", "publisher"}
DUTIES = {"checkpoints", "mail", "tick", "parked"}


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [*REGLEDGER, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def status(env: dict[str, str]) -> dict:
    done = subprocess.run([*REGLEDGER, "status", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def topology(postgres_server: str, tmp_path: Path) -> Iterator[tuple[Processes, dict[str, str], list[str]]]:
    _reset_postgres(postgres_server)
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "REGLEDGER_DATABASE_URL": postgres_server,
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_ISSUER_URL": f"http://127.0.0.1:{ports[0]}",
        "REGLEDGER_RATE_PUBLIC_PER_MINUTE": "100000",
        "REGLEDGER_RATE_LOGIN_PER_MINUTE": "1000",
    }
    env.pop("REGLEDGER_SMTP_HOST", None)
    processes = Processes(env, tmp_path)
    try:
        yield processes, env, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        processes.stop_all()


def test_two_web_and_two_worker_processes_on_one_postgresql(topology, postgres_server):
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import Clock
    from ledger.settings import Settings
    from tests.builders import second_factor
    from tests.builders.records import award, poison_registrant

    processes, env, (web_a, web_b) = topology
    settings = Settings(database_url=postgres_server, master_key=MASTER_KEY, issuer_url=env["REGLEDGER_ISSUER_URL"])
    ledger = Ledger(settings, clock=Clock())
    try:
        tess, tess_number = awarded(ledger, "Tess Topology")
        erin, erin_number = awarded(ledger, "Erin Erasable")
        Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
        factor = second_factor.set_up(ledger, "registrar@example.org")  # staff sign in with a code

        workers = [processes.start("worker-1", "worker"), processes.start("worker-2", "worker")]
        processes.start("serve-a", "serve", "--port", web_a.rsplit(":", 1)[1], "--workers", "2", "--quiet")
        processes.start("serve-b", "serve", "--port", web_b.rsplit(":", 1)[1], "--quiet")
        for base, name in ((web_a, "serve-a"), (web_b, "serve-b")):

            def up(base=base) -> bool:
                try:
                    return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                eventually(f"{name} answering", up, 60, 0.2)
            except BaseException:
                print(processes.log(name))
                raise
        # the workers bring the register up: both web processes show the awards
        for base in (web_a, web_b):
            eventually(
                "the awards on the public pages",
                lambda base=base: httpx.get(f"{base}/r/{tess_number}").status_code == 200,
                60,
                0.2,
            )

        # a write through one web process is read through the other
        token = httpx.post(
            f"{web_a}/api/token", data={"email": "registrar@example.org", "password": PASSWORD, "otp": factor.code()}
        ).json()["access_token"]
        suspended = httpx.post(
            f"{web_a}/api/registrations/{tess_number}/suspend",
            timeout=30,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "suspend-tess"},
            json={"reason": "Complaint under investigation."},
        )
        assert suspended.status_code == 200, suspended.text
        assert httpx.get(f"{web_a}/api/register/{tess_number}").json()["status"] == "suspended"  # its own write
        eventually(
            "the suspension seen through the other web process",
            lambda: httpx.get(f"{web_b}/api/register/{tess_number}").json()["status"] == "suspended",
            2,
        )

        # an erasure made from the command line leaves both web processes within 2 seconds
        for base in (web_a, web_b):
            assert "Erin Erasable" in httpx.get(f"{base}/r/{erin_number}").text  # remembered by each
        erased = subprocess.run(
            [*REGLEDGER, "erase", erin_number, "--yes"], env=env, capture_output=True, text=True, timeout=60
        )
        assert erased.returncode == 0, erased.stdout + erased.stderr
        erased_at = time.monotonic()
        for base in (web_a, web_b):
            eventually(
                "the erased name gone",
                lambda base=base: httpx.get(f"{base}/r/{erin_number}").status_code == 404,
                max(0.1, 2.0 - (time.monotonic() - erased_at)),
            )
            assert "Erin" not in httpx.get(f"{base}/api/register", params={"query": "Erin"}).text

        # killing the leading worker hands its duties to the other within 10 seconds
        def leaders() -> dict[str, str | None]:
            facts = status(env)
            return {**{f["follower"].split(" ")[0]: f["led_by"] for f in facts["followers"]}, **facts["duties"]}

        def one_leader() -> dict[str, str | None] | None:
            led = leaders()
            return led if all(led.values()) else None

        led = eventually("every follower and duty led", one_leader, 20, 0.5)
        leader_pid = int(led["projections"].split(":")[1])
        victim = next(w for w in workers if w.pid == leader_pid)
        survivor = next(w for w in workers if w is not victim)
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait(10)

        def taken_over() -> bool:
            facts = status(env)
            alive = [w for w in facts["workers"] if int(w["id"].split(":")[1]) == survivor.pid]
            return bool(alive) and set(alive[0]["leads"]) >= FOLLOWERS | DUTIES

        eventually("the surviving worker leading everything", taken_over, 10, 0.3)
        took = time.monotonic() - killed_at

        # a poison record is parked while later awards of other people are issued (by the survivor)
        bad_number = award(ledger, poison_registrant(ledger))
        _, good_number = awarded(ledger, "Gail Good")
        eventually(
            "the later award issued",
            lambda: httpx.get(f"{web_b}/r/{good_number}/credential.jwt").status_code == 200,
            20,
            0.2,
        )
        facts = eventually(
            "the poison parked",
            lambda: [p for p in status(env)["parked"] if p["follower"] == "credential-issuer"],
            20,
            0.3,
        )
        assert len(facts) == 1 and "control characters" in facts[0]["reason"]
        assert httpx.get(f"{web_a}/r/{bad_number}/credential.jwt").status_code == 404
        for path in ("/trust.jwt", "/status/suspension", "/status/revocation"):
            assert httpx.get(f"{web_b}{path}").status_code == 200, path
        print(f"hand-over took {took:.1f} s")
    finally:
        ledger.close()
