"""A small register on SQLite with real credentials from the ledger, and what a verifier gets from it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from ledger.domain.clock import SettableClock
from ledger.processes.issuance import CredentialIssuer
from ledger.processes.publication import Publisher
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.sharing import current_credential
from tests.builders.records import awarded
from verifier import load_trust

ISSUER = "https://register.creativetechnicians.org.uk"


START = datetime(2026, 3, 2, 9, tzinfo=UTC)


class Register:
    """A small register on SQLite with a helper to publish and read what a verifier gets."""

    def __init__(self, tmp_path):
        from ledger.app.ledger import Ledger
        from ledger.settings import Settings
        from tests.conftest import MASTER_KEY

        self.clock = SettableClock(START)
        self.ledger = Ledger(
            Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, issuer_url=ISSUER),
            clock=self.clock,
            rng=random.Random(5),
        )
        self.people = {name: awarded(self.ledger, name) for name in ("Valid Val", "Sus Pended", "Rem Oved")}

    def credential(self, name):
        CredentialIssuer(self.ledger).catch_up()
        ProjectionRunner(self.ledger).catch_up()
        return current_credential(self.ledger, self.people[name][1])

    def bundle(self):
        CredentialIssuer(self.ledger).catch_up()
        ProjectionRunner(self.ledger).catch_up()
        publisher = Publisher(self.ledger)
        return publisher.trust_bundle(), publisher.root_jwk()

    def trust(self):
        bundle, root = self.bundle()
        return load_trust(bundle, root=root, at=self.clock.now())
