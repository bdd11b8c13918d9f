"""Attacks on identity, access and personal data, each performed and seen to fail (issue 15, RELIABILITY.md):
hidden characters at the door, a stood-down assessor acting, a disabled account or a copied session cookie still
working, an erased person's account signing in, an erased name left in SQLite's free pages or WAL, and files the
whole machine could read."""

from __future__ import annotations

import os
import stat

import pytest
from fastapi.testclient import TestClient

from ledger.api.main import create_app
from ledger.app.accounts import Accounts
from ledger.domain.errors import InvalidInput, RuleBroken
from tests.builders import second_factor
from tests.builders.records import QUALIFICATION, assessors, awarded, enrol, judgements, submitted

PASSWORD = "correct horse battery staple"
HIDDEN = {
    "bidi override": "Ann\u202eEvil",
    "zero-width space": "Zero\u200bWidth",
    "control": "Bell\u0007",
    "byte-order mark": "\ufeffLeading",
    "line separator": "One\u2028Two",
    "private use": "Pri\ue000vate",
}


@pytest.mark.parametrize("kind", sorted(HIDDEN))
def test_hidden_characters_are_refused_in_names_and_free_text(ledger, kind):
    value = HIDDEN[kind]

    def refused_and_nothing_written(action, field):
        before = ledger.recorder.max_notification_id()
        with pytest.raises(InvalidInput) as refused:
            action()
        assert refused.value.field == field and "U+" in str(refused.value)
        assert ledger.recorder.max_notification_id() == before

    refused_and_nothing_written(lambda: enrol(ledger, value), "name")
    registrant = enrol(ledger, "Plain Name")
    application = ledger.start_application(registrant, "RCT", "standard", qualification=QUALIFICATION[3])
    refused_and_nothing_written(lambda: ledger.add_evidence(application, "A", f"My work {value} here."), "text")
    other = enrol(ledger, "Other Name")
    refused_and_nothing_written(
        lambda: ledger.start_application(
            other, "RCP", "standard", qualification={**QUALIFICATION[5], "title": f"Diploma {value}"}
        ),
        "qualification.title",
    )
    refused_and_nothing_written(lambda: ledger.change_details(registrant, name=value), "name")


def test_free_text_keeps_its_lines_and_joiners_where_writing_needs_them(ledger):
    registrant = enrol(ledger, "Plain Name")
    application = ledger.start_application(registrant, "RCT", "standard", qualification=QUALIFICATION[3])
    ledger.add_evidence(application, "A", "First line.\r\nSecond line,\tindented.")
    # Persian uses the zero-width non-joiner between letters: kept; alone at the edge of a word: refused
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert enrol(ledger, persian)
    with pytest.raises(InvalidInput):
        enrol(ledger, "Edge\u200c ")


def test_the_api_answers_422_naming_the_field_for_a_hidden_character(ledger):
    Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
    second_factor.set_up(ledger, "registrar@example.org")
    with TestClient(create_app(ledger, worker="followers")) as client:
        token, _ = sign_in(client, "registrar@example.org")
        answer = client.post(
            "/api/enrolments",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "name": "Ann\u202eEvil",
                "email": "ann@example.org",
                "disciplines": [ledger.framework.disciplines[0].code],
            },
        )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "name"


def sign_in(client, email):
    """A token for ``email`` (staff send a code from the second factor the test set up)."""
    form = {"email": email, "password": PASSWORD}
    factor = second_factor.of(client.app.state.service.settings.database_url, email)
    if factor is not None:
        form["otp"] = factor.code()
    answer = client.post("/api/token", data=form)
    return answer.json().get("access_token"), answer.status_code


def test_a_stood_down_assessor_loses_their_assignments_and_access_at_once(ledger):
    pair = assessors(ledger)
    registrant = enrol(ledger, "Applicant Ann")
    application = submitted(ledger, registrant)
    for assessor in pair:
        ledger.assign_assessor(application, assessor, "No conflict.")
    Accounts(ledger.engine).add("asha@example.org", PASSWORD, "assessor", assessor_id=pair[0])
    Accounts(ledger.engine).add("registrar@example.org", PASSWORD, "registrar")
    for staff in ("asha@example.org", "registrar@example.org"):
        second_factor.set_up(ledger, staff)
    with TestClient(create_app(ledger, worker="followers")) as client:
        token, _ = sign_in(client, "asha@example.org")
        mine = {"Authorization": f"Bearer {token}"}
        assert client.get(f"/api/applications/{application}", headers=mine).status_code == 200
        registrar, _ = sign_in(client, "registrar@example.org")
        stood = client.post(f"/api/assessors/{pair[0]}/stand-down", headers={"Authorization": f"Bearer {registrar}"})
        assert stood.status_code == 200, stood.text
        # the token taken before: refused; signing in again: refused; reading and assessing: refused
        assert client.get(f"/api/applications/{application}", headers=mine).status_code == 401
        assert sign_in(client, "asha@example.org")[1] == 401
    with pytest.raises(RuleBroken):
        ledger.record_assessment(application, pair[0], judgements(ledger, "RCT"), "award", "Late.")
    # the assignment ended: the registrar can assign someone else in their place
    assert pair[0] not in ledger.application(application).assessors
    ledger.assign_assessor(application, ledger.appoint_assessor("Cy Replacement"), "No conflict.")


