"""Organisations' webhooks (issue 20, item 3), on SQLite and PostgreSQL, against a real HTTP server in the test: a
status change of a linked person is delivered signed as the Standard Webhooks specification says, and the test
checks the signature with its own implementation of the specification (not the register's code); a 500 is tried
again after the backoff and then delivered, with the same webhook-id; a redirect is not followed; a name that
resolves to a loopback address is refused at delivery, and private addresses when the webhook is set; bad addresses
are refused naming the field and change nothing; a delivery that never succeeds is given up after a day.

https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from ledger.domain.aggregates import Organisation
from ledger.domain.errors import InvalidInput
from ledger.processes.watch import Watch
from ledger.processes.webhooks import WebhookSender, webhook_deliveries
from tests.builders.records import assessors, awarded


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request and answers from a script (then 204)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "/landing")
                else:
                    self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def hook_ledger(make_ledger, settings):
    return make_ledger(settings=replace(settings, webhook_allow_http_localhost=True))


def verify_standard_webhook(secret: str, headers: dict, body: bytes, now: int) -> bool:
    """Standard Webhooks 1.0 verification, written here from the specification: the key is the secret without
    ``whsec_``, base64-decoded; the signed content is ``id.timestamp.body``; the header holds space-separated
    ``v1,<base64 HMAC-SHA256>`` entries, any of which may match; timestamps more than five minutes off are refused."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, timestamp, signatures = lower["webhook-id"], lower["webhook-timestamp"], lower["webhook-signature"]
    if abs(now - int(timestamp)) > 300:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


def _deliveries(ledger) -> list[dict]:
    with ledger.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(webhook_deliveries))]


def _suspended_linked_person(ledger, url: str):
    """An organisation with a webhook at ``url``, and a linked person suspended: (organisation id, secret, number)."""
    pair = assessors(ledger)
    jo, number = awarded(ledger, "Jo Bloggs", pair=pair)
    org = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    secret = ledger.set_webhook(org, url, "hiring@northern.example")
    ledger.link_organisation(jo, ledger.organisation(org).code)
    ledger.suspend(jo, "a reason", "registrar")
    assert Watch(ledger).catch_up().deliveries == 1
    return org, secret, number


def test_a_delivery_is_signed_to_the_specification_and_retried_after_a_500(hook_ledger, receiver, clock):
    ledger = hook_ledger
    org, secret, number = _suspended_linked_person(ledger, f"http://127.0.0.1:{receiver.port}/hooks?via=regledger")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret.encode() not in repr(list(ledger.events_of(Organisation.WebhookSet))).encode()  # sealed
    receiver.answers = [500]

    first = WebhookSender(ledger).send_due()
    assert (first.delivered, first.failed) == (0, 1)
    [row] = _deliveries(ledger)
    assert (row["status"], row["attempts"], row["last_error"]) == ("waiting", 1, "answered 500")
    assert WebhookSender(ledger).send_due().failed == 0 and len(receiver.requests) == 1  # not due yet

    clock.advance(timedelta(seconds=31))
    second = WebhookSender(ledger).send_due()
    assert second.delivered == 1
    [row] = _deliveries(ledger)
    assert (row["status"], row["attempts"], row["body"]) == ("delivered", 2, None)

    assert [r["path"] for r in receiver.requests] == ["/hooks?via=regledger"] * 2
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1 and ids.pop().startswith("msg_")  # the same id on every attempt: the receiver's dedup key
    for request, when in zip(receiver.requests, (clock.now() - timedelta(seconds=31), clock.now()), strict=True):
        assert request["headers"]["webhook-timestamp"] == str(int(when.timestamp()))
        assert verify_standard_webhook(secret, request["headers"], request["body"], int(when.timestamp()))
        assert request["headers"]["Content-Type"] == "application/json"
    body = json.loads(receiver.requests[-1]["body"])
    assert body == {
        "type": "registration.suspended",
        "number": number,
        "status": "suspended",
        "since": "2026-01-05",
        "page": f"{ledger.settings.issuer_url.rstrip('/')}/r/{number}",
    }
    # a tampered body, or the secret replaced by a new one, does not verify
    last = receiver.requests[-1]
    now = int(clock.now().timestamp())
    assert not verify_standard_webhook(secret, last["headers"], last["body"].replace(b"suspended", b"registered"), now)
    new_secret = ledger.set_webhook(org, f"http://127.0.0.1:{receiver.port}/hooks", "hiring@northern.example")
    assert new_secret != secret
    assert not verify_standard_webhook(new_secret, last["headers"], last["body"], now)


