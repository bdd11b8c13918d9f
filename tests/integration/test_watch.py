"""Organisations watching their linked people (issue 20, item 3), on SQLite and PostgreSQL: a suspension, lapse,
resignation or removal of someone linked at that moment sends one letter to each linked organisation, through a real
SMTP server (aiosmtpd), exactly once across a crash and a second follower going over the same events; a webhook
delivery is queued once for an organisation that set one; people not linked then produce nothing; an erased person
produces nothing, and a letter about them that was queued before the erasure is never sent."""

from __future__ import annotations

import json
from dataclasses import replace
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ledger.domain.aggregates import Mail
from ledger.processes.mailer import Mailer
from ledger.processes.watch import KIND, POSITION, CrashForTest, Watch
from ledger.processes.webhooks import webhook_deliveries
from ledger.processes.worker import save_position
from tests.builders.records import assessors, awarded
from tests.builders.servers import free_port

REASON = "Unsafe rigging at the Lyceum on 3 May"


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
    controller, _ = smtp
    return make_ledger(
        settings=replace(
            settings, smtp_host="127.0.0.1", smtp_port=controller.port, mail_from="registrar@register.example"
        )
    )


def _letters(ledger) -> list[Mail]:
    return [ledger._get(Mail, e.originator_id, "letter") for e in ledger.events_of(Mail.Queued) if e.kind == KIND]


def _deliveries(ledger) -> list[dict]:
    with ledger.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(webhook_deliveries))]


def _text(message) -> str:
    return message.get_payload(decode=True).decode()


def test_each_linked_organisation_is_told_once_across_a_crash_and_a_second_follower(mail_ledger, smtp):
    ledger = mail_ledger
    _, inbox = smtp
    pair = assessors(ledger)
    jo, jo_number = awarded(ledger, "Jo Bloggs", pair=pair)
    sam, sam_number = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    southern = ledger.register_organisation("Southern Sound Ltd", "people@southern.example", "registrar")
    ledger.set_webhook(southern, "https://hooks.southern.example/regledger", "people@southern.example")
    ledger.link_organisation(jo, ledger.organisation(northern).code)
    ledger.link_organisation(jo, ledger.organisation(southern).code)
    ledger.link_organisation(sam, ledger.organisation(northern).code)
    ledger.suspend(jo, REASON, "registrar")
    ledger.remove(sam, "Struck off after a hearing", "registrar")

    with pytest.raises(CrashForTest):
        Watch(ledger, batch_size=1).catch_up(fail_after=1)  # one letter queued, then the follower dies
    assert len(_letters(ledger)) == 1 and _deliveries(ledger) == []

    again = Watch(ledger).catch_up()
    assert (again.letters, again.deliveries, again.already) == (2, 1, 1)
    save_position(ledger, POSITION, 0)  # a second worker going over the same events (a hand-over's overlap)
    second = Watch(ledger).catch_up()
    assert (second.letters, second.deliveries, second.already) == (0, 0, 4)
    assert len(_letters(ledger)) == 3 and len(_deliveries(ledger)) == 1

    delivery = _deliveries(ledger)[0]
    assert delivery["organisation_id"] == southern.hex and delivery["status"] == "waiting"
    assert json.loads(delivery["body"]) == {
        "type": "registration.suspended",
        "number": jo_number,
        "status": "suspended",
        "since": ledger.clock.now().date().isoformat(),
        "page": f"{ledger.settings.issuer_url.rstrip('/')}/r/{jo_number}",
    }

    sent = Mailer(ledger).send_pending()
    watched = [m for m in inbox.messages if "linked to" in m["Subject"]]
    assert sent.failed == 0 and len(watched) == 3
    by_address = sorted((m["To"], m["Subject"]) for m in watched)
    assert by_address == [
        ("hiring@northern.example", "A registration linked to Northern Light Studios is now removed"),
        ("hiring@northern.example", "A registration linked to Northern Light Studios is now suspended"),
        ("people@southern.example", "A registration linked to Southern Sound Ltd is now suspended"),
    ]
    about_jo = next(_text(m) for m in watched if m["To"] == "people@southern.example")
    assert "Jo Bloggs (registration number " + jo_number + ") is suspended" in about_jo
    assert f"/r/{jo_number}" in about_jo and "chose to link their registration to Southern Sound Ltd" in about_jo
    assert REASON not in about_jo and "jo" not in about_jo.split("Dear", 1)[0]  # no reason, nothing before the letter
    about_sam = next(_text(m) for m in watched if "removed" in m["Subject"])
    assert f"Sam Okoro (registration number {sam_number}) is removed" in about_sam
    assert "Struck off" not in about_sam

    Watch(ledger).catch_up()
    Mailer(ledger).send_pending()
    assert len([m for m in inbox.messages if "linked to" in m["Subject"]]) == 3  # and never again


def test_people_not_linked_at_the_moment_produce_nothing(ledger):
    pair = assessors(ledger)
    nia, _ = awarded(ledger, "Nia Never", pair=pair)
    kim, _ = awarded(ledger, "Kim Gone", pair=pair)
    lee, _ = awarded(ledger, "Lee Later", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.set_webhook(northern, "https://hooks.northern.example/x", "hiring@northern.example")
    code = ledger.organisation(northern).code
    ledger.suspend(nia, "reason one", "registrar")  # never linked
    ledger.link_organisation(kim, code)
    ledger.unlink_organisation(kim, northern, "kim@example.org")
    ledger.resign(kim)  # linked once, not any more
    ledger.suspend(lee, "reason two", "registrar")
    ledger.link_organisation(lee, code)  # linked after the change: not told of it

    result = Watch(ledger).catch_up()
    assert (result.events, result.unlinked, result.letters, result.deliveries) == (3, 3, 0, 0)
    assert _letters(ledger) == [] and _deliveries(ledger) == []

    ledger.remove(lee, "reason three", "registrar")  # linked now: this one is told
    result = Watch(ledger).catch_up()
    assert (result.events, result.letters, result.deliveries) == (1, 1, 1)
    assert json.loads(_deliveries(ledger)[0]["body"])["type"] == "registration.removed"


def test_an_erased_person_produces_nothing_personal(mail_ledger, smtp):
    ledger = mail_ledger
    _, inbox = smtp
    pair = assessors(ledger)
    erin, _ = awarded(ledger, "Erin Erased", pair=pair)
    ola, _ = awarded(ledger, "Ola Queued", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    ledger.set_webhook(northern, "https://hooks.northern.example/x", "hiring@northern.example")
    code = ledger.organisation(northern).code
    ledger.link_organisation(erin, code)
    ledger.link_organisation(ola, code)

    ledger.resign(erin)
    ledger.erase(erin, "registrar")  # erased before the follower reached the resignation
    result = Watch(ledger).catch_up()
    assert (result.erased, result.letters, result.deliveries) == (1, 0, 0)

    ledger.resign(ola)
    result = Watch(ledger).catch_up()
    assert (result.letters, result.deliveries) == (1, 1)
    ledger.erase(ola, "registrar")  # erased after the letter was queued, before it was sent
    sent = Mailer(ledger).send_pending()
    assert sent.skipped_erased >= 1
    assert not [m for m in inbox.messages if "linked to" in m["Subject"]]
    letter = _letters(ledger)[0]
    assert ledger.vault.open(letter.body) is None  # the text naming her is shredded with her key
    assert all("Ola" not in (d["body"] or "") for d in _deliveries(ledger))  # the delivery never named her
