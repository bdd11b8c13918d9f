"""Feeds events to the read models in batches: each batch's rows and positions commit together, so a crash never
applies an event twice or skips one. ``regledger worker`` runs it as a follower (``ledger.processes.worker``); CLI
commands run it once to catch up.

Several runners may catch up at once (a worker and a CLI command, the tick, or two workers during a hand-over):
each batch reads the positions inside its own transaction, after taking a transaction-level advisory lock on
PostgreSQL or a lock file on SQLite, so nothing is applied twice.

An event a projection cannot apply (it raises, for a reason other than a database fault) is parked for that
projection with every later event of its aggregate (``ledger.read.parking``), and the batch runs again
without it: one bad record never stops the read models.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from ledger.app.db import lock_key, upsert
from ledger.app.ledger import Ledger
from ledger.domain.aggregates import Registrant
from ledger.read import parking
from ledger.read.projections import ALL_PROJECTIONS
from ledger.read.projections.base import Projection, projection_positions

Progress = Callable[[int, int], None]  # (events done, events in all)

DEFAULT_BATCH = 2000
BATCH_LOCK = lock_key("projection-batch")
ERASED = Registrant.Erased


class Poison(Exception):
    """A projection could not apply an event (not a database fault)."""

    def __init__(self, projection: str, notification: Any, error: BaseException) -> None:
        super().__init__(f"{projection} could not apply event {notification.id}: {parking.describe(error)}")
        self.projection, self.notification, self.error = projection, notification, error


def forget_old_pages(engine: Any) -> None:
    """After an erasure reaches the read models (names set to NULL, with ``secure_delete`` on), copy the write-ahead
    log into the database and empty it, so no older copy of an erased row stays in the WAL file."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def follower_name(projection: str) -> str:
    """The follower a projection's parked events are filed under."""
    return f"projection:{projection}"


