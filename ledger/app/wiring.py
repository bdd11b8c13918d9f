"""The wiring every bounded context stands on: one eventsourcing application (``LedgerBase``) with its units of
work (a command, a batch, a command at most once), getting and saving aggregates, sealing personal data, and
the clock. The commands themselves are in the modules named for their context; ``ledger.app.ledger`` puts them
together.

Each command reads like the library's examples: get the aggregates, call them (they check the rules), save them
together. A broken rule raises before anything is saved. A save that loses a race raises the library's
``IntegrityError``; commands retry from fresh state and, if they keep losing, say ``Conflict``."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment
from sqlalchemy import Engine

from ledger.app.db import create_tables, event_store_env, make_engine, schema_lock
from ledger.app.transcodings import register_transcodings
from ledger.app.vault import MAX_SEALED_TEXT, Shredded, Vault, load_master_key
from ledger.domain.aggregates import (
    CommandReceipt,
    Registration,
)
from ledger.domain.clock import Clock
from ledger.domain.errors import Conflict, InvalidInput, NotFound, RuleBroken
from ledger.domain.framework import FRAMEWORK, Framework
from ledger.domain.text import clean_name, clean_text
from ledger.settings import Settings

A = TypeVar("A", bound=Aggregate)
F = TypeVar("F", bound=Callable[..., Any])

RETRIES = 5
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


def command(fn: F) -> F:
    """Run a command; if its save lost a race, run it again from fresh state, then give up with ``Conflict``."""

    @functools.wraps(fn)
    def run(self: LedgerBase, *args: Any, **kwargs: Any) -> Any:
        if self._batch is not None:
            return fn(self, *args, **kwargs)
        for _ in range(RETRIES):
            try:
                return fn(self, *args, **kwargs)
            except IntegrityError:
                continue
        raise Conflict(f"{fn.__name__}: the record kept changing while this was being saved; try again")

    return cast(F, run)


def private_database_file(path: Any) -> None:
    """The SQLite file, made readable by its owner only before SQLite opens it (SQLite gives its -wal and -shm
    files the same mode)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _text(field: str, value: Any, *, max_length: int = MAX_SEALED_TEXT, required: bool = True) -> str:
    return clean_text(field, value, max_length=max_length, required=required)


def _name(field: str, value: Any) -> str:
    return clean_name(field, value, max_length=MAX_NAME)


