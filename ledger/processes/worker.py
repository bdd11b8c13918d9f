"""``regledger worker``: every follower and duty of the register, apart from the web.

Followers, in this order on every turn (each wakes when events are recorded: the library's LISTEN/NOTIFY
subscription on PostgreSQL, polling on SQLite):
- ``projections``: the read models (``ledger.read.projections.runner``);
- ``issuer``: a signed credential for every award, renewal and reinstatement (``ledger.processes.issuance``);
- ``watch``: a letter (and a signed webhook delivery) to each organisation a person was linked to when their
  registration was suspended, lapsed, resigned or removed (``ledger.processes.watch``);
- ``log``: the transparency log's leaves (``ledger.processes.transparency_log``);
- ``publisher``: both status lists and the trust bundle, signed and kept for the web to serve.
Duties, on their own schedule and thread:
- ``checkpoints``: sign a checkpoint of the log when it has grown (every ``REGLEDGER_CHECKPOINT_MINUTES``);
- ``mail``: deliver the outbox (every minute, when ``REGLEDGER_SMTP_HOST`` is set);
- ``webhooks``: attempt the organisations' webhook deliveries that are due (every few seconds;
  ``ledger.processes.webhooks``);
- ``tick``: close each day once it has begun (hourly);
- ``parked``: try parked events again (every few minutes).

Each follower and duty is a singleton held through a lease (``ledger.processes.leases``): any number of workers may
run, one leads each duty, and another takes it over within seconds when the leader dies. Progress is kept in the
database (``projection_positions``; the worker's heartbeat in ``workers``), so ``regledger status`` can show it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ledger.app.db import upsert
from ledger.app.ledger import Ledger
from ledger.processes.leases import Leases
from ledger.processes.published import stale, status_topics
from ledger.processes.workers import beat, forget
from ledger.read import parking
from ledger.read.projections.base import projection_positions

FOLLOWERS = ("projections", "issuer", "watch", "log", "publisher")
DUTIES = ("checkpoints", "mail", "webhooks", "tick", "parked")
PUBLISHER = "publisher"
LOG = "transparency-log"
POLL_SECONDS = 0.2  # SQLite: how often a follower looks for new events
SAFETY_POLL_SECONDS = 1.0  # PostgreSQL: a slow poll beside the subscription (a notice sent while it starts is missed)
LEASE_RETRY_SECONDS = 1.0  # how often a standby tries to take a lease
TICK_SECONDS = 3600.0
TICK_FIRST_SECONDS = 2.0
MAIL_SECONDS = 60.0  # at most this long between deliveries (REGLEDGER_MAIL_EVERY_SECONDS may make it shorter)
PARKED_SECONDS = 300.0
WEBHOOK_SECONDS = 10.0  # how often due webhook deliveries are attempted (each waits its own backoff)
BEAT_SECONDS = 2.0
IDLE_TURN_SECONDS = 5.0  # how often an idle worker's followers still look (the publisher renews documents by age)

Announce = Callable[[str], None]


@dataclass
class TurnResult:
    """What one turn did, by follower or duty (events read, credentials issued, leaves added, ...)."""

    done: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # led by another worker
    errors: dict[str, str] = field(default_factory=dict)


def positions(ledger: Ledger, names: list[str]) -> dict[str, int]:
    with ledger.engine.connect() as conn:
        rows = dict(
            conn.execute(
                select(projection_positions.c.name, projection_positions.c.position).where(
                    projection_positions.c.name.in_(names)
                )
            ).all()
        )
    return {name: rows.get(name, 0) for name in names}


def save_position(ledger: Ledger, name: str, position: int) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(upsert(conn, projection_positions), [{"name": name, "position": position}])


class Worker:
    def __init__(
        self, ledger: Ledger, *, duties: tuple[str, ...] = FOLLOWERS + DUTIES, announce: Announce = lambda _: None
    ) -> None:
        from ledger.processes.issuance import CredentialIssuer
        from ledger.processes.publication import Publisher
        from ledger.processes.transparency_log import TransparencyLog
        from ledger.processes.watch import Watch
        from ledger.read.projections.runner import ProjectionRunner

        unknown = set(duties) - set(FOLLOWERS + DUTIES)
        if unknown:
            raise ValueError(f"unknown duties {sorted(unknown)}; choose from {', '.join(FOLLOWERS + DUTIES)}")
        self.ledger = ledger
        self.duties = duties
        self.announce = announce
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.leases = Leases(ledger.settings)
        self.runner = ProjectionRunner(ledger)
        self.issuer = CredentialIssuer(ledger)
        self.watch = Watch(ledger)
        self.log = TransparencyLog(ledger, self.issuer.keyring)
        self.publisher = Publisher(ledger, self.issuer.keyring)
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._subscription: Any = None
        self.errors: dict[str, str] = {}  # the last error of each follower or duty (cleared when it next succeeds)
        self._tried: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._led_since: dict[str, float] = {}
        self._status_topics = status_topics()
        self._last_checkpoint = float("-inf")
        self._quiet_head = -1  # the head a complete turn found nothing beyond
        self._quiet_since = 0.0
        from eventsourcing.utils import get_topic

        from ledger.domain.aggregates import Credential

        self._issued_topic = get_topic(Credential.Issued)

    # -- leases
    def _lead(self, name: str, result: TurnResult | None = None) -> bool:
        """Whether this worker leads ``name`` now (a standby tries to take it at most once a second)."""
        if name not in self.duties:
            return False
        if self.leases.holds(name):
            if self.leases.acquire(name):
                return True
            self.announce(f"lost the lease on {name}; another worker may take it")
        now = time.monotonic()
        if now - self._tried.get(name, -LEASE_RETRY_SECONDS) < LEASE_RETRY_SECONDS:
            if result is not None:
                result.skipped.append(name)
            return False
        self._tried[name] = now
        if self.leases.acquire(name):
            self.announce(f"now leading {name}")
            return True
        if result is not None:
            result.skipped.append(name)
        return False

    def _run(self, name: str, result: TurnResult, action: Callable[[], Any]) -> None:
        try:
            result.done[name] = action()
            self.errors.pop(name, None)
        except Exception as error:  # noqa: BLE001 - kept, shown by `regledger status`, tried again next turn
            result.errors[name] = self.errors[name] = parking.describe(error)

    # -- one turn of the followers
    def follow_once(self) -> TurnResult:
        """Bring every follower this worker leads up to the head of the event store. A turn that finds nothing new
        (the head where the last complete turn left it, every follower's lease held, no error) does nothing but
        that one look, except every few seconds (the publisher renews documents by age)."""
        result = TurnResult()
        head = self.ledger.recorder.max_notification_id() or 0
        quiet = (
            head == self._quiet_head
            and not self.errors
            and all(self.leases.holds(name) for name in FOLLOWERS if name in self.duties)
            and time.monotonic() - self._quiet_since < IDLE_TURN_SECONDS
        )
        if quiet:
            return result
        if self._lead("projections", result):
            self._run("projections", result, self.runner.catch_up)
        if self._lead("issuer", result):
            self._run("issuer", result, lambda: self.issuer.catch_up().issued)
            if result.done.get("issuer") and self._lead("projections"):  # the new credentials reach the pages
                self._run("projections", result, lambda: result.done.get("projections", 0) + self.runner.catch_up())
        if self._lead("watch", result):
            self._run("watch", result, lambda: self.watch.catch_up().letters)
        if self._lead("log", result):
            self._run("log", result, self.log.catch_up)
        if self._lead(PUBLISHER, result):
            self._run(PUBLISHER, result, self._publish)
        if not result.errors and not result.skipped and self.ledger.recorder.max_notification_id() == head:
            if head != self._quiet_head:
                self._quiet_since = time.monotonic()
            self._quiet_head = head
        else:
            self._quiet_head = -1
        if time.monotonic() - self._quiet_since >= IDLE_TURN_SECONDS:
            self._quiet_since = time.monotonic()
        return result

    def _publish(self) -> bool:
        """Publish when an event since the last publication may change what it states, or it is getting old; then
        record the position it reflects (the projections' at least)."""
        read_models = self.runner.position()
        mark = min(read_models, self.ledger.recorder.max_notification_id() or 0)
        since = positions(self.ledger, [PUBLISHER])[PUBLISHER]
        from ledger.processes.publication import STATUS_LIST_LIFETIME

        changed = bool(
            mark > since
            and self.ledger.recorder.select_notifications(
                start=since, stop=mark, limit=1, topics=self._status_topics, inclusive_of_start=False
            )
        )
        signed = False
        if changed or stale(self.ledger.engine, self.ledger.clock.now(), STATUS_LIST_LIFETIME):
            self.publisher.publish()
            signed = True
        if mark > since:
            save_position(self.ledger, PUBLISHER, mark)
        return signed

    # -- the duties
    def duties_once(self, *, force: bool = False) -> TurnResult:
        """Take (or keep) the lease of each duty, and run those this worker leads that are due (all of them with
        ``force``). A new leader runs its duties at once (the tick after a short wait)."""
        result = TurnResult()
        now = time.monotonic()
        schedule = {
            "checkpoints": (BEAT_SECONDS, 0.0),
            "mail": (min(MAIL_SECONDS, self.ledger.settings.mail_every_seconds), 0.0),
            "webhooks": (WEBHOOK_SECONDS, 0.0),
            "tick": (TICK_SECONDS, TICK_FIRST_SECONDS),
            "parked": (PARKED_SECONDS, PARKED_SECONDS),
        }
        actions: dict[str, Callable[[], Any]] = {
            "checkpoints": self._checkpoint,
            "mail": self._send_mail,
            "webhooks": self._send_webhooks,
            "tick": self._tick,
            "parked": self.retry_parked,
        }
        for name, (every, first) in schedule.items():
            if not self._lead(name, result):
                self._led_since.pop(name, None)
                continue
            since = self._led_since.setdefault(name, now)
            last = self._last.get(name)
            if force or (now - since >= first if last is None else now - last >= every):
                self._run(name, result, actions[name])
                if name not in result.errors or name != "tick":  # a failed tick is tried again at the next beat
                    self._last[name] = now
        return result

    def _send_mail(self) -> int:
        """Deliver the outbox (when a mail server is configured)."""
        if not self.ledger.settings.send_mail:
            return 0
        from ledger.processes.mailer import Mailer

        return Mailer(self.ledger).send_pending().sent

    def _send_webhooks(self) -> int:
        """Attempt the webhook deliveries that are due; how many were delivered."""
        from ledger.processes.webhooks import WebhookSender

        return WebhookSender(self.ledger).send_due().delivered

    def _checkpoint(self) -> int:
        """Sign a checkpoint when the log has grown since the last one and either the checkpoint interval
        (``REGLEDGER_CHECKPOINT_MINUTES``) has passed or a credential was issued since (so that its provenance can
        be proved within seconds). Returns how many it signed."""
        from ledger.processes.transparency_log import log_leaves

        checkpoints = self.log.checkpoints()
        covered = int(checkpoints[-1].split("\n")[1]) if checkpoints else 0
        with self.ledger.engine.connect() as conn:
            size = conn.execute(select(func.count()).select_from(log_leaves)).scalar() or 0
            last_covered = (
                conn.execute(select(log_leaves.c.notification_id).where(log_leaves.c.idx == covered - 1)).scalar() or 0
            )
        if size <= covered:
            return 0
        interval = self.ledger.settings.checkpoint_minutes * 60
        if time.monotonic() - self._last_checkpoint < interval and not self.ledger.recorder.select_notifications(
            start=last_covered, limit=1, topics=[self._issued_topic], inclusive_of_start=False
        ):
            return 0
        self.log.checkpoint()
        self._last_checkpoint = time.monotonic()
        return 1

    def _tick(self) -> int:
        """Close every day up to today (by the register's clock), once each."""
        from ledger.processes.tick import close_days_to_today

        return close_days_to_today(self.ledger)

    def retry_parked(self) -> dict[str, int]:
        """Try every parked event again: (released, still parked), for the read models and the issuer."""
        released, still = self.runner.retry_parked()
        issued, waiting = self.issuer.retry_parked()
        if issued:
            self.runner.catch_up()
        told, untold = self.watch.retry_parked()
        return {"released": released + issued + told, "still_parked": still + waiting + untold}

    def _follow_until_still(self) -> TurnResult:
        """Turns of the followers until the event store stops growing under them (publishing may add keys)."""
        result = TurnResult()
        for _ in range(5):
            head = self.ledger.recorder.max_notification_id()
            turn = self.follow_once()
            for name, done in turn.done.items():
                before = result.done.get(name)
                result.done[name] = before + done if isinstance(before, int) and not isinstance(before, bool) else done
            result.skipped = sorted(set(result.skipped) | set(turn.skipped))
            result.errors.update(turn.errors)
            self._tried.clear()
            if self.ledger.recorder.max_notification_id() == head:
                break
        return result

    # -- once, for cron and tests
    def run_once(self) -> TurnResult:
        """Catch every follower up, then run every duty, and return (the leases are let go)."""
        try:
            result = self._follow_until_still()
            duties = self.duties_once(force=True)
            result.done.update(duties.done)
            result.skipped += duties.skipped
            result.errors.update(duties.errors)
            after = self._follow_until_still()  # what the duties recorded (letters, days, keys) is followed too
            for name, done in after.done.items():
                if isinstance(done, int) and not isinstance(done, bool) and isinstance(result.done.get(name), int):
                    result.done[name] += done
            result.errors.update(after.errors)
            return result
        finally:
            self.leases.release_all()

    # -- running
    def start(self) -> None:
        """Run the followers and the duties in background threads until ``stop()``."""
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._follow_loop, name="regledger followers", daemon=True),
            threading.Thread(target=self._duty_loop, name="regledger duties", daemon=True),
        ]
        if not self.ledger.settings.is_sqlite:
            self._threads.append(threading.Thread(target=self._listen, name="regledger subscription", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                self._subscription.stop()
            with contextlib.suppress(Exception):  # the library's LISTEN thread notices a stop on a notification
                channel = getattr(self.ledger.recorder, "channel_name", None)
                if channel:
                    with self.ledger.engine.begin() as conn:
                        conn.exec_driver_sql(f'NOTIFY "{channel}"')
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        self.leases.release_all()
        with contextlib.suppress(Exception):
            forget(self.ledger.engine, self.id)

    def request_stop(self) -> None:
        """Ask ``run_forever`` to stop (from a signal handler)."""
        self._stop.set()

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()

    def _follow_loop(self) -> None:
        interval = POLL_SECONDS if self.ledger.settings.is_sqlite else SAFETY_POLL_SECONDS
        while not self._stop.is_set():
            try:
                self.follow_once()
            except Exception as error:  # noqa: BLE001 - a database fault: tried again at the next turn
                self.errors["followers"] = parking.describe(error)
            self.wake.wait(min(interval, LEASE_RETRY_SECONDS))
            self.wake.clear()

    def _duty_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.duties_once()
            except Exception as error:  # noqa: BLE001
                self.errors["duties"] = parking.describe(error)
            with contextlib.suppress(Exception):
                beat(self.ledger.engine, self.id, sorted(self.leases.held), self.errors)
            self._stop.wait(BEAT_SECONDS)

    def _listen(self) -> None:
        """PostgreSQL: the library's subscription (LISTEN/NOTIFY) wakes the followers as events are recorded."""
        while not self._stop.is_set():
            try:
                with self.ledger.recorder.subscribe(gt=self.ledger.recorder.max_notification_id()) as subscription:
                    self._subscription = subscription
                    if self._stop.is_set():
                        subscription.stop()
                    for _ in subscription:
                        self.wake.set()
            except Exception as error:  # noqa: BLE001 - the poll carries on; subscribe again shortly
                self.errors["subscription"] = parking.describe(error)
                self.wake.set()
            self._stop.wait(SAFETY_POLL_SECONDS)
