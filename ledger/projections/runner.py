"""Feeds events to the read models: catches up in batches, then follows new events (polling on SQLite, the
library's LISTEN/NOTIFY subscription on PostgreSQL). Each batch's rows and positions commit together."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from ledger.commands import Ledger
from ledger.projections import ALL_PROJECTIONS
from ledger.projections.base import Projection, projection_positions, upsert

Progress = Callable[[int, int], None]  # (events done, events in all)

DEFAULT_BATCH = 2000


class ProjectionRunner:
    def __init__(self, ledger: Ledger, projections: Iterable[type[Projection]] = ALL_PROJECTIONS, *,
                 batch_size: int = DEFAULT_BATCH) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.projections = [cls(ledger.vault) for cls in projections]
        self.batch_size = batch_size
        self._caught_up = threading.Condition()
        self._lock = threading.Lock()  # one batch at a time in this process
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscription: Any = None
        self.error: BaseException | None = None
        self._applied = 0
        self._wake = threading.Event()
        self.generation = 0
        self.keep: Callable[[Any], bool] = lambda event: True  # which events to apply (as-of views choose)
        """Grows each time this runner changes the read models: what was read from them before is stale."""

    # -- positions
    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = dict(conn.execute(select(projection_positions.c.name, projection_positions.c.position)).all())
        return {p.name: rows.get(p.name, 0) for p in self.projections}

    def position(self) -> int:
        """How far every read model has got: the lowest position among them."""
        return min(self.positions().values(), default=0)

    def head(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    # -- catching up
    def catch_up(self, progress: Progress | None = None, *, fail_after: int | None = None) -> int:
        """Apply every event not yet applied; returns how many events were read. ``fail_after`` is for tests:
        raise part-way through the batch in which the projections have applied that many events, as a crash
        would."""
        with self._lock:
            done = 0
            self._applied = 0
            positions = self.positions()
            start = min(positions.values(), default=0)
            total = max(self.head() - start, 0)
            while True:
                notifications = self.ledger.recorder.select_notifications(
                    start=start, limit=self.batch_size, inclusive_of_start=False)
                if not notifications:
                    break
                self._apply_batch(notifications, positions, fail_after=fail_after)
                start = notifications[-1].id
                done += len(notifications)
                if progress:
                    progress(done, max(total, done))
            with self._caught_up:
                self._caught_up.notify_all()
            return done

    def _apply_batch(self, notifications: list[Any], positions: dict[str, int], *,
                     fail_after: int | None) -> None:
        to_event = self.ledger.mapper.to_domain_event
        events = [to_event(n) for n in notifications]
        last = notifications[-1].id
        with self.engine.begin() as conn:
            try:
                for projection in self.projections:
                    position = positions[projection.name]
                    mine = [e for n, e in zip(notifications, events, strict=True)
                            if n.id > position and projection.handles(e) and self.keep(e)]
                    projection.prefetch(mine)
                    projection.begin(conn)
                    for event in mine:
                        projection.apply(event)
                        self._applied += 1
                        if fail_after is not None and self._applied >= fail_after:
                            raise RuntimeError(f"simulated crash after applying {self._applied} events")
                for projection in self.projections:
                    projection.flush()
                rows = [{"name": p.name, "position": max(last, positions[p.name])} for p in self.projections]
                conn.execute(upsert(conn, projection_positions), rows)
            except BaseException:
                for projection in self.projections:
                    projection.discard()
                raise
        for projection in self.projections:
            positions[projection.name] = max(last, positions[projection.name])
        self.generation += 1

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every read model and build it again from the first event."""
        with self._lock:
            tables = [t for p in self.projections for t in p.tables]
            with self.engine.begin() as conn:
                for table in reversed(tables):
                    table.drop(conn, checkfirst=True)
                conn.execute(projection_positions.delete().where(
                    projection_positions.c.name.in_([p.name for p in self.projections])))
                for table in tables:
                    table.create(conn)
        return self.catch_up(progress)

    # -- read-your-writes
    def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        """Wait until every read model has applied the event at ``position``."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if self._thread is None:
                self.catch_up()
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._caught_up:
                self._caught_up.wait(min(remaining, 0.05))
        return True

    # -- following
    def follow(self, poll_interval: float = 0.2) -> None:
        """Catch up, then keep applying new events until ``stop()``. SQLite is polled. On PostgreSQL the
        library's LISTEN/NOTIFY subscription wakes the runner as soon as events are recorded, and a slow poll
        stays on as a safety net (a notification sent while the subscription was starting is otherwise missed).
        A database fault (a restart, a dropped connection) does not end the following: the error is kept in
        ``error``, the next turn tries again, and the subscription starts again once the database answers."""
        if self.ledger.settings.is_sqlite:
            self._catch_up_or_keep_error()
            while not self._stop.wait(poll_interval):
                self._catch_up_or_keep_error()
            return
        wake = self._wake

        def listen() -> None:
            while not self._stop.is_set():
                try:
                    with self.ledger.recorder.subscribe(gt=self.position()) as subscription:
                        self._subscription = subscription
                        if self._stop.is_set():
                            subscription.stop()
                        for _ in subscription:
                            wake.set()
                except BaseException as error:  # noqa: BLE001 - the poll carries on; the error is reported
                    self.error = error
                    wake.set()
                self._stop.wait(max(poll_interval * 5, 1.0))  # then subscribe again (the database may be back)

        listener = threading.Thread(target=listen, name="projection-subscription", daemon=True)
        listener.start()
        try:
            self._catch_up_or_keep_error()
            while not self._stop.is_set():
                wake.wait(timeout=max(poll_interval * 5, 1.0))
                wake.clear()
                if not self._stop.is_set():
                    self._catch_up_or_keep_error()
        finally:
            if self._subscription is not None:
                self._subscription.stop()
                with contextlib.suppress(Exception):  # a database that is down needs no waking
                    self._wake_listener()
            listener.join(timeout=5)

    def _catch_up_or_keep_error(self) -> None:
        try:
            self.catch_up()
        except Exception as error:  # noqa: BLE001 - a database fault: kept, and tried again at the next turn
            self.error = error

    def _wake_listener(self) -> None:
        """The library's LISTEN thread notices a stop only when a notification arrives: send one."""
        channel = getattr(self.ledger.recorder, "channel_name", None)
        if channel:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(f'NOTIFY "{channel}"')

    def start(self, poll_interval: float = 0.2) -> None:
        def run() -> None:
            try:
                self.follow(poll_interval)
            except BaseException as error:  # surfaced to whoever waits or stops
                self.error = error

        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=run, name="projection-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._subscription is not None:
            self._subscription.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