class LedgerBase(EventSourcedApplication[UUID]):
    """What every bounded context's commands stand on; ``ledger.app.ledger.Ledger`` is the application itself (and
    holds its ``name``, which names the event store's tables)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        framework: Framework = FRAMEWORK,
        engine: Engine | None = None,
        master_key: bytes | None = None,
        announce: Callable[[str], None] = lambda _: None,
        single_writer_cache: int = 0,
    ) -> None:
        """``single_writer_cache``: keep up to this many aggregates in memory between commands (the library's
        aggregate cache, without fast-forwarding). Only for a process that is the sole writer, such as the demo
        or a bulk import; a service sharing the database must leave it at 0."""
        self.settings = settings or Settings.from_env()
        if self.settings.is_sqlite:
            private_database_file(self.settings.sqlite_path)
        self.clock = clock or Clock()
        self.rng = rng or random.SystemRandom()
        self.framework = framework
        self.engine = engine or make_engine(self.settings.database_url, self.settings.db_pool_size)
        with schema_lock(self.engine):  # Ledgers starting together on PostgreSQL take turns (see schema_lock)
            create_tables(self.engine)
        master_key = master_key or load_master_key(self.settings, announce)
        self.vault = Vault(self.engine, master_key)
        self.master_key = master_key  # for a second Ledger on the same store (the service's daily tick)
        # issuer private keys are sealed at rest under a key derived from the master key (see ledger.processes.keyring)
        self.key_secret = HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger issuer keys").derive(master_key)
        # and the web service signs its session cookies and bearer tokens with another (see ledger.api)
        self.session_secret = HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger sessions").derive(master_key)
        # and idempotency receipts keep keyed digests of requests (which may hold names), never plain hashes
        self.receipt_secret = HKDF(hashes.SHA256(), 32, salt=None, info=b"regledger receipts").derive(master_key)
        self._local = threading.local()
        # the single writer also remembers which ids it looked for and did not find
        self._absent: set[UUID] | None = set() if single_writer_cache else None
        self.last_position = 0
        self.saved_kinds: Counter[str] = Counter()  # events saved by this instance, by kind
        env = event_store_env(self.settings.database_url, self.settings.db_pool_size)
        if single_writer_cache:
            env.update(
                AGGREGATE_CACHE_MAXSIZE=str(single_writer_cache),
                AGGREGATE_CACHE_FASTFORWARD="n",
                DEEPCOPY_FROM_AGGREGATE_CACHE="n",
            )
        with schema_lock(self.engine):  # the library's recorder makes its tables and functions as it starts
            super().__init__(env=env)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only our settings configure the event store: the process environment is not read here."""
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def close(self, dispose_engine: bool = True) -> None:
        super().close()
        if dispose_engine:
            self.engine.dispose()

    @property
    def _batch(self) -> dict[UUID, Aggregate] | None:
        return getattr(self._local, "batch", None)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many commands, one transaction: what bulk imports and the demo use. Commands inside see each other's
        changes; everything is saved together at the end, or nothing if the block raises."""
        if self._batch is not None:
            yield
            return
        self._local.batch, self._local.after_save = {}, []
        try:
            yield
            pending = [a for a in self._local.batch.values() if a.pending_events]
            self.vault.flush()
            if pending:
                self._save_and_track(*pending)
            for action in self._local.after_save:
                action()
        except BaseException:
            self.vault.discard_pending()
            raise
        finally:
            self._local.batch, self._local.after_save = None, []

    def once(self, key: str, request_hash: str, action: Callable[[], Any]) -> tuple[Any, bool]:
        """Carry out ``action`` (one or more commands) at most once for ``key``: its events and a
        ``CommandReceipt`` holding the answer are saved in one transaction. If the key already has a receipt, the
        action is not run and the first answer comes back instead. Returns (answer as JSON data, whether this call
        acted). A refused action leaves no receipt, so the key stays free for a corrected request."""
        key_digest = hashlib.sha256(key.encode()).hexdigest()
        receipt_id = CommandReceipt.id_for(key_digest)
        for _ in range(RETRIES):
            found: object
            try:
                found = self.repository.get(receipt_id)
            except AggregateNotFoundError:
                found = None
            if isinstance(found, CommandReceipt):
                if found.request_hash != request_hash:
                    raise InvalidInput("Idempotency-Key", "was used for a different request")
                return json.loads(found.answer), False
            try:
                with self.batch():
                    answer = json.loads(json.dumps(action(), default=str))
                    self._commit(
                        CommandReceipt(
                            key_digest=key_digest,
                            request_hash=request_hash,
                            answer=json.dumps(answer),
                            occurred_at=self._now(),
                        )
                    )
                return answer, True
            except IntegrityError:
                continue  # the same key acted meanwhile (its receipt is read next), or the record changed: again
        raise Conflict("the record kept changing while this was being saved; try again")

    def _after_save(self, action: Callable[[], None]) -> None:
        """Run once the current command's events are saved (at the end of the batch, inside one)."""
        if self._batch is None:
            action()
        else:
            self._local.after_save.append(action)

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        batch = self._batch
        if batch is not None and aggregate_id in batch:
            found = batch[aggregate_id]
        else:
            if self._absent is not None and aggregate_id in self._absent:
                raise NotFound(f"no {what} with id {aggregate_id}")
            try:
                found = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                if self._absent is not None:
                    self._absent.add(aggregate_id)
                raise NotFound(f"no {what} with id {aggregate_id}") from None
            if batch is not None:
                batch[aggregate_id] = found
        if not isinstance(found, cls):
            raise NotFound(f"no {what} with id {aggregate_id}")
        return found

    def _exists(self, aggregate_id: UUID) -> bool:
        batch = self._batch
        if batch is not None and aggregate_id in batch:
            return True
        if self._absent is not None and aggregate_id in self._absent:
            return False
        return aggregate_id in self.repository

    def _commit(self, *aggregates: Aggregate) -> None:
        if self._absent is not None:
            self._absent.difference_update(a.id for a in aggregates)
        batch = self._batch
        if batch is not None:
            for aggregate in aggregates:
                batch[aggregate.id] = aggregate
            return
        self.vault.flush()
        self._save_and_track(*aggregates)

    def _save_and_track(self, *aggregates: Aggregate) -> None:
        recordings = self.save(*aggregates)
        self.saved_kinds.update(type(r.domain_event).__qualname__ for r in recordings)
        if recordings:
            self.last_position = max(self.last_position, recordings[-1].notification.id)
            self._local.position = max(getattr(self._local, "position", 0), recordings[-1].notification.id)

    def forget_thread_position(self) -> None:
        """Start counting what this thread saves (a web request does, to wait for its own events)."""
        self._local.position = 0

    def thread_position(self) -> int:
        """The notification id of the last event this thread saved since ``forget_thread_position`` (0: none)."""
        return getattr(self._local, "position", 0)

    def _new_id(self) -> UUID:
        return UUID(bytes=self.rng.randbytes(16), version=4)

    def _now(self) -> datetime:
        return self.clock.now()

    def _today(self) -> date:
        return self.clock.now().date()

    def _seal(self, owner: UUID, field: str, value: str | None) -> Any:
        try:
            return self.vault.seal(owner, value)
        except Shredded as error:
            raise RuleBroken(str(error)) from None

    def events_of(self, kind: type) -> Iterator[Any]:
        """Every stored event of one kind, oldest first, read from the store in pages."""
        from eventsourcing.utils import get_topic

        topic, start = get_topic(kind), 0
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=5000, topics=[topic], inclusive_of_start=False
            )
            if not batch:
                return
            for notification in batch:
                yield self.mapper.to_domain_event(notification)
            start = batch[-1].id

    def _registration_of(self, registrant_id: UUID) -> Registration | None:
        try:
            return self._get(Registration, Registration.id_for(registrant_id), "registration")
        except NotFound:
            return None

    def _live_registration(self, registrant_id: UUID) -> Registration:
        registration = self._registration_of(registrant_id)
        if registration is None:
            raise NotFound(f"registrant {registrant_id} holds no registration")
        return registration

    def _check_email(self, email: Any) -> str:
        checked = _text("email", email, max_length=254)
        if not EMAIL.match(checked):
            raise InvalidInput("email", f"{checked!r} is not an email address")
        return checked
