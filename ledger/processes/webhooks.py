"""Webhook deliveries: the status changes of an organisation's linked people, posted to the address it set, signed
as the Standard Webhooks specification (1.0.0) asks, and sent by the worker's ``webhooks`` duty.

https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

- Each delivery is a row of ``webhook_deliveries``, queued by the watch follower (``ledger.processes.watch``) with
  an id derived from the event and the organisation, so the same change is never queued twice. The id is the
  delivery's ``webhook-id`` and stays the same on every attempt: the specification makes it the receiver's key for
  recognising a delivery it already has, which is what makes a retry safe (an attempt whose answer was lost is sent
  again, and the receiver drops the second copy).
- Each attempt carries ``webhook-timestamp`` (Unix seconds, when it was signed) and ``webhook-signature``:
  ``v1,`` and base64 of HMAC-SHA256, keyed by the secret's bytes (``whsec_`` dropped, base64-decoded), over
  ``<webhook-id>.<webhook-timestamp>.<body>``.
- An attempt is claimed (its count raised and its next time set) before the request is made, so two workers do not
  send it at once and a crash mid-request leaves it to be tried again later. A 2xx answer delivers it; anything
  else (an error, a timeout after ``TIMEOUT_SECONDS``, a redirect, which is never followed) is tried again after
  30 seconds, then 1, 2, 4 ... minutes (at most ``MAX_DELAY``), and given up a day after it was queued. The page
  shows each outcome.
- The address's host is resolved at every attempt and the request goes to the address that was checked (not
  resolved again by the HTTP client): no private, loopback, link-local or reserved address, so a webhook cannot make
  the register call into its own network, even by a name that changes what it points to. The test setting
  ``REGLEDGER_WEBHOOK_ALLOW_HTTP_LOCALHOST`` lets exactly ``127.0.0.1`` through.
- The body holds a registration number and its status, no name; it is blanked once delivered or given up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger.app.db import metadata
from ledger.app.ledger import Ledger
from ledger.app.organisations import LOOPBACK_FOR_TESTS, address_allowed
from ledger.domain.errors import NotFound

DELIVERY_NAMESPACE = uuid5(NAMESPACE_URL, "https://regledger.invalid/webhook-delivery")
WAITING, DELIVERED, GAVE_UP = "waiting", "delivered", "gave up"
TIMEOUT_SECONDS = 10.0
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=4)
GIVE_UP_AFTER = timedelta(days=1)
MAX_ANSWER_BYTES = 64 * 1024
SHOWN = 20  # deliveries shown on the organisation's page

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(32), primary_key=True),  # the webhook-id is "msg_" and this
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("event_type", String(40), nullable=False),
    Column("body", Text, nullable=True),  # blanked once delivered or given up
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)


def delivery_id(cause_id: UUID, cause_version: int, organisation_id: UUID) -> UUID:
    """One delivery per (event, organisation): the event's aggregate and version, and the organisation."""
    return uuid5(DELIVERY_NAMESPACE, f"{cause_id.hex}/{cause_version}/{organisation_id.hex}")