def test_a_disabled_account_and_a_copied_session_cookie_stop_working(ledger):
    registrant = enrol(ledger, "Rita Registrant")
    accounts = Accounts(ledger.engine)
    accounts.add("rita@example.org", PASSWORD, "registrant", registrant_id=registrant)
    accounts.add("admin@example.org", PASSWORD, "admin")
    second_factor.set_up(ledger, "admin@example.org")
    with TestClient(create_app(ledger, worker="followers")) as client:
        # a session cookie copied before signing out no longer works afterwards
        csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
        signed = client.post(
            "/login", data={"email": "rita@example.org", "password": PASSWORD, "csrf": csrf}, follow_redirects=False
        )
        assert signed.status_code == 303
        copied = dict(client.cookies)
        assert client.get("/me", follow_redirects=False).status_code == 200
        page = client.get("/me").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        thief = TestClient(client.app, cookies=copied)
        assert thief.get("/me", follow_redirects=False).status_code in (302, 303, 401)
        # a disabled account: its token ends, and it cannot sign in
        token, _ = sign_in(client, "rita@example.org")
        admin, _ = sign_in(client, "admin@example.org")
        assert client.get("/api/credentials", headers={"Authorization": f"Bearer {token}"}).status_code != 401
        disabled = client.post("/api/accounts/rita@example.org/disable", headers={"Authorization": f"Bearer {admin}"})
        assert disabled.status_code == 200
        assert client.get("/api/credentials", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert sign_in(client, "rita@example.org")[1] == 401
        client.post("/api/accounts/rita@example.org/enable", headers={"Authorization": f"Bearer {admin}"})
        assert sign_in(client, "rita@example.org")[1] == 200


def test_an_erased_registrants_account_is_deleted(ledger):
    registrant, _ = awarded(ledger, "Gone Gwen")
    Accounts(ledger.engine).add("gwen@example.org", PASSWORD, "registrant", registrant_id=registrant)
    ledger.erase(registrant, "registrar")
    assert Accounts(ledger.engine).authenticate("gwen@example.org", PASSWORD) is None
    assert all(a.email != "gwen@example.org" for a in Accounts(ledger.engine).all())


def test_an_erased_name_is_not_left_in_sqlite_free_pages_or_the_wal(tmp_path, clock):
    from ledger.app.ledger import Ledger
    from ledger.processes.worker import Worker
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path / "r.db"
    ledger = Ledger(Settings(database_url=f"sqlite:///{path}", master_key=MASTER_KEY), clock=clock)
    try:
        name = "Quentin Quietly-Erased"
        registrant, _ = awarded(ledger, name)
        Worker(ledger).run_once()
        files = [p for p in tmp_path.iterdir() if p.name.startswith("r.db")]
        assert any(name.encode() in p.read_bytes() for p in files)  # the read models hold it before
        ledger.erase(registrant, "registrar")
        Worker(ledger).run_once()
        for p in tmp_path.iterdir():
            if p.name.startswith("r.db"):
                assert name.encode() not in p.read_bytes(), p.name
    finally:
        ledger.close()


def test_the_database_wal_master_key_and_backups_are_private(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from ledger.cli.main import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGLEDGER_MASTER_KEY", raising=False)
    monkeypatch.setenv("REGLEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'regledger.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--registrants", "5", "--years", "1"]).exit_code == 0
    assert runner.invoke(app, ["backup", str(tmp_path / "backup.gz")]).exit_code == 0
    private = [tmp_path / "var" / "regledger.db", tmp_path / "var" / "master.key", tmp_path / "backup.gz"]
    private += [p for p in (tmp_path / "var").iterdir() if p.name.endswith(("-wal", "-shm"))]
    for path in private:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def test_a_registered_name_changes_only_by_a_request_the_registrar_approves(ledger):
    from ledger.processes.worker import Worker
    from ledger.read.projections.register import confusable_groups, name_change_requests, search_register

    priya, priya_number = awarded(ledger, "Priya Shah")
    mallory, mallory_number = awarded(ledger, "Mallory Mayhem")
    Accounts(ledger.engine).add("mallory@example.org", PASSWORD, "registrant", registrant_id=mallory)
    with TestClient(create_app(ledger, worker="followers")) as client:
        token, _ = sign_in(client, "mallory@example.org")
        mine = {"Authorization": f"Bearer {token}"}
        # renaming oneself to another registrant's name: refused outright
        answer = client.patch("/api/me", headers=mine, json={"name": "Priya Shah"})
        assert answer.status_code == 409 and "by request" in answer.json()["detail"]
        # asked for, it waits for the registrar; the register still shows the old name
        asked = client.post(
            "/api/me/name-change", headers=mine, json={"name": "Priya Sh\u0430h", "evidence": "A deed poll."}
        )  # a Cyrillic 'а'
        assert asked.status_code == 200, asked.text
    with ledger.engine.connect() as conn:
        assert search_register(conn, query=mallory_number)[0]["name"] == "Mallory Mayhem"
        waiting = name_change_requests(conn)
    assert [w["requested"] for w in waiting] == ["Priya Sh\u0430h"]
    assert [like["number"] for like in waiting[0]["looks_like"]] == [priya_number]  # the registrar is warned
    ledger.decide_name_change(mallory, False, "The name imitates another registrant's.", "registrar")
    Worker(ledger).run_once()
    with ledger.engine.connect() as conn:
        assert search_register(conn, query=mallory_number)[0]["name"] == "Mallory Mayhem"
        assert name_change_requests(conn) == []
    # someone who enrols under a look-alike name is flagged for the registrar
    enrol(ledger, "Pr\u0456ya Shah")  # a Cyrillic 'і'
    Worker(ledger).run_once()
    with ledger.engine.connect() as conn:
        groups = confusable_groups(conn)
    assert any({"Priya Shah", "Pr\u0456ya Shah"} <= {p["name"] for p in g} for g in groups)
    # an approved change shows at once
    ledger.request_name_change(priya, "Priya Shah-Jones", "Marriage certificate.")
    ledger.decide_name_change(priya, True, "Certificate seen.", "registrar")
    Worker(ledger).run_once()
    with ledger.engine.connect() as conn:
        assert search_register(conn, query=priya_number)[0]["name"] == "Priya Shah-Jones"


def test_a_restore_cannot_bring_back_someone_erased_after_the_backup(database_url, tmp_path):
    from typer.testing import CliRunner

    from ledger.app.ledger import Ledger
    from ledger.cli.main import app
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    def run(*args):
        return CliRunner().invoke(
            app, list(args), env={"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": MASTER_KEY}
        )

    settings = Settings(database_url=database_url, master_key=MASTER_KEY)
    ledger = Ledger(settings)
    try:
        erin, _ = awarded(ledger, "Erin Erased-Later")
        kept, _ = awarded(ledger, "Kim Kept")
    finally:
        ledger.close()
    backup = tmp_path / "before.gz"
    assert run("backup", str(backup)).exit_code == 0
    assert run("erase", str(erin), "--yes").exit_code == 0
    listed = tmp_path / "erasures.txt"
    assert run("erasures", "--out", str(listed)).exit_code == 0
    assert str(erin) in listed.read_text()
    # without the list, the restore is refused and nothing is written
    refused = run("restore", str(backup), "--replace")
    assert refused.exit_code == 1 and "--erasures" in " ".join(refused.output.split())
    restored = run("restore", str(backup), "--replace", "--erasures", str(listed), "--json")
    assert restored.exit_code == 0, restored.output
    ledger = Ledger(settings)
    try:
        assert ledger.registrant(erin).erased and ledger.vault.open(ledger.registrant(erin).name) is None
        assert ledger.vault.open(ledger.registrant(kept).name) == "Kim Kept"
    finally:
        ledger.close()


def test_reasons_are_sealed_and_receipts_keep_no_plain_hash_of_what_was_sent(ledger):
    import hashlib
    import json

    from ledger.api.service import request_digest
    from ledger.domain.aggregates import CommandReceipt

    registrant, number = awarded(ledger, "Rosa Reasoned")
    ledger.suspend(registrant, "Complaint from Jane Witness about Rosa Reasoned.", "registrar")
    ledger.remove(registrant, "Struck off after the hearing of Jane Witness's complaint.", "registrar")
    other = enrol(ledger, "Otto Other")
    application = submitted(ledger, other)
    pair = assessors(ledger)
    from tests.builders.records import assessed

    assessed(ledger, application, pair)
    ledger.decide(application, "reject", "Jane Witness's reference did not support the claim.", "registrar")
    stored = b"".join(bytes(n.state) for n in ledger.recorder.select_notifications(start=1, limit=10**6))
    assert b"Jane Witness" not in stored and b"Witness" not in stored
    # the application's page still shows the reasons to those who may see them
    from ledger.read.views import application_view

    assert "Jane Witness" in application_view(ledger, application)["decisions"][0]["reasons"]

    body = {"name": "Ada Example", "email": "ada@example.org"}
    digest = request_digest(ledger.receipt_secret, body)
    plain = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    assert digest != plain
    answer, _ = ledger.once("account:key-1", digest, lambda: {"ok": True})
    receipts = [
        n
        for n in ledger.recorder.select_notifications(start=1, limit=10**6)
        if n.topic.endswith("CommandReceipt.Recorded") or "CommandReceipt" in n.topic
    ]
    assert receipts and all(plain.encode() not in bytes(n.state) for n in receipts)
    assert CommandReceipt
