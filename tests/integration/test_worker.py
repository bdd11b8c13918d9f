"""The worker apart from the web: followers that no bad record can stop (parked, named, retried), leases that one
worker holds at a time, writes that wait for their own events (202 when the worker is behind), and caches that
hear of changes made by any process. On SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.api.main import create_app
from ledger.processes.leases import Leases
from ledger.processes.status import progress
from ledger.processes.worker import Worker
from ledger.read import parking
from tests.builders.records import POISON, award, awarded, poison_registrant


def credential_numbers(ledger) -> set[str]:
    from ledger.read.projections.credentials import credentials

    with ledger.engine.connect() as conn:
        return set(conn.execute(select(credentials.c.number)).scalars())


def bits_of(ledger, number: str) -> list[tuple[str, bool]]:
    """(trigger, revocation bit set) of each credential under ``number``, oldest first."""
    from ledger.read.projections.credentials import credentials_of, status_bits

    with ledger.engine.connect() as conn:
        revoked, _ = status_bits(conn)
        rows = credentials_of(conn, number)
    return [(row["trigger"], row["revocation_index"] in revoked) for row in reversed(rows)]


def test_the_door_refuses_names_with_invisible_characters(ledger):
    from ledger.domain.errors import InvalidInput

    before = ledger.recorder.max_notification_id()
    for name in (POISON, "Ann\u202eEvil", "Zero\u200bWidth", "Two\nLines"):
        with pytest.raises(InvalidInput) as refused:
            ledger.enrol(name, "x@example.org", [ledger.framework.disciplines[0].code])
        assert refused.value.field == "name" and "U+" in str(refused.value)
    assert ledger.recorder.max_notification_id() == before  # nothing written
    # NFC: the same name typed two ways is stored one way
    registrant = ledger.enrol("Zoe\u0301 Zed", "zoe@example.org", [ledger.framework.disciplines[0].code])
    assert ledger.vault.open(ledger.registrant(registrant).name) == "Zo\u00e9 Zed"


def test_a_record_the_issuer_refuses_is_parked_and_everyone_else_is_issued(ledger):
    good, good_number = awarded(ledger, "Priya Shah")
    bad = poison_registrant(ledger)
    bad_number = award(ledger, bad)
    _, later_number = awarded(ledger, "Later Person")
    worker = Worker(ledger)
    result = worker.run_once()
    assert not result.errors, result.errors
    issued = credential_numbers(ledger)
    assert good_number in issued and later_number in issued and bad_number not in issued
    parked = parking.parked(ledger.engine, "credential-issuer")
    assert (
        len(parked) == 1 and "control characters" in parked[0].reason and parked[0].kind == "Registration.LevelAwarded"
    )
    facts = progress(ledger)
    issuer = next(f for f in facts["followers"] if f["follower"] == "issuer")
    assert issuer["parked"] == 1 and issuer["lag_events"] == 0
    assert facts["parked"][0]["event"] == parked[0].notification_id

    # the public keeps being served, and other people's writes answer
    with TestClient(create_app(ledger, worker="followers")) as client:
        for path in ("/trust.jwt", "/status/suspension", "/status/revocation", f"/r/{good_number}"):
            assert client.get(path).status_code == 200, path
        token = client.get(f"/r/{good_number}/credential.jwt").text.strip()
        verdict = client.post("/credentials/verify", json={"verifiableCredential": token})
        assert verdict.status_code == 200 and verdict.json()["verified"] is True

    # a later trigger of the same registration (a lifted suspension calls for a new credential) waits behind the
    # parked one, in order
    ledger.suspend(bad, "Complaint under investigation.", "registrar")
    ledger.lift_suspension(bad, "registrar")
    Worker(ledger).run_once()
    held = parking.parked(ledger.engine, "credential-issuer")
    assert [(p.originator_id, p.kind) for p in held] == [
        (parked[0].originator_id, "Registration.LevelAwarded"),
        (parked[0].originator_id, "Registration.SuspensionLifted"),
    ]
    assert "waits for an earlier parked event" in held[1].reason
    assert bad_number not in credential_numbers(ledger)

    # the cause is fixed (the registrar corrects the name): retried, released, issued in order
    still = Worker(ledger).retry_parked()
    assert still == {"released": 0, "still_parked": 2}
    ledger.request_name_change(bad, "Dina Young", "Passport, seen by the registrar.")
    ledger.decide_name_change(bad, True, "Matches the passport.", "registrar")
    assert Worker(ledger).retry_parked() == {"released": 2, "still_parked": 0}
    assert parking.parked(ledger.engine) == []
    # the award's credential, signed late, is revoked by the suspension that came after its award; the lift's is not
    assert bits_of(ledger, bad_number) == [("award", True), ("lifted", False)]


def test_a_projection_that_cannot_apply_an_event_parks_it_with_what_follows_and_applies_the_rest(ledger, monkeypatch):
    from ledger.read.projections.register import RegisterProjection, registrants
    from ledger.read.projections.runner import ProjectionRunner

    bad = ledger.enrol("Bad Record", "bad@example.org", [ledger.framework.disciplines[0].code])
    ledger.enrol("Good Record", "good@example.org", [ledger.framework.disciplines[0].code])
    ledger.change_details(bad, listing="verify-only")  # a later event of the same record
    original = RegisterProjection.apply

    def refuses_one(self, event):
        if event.originator_id == bad:
            raise ValueError("this record cannot be shown")
        return original(self, event)

    monkeypatch.setattr(RegisterProjection, "apply", refuses_one)
    runner = ProjectionRunner(ledger)
    runner.catch_up()
    with ledger.engine.connect() as conn:
        names = set(conn.execute(select(registrants.c.name)).scalars())
    assert "Good Record" in names and "Bad Record" not in names
    held = parking.parked(ledger.engine, "projection:register")
    assert [p.originator_version for p in held] == [1, 2]
    assert "cannot be shown" in held[0].reason and "waits for an earlier parked event" in held[1].reason
    assert runner.position() == ledger.recorder.max_notification_id()  # everything else went on
    assert parking.parked(ledger.engine, "projection:casework") == []  # other read models were not held up

    assert runner.retry_parked() == (0, 2)  # still failing: kept, with the attempt counted
    assert parking.parked(ledger.engine, "projection:register")[0].attempts == 2
    monkeypatch.setattr(RegisterProjection, "apply", original)
    assert runner.retry_parked() == (2, 0)
    with ledger.engine.connect() as conn:
        row = conn.execute(select(registrants).where(registrants.c.name == "Bad Record")).mappings().one()
    assert row["listing"] == "verify-only"  # both events applied, in order


def test_a_lease_is_held_by_one_worker_at_a_time(settings):
    first, second = Leases(settings), Leases(settings)
    try:
        assert first.acquire("tick") and first.acquire("tick")  # a holder keeps it
        assert not second.acquire("tick")
        assert second.acquire("mail")  # another duty is free
        first.release_all()
        assert second.acquire("tick")
        assert not first.acquire("tick")
    finally:
        first.release_all()
        second.release_all()


def test_the_worker_follows_writes_made_by_any_process(ledger, make_ledger):
    from ledger.read.projections.register import registrants

    worker = Worker(ledger)
    worker.start()
    try:
        elsewhere = make_ledger()  # another process's Ledger on the same database
        elsewhere.enrol("Fast Follower", "ff@example.org", [ledger.framework.disciplines[0].code])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with ledger.engine.connect() as conn:
                if "Fast Follower" in set(conn.execute(select(registrants.c.name)).scalars()):
                    break
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker did not follow within 10 s: {worker.errors}")
        followers = {"projections", "issuer", "log", "publisher"}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the heartbeat says what it leads (every 2 s)
            seen = progress(ledger)["workers"]
            if seen and set(seen[0]["leads"]) >= followers:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the worker's heartbeat never showed it leading the followers: {seen}")
    finally:
        worker.stop()
    assert progress(ledger)["workers"] == []  # a stopped worker says goodbye


def test_a_write_answers_202_with_retry_after_when_no_worker_shows_it(settings, clock):
    from dataclasses import replace

    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from tests.builders import second_factor

    ledger = Ledger(replace(settings, write_wait_seconds=1), clock=clock)
    try:
        Worker(ledger).run_once()  # published once; then no worker runs
        Accounts(ledger.engine).add("registrar@example.org", "correct horse battery", "registrar")
        factor = second_factor.set_up(ledger, "registrar@example.org")  # staff sign in with a code
        with TestClient(create_app(ledger, worker="none")) as client:
            token = client.post(
                "/api/token",
                data={"email": "registrar@example.org", "password": "correct horse battery", "otp": factor.code()},
            ).json()["access_token"]
            before = ledger.recorder.max_notification_id()
            answer = client.post(
                "/api/enrolments",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "one"},
                json={
                    "name": "Waiting Walter",
                    "email": "ww@example.org",
                    "disciplines": [ledger.framework.disciplines[0].code],
                },
            )
            assert answer.status_code == 202, answer.text
            assert int(answer.headers["retry-after"]) >= 1 and "recorded" in answer.json()["detail"]
            assert ledger.recorder.max_notification_id() > before  # the write was made
            # the public documents are still served: the last good copies
            assert client.get("/trust.jwt").status_code == 200
            # once a worker catches up, the retry with the same key gets the first answer, acting once
            Worker(ledger).run_once()
            again = client.post(
                "/api/enrolments",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "one"},
                json={
                    "name": "Waiting Walter",
                    "email": "ww@example.org",
                    "disciplines": [ledger.framework.disciplines[0].code],
                },
            )
            assert again.status_code == 200 and again.json()["id"] == answer.json().get("id", again.json()["id"])
            from ledger.read.projections.register import registrants

            with ledger.engine.connect() as conn:
                walters = [n for n in conn.execute(select(registrants.c.name)).scalars() if n == "Waiting Walter"]
            assert walters == ["Waiting Walter"]
    finally:
        ledger.close()


def test_nothing_published_yet_is_a_503_not_a_500(settings, clock):
    from ledger.app.ledger import Ledger

    ledger = Ledger(settings, clock=clock)
    try:
        with TestClient(create_app(ledger, worker="none")) as client:
            for path in ("/trust.jwt", "/status/suspension"):
                answer = client.get(path)
                assert answer.status_code == 503 and answer.headers["retry-after"], path
    finally:
        ledger.close()


def test_an_erasure_made_elsewhere_leaves_every_web_process_within_two_seconds(ledger, make_ledger):
    registrant, number = awarded(ledger, "Erin Erased")
    Worker(ledger).run_once()
    apps = [create_app(make_ledger(), worker="none"), create_app(make_ledger(), worker="none")]
    worker = Worker(ledger)
    worker.start()
    try:
        clients = [TestClient(app) for app in apps]
        for client in clients:
            assert "Erin Erased" in client.get(f"/r/{number}").text  # remembered by each process now
        make_ledger().erase(registrant, "registrar")  # as `regledger erase` does, from another process
        erased_at = time.monotonic()
        for client in clients:
            while client.get(f"/r/{number}").status_code != 404:
                assert time.monotonic() - erased_at < 2.0, "the erased name was still shown after 2 seconds"
                time.sleep(0.05)
            assert "Erin Erased" not in client.get("/api/register", params={"query": "Erin"}).text
    finally:
        worker.stop()


def test_regledger_status_and_worker_once_on_the_command_line(settings, clock, monkeypatch):
    from typer.testing import CliRunner

    from ledger.app.ledger import Ledger
    from ledger.cli.main import app

    ledger = Ledger(settings, clock=clock)
    try:
        award(ledger, poison_registrant(ledger))
    finally:
        ledger.close()
    monkeypatch.setenv("REGLEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REGLEDGER_MASTER_KEY", settings.master_key)
    runner = CliRunner()
    once = runner.invoke(app, ["worker", "--once", "--json"])
    assert once.exit_code == 0, once.output
    assert json.loads(once.output)["done"]["projections"] > 0
    shown = runner.invoke(app, ["status", "--json"])
    assert shown.exit_code == 0, shown.output
    facts = json.loads(shown.output)
    assert [p["follower"] for p in facts["parked"]] == ["credential-issuer"]
    assert all(f["lag_events"] == 0 for f in facts["followers"])
    table = runner.invoke(app, ["status"])
    assert "Parked" in table.output and "control characters" in " ".join(table.output.split())
    retried = runner.invoke(app, ["worker", "--retry-parked", "--json"])
    assert json.loads(retried.output) == {"released": 0, "still_parked": 1}
