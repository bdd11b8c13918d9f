"""The Ledger: every command and aggregate query of the register, as one eventsourcing application.

Each command reads like the library's examples: get the aggregates, call them (they check the rules), save them
together. A broken rule raises before anything is saved. A save that loses a race raises the library's
``IntegrityError``; commands retry from fresh state and, if they keep losing, say ``Conflict``.
"""

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
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment
from sqlalchemy import Engine

from ledger import background, regnumber
from ledger.aggregates import Application, Assessor, CommandReceipt, Registrant, Registration, RegistrationNumberClaim
from ledger.aggregates.mail import Mail
from ledger.aggregates.ppd_audit import ACCEPTED, DEFERRED, NOT_RENEWED, OUTCOME_NAMES, PpdAudit
from ledger.aggregates.registrant import LISTINGS
from ledger.clock import Clock
from ledger.db import create_tables, event_store_env, make_engine, schema_lock
from ledger.errors import Conflict, InvalidInput, NotFound, RuleBroken
from ledger.framework import FRAMEWORK, Framework, FrameworkError
from ledger.settings import Settings
from ledger.text import clean_name, clean_text
from ledger.transcodings import register_transcodings
from ledger.vault import MAX_SEALED_TEXT, Shredded, Vault, load_master_key

A = TypeVar("A", bound=Aggregate)
F = TypeVar("F", bound=Callable[..., Any])

RETRIES = 5
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


