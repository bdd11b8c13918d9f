"""What the web service holds while it runs: the Ledger, the read-model runner, the credential issuer, the
publisher, the accounts and the rate limiter; and the one way a request writes."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger.accounts import Account, Accounts
from ledger.api.problems import Problem
from ledger.api.security import RateLimiter
from ledger.commands import Ledger
from ledger.issuance import CredentialIssuer
from ledger.projections.runner import ProjectionRunner
from ledger.publication import Publisher
from ledger.settings import Settings

MAX_IDEMPOTENCY_KEY = 200
ANSWERS_KEPT = 5000


def request_digest(body: Any) -> str:
    """What a request asked for, as a SHA-256 hex digest: the same body always gives the same digest."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class Service:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.settings: Settings = ledger.settings
        self.runner = ProjectionRunner(ledger)
        self.issuer = CredentialIssuer(ledger)
        self.publisher = Publisher(ledger, self.issuer.keyring)
        self.accounts = Accounts(ledger.engine)
        from ledger.audit import TransparencyLog

        self.log = TransparencyLog(ledger, self.issuer.keyring)
        self.limiter = RateLimiter()
        self._sync_lock = threading.Lock()
        self._published: dict[str, tuple[datetime, str]] = {}
        self._publish_lock = threading.Lock()
        self.bundle_stale = False
        self._bundle: tuple[float, str] | None = None  # (made, monotonic time) and the signed bundle
        self._trust: tuple[str, Any] | None = None  # the bundle and the verifier's reading of it
        self._answers: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._answers_lock = threading.Lock()

    # -- reads and writes
    def sync(self) -> None:
        """Bring credentials and read models up to what has been written: a write answers only after this."""
        with self._sync_lock:
            self.issuer.catch_up()
            self.runner.catch_up()
            self.log.catch_up()  # the transparency log records each event's hash as it arrives

    def write(self, account: Account, idempotency_key: str | None, request_body: Any,
              action: Callable[[], Any]) -> Any:
        """Run a command for ``account``; with an ``Idempotency-Key``, a retried request gets the first answer
        instead of acting twice, however the first attempt ended (the key's receipt is saved with the command's
        events: see ``Ledger.once``). Returns the answer (JSON data)."""
        if idempotency_key is None:
            result = action()
        else:
            if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY or not idempotency_key.isprintable():
                raise Problem(422, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters")
            result, _ = self.ledger.once(f"{account.id}:{idempotency_key}", request_digest(request_body), action)
        self.sync()  # a write (or the first answer, again) is given once the read models show it
        self.forget_published()
        return result

    def recall(self, key: Any) -> Any:
        """A remembered read of the read models, if they have not changed since (the runner's generation); else
        None. The public register is read far more often than it changes. Writes from other processes reach the
        read models (and so end what is remembered) through the runner's follower."""
        with self._answers_lock:
            found = self._answers.get(key)
            if found is None or found[0] != self.runner.generation:
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

    # -- what verifiers fetch
    def status_list(self, purpose: str) -> tuple[str, int]:
        """The signed status list for ``purpose`` and the seconds it stays valid; republished when it expires."""
        from ledger.publication import STATUS_LIST_LIFETIME

        now = self.ledger.clock.now()
        with self._publish_lock:
            made = self._published.get(purpose)
            if made is None or (now - made[0]) >= STATUS_LIST_LIFETIME:
                self.sync()
                lists = self.publisher.status_list_credentials(now)
                for name, token in lists.items():
                    self._published[name] = (now, token)
                made = self._published[purpose]
        remaining = STATUS_LIST_LIFETIME - (now - made[0])
        return made[1], max(0, int(remaining.total_seconds()))

    def trust_bundle(self, max_age: float) -> str:
        """The signed trust bundle, made again when older than ``max_age`` seconds or after a status change."""
        with self._publish_lock:
            if self._bundle is None or time.monotonic() - self._bundle[0] > max_age or self.bundle_stale:
                self.sync()
                self._bundle = (time.monotonic(), self.publisher.trust_bundle())
                self.bundle_stale = False
            return self._bundle[1]

    def trust(self, max_age: float) -> Any:
        """The trust bundle as the verifier reads it (for the VC API's verify)."""
        from verifier import load_trust

        bundle = self.trust_bundle(max_age)
        if self._trust is None or self._trust[0] != bundle:
            self._trust = (bundle, load_trust(bundle, root=self.publisher.root_jwk()))
        return self._trust[1]

    def forget_published(self) -> None:
        """After a status change, publish fresh lists on the next request."""
        with self._publish_lock:
            self._published.clear()
            self.bundle_stale = True