def read_positions(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    names = list(names)
    rows = dict(
        conn.execute(
            select(projection_positions.c.name, projection_positions.c.position).where(
                projection_positions.c.name.in_(names)
            )
        ).all()
    )
    return {name: rows.get(name, 0) for name in names}


class ProjectionRunner:
    def __init__(
        self,
        ledger: Ledger,
        projections: Iterable[type[Projection]] = ALL_PROJECTIONS,
        *,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.projections = [cls(ledger.vault) for cls in projections]
        self.batch_size = batch_size
        self._applied = 0
        self.keep: Callable[[Any], bool] = lambda event: True  # which events to apply (as-of views choose)
        self._blocked: dict[str, set[UUID]] = {}

    # -- positions
    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return read_positions(conn, (p.name for p in self.projections))

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
        done = 0
        self._applied = 0
        blocked = parking.blocked_by_follower(self.engine, (follower_name(p.name) for p in self.projections))
        self._blocked = {p.name: blocked[follower_name(p.name)] for p in self.projections}
        start = self.position()
        total = max(self.head() - start, 0)
        while True:
            notifications = self.ledger.recorder.select_notifications(
                start=start, limit=self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                break
            while True:
                try:
                    self._apply_batch(notifications, fail_after=fail_after)
                    break
                except Poison as poison:  # park it, and run the batch again without it
                    parking.park(
                        self.engine,
                        follower_name(poison.projection),
                        poison.notification,
                        parking.describe(poison.error),
                    )
                    self._blocked[poison.projection].add(poison.notification.originator_id)
            start = notifications[-1].id
            done += len(notifications)
            if progress:
                progress(done, max(total, done))
        return done

    def _decode(self, notifications: Sequence[Any]) -> list[Any]:
        """The events; one that cannot even be read is parked for every projection (and is None here)."""
        events: list[Any] = []
        for notification in notifications:
            try:
                events.append(self.ledger.mapper.to_domain_event(notification))
            except Exception as error:
                if parking.is_database_fault(error):
                    raise
                for projection in self.projections:
                    if notification.originator_id not in self._blocked[projection.name]:
                        parking.park(self.engine, follower_name(projection.name), notification, parking.describe(error))
                        self._blocked[projection.name].add(notification.originator_id)
                events.append(None)
        return events

    def _apply_batch(self, notifications: Sequence[Any], *, fail_after: int | None) -> None:
        events = self._decode(notifications)
        with self._one_batch_at_a_time():
            self._apply_locked(notifications, events, fail_after=fail_after)

    @contextlib.contextmanager
    def _one_batch_at_a_time(self) -> Iterator[None]:
        """On SQLite, a lock file beside the database held for the batch: pysqlite starts a transaction only at the
        first write, so the positions a batch reads are not protected by SQLite itself, and a second runner (the
        tick's, another worker's) could apply the same events. On PostgreSQL the batch takes an advisory lock in
        its own transaction instead."""
        if not self.ledger.settings.is_sqlite:
            yield
            return
        path = f"{self.ledger.settings.sqlite_path}.projection-batch.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _apply_locked(self, notifications: Sequence[Any], events: list[Any], *, fail_after: int | None) -> None:
        last = notifications[-1].id
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one batch at a time across every process
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({BATCH_LOCK})")
            positions = read_positions(conn, (p.name for p in self.projections))
            try:
                for projection in self.projections:
                    position = positions[projection.name]
                    blocked = self._blocked.get(projection.name, set())
                    mine: list[tuple[Any, Any]] = []
                    waiting: list[tuple[Any, Any]] = []
                    for n, e in zip(notifications, events, strict=True):
                        if e is None or n.id <= position or not projection.handles(e) or not self.keep(e):
                            continue
                        (waiting if n.originator_id in blocked else mine).append((n, e))
                    for n, _ in waiting:  # parked behind an earlier event of their aggregate, in order
                        parking.park_in(
                            conn,
                            follower_name(projection.name),
                            n,
                            "waits for an earlier parked event of the same record",
                        )
                    projection.prefetch([e for _, e in mine])
                    projection.begin(conn)
                    for notification, event in mine:
                        try:
                            projection.apply(event)
                        except Exception as error:
                            if parking.is_database_fault(error):
                                raise
                            raise Poison(projection.name, notification, error) from error
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
        if conn.dialect.name == "sqlite" and any(type(e) is ERASED for e in events):
            forget_old_pages(self.engine)

    # -- parked events
    def retry_parked(self) -> tuple[int, int]:
        """Apply each aggregate's parked events again, in order, in one transaction per aggregate and projection;
        released when they all go through. Returns (events released, events still parked)."""
        released = still = 0
        for projection in self.projections:
            follower = follower_name(projection.name)
            items = parking.parked(self.engine, follower)
            by_aggregate: dict[UUID, list[parking.Parked]] = {}
            for item in items:
                by_aggregate.setdefault(item.originator_id, []).append(item)
            for group in by_aggregate.values():
                try:
                    with self._one_batch_at_a_time(), self.engine.begin() as conn:
                        if conn.dialect.name == "postgresql":
                            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({BATCH_LOCK})")
                        events = [
                            self.ledger.mapper.to_domain_event(self._notification(item.notification_id))
                            for item in group
                        ]
                        events = [e for e in events if projection.handles(e) and self.keep(e)]
                        projection.prefetch(events)
                        projection.begin(conn)
                        try:
                            for event in events:
                                projection.apply(event)
                            projection.flush()
                        except BaseException:
                            projection.discard()
                            raise
                        parking.release_in(conn, follower, [item.notification_id for item in group])
                    released += len(group)
                except Exception as error:
                    if parking.is_database_fault(error):
                        raise
                    parking.tried_again(self.engine, follower, group[0].notification_id, parking.describe(error))
                    still += len(group)
        return released, still

    def _notification(self, notification_id: int) -> Any:
        found = self.ledger.recorder.select_notifications(start=notification_id, limit=1)
        if not found or found[0].id != notification_id:
            raise LookupError(f"event {notification_id} is not in the event store")
        return found[0]

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every read model and build it again from the first event (parked events are tried afresh)."""
        tables = [t for p in self.projections for t in p.tables]
        with self.engine.begin() as conn:
            for table in reversed(tables):
                table.drop(conn, checkfirst=True)
            conn.execute(
                projection_positions.delete().where(projection_positions.c.name.in_([p.name for p in self.projections]))
            )
            conn.execute(
                parking.parked_events.delete().where(
                    parking.parked_events.c.follower.in_([follower_name(p.name) for p in self.projections])
                )
            )
            for table in tables:
                table.create(conn)
        return self.catch_up(progress)
