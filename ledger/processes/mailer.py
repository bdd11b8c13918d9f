"""The sender: delivers the outbox over SMTP (REGLEDGER_SMTP_HOST, _PORT, _STARTTLS, _USERNAME, _PASSWORD,
REGLEDGER_MAIL_FROM). Each letter's attempt is recorded (``Mail.Sending``, with its Message-ID) before the server is
contacted, and its outcome after (``Sent`` or ``Failed``, retried next time, up to MAX_ATTEMPTS). A letter found
still ``sending`` (the sender stopped between the two) is not sent again: the server may already have it, and a
person checks it by its Message-ID (``stuck``).

The account outbox (``ledger.app.account_letters``: confirm your email, reset your password, invitations) goes out in
the same pass, with the same care; a sent account letter's body is blanked, since its link is a secret."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import select

from ledger.app.account_letters import AccountOutbox
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Mail
from ledger.domain.statuses import MailStatus
from ledger.read.projections.outbox import outbox
from ledger.read.projections.runner import ProjectionRunner

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 30


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    skipped_erased: int = 0
    stuck: list[str] = field(default_factory=list)  # Message-IDs of letters left "sending"


class Mailer:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.settings = ledger.settings
        self.runner = ProjectionRunner(ledger)
        self.domain = urlsplit(ledger.settings.issuer_url).hostname or "regledger.invalid"

    def send_pending(self) -> SendResult:
        self.runner.catch_up()
        result = SendResult()
        with self.ledger.engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.id, outbox.c.status, outbox.c.message_id)
                .where(
                    outbox.c.status.in_((MailStatus.QUEUED, MailStatus.FAILED, MailStatus.SENDING)),
                    outbox.c.attempts < MAX_ATTEMPTS,
                )
                .order_by(outbox.c.queued_at)
            ).all()
        for row in rows:
            if row.status == MailStatus.SENDING:
                result.stuck.append(row.message_id or row.id)
                continue
            self._send(UUID(row.id), result)
        self.runner.catch_up()
        self._send_account_letters(result)
        return result

    def _send_account_letters(self, result: SendResult) -> None:
        outbox = AccountOutbox(self.ledger.engine)
        due, stuck = outbox.due()
        result.stuck.extend(stuck)
        for letter in due:
            message_id = make_msgid(domain=self.domain)
            if not outbox.sending(letter.id, message_id):  # recorded before the server hears of it
                continue
            try:
                self._deliver(
                    letter.to, letter.subject, letter.body + f"\n\n{self.settings.body.signature}\n", message_id
                )
            except (OSError, smtplib.SMTPException) as error:
                outbox.failed(letter.id, f"{type(error).__name__}: {error}")
                result.failed += 1
                continue
            outbox.sent(letter.id)
            result.sent += 1

    def _deliver(self, to: str, subject: str, body: str, message_id: str) -> None:
        message = EmailMessage()
        sender = formataddr((self.settings.body.name, self.settings.mail_from))  # "Register of ... <registrar@...>"
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message["Message-ID"], message["Date"] = message_id, formatdate(localtime=False)
        message.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.settings.smtp_username:
                smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
            smtp.send_message(message)

    def _send(self, mail_id: UUID, result: SendResult) -> None:
        ledger = self.ledger
        mail: Mail = ledger._get(Mail, mail_id, "letter")
        to, body = ledger.vault.open(mail.to), ledger.vault.open(mail.body)
        message_id = make_msgid(domain=self.domain)
        mail.start_sending(message_id, occurred_at=ledger.clock.now())
        ledger._commit(mail)  # recorded before the server hears of it
        if to is None or body is None:
            mail.fail("the registrant's personal data was erased", occurred_at=ledger.clock.now())
            ledger._commit(mail)
            result.skipped_erased += 1
            return
        try:
            self._deliver(to, mail.subject, body, message_id)
        except (OSError, smtplib.SMTPException) as error:
            mail.fail(f"{type(error).__name__}: {error}", occurred_at=ledger.clock.now())
            ledger._commit(mail)
            result.failed += 1
            return
        mail.delivered(occurred_at=ledger.clock.now())
        ledger._commit(mail)
        result.sent += 1
