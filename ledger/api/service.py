"""What a web process holds while it runs: the Ledger, the accounts, the rate limiter and what it remembers of the
read models; and the one way a request writes.

A web process runs no follower. A write saves its events and then waits, bounded, until the read models (and the
credentials and published status lists the write may call for) show them: a worker does that work (``regledger
worker``, or the one ``regledger serve`` starts in-process on the embedded default). A worker that is behind gives
``Behind``, which the API answers 202 with ``Retry-After``: the write was made; its effects are not visible yet.

What a web process remembers is keyed by the read models' generation, read from the database (the projections'
position), so a change made by any process (another web worker, a worker, the CLI) ends it within a second.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from ledger.api.problems import Problem
from ledger.api.security import RateLimiter
from ledger.app.accounts import Account, Accounts
from ledger.app.ledger import Ledger
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from ledger.processes.published import TRUST_BUNDLE, Published, latest
from ledger.processes.transparency_log import TransparencyLog
from ledger.settings import Settings

MAX_IDEMPOTENCY_KEY = 200
ANSWERS_KEPT = 5000
GENERATION_SECONDS = 0.5  # how long a process trusts the generation it last read
PUBLISHED_SECONDS = 1.0  # and the published documents it last read
T = TypeVar("T")


def request_digest(secret: bytes, body: Any) -> str:
    """What a request asked for, as an HMAC-SHA-256 hex digest under a key derived from the master key: the same
    body always gives the same digest, and a digest kept in a receipt cannot be tested against guessed names or
    emails by anyone without the key."""
    return hmac.new(secret, json.dumps(body, sort_keys=True, default=str).encode(), hashlib.sha256).hexdigest()


class Behind(Problem):
    """The write was recorded, but the worker has not brought the read models up to it within the wait."""

    def __init__(self, position: int, retry_after: int = 2) -> None:
        super().__init__(
            202,
            "Your change is recorded. The register is still catching up with it, so it may not "
            f"show yet: look again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
            position=position,
        )


class Service:
    def __init__(self, ledger: Ledger, worker: Any = None) -> None:
        self.ledger = ledger
        self.settings: Settings = ledger.settings
        self.worker = worker  # the in-process worker on the embedded default (``ledger.processes.worker``)
        self.keyring = Keyring(ledger)
        self.publisher = Publisher(ledger, self.keyring)
        self.log = TransparencyLog(ledger, self.keyring)
        self.accounts = Accounts(ledger.engine)
        self.limiter = RateLimiter()
        self._generation = (float("-inf"), 0)  # (when read, value)
        self._published: dict[str, tuple[float, Published | None]] = {}
        self._trust: tuple[str, Any] | None = None  # the bundle and the verifier's reading of it
        self._answers: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._stopping = threading.Event()
        self._generation_thread: threading.Thread | None = None

    # -- writes
    def write(self, account: Account, idempotency_key: str | None, request_body: Any, action: Callable[[], T]) -> T:
        """Run a command for ``account``; with an ``Idempotency-Key``, a retried request gets the first answer
        instead of acting twice, however the first attempt ended (the key's receipt is saved with the command's
        events: see ``Ledger.once``). Returns the answer once the read models show the write (a retry's is the first
        answer as JSON data: give actions answers that JSON keeps as they are)."""
        self.ledger.forget_thread_position()
        if idempotency_key is None:
            result = action()
        else:
            if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY or not idempotency_key.isprintable():
                raise Problem(422, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters")
            digest = request_digest(self.ledger.receipt_secret, request_body)
            result, acted = self.ledger.once(f"{account.id}:{idempotency_key}", digest, action)
        position = self.ledger.thread_position() or (
            0 if idempotency_key is None else self.ledger.recorder.max_notification_id() or 0
        )
        self.await_position(position)
        return result

    def await_position(self, position: int) -> None:
        """Wait until the read models show the event at ``position`` and what the worker does because of it (a
        credential issued, the status lists published again); ``Behind`` after the bounded wait."""
        if position <= 0:
            return
        from ledger.processes.issuance import POSITION as ISSUER
        from ledger.processes.worker import PUBLISHER, positions
        from ledger.read.projections import ALL_PROJECTIONS

        if self.worker is not None:
            self.worker.wake.set()
        names = [p.name for p in ALL_PROJECTIONS]
        deadline = time.monotonic() + self.settings.write_wait_seconds
        pause = 0.002
        target, stage = position, 1
        while True:
            found = positions(self.ledger, [ISSUER, PUBLISHER, *names])
            read_models = min(found[name] for name in names)
            if stage == 1 and found[ISSUER] >= target and read_models >= target:
                # what the issuer recorded because of the write: its credentials reach the read models too
                target, stage = max(self.ledger.recorder.max_notification_id() or 0, position), 2
                continue
            if stage == 2 and read_models >= target and found[PUBLISHER] >= target:
                self._generation = (float("-inf"), 0)
                self._published.clear()
                return
            if time.monotonic() >= deadline:
                raise Behind(position)
            if self.worker is not None:
                self.worker.wake.set()
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    # -- what pages remember
    def generation(self) -> int:
        """The read models' generation (their position, read from the database at most every half second; by a
        thread of its own while the service runs, so that no request waits for it): what was read from them at an
        older generation is stale."""
        read_at, value = self._generation
        if time.monotonic() - read_at >= GENERATION_SECONDS:
            value = self._read_generation()
        return value

    def _read_generation(self) -> int:
        from ledger.read.projections import ALL_PROJECTIONS
        from ledger.read.projections.runner import read_positions

        now = time.monotonic()
        with self.ledger.engine.connect() as conn:
            value = min(read_positions(conn, (p.name for p in ALL_PROJECTIONS)).values())
        self._generation = (now, value)
        return value

    def start(self) -> None:
        """While the service runs, a thread reads the generation a few times a second."""
        self._stopping.clear()

        def follow() -> None:
            while not self._stopping.wait(GENERATION_SECONDS / 2):
                try:
                    self._read_generation()
                except Exception:  # noqa: BLE001 - the database is away: requests read it themselves meanwhile
                    continue

        self._generation_thread = threading.Thread(target=follow, name="read-model generation", daemon=True)
        self._generation_thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._generation_thread is not None:
            self._generation_thread.join(5)
            self._generation_thread = None

    def recall(self, key: Any) -> Any:
        """A remembered read of the read models, if they have not changed since; else None."""
        generation = self.generation()
        with self._answers_lock:
            found = self._answers.get(key)
            if found is None or found[0] != generation:
                return None
            self._answers.move_to_end(key)
            return found[1]

    def remember(self, key: Any, generation: int, value: Any) -> Any:
        """Keep ``value``, read at ``generation`` (taken before reading), and return it."""
        with self._answers_lock:
            self._answers[key] = (generation, value)
            self._answers.move_to_end(key)
            while len(self._answers) > ANSWERS_KEPT:
                self._answers.popitem(last=False)
        return value

    # -- what verifiers fetch: the last good copies the worker published
    def published(self, name: str) -> Published:
        read_at, found = self._published.get(name, (float("-inf"), None))
        now = time.monotonic()
        if found is None or now - read_at >= PUBLISHED_SECONDS:
            found = latest(self.ledger.engine, name)
            self._published[name] = (now, found)
        if found is None:
            raise Problem(
                503,
                "The register has not published this yet: its worker publishes it within seconds of "
                "starting. Try again shortly.",
                headers={"Retry-After": "5"},
            )
        return found

    def status_list(self, purpose: str) -> tuple[str, int]:
        """The signed status list for ``purpose`` and the seconds it stays valid (0 once it has expired: the worker
        is behind, and verifiers judge its age themselves)."""
        found = self.published(f"status/{purpose}")
        return found.body, found.seconds_left(self.ledger.clock.now())

    def trust_bundle(self) -> str:
        return self.published(TRUST_BUNDLE).body

    def trust(self) -> Any:
        """The trust bundle as the verifier reads it (for the VC API's verify)."""
        from verifier import load_trust

        bundle = self.trust_bundle()
        if self._trust is None or self._trust[0] != bundle:
            self._trust = (bundle, load_trust(bundle, root=self.publisher.root_jwk()))
        return self._trust[1]
