"""Letters: queued with the events that call for them, delivered over SMTP to a real local server (aiosmtpd), never
twice, retried after a failure, and not sent blindly again after a crash mid-send."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ledger.processes.mailer import Mailer
from ledger.processes.tick import Ticker
from ledger.read.projections.outbox import outbox
from tests.builders.records import awarded
from tests.builders.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mail_ledger(make_ledger, settings, smtp):
    from dataclasses import replace

    controller, _ = smtp
    return make_ledger(
        settings=replace(
            settings, smtp_host="127.0.0.1", smtp_port=controller.port, mail_from="registrar@register.example"
        )
    )


def reminders_due(ledger, clock) -> str:
    someone, number = awarded(ledger, "Mo Mailer")
    due = ledger.registration(someone).valid_until
    Ticker(ledger).run_until(due - timedelta(days=60), start=due - timedelta(days=91))
    return number


def test_reminders_arrive_once_each(mail_ledger, clock, smtp):
    _, inbox = smtp
    number = reminders_due(mail_ledger, clock)
    first = Mailer(mail_ledger).send_pending()
    assert first.sent == 3 and len(inbox.messages) == 3  # the award letter; reminders 90 and 60 days before
    reminders = [m for m in inbox.messages if m["Subject"] == "Your registration is due for renewal"]
    assert len(reminders) == 2
    message = reminders[0]
    assert message["To"] == mail_ledger.vault.open(
        mail_ledger.registrant(mail_ledger.registrant_by_number(number)).email
    )
    assert message["Subject"] == "Your registration is due for renewal"
    assert number in message.get_payload() and "Dear Mo Mailer" in message.get_payload()
    body = mail_ledger.settings.body
    assert message["From"] == f"{body.name} <{mail_ledger.settings.mail_from}>"
    assert (
        message.get_payload().replace("\r\n", "\n").rstrip().endswith(body.signature)
    )  # signed with the body's name, address, email
    again = Mailer(mail_ledger).send_pending()
    assert again.sent == 0 and len(inbox.messages) == 3
    with mail_ledger.engine.connect() as conn:
        assert [r.status for r in conn.execute(select(outbox.c.status))] == ["sent"] * 3


def test_a_failure_is_retried_and_a_crash_mid_send_is_not_repeated(mail_ledger, clock, smtp, monkeypatch):
    from dataclasses import replace

    _, inbox = smtp
    reminders_due(mail_ledger, clock)
    unreachable = Mailer(mail_ledger)
    unreachable.settings = replace(mail_ledger.settings, smtp_port=free_port())  # nothing listens there
    down = unreachable.send_pending()
    assert down.failed == 3 and inbox.messages == []
    back = Mailer(mail_ledger).send_pending()
    assert back.sent == 3 and len(inbox.messages) == 3
    # a crash between recording the attempt and hearing back from the server
    clock.advance(timedelta(days=30))
    Ticker(mail_ledger).run_until(clock.today())
    import smtplib

    def crash(self, message):
        raise KeyboardInterrupt("the sender was stopped")

    monkeypatch.setattr(smtplib.SMTP, "send_message", crash)
    with pytest.raises(KeyboardInterrupt):
        Mailer(mail_ledger).send_pending()
    monkeypatch.undo()
    after = Mailer(mail_ledger).send_pending()
    assert after.sent == 0 and len(after.stuck) == 1 and after.stuck[0].startswith("<")
    assert len(inbox.messages) == 3


def test_each_cause_queues_one_letter(mail_ledger, clock):
    someone, _ = awarded(mail_ledger)
    registration = mail_ledger.registration(someone)
    assert mail_ledger.queue_letter(someone, "test", registration, "Subject", "Text") is not None
    assert mail_ledger.queue_letter(someone, "test", registration, "Subject", "Text") is None
    mail_ledger.erase(someone, "registrar")
    assert mail_ledger.queue_letter(someone, "other", registration, "Subject", "Text") is None


def test_decisions_are_written_with_the_assessors_feedback(mail_ledger, smtp):
    from tests.builders.records import assessed, assessors, enrol, submitted

    _, inbox = smtp
    pair = assessors(mail_ledger)
    _, number = awarded(mail_ledger, "Ava Awarded", pair=pair)
    deferred = enrol(mail_ledger, "Dev Deferred")
    application = submitted(mail_ledger, deferred)
    assessed(mail_ledger, application, pair, recommendation="defer")
    mail_ledger.decide(application, "defer", "Area D needs more evidence.", "registrar")
    assert Mailer(mail_ledger).send_pending().sent == 2
    letters = {m["Subject"]: m.get_payload() for m in inbox.messages}
    award = next(text for subject, text in letters.items() if subject.endswith("awarded"))
    assert "Dear Ava Awarded" in award and number in award and f"/r/{number}" in award and "/v" in award
    assert "Assessor 1 (award)" in award and "Assessor 2 (award)" in award
    deferral = next(text for subject, text in letters.items() if subject.endswith("deferred"))
    assert "Dear Dev Deferred" in deferral and "Area D needs more evidence." in deferral
    assert "Assessor 1 (defer)" in deferral


def test_the_service_delivers_the_outbox_when_smtp_is_configured(mail_ledger, smtp, monkeypatch):
    import time as _time
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from ledger.api import main as app_module
    from ledger.processes import worker as worker_module

    _, inbox = smtp
    awarded(mail_ledger, "Sam Served")
    mail_ledger.settings = replace(mail_ledger.settings, send_mail=True)
    monkeypatch.setattr(worker_module, "MAIL_SECONDS", 0.0)
    with TestClient(app_module.create_app(mail_ledger, worker="all")):
        deadline = _time.monotonic() + 30
        while not inbox.messages and _time.monotonic() < deadline:
            _time.sleep(0.2)
    assert [m["Subject"] for m in inbox.messages][:1] and "Dear Sam Served" in inbox.messages[0].get_payload()


def test_mail_send_says_when_no_server_is_configured_and_fails_when_letters_fail(ledger, database_url, smtp):
    """The operator's stumble (issue 17): with no SMTP server configured, ``regledger mail send`` reported every
    letter as failed (spending its retries) and exited 0. Now it says what to set, exits non-zero and touches
    nothing; a server that refuses the letters is a non-zero exit too; a working one sends them."""
    from typer.testing import CliRunner

    from ledger.cli.main import app
    from tests.conftest import MASTER_KEY

    controller, inbox = smtp
    awarded(ledger, "Olu Outbox")
    base = {"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": MASTER_KEY}

    unconfigured = CliRunner().invoke(app, ["mail", "send"], env=base)
    assert unconfigured.exit_code == 1
    assert "no mail server is configured" in unconfigured.output and "REGLEDGER_SMTP_HOST" in unconfigured.output
    assert inbox.messages == []

    closed = CliRunner().invoke(
        app, ["mail", "send", "--json"], env={**base, "REGLEDGER_SMTP_HOST": "127.0.0.1", "REGLEDGER_SMTP_PORT": "1"}
    )
    assert closed.exit_code == 1 and '"failed": 1' in closed.output

    working = CliRunner().invoke(
        app,
        ["mail", "send"],
        env={**base, "REGLEDGER_SMTP_HOST": "127.0.0.1", "REGLEDGER_SMTP_PORT": str(controller.port)},
    )
    assert working.exit_code == 0, working.output
    assert "Sent 1; 0 failed" in working.output
    assert [m["Subject"] for m in inbox.messages] == ["Your application for RCT: awarded"]