def command(fn: F) -> F:
    """Run a command; if its save lost a race, run it again from fresh state, then give up with ``Conflict``."""

    @functools.wraps(fn)
    def run(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        if self._batch is not None:
            return fn(self, *args, **kwargs)
        for _ in range(RETRIES):
            try:
                return fn(self, *args, **kwargs)
            except IntegrityError:
                continue
        raise Conflict(f"{fn.__name__}: the record kept changing while this was being saved; try again")

    return run  # type: ignore[return-value]


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


class Ledger(EventSourcedApplication[UUID]):
    name = "regledger"

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
        # issuer private keys are sealed at rest under a key derived from the master key (see ledger.keyring)
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

    # -- wiring the library
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

    # -- units of work
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

    # -- registrants
    @command
    def enrol(
        self,
        name: str,
        email: str,
        disciplines: list[str],
        background_answers: dict[str, str] | None = None,
        listing: str = "listed",
    ) -> UUID:
        name = _name("name", name)
        email = self._check_email(email)
        disciplines = self._check_disciplines(disciplines)
        answers = background.check_answers(background_answers)
        if listing not in LISTINGS:
            raise InvalidInput("listing", "expected one of " + ", ".join(LISTINGS))
        registrant_id = self._new_id()
        self.vault.create_key(registrant_id)
        registrant = Registrant(
            id=registrant_id,
            name=self.vault.seal(registrant_id, name),
            email=self.vault.seal(registrant_id, email),
            disciplines=disciplines,
            background=self.vault.seal_json(registrant_id, answers),
            listing=listing,
            occurred_at=self._now(),
        )
        self._commit(registrant)
        return registrant.id

    def _check_email(self, email: Any) -> str:
        email = _text("email", email, max_length=254)
        if not EMAIL.match(email):
            raise InvalidInput("email", f"{email!r} is not an email address")
        return email

    def _check_disciplines(self, disciplines: Any) -> list[str]:
        if not isinstance(disciplines, list) or not disciplines:
            raise InvalidInput("disciplines", "give at least one discipline")
        for code in disciplines:
            try:
                self.framework.discipline(code)
            except FrameworkError as error:
                raise InvalidInput("disciplines", str(error)) from None
        return sorted(set(disciplines))

    @command
    def change_details(
        self,
        registrant_id: UUID,
        *,
        name: str | None = None,
        email: str | None = None,
        disciplines: list[str] | None = None,
        listing: str | None = None,
    ) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        changes: dict[str, Any] = {}
        if name is not None:
            if not registrant.erased and self._registration_of(registrant_id) is not None:
                raise RuleBroken(
                    "a registered person's name changes by request: send the new name with evidence "
                    "(a deed poll, marriage certificate or passport) and the registrar decides"
                )
            changes["name"] = self._seal(registrant_id, "name", _name("name", name))
        if email is not None:
            changes["email"] = self._seal(registrant_id, "email", self._check_email(email))
        if disciplines is not None:
            changes["disciplines"] = self._check_disciplines(disciplines)
        if listing is not None:
            if listing not in LISTINGS:
                raise InvalidInput("listing", "expected one of " + ", ".join(LISTINGS))
            changes["listing"] = listing
        registrant.change_details(changes, occurred_at=self._now())
        self._commit(registrant)

    @command
    def request_name_change(self, registrant_id: UUID, name: str, evidence: str) -> None:
        """A registered person asks for their name to change; the registrar approves or refuses it."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        new_name = _name("name", name)
        if self.vault.open(registrant.name) == new_name:
            raise InvalidInput("name", "is the name already on the register")
        registrant.request_name_change(
            self._seal(registrant_id, "name", new_name),
            self._seal(registrant_id, "evidence", _text("evidence", evidence, max_length=2000)),
            occurred_at=self._now(),
        )
        self._commit(registrant)

    @command
    def decide_name_change(self, registrant_id: UUID, approved: bool, reason: str, by: str) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        sealed = self._seal(registrant_id, "reason", _text("reason", reason, max_length=2000, required=False) or None)
        registrant.decide_name_change(bool(approved), sealed, by, occurred_at=self._now())
        self._commit(registrant)

    @command
    def answer_background(self, registrant_id: UUID, answers: dict[str, str] | None) -> None:
        registrant = self._get(Registrant, registrant_id, "registrant")
        sealed = (
            self.vault.seal_json(registrant_id, background.check_answers(answers)) if not registrant.erased else None
        )
        registrant.answer_background(sealed, occurred_at=self._now())
        self._commit(registrant)

    @command
    def erase(self, registrant_id: UUID, by: str) -> None:
        """Crypto-shredding: record the erasure, then destroy the registrant's data key."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        registrant.erase(by=by, occurred_at=self._now())
        self._commit(registrant)

        def shred() -> None:
            from ledger.accounts import Accounts

            self.vault.shred(registrant_id)
            Accounts(self.engine).delete_registrant(registrant_id)  # the account (an email) goes too

        self._after_save(shred)

    def reissue_after_compromise(self, kid: str) -> int:
        """Every current registration whose newest credential was signed with ``kid`` (now compromised) gets a fresh
        credential (the issuer signs it with the active key) and a letter telling the holder to fetch it. Safe to
        run again: a registration already re-issued for this key is skipped. Returns how many were re-issued."""
        from ledger.aggregates import Credential

        newest: dict[UUID, tuple[int, str]] = {}
        # from the events, not a read model that may lag behind the newest credential
        for event in self.events_of(Credential.Issued):  # type: ignore[attr-defined]
            if event.trigger_version >= newest.get(event.registration_id, (-1, ""))[0]:
                newest[event.registration_id] = (event.trigger_version, event.kid)
        reissued = 0
        for registration_id, (_, signed_with) in newest.items():
            if signed_with == kid and self._reissue(registration_id, kid):
                reissued += 1
        return reissued

    @command
    def _reissue(self, registration_id: UUID, kid: str) -> bool:
        registration = self._get(Registration, registration_id, "registration")
        if registration.status not in ("registered", "suspended") or registration.reissued_for(kid):
            return False
        registration.reissue(
            "the key that signed the credential was reported compromised", kid, occurred_at=self._now()
        )
        url = f"{self.settings.issuer_url.rstrip('/')}/r/{registration.number}"
        letter = self._letter(
            registration.registrant_id,
            "reissue",
            registration,
            "Your credential has been re-issued: please fetch the new one",
            "The key the register used to sign your credential can no longer be trusted, so we "
            "have signed a new credential for you. Your registration itself has not changed.\n\n"
            f"Download the new credential and QR badge from {url} and replace every copy you "
            "have shared (profiles, email signatures, printed badges): the old one now shows as "
            "not valid.",
        )
        self._commit(registration, *([letter] if letter is not None else []))
        return True

    @command
    def revoke_requested_credential(self, credential_id: UUID, by: str) -> None:
        """Revoke a credential signed through the VC API (its revocation bit is set at the next publication)."""
        from ledger.aggregates import RequestedCredential

        record = self._get(RequestedCredential, credential_id, "credential")
        record.revoke(by=by, occurred_at=self._now())
        self._commit(record)

    # -- assessors
    @command
    def appoint_assessor(self, name: str, registrant_id: UUID | None = None) -> UUID:
        name = _name("name", name)
        if registrant_id is not None:
            self._get(Registrant, registrant_id, "registrant")
        assessor_id = self._new_id()
        self.vault.create_key(assessor_id)
        assessor = Assessor(
            id=assessor_id,
            name=self.vault.seal(assessor_id, name),
            registrant_id=registrant_id,
            occurred_at=self._now(),
        )
        self._commit(assessor)
        return assessor.id

    @command
    def stand_down_assessor(self, assessor_id: UUID) -> None:
        """The assessor stands down: their assignments to open applications end (the registrar assigns another),
        and their account can no longer sign in or act, at once."""
        assessor = self._get(Assessor, assessor_id, "assessor")
        assessor.stand_down(occurred_at=self._now())
        released = []
        for application_id in self._assigned_to(assessor_id):
            application = self._get(Application, application_id, "application")
            if application.release_assessor(assessor_id, occurred_at=self._now()):
                released.append(application)
        self._commit(assessor, *released)

        def disable_account() -> None:
            from ledger.accounts import Accounts

            Accounts(self.engine).disable_assessor(assessor_id)

        self._after_save(disable_account)

    def _assigned_to(self, assessor_id: UUID) -> list[UUID]:
        """The open applications an assessor is assigned to, from the events (every AssessorAssigned naming them):
        not from a read model, which may not have seen the latest assignment yet."""
        found: list[UUID] = []
        for event in self.events_of(Application.AssessorAssigned):  # type: ignore[attr-defined]
            if event.assessor_id == assessor_id and event.originator_id not in found:
                found.append(event.originator_id)
        return found

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

    # -- applications
    def _registration_of(self, registrant_id: UUID) -> Registration | None:
        try:
            return self._get(Registration, Registration.id_for(registrant_id), "registration")
        except NotFound:
            return None

    @command
    def start_application(
        self,
        registrant_id: UUID,
        level: str,
        route: str,
        *,
        qualification: dict[str, Any] | None = None,
        experience: dict[str, Any] | None = None,
    ) -> UUID:
        """Start an application for a level by a route. One open application per person at a time."""
        registrant = self._get(Registrant, registrant_id, "registrant")
        if registrant.erased:
            raise RuleBroken("this registrant's personal data was erased; they cannot apply")
        try:
            wanted = self.framework.level(level)
        except FrameworkError as error:
            raise InvalidInput("level", str(error)) from None
        try:
            self.framework.route(route)
        except FrameworkError as error:
            raise InvalidInput("route", str(error)) from None
        if (
            registrant.latest_application is not None
            and self._get(Application, registrant.latest_application, "application").is_open
        ):
            raise RuleBroken("this registrant already has an open application; finish or withdraw it first")
        registration = self._registration_of(registrant_id)
        if registration is not None and registration.status in ("registered", "suspended") and registration.level:
            held = self.framework.level(registration.level)
            if registration.status == "suspended":
                raise RuleBroken("a suspended registrant cannot apply until the suspension is lifted")
            if wanted.rank <= held.rank:
                raise RuleBroken(f"already registered as {held.name}: apply for a higher level to upgrade")
        qualification, experience = self._check_route_evidence(registrant_id, wanted, route, qualification, experience)
        application = Application(
            id=self._new_id(),
            registrant_id=registrant_id,
            level=level,
            route=route,
            qualification=qualification,
            experience=experience,
            framework_version=self.framework.version,
            occurred_at=self._now(),
        )
        registrant.record_application(application.id, occurred_at=self._now())
        self._commit(application, registrant)
        return application.id

    def _check_route_evidence(
        self, registrant_id: UUID, level: Any, route: str, qualification: Any, experience: Any
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if route == "standard":
            if not isinstance(qualification, dict):
                raise InvalidInput(
                    "qualification", "the standard route needs a qualification: title, awarding body and level"
                )
            q_level = qualification.get("level")
            if not isinstance(q_level, int) or isinstance(q_level, bool) or not 1 <= q_level <= 8:
                raise InvalidInput("qualification.level", "give the qualification's level as a number from 1 to 8")
            needed = level.min_qualification_level
            if q_level < needed:
                raise RuleBroken(
                    f"{level.name} needs a qualification at level {needed} or above; this one is "
                    f"level {q_level}: apply by the equivalency route or for a lower level"
                )
            return {
                "title": _text("qualification.title", qualification.get("title"), max_length=300),
                "awarding_body": _text(
                    "qualification.awarding_body", qualification.get("awarding_body"), max_length=300
                ),
                "level": q_level,
            }, None
        if not isinstance(experience, dict):
            raise InvalidInput(
                "experience", "the equivalency route needs experience: years of practice, a portfolio and a referee"
            )
        years = experience.get("years")
        if not isinstance(years, (int, float)) or isinstance(years, bool) or not 0 <= years <= 70:
            raise InvalidInput("experience.years", "give the years of practice as a number")
        if years < level.min_years_experience_equivalency:
            raise RuleBroken(
                f"{level.name} by the equivalency route needs at least "
                f"{level.min_years_experience_equivalency} years of practice; {years} given"
            )
        portfolio = _text("experience.portfolio", experience.get("portfolio"), max_length=2000)
        referee = _text("experience.referee_name", experience.get("referee_name"), max_length=MAX_NAME)
        referee_email = self._check_email(experience.get("referee_email"))
        return None, {
            "years": years,
            "portfolio": self._seal(registrant_id, "portfolio", portfolio),
            "referee_name": self._seal(registrant_id, "referee_name", referee),
            "referee_email": self._seal(registrant_id, "referee_email", referee_email),
        }

    def _required(self, application: Application) -> list[str]:
        return [a.code for a in self.framework.required_areas(application.level)]

    @command
    def add_evidence(self, application_id: UUID, area: str, text: str) -> UUID:
        application = self._get(Application, application_id, "application")
        text = _text("text", text)
        evidence_id = self._new_id()
        application.add_evidence(
            evidence_id,
            area,
            self._seal(application.registrant_id, "text", text),
            self._required(application),
            occurred_at=self._now(),
        )
        self._commit(application)
        return evidence_id

    @command
    def submit_application(self, application_id: UUID) -> None:
        application = self._get(Application, application_id, "application")
        application.submit(self._required(application), occurred_at=self._now())
        self._commit(application)

    @command
    def withdraw_application(self, application_id: UUID) -> None:
        application = self._get(Application, application_id, "application")
        application.withdraw(occurred_at=self._now())
        self._commit(application)

    @command
    def assign_assessor(self, application_id: UUID, assessor_id: UUID, declaration: str) -> None:
        application = self._get(Application, application_id, "application")
        assessor = self._get(Assessor, assessor_id, "assessor")
        if not assessor.active:
            raise RuleBroken("this assessor has stood down")
        if assessor.registrant_id is not None:
            if assessor.registrant_id == application.registrant_id:
                raise RuleBroken("an assessor never assesses their own application")
            registration = self._registration_of(assessor.registrant_id)
            if registration is None or registration.status != "registered" or registration.level is None:
                raise RuleBroken("an assessor who is a registrant must be currently registered")
            held, wanted = self.framework.level(registration.level), self.framework.level(application.level)
            if held.rank < wanted.rank:
                raise RuleBroken(
                    f"an assessor registered as {held.code} cannot assess an application for "
                    f"{wanted.code}: they must be registered at or above the level they assess"
                )
        application.assign_assessor(
            assessor_id,
            _text("declaration", declaration, max_length=2000),
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(application)

    @command
    def confirm_referee(self, application_id: UUID, confirmed: bool) -> None:
        application = self._get(Application, application_id, "application")
        application.confirm_referee(bool(confirmed), occurred_at=self._now())
        self._commit(application)

    @command
    def record_discussion(self, application_id: UUID, held_on: date, notes: str | None = None) -> None:
        application = self._get(Application, application_id, "application")
        if held_on > self._today():
            raise InvalidInput("held_on", "the professional discussion cannot be dated in the future")
        sealed = self._seal(application.registrant_id, "notes", _text("notes", notes, required=False) or None)
        application.record_discussion(
            held_on, list(application.assessors), sealed, self.framework.rules, occurred_at=self._now()
        )
        self._commit(application)

    @command
    def record_assessment(
        self,
        application_id: UUID,
        assessor_id: UUID,
        judgements: dict[str, str],
        recommendation: str,
        feedback: str | None = None,
    ) -> None:
        application = self._get(Application, application_id, "application")
        if not self._get(Assessor, assessor_id, "assessor").active:
            raise RuleBroken("this assessor has stood down: their assignments ended")
        if not isinstance(judgements, dict):
            raise InvalidInput("judgements", "give a judgement for each competency area")
        sealed = self._seal(application.registrant_id, "feedback", _text("feedback", feedback, required=False) or None)
        application.record_assessment(
            assessor_id,
            judgements,
            recommendation,
            sealed,
            self._required(application),
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(application)

    @command
    def request_information(self, application_id: UUID, request: str, by: str) -> None:
        application = self._get(Application, application_id, "application")
        sealed = self._seal(application.registrant_id, "request", _text("request", request))
        application.request_information(sealed, by, occurred_at=self._now())
        self._commit(application)

    @command
    def decide(self, application_id: UUID, outcome: str, reasons: str, by: str) -> str | None:
        """Decide an application. An award opens (or raises) the registration in the same save; returns its
        registration number."""
        application = self._get(Application, application_id, "application")
        reasons = _text("reasons", reasons, required=False)
        if outcome == "award":
            self._check_can_award(application)
        application.decide(
            outcome,
            self._seal(application.registrant_id, "reasons", reasons or None),
            by,
            self._today(),
            self.framework.rules,
            occurred_at=self._now(),
        )
        if outcome != "award":
            self._commit(application, *filter(None, [self._decision_letter(application, outcome, reasons, None)]))
            return None
        return self._award(application, reasons)

    @command
    def appeal(self, application_id: UUID, grounds: str) -> None:
        application = self._get(Application, application_id, "application")
        sealed = self._seal(application.registrant_id, "grounds", _text("grounds", grounds))
        application.appeal(sealed, self._today(), self.framework.rules, occurred_at=self._now())
        self._commit(application)

    @command
    def decide_appeal(
        self, application_id: UUID, upheld: bool, reasons: str, by: str, remedy: str | None = None
    ) -> str | None:
        application = self._get(Application, application_id, "application")
        if upheld and remedy == "award":
            self._check_can_award(application)
        application.decide_appeal(
            bool(upheld),
            remedy,
            self._seal(application.registrant_id, "reasons", _text("reasons", reasons, required=False) or None),
            by,
            self._today(),
            occurred_at=self._now(),
        )
        if upheld and remedy == "award":
            return self._award(application)
        self._commit(application)
        return None

    def _check_can_award(self, application: Application) -> None:
        """The registration side of an award, checked before the application records its decision."""
        registration = self._registration_of(application.registrant_id)
        if registration is None or registration.level is None:
            return
        if registration.status == "suspended":
            raise RuleBroken("a suspended registration cannot be awarded a level until the suspension is lifted")
        held, wanted = self.framework.level(registration.level), self.framework.level(application.level)
        if registration.status == "registered" and wanted.rank <= held.rank:
            raise RuleBroken(f"already registered as {held.name}: the award must be a higher level")

    def _award(self, application: Application, reasons: str = "") -> str:
        """The level is awarded: open the registration (claiming a fresh number) or raise its level."""
        today, now = self._today(), self._now()
        level = self.framework.level(application.level)
        registration = self._registration_of(application.registrant_id)
        to_save: list[Aggregate] = [application]
        if registration is None:
            number, claim_id = self._free_number()
            registration = Registration(registrant_id=application.registrant_id, number=number, occurred_at=now)
            to_save.append(RegistrationNumberClaim(number=number, registration_id=registration.id, occurred_at=now))
        current = self.framework.level(registration.level).rank if registration.level else None
        registration.award_level(
            level.code,
            level.rank,
            current,
            application.id,
            today,
            self.framework.rules,
            self.framework.version,
            occurred_at=now,
        )
        to_save.append(registration)
        letter = self._decision_letter(application, "award", reasons, registration.number)
        self._commit(*to_save, *([letter] if letter else []))
        return registration.number

    def _free_number(self) -> tuple[str, UUID]:
        while True:
            number = regnumber.format_number(self.rng.randint(1, 9_999_999))
            claim_id = RegistrationNumberClaim.id_for(number)
            if not self._exists(claim_id):
                return number, claim_id

    # -- registrations
    def _live_registration(self, registrant_id: UUID) -> Registration:
        registration = self._registration_of(registrant_id)
        if registration is None:
            raise NotFound(f"registrant {registrant_id} holds no registration")
        return registration

    @command
    def record_ppd(
        self, registrant_id: UUID, on: date, category: str, hours: float, areas: list[str], learned: str, impact: str
    ) -> UUID:
        registration = self._live_registration(registrant_id)
        if not isinstance(hours, (int, float)) or isinstance(hours, bool):
            raise InvalidInput("hours", "give the hours as a number")
        if not isinstance(areas, list):
            raise InvalidInput("areas", "give a list of competency area codes")
        activity_id = self._new_id()
        registration.record_ppd(
            activity_id,
            on,
            category,
            hours,
            areas,
            self._seal(registrant_id, "learned", _text("learned", learned)),
            self._seal(registrant_id, "impact", _text("impact", impact)),
            self._today(),
            self.framework.rules,
            {a.code for a in self.framework.areas},
            self.framework.version,
            occurred_at=self._now(),
        )
        self._commit(registration)
        return activity_id

    @command
    def submit_renewal(
        self,
        registrant_id: UUID,
        declaration: str = "I declare that my PPD record is true and "
        "complete and that I continue to practise to the standard of my level.",
    ) -> None:
        registration = self._live_registration(registrant_id)
        registration.submit_renewal(
            _text("declaration", declaration, max_length=2000),
            self._today(),
            self.framework.rules,
            self.framework.version,
            occurred_at=self._now(),
        )
        self._commit(registration)

    @command
    def renew(self, registrant_id: UUID, by: str) -> date:
        registration = self._live_registration(registrant_id)
        self._check_no_audit_blocks_renewal(registration)
        registration.renew(by, self._today(), self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)
        assert registration.valid_until is not None
        return registration.valid_until

    @command
    def lapse(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.lapse(self._today(), self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)

    @command
    def suspend(self, registrant_id: UUID, reason: str, by: str, until: date | None = None) -> None:
        registration = self._live_registration(registrant_id)
        registration.suspend(
            self._seal(registrant_id, "reason", _text("reason", reason, max_length=2000)),
            until,
            self._today(),
            by,
            occurred_at=self._now(),
        )
        self._commit(registration)

    @command
    def lift_suspension(self, registrant_id: UUID, by: str) -> None:
        registration = self._live_registration(registrant_id)
        registration.lift_suspension(self._today(), by, occurred_at=self._now())
        self._commit(registration)

    @command
    def remove(self, registrant_id: UUID, reason: str, by: str) -> None:
        registration = self._live_registration(registrant_id)
        registration.remove(
            self._seal(registrant_id, "reason", _text("reason", reason, max_length=2000)),
            self._today(),
            by,
            occurred_at=self._now(),
        )
        self._commit(registration)

    @command
    def resign(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.resign(self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def reinstate(self, registrant_id: UUID, by: str) -> date:
        registration = self._live_registration(registrant_id)
        registration.reinstate(self._today(), by, self.framework.rules, self.framework.version, occurred_at=self._now())
        self._commit(registration)
        assert registration.valid_until is not None
        return registration.valid_until

    @command
    def take_career_break(self, registrant_id: UUID, start: date, end: date) -> None:
        """A career break (up to the framework's limit, 3 years): the PPD requirement is paused for renewals whose
        period it overlaps."""
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidInput(name, "give a date (YYYY-MM-DD)")
        registration = self._live_registration(registrant_id)
        registration.take_career_break(start, end, self._today(), self.framework.rules, occurred_at=self._now())
        self._commit(registration)

    # -- the daily tick's commands (ledger/tick.py decides when)
    @command
    def send_reminder(self, registrant_id: UUID, days_before: int) -> None:
        registration = self._live_registration(registrant_id)
        registration.remind(days_before, self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def mark_overdue(self, registrant_id: UUID) -> None:
        registration = self._live_registration(registrant_id)
        registration.mark_overdue(self._today(), occurred_at=self._now())
        self._commit(registration)

    @command
    def select_for_audit(self, registrant_id: UUID, year: int, seed: str) -> UUID:
        """Selected in the year's sample: the selection and the audit, whose profile is due in the framework's
        number of days, are saved together."""
        registration = self._live_registration(registrant_id)
        registration.select_for_audit(year, seed, occurred_at=self._now())
        audit = PpdAudit(
            registration_id=registration.id,
            registrant_id=registrant_id,
            number=registration.number,
            year=year,
            seed=seed,
            profile_due=self._today() + timedelta(days=self.framework.rules.audit_profile_days),
            occurred_at=self._now(),
        )
        self._commit(registration, audit)
        return audit.id

    # -- PPD audits
    def ppd_audit(self, registrant_id: UUID, year: int) -> PpdAudit:
        registration = self._live_registration(registrant_id)
        return self._get(PpdAudit, PpdAudit.id_for(registration.id, year), f"{year} PPD audit of this registration")

    def _live_audit(self, registrant_id: UUID, year: Any) -> tuple[Registration, PpdAudit]:
        if not isinstance(year, int) or isinstance(year, bool):
            raise InvalidInput("year", "give the audit's year as a number")
        registration = self._live_registration(registrant_id)
        audit = self.ppd_audit(registrant_id, year)
        if not registration.is_live:
            raise RuleBroken(f"this registration is {registration.status}: its audit is closed")
        return registration, audit

    @command
    def submit_audit_profile(
        self,
        registrant_id: UUID,
        year: int,
        summary: str,
        statement: str,
        activities: list[Any],
        evidence: str | None = None,
    ) -> None:
        """The selected registrant's PPD profile: a summary of their practice, the recorded PPD activities it draws
        on, a statement of how they meet the audit standards, and evidence (links or descriptions)."""
        registration, audit = self._live_audit(registrant_id, year)
        if not isinstance(activities, list):
            raise InvalidInput("activities", "give a list of PPD activity ids")
        try:
            ids = [UUID(str(a)) for a in activities]
        except ValueError:
            raise InvalidInput("activities", "each activity is given by its id from your PPD record") from None
        evidence = _text("evidence", evidence, required=False)
        audit.submit_profile(
            self._seal(registrant_id, "summary", _text("summary", summary)),
            self._seal(registrant_id, "statement", _text("statement", statement)),
            self._seal(registrant_id, "evidence", evidence) if evidence else None,
            ids,
            {a["id"] for a in registration.ppd},
            self._today(),
            occurred_at=self._now(),
        )
        self._commit(audit)

    @command
    def assign_audit_assessor(self, registrant_id: UUID, year: int, assessor_id: UUID, by: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        assessor = self._get(Assessor, assessor_id, "assessor")
        if not assessor.active:
            raise RuleBroken("this assessor has stood down")
        if assessor.registrant_id == registrant_id:
            raise RuleBroken("an assessor never audits their own PPD")
        audit.assign(assessor_id, by, occurred_at=self._now())
        self._commit(audit)

    @command
    def judge_audit(
        self, registrant_id: UUID, year: int, assessor_id: UUID, judgements: dict[str, str], feedback: str | None = None
    ) -> None:
        _, audit = self._live_audit(registrant_id, year)
        feedback = _text("feedback", feedback, required=False)
        audit.judge(
            assessor_id,
            judgements,
            self._seal(registrant_id, "feedback", feedback) if feedback else None,
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(audit)

    @command
    def decide_audit(self, registrant_id: UUID, year: int, outcome: str, reasons: str, by: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        audit.decide(
            outcome,
            self._seal(registrant_id, "reasons", _text("reasons", reasons, max_length=2000, required=False) or None),
            by,
            self._today(),
            self.framework.rules,
            occurred_at=self._now(),
        )
        self._commit(audit, *filter(None, [self._audit_letter(audit, reasons)]))

    @command
    def appeal_audit(self, registrant_id: UUID, year: int, grounds: str) -> None:
        _, audit = self._live_audit(registrant_id, year)
        audit.lodge_appeal(
            self._seal(registrant_id, "grounds", _text("grounds", grounds)), self._today(), occurred_at=self._now()
        )
        self._commit(audit)

    @command
    def decide_audit_appeal(self, registrant_id: UUID, year: int, upheld: bool, reasons: str, by: str) -> None:
        """An upheld appeal accepts the audit; a dismissed one lets 'not renewed' take effect at once."""
        registration, audit = self._live_audit(registrant_id, year)
        audit.decide_appeal(
            bool(upheld),
            self._seal(registrant_id, "reasons", _text("reasons", reasons, max_length=2000, required=False) or None),
            by,
            self._today(),
            occurred_at=self._now(),
        )
        to_save: list[Aggregate] = [audit]
        if not upheld:
            audit.end(self._today(), occurred_at=self._now())
            registration.lapse_after_audit(year, self._today(), self.framework.version, occurred_at=self._now())
            to_save.append(registration)
        self._commit(*to_save, *filter(None, [self._audit_letter(audit, reasons, "appeal")]))

    @command
    def end_after_audit(self, registrant_id: UUID, year: int) -> None:
        """'Not renewed' takes effect once the appeal window has closed with no appeal: the registration lapses."""
        registration, audit = self._live_audit(registrant_id, year)
        audit.end(self._today(), occurred_at=self._now())
        registration.lapse_after_audit(year, self._today(), self.framework.version, occurred_at=self._now())
        self._commit(audit, registration, *filter(None, [self._audit_letter(audit, "", "ended")]))

    def _check_no_audit_blocks_renewal(self, registration: Registration) -> None:
        for selection in registration.audits:
            audit = self._get(PpdAudit, PpdAudit.id_for(registration.id, selection["year"]), "PPD audit")
            if audit.blocks_renewal:
                raise RuleBroken(
                    f"the {audit.year} PPD audit was decided 'not renewed'"
                    + (
                        ": the appeal is being heard"
                        if audit.appeal == "pending"
                        else f"; it takes effect after {audit.appeal_by} unless appealed"
                    )
                )

    def _audit_letter(self, audit: PpdAudit, reasons: str, about: str = "decision") -> Mail | None:
        """What the registrant is told at each turn of an audit (``about``: decision, appeal, ended): the decision
        with the assessor's judgement of each standard and their feedback, the appeal's result, the lapse."""
        rules = self.framework.rules
        outcome = OUTCOME_NAMES[audit.outcome or ACCEPTED].lower()
        if about == "ended":
            subject = "Your registration has lapsed after its PPD audit"
            lines = [
                f"The 'not renewed' outcome of the {audit.year} audit of your PPD record has taken effect: "
                f"registration {audit.number} has lapsed. You can be reinstated within 12 months with the PPD "
                "you missed."
            ]
        elif about == "appeal":
            subject = f"Your appeal about the {audit.year} PPD audit: {audit.appeal}"
            lines = [
                f"Your appeal was {audit.appeal}. "
                + (
                    "Your audit is accepted."
                    if audit.appeal == "upheld"
                    else f"The audit outcome stands: registration {audit.number} has lapsed. "
                    "You can be reinstated within 12 months with the PPD you missed."
                )
            ]
        else:
            subject = f"Your {audit.year} PPD audit: {outcome}"
            lines = [f"The audit of your PPD record for registration {audit.number} has been decided: {outcome}."]
            if audit.outcome == DEFERRED:
                lines.append(f"Please send an improved PPD profile by {audit.profile_due}.")
            if audit.outcome == NOT_RENEWED:
                lines.append(
                    f"You may appeal until {audit.appeal_by}. Your registration stays as it is until then "
                    "and while an appeal is heard; otherwise it lapses."
                )
        if reasons:
            lines.append(f"Reasons: {reasons}")
        if audit.judgements and audit.ended_on is None:
            lines.append(
                "The assessor's judgement: "
                + "; ".join(
                    f"{rules.audit_standard_names.get(s, s)}: {rules.judgement_names.get(j, j)}"
                    for s, j in audit.judgements.items()
                )
                + "."
            )
            lines.append(self.vault.open(audit.feedback) or "No written feedback.")
        return self._letter(audit.registrant_id, "audit letter", audit, subject, "\n\n".join(lines))

    # -- letters
    def queue_letter(self, registrant_id: UUID, kind: str, cause: Aggregate, subject: str, text: str) -> Mail | None:
        """A letter to the registrant, called for by ``cause`` (an aggregate whose latest event is the cause),
        committed now (inside a batch: with the batch, in the same transaction). None if the cause has already
        queued one, or the registrant's personal data was erased."""
        mail = self._letter(registrant_id, kind, cause, subject, text)
        if mail is not None:
            self._commit(mail)
        return mail

    def _letter(self, registrant_id: UUID, kind: str, cause: Aggregate, subject: str, text: str) -> Mail | None:
        """The letter, not yet committed: the caller saves it with its cause."""
        mail_id = Mail.id_for(cause.id, cause.version, kind)
        registrant = self._get(Registrant, registrant_id, "registrant")
        if registrant.erased or self._exists(mail_id):
            return None
        try:
            name = self.vault.open(registrant.name) or "registrant"
            to = self.vault.seal(registrant_id, self.vault.open(registrant.email))
            body = self.vault.seal(registrant_id, f"Dear {name},\n\n{text}\n\n{self.settings.issuer_name}\n")
        except Shredded:
            return None
        return Mail(
            id=mail_id,
            registrant_id=registrant_id,
            kind=kind,
            to=to,
            subject=subject,
            body=body,
            occurred_at=self._now(),
        )

    def _decision_letter(self, application: Application, outcome: str, reasons: str, number: str | None) -> Mail | None:
        """The decision, with the assessors' feedback area by area; for an award, the registration number and
        where the credential is."""
        level = self.framework.level(application.level)
        words = {"award": "awarded", "defer": "deferred: you may resubmit", "reject": "not successful"}
        lines = [
            f"Your application for {level.name} ({level.post_nominal}) has been decided: {words.get(outcome, outcome)}."
        ]
        if reasons:
            lines.append(f"Reasons: {reasons}")
        if number:
            url = self.settings.issuer_url.rstrip("/")
            lines.append(
                f"Your registration number is {number}. Your credential, its QR badge and the link to "
                f"share it are at {url}/r/{number} (and in your account); anyone can check it at {url}/v."
            )
        for i, assessment in enumerate(application.assessments.values(), 1):
            judged = ", ".join(
                f"{area} {self.framework.rules.judgement_names.get(j, j)}"
                for area, j in sorted(assessment["judgements"].items())
            )
            feedback = self.vault.open(assessment.get("feedback")) or "no written feedback"
            lines.append(f"Assessor {i} ({assessment['recommendation']}): {judged}. {feedback}")
        kind = "award letter" if number else "decision letter"
        return self._letter(
            application.registrant_id,
            kind,
            application,
            f"Your application for {level.post_nominal}: {words.get(outcome, outcome).split(':')[0]}",
            "\n\n".join(lines),
        )

    # -- aggregate queries
    def registrant(self, registrant_id: UUID) -> Registrant:
        return self._get(Registrant, registrant_id, "registrant")

    def application(self, application_id: UUID) -> Application:
        return self._get(Application, application_id, "application")

    def assessor(self, assessor_id: UUID) -> Assessor:
        return self._get(Assessor, assessor_id, "assessor")

    def registration(self, registrant_id: UUID) -> Registration:
        return self._live_registration(registrant_id)

    def registrant_by_number(self, number: str) -> UUID:
        """The registrant holding a registration number (typed by a person: the check digits are checked)."""
        try:
            canonical = regnumber.parse_number(number)
        except regnumber.InvalidRegistrationNumber as error:
            raise InvalidInput("registration_number", str(error)) from None
        try:
            claim = self._get(RegistrationNumberClaim, RegistrationNumberClaim.id_for(canonical), "registration")
        except NotFound:
            raise NotFound(f"no registration numbered {canonical}") from None
        return self._get(Registration, claim.registration_id, "registration").registrant_id

    def resolve_registrant(self, number_or_id: str) -> UUID:
        """A registrant from a registration number or a registrant id, as typed on the command line."""
        if regnumber.looks_like_number(number_or_id):
            return self.registrant_by_number(number_or_id)
        try:
            registrant_id = UUID(number_or_id.strip())
        except ValueError:
            raise InvalidInput("registrant", f"{number_or_id!r} is neither a registration number nor an id") from None
        self._get(Registrant, registrant_id, "registrant")
        return registrant_id