def webhook_id(delivery: str) -> str:
    return f"msg_{delivery}"


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1,`` and base64 of HMAC-SHA256 over ``id.timestamp.body``."""
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_MADE: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_table(engine: Engine) -> None:
    """The table, if the Ledger's start did not make it (it does once ``ledger.app.db.TABLE_MODULES`` names this
    module); looked for once per engine."""
    if engine not in _MADE:
        webhook_deliveries.create(engine, checkfirst=True)
        _MADE.add(engine)


def queue_delivery(
    engine: Engine, delivery: UUID, organisation_id: UUID, event_type: str, body: dict[str, Any], now: datetime
) -> bool:
    """Queue a delivery; False if it is already queued (a second run over the same event)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(webhook_deliveries).values(
                    id=delivery.hex,
                    organisation_id=organisation_id.hex,
                    event_type=event_type,
                    body=json.dumps(body, separators=(",", ":"), sort_keys=True),
                    status=WAITING,
                    attempts=0,
                    next_attempt_at=now,
                    queued_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def recent_deliveries(engine: Engine, organisation_id: UUID, limit: int = SHOWN) -> list[dict[str, Any]]:
    """The organisation's latest deliveries, newest first (for its page)."""
    ensure_table(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(webhook_deliveries)
            .where(webhook_deliveries.c.organisation_id == organisation_id.hex)
            .order_by(webhook_deliveries.c.queued_at.desc(), webhook_deliveries.c.id)
            .limit(limit)
        ).all()
    return [dict(row._mapping) for row in rows]


class Refused(Exception):
    """A delivery the register will not make (the address resolves somewhere it must not go)."""


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, while the request names the host as the URL does."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As ``_PinnedHTTP``, over TLS, checking the certificate against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], allow_loopback: bool) -> int:
    """POST ``body`` to ``url`` once, following no redirect; the answer's status code. Raises ``Refused`` when the
    host resolves to an address deliveries may not go to, ``OSError`` when it cannot be reached in time."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"{host} could not be resolved ({error.strerror})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    loopback_ok = allow_loopback and host == LOOPBACK_FOR_TESTS  # the test setting: the literal address, no name
    barred = [a for a in addresses if not address_allowed(a, loopback_ok)]
    if not addresses or barred:
        raise Refused(f"{host} resolves to {barred[0] if barred else 'nothing'}, which is not a public address")
    pinned = _PinnedHTTPS if https else _PinnedHTTP
    connection = pinned(host, port, addresses[0], TIMEOUT_SECONDS)
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        answer = connection.getresponse()
        answer.read(MAX_ANSWER_BYTES)
        if 300 <= answer.status < 400:
            where = answer.getheader("Location") or "nowhere"
            raise Refused(f"answered {answer.status}, a redirect to {where[:200]}: redirects are not followed")
        return answer.status
    finally:
        connection.close()


@dataclass
class DeliveryResult:
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0


class WebhookSender:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        ensure_table(ledger.engine)

    def send_due(self) -> DeliveryResult:
        """Attempt every waiting delivery whose time has come, oldest first."""
        result = DeliveryResult()
        now = self.ledger.clock.now()
        with self.ledger.engine.connect() as conn:
            rows = conn.execute(
                select(webhook_deliveries.c.id, webhook_deliveries.c.attempts)
                .where(webhook_deliveries.c.status == WAITING, webhook_deliveries.c.next_attempt_at <= now)
                .order_by(webhook_deliveries.c.queued_at, webhook_deliveries.c.id)
            ).all()
        for row in rows:
            self._attempt(row.id, row.attempts, result)
        return result

    def _attempt(self, delivery: str, attempts: int, result: DeliveryResult) -> None:
        now = self.ledger.clock.now()
        claimed = self._update(
            delivery,
            attempts,
            attempts=attempts + 1,
            next_attempt_at=now + min(FIRST_DELAY * 2**attempts, MAX_DELAY),
        )
        if not claimed:  # another worker took it
            return
        with self.ledger.engine.connect() as conn:
            row = conn.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == delivery)).one()
        deadline = _aware(row.queued_at) + GIVE_UP_AFTER
        if now >= deadline:
            self._finish(delivery, GAVE_UP, "no attempt succeeded within a day of the change", result)
            return
        try:
            organisation = self.ledger.organisation(UUID(row.organisation_id))
        except NotFound:
            organisation = None
        key = self.ledger.webhook_secret(organisation) if organisation is not None else None
        if organisation is None or organisation.webhook_url is None or key is None or not organisation.open:
            self._finish(delivery, GAVE_UP, "the webhook was removed before this could be delivered", result)
            return
        body = (row.body or "").encode("utf-8")
        message_id = webhook_id(delivery)
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "regledger-webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(key, message_id, timestamp, body),
        }
        allow = self.ledger.settings.webhook_allow_http_localhost
        try:
            status = post(organisation.webhook_url, body, headers, allow)
            error = None if 200 <= status < 300 else f"answered {status}"
        except (Refused, OSError, http.client.HTTPException) as failure:
            error = str(failure) or type(failure).__name__
            if isinstance(failure, TimeoutError | socket.timeout):
                error = f"no answer within {TIMEOUT_SECONDS:g} seconds"
        if error is None:
            self._finish(delivery, DELIVERED, None, result)
            return
        next_time = now + min(FIRST_DELAY * 2**attempts, MAX_DELAY)
        if next_time >= deadline:
            self._finish(delivery, GAVE_UP, f"{error}; no attempt succeeded within a day of the change", result)
            return
        self._update(delivery, attempts + 1, last_error=error[:500])
        result.failed += 1

    def _update(self, delivery: str, made: int, **values: Any) -> bool:
        """Change a waiting delivery that has had ``made`` attempts still (so two senders never both claim it)."""
        with self.ledger.engine.begin() as conn:
            changed = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery,
                    webhook_deliveries.c.status == WAITING,
                    webhook_deliveries.c.attempts == made,
                )
                .values(**values)
            ).rowcount
        return changed == 1

    def _finish(self, delivery: str, status: str, error: str | None, result: DeliveryResult) -> None:
        with self.ledger.engine.begin() as conn:
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery)
                .values(
                    status=status,
                    body=None,
                    next_attempt_at=None,
                    last_error=error[:500] if error else None,
                    finished_at=self.ledger.clock.now(),
                )
            )
        if status == DELIVERED:
            result.delivered += 1
        else:
            result.gave_up += 1