def test_a_redirect_is_not_followed(hook_ledger, receiver):
    _suspended_linked_person(hook_ledger, f"http://127.0.0.1:{receiver.port}/redirect")
    result = WebhookSender(hook_ledger).send_due()
    assert result.failed == 1
    assert [r["path"] for r in receiver.requests] == ["/redirect"]  # /landing never asked for
    [row] = _deliveries(hook_ledger)
    assert row["status"] == "waiting" and "redirects are not followed" in row["last_error"]


def test_a_name_resolving_to_a_loopback_address_is_refused_at_delivery(hook_ledger, receiver):
    # the name passes when set (names are checked where it counts, at each delivery); the test setting allows the
    # literal 127.0.0.1 only, so "localhost", which resolves to it, is still refused
    _suspended_linked_person(hook_ledger, f"https://localhost:{receiver.port}/hooks")
    assert WebhookSender(hook_ledger).send_due().failed == 1
    assert receiver.requests == []
    [row] = _deliveries(hook_ledger)
    assert "localhost resolves to 127.0.0.1, which is not a public address" in row["last_error"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "enter the address"),
        ("   ", "enter the address"),
        ("hooks.example.com/x", "must start with https://"),
        ("http://hooks.example.com/x", "must start with https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("http://127.0.0.1:8080/x", "must start with https://"),  # the test setting is off
        ("https:///x", "no host name"),
        ("https://user:secret@hooks.example.com/x", "user name or password"),
        ("https://hooks.example.com/x#y", "#fragment"),
        ("https://hooks.example.com:99999/x", "not a valid URL"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://10.0.0.7/x", "10.0.0.7 is a private, loopback or reserved address"),
        ("https://127.0.0.1/x", "127.0.0.1 is a private, loopback or reserved address"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a private"),
        ("https://[::1]/x", "::1 is a private"),
        ("https://[::ffff:192.168.1.1]/x", "is a private"),
        ("https://hooks.example.com/" + "a" * 2000, "at most 2000"),
    ],
)
def test_bad_addresses_are_refused_naming_the_field_and_change_nothing(ledger, url, says):
    org = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    with pytest.raises(InvalidInput) as refused:
        ledger.set_webhook(org, url, "hiring@northern.example")
    assert refused.value.field == "url" and says in refused.value.message
    assert list(ledger.events_of(Organisation.WebhookSet)) == []
    assert ledger.organisation(org).webhook_url is None


def test_a_delivery_that_never_succeeds_is_given_up_after_a_day(hook_ledger, receiver, clock):
    _suspended_linked_person(hook_ledger, f"http://127.0.0.1:{receiver.port}/hooks")
    receiver.answers = [503] * 100
    for _ in range(30):
        WebhookSender(hook_ledger).send_due()
        clock.advance(timedelta(hours=1))
    [row] = _deliveries(hook_ledger)
    assert row["status"] == "gave up" and "no attempt succeeded within a day" in row["last_error"]
    assert 8 <= row["attempts"] <= 16 and row["body"] is None  # backing off: 30 s, 1, 2, 4 ... minutes, 4 h at most
    assert len(receiver.requests) == row["attempts"] - (1 if row["last_error"].startswith("no attempt") else 0)


def test_removing_the_webhook_stops_deliveries_waiting(hook_ledger, receiver):
    org, _, _ = _suspended_linked_person(hook_ledger, f"http://127.0.0.1:{receiver.port}/hooks")
    hook_ledger.remove_webhook(org, "hiring@northern.example")
    assert WebhookSender(hook_ledger).send_due().gave_up == 1
    assert receiver.requests == []
    assert "removed" in _deliveries(hook_ledger)[0]["last_error"]
