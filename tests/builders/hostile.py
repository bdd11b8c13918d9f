"""The services the hostile-input tests (tests/reliability/test_reliability_hostile*.py) are at: ``world``, one
schemathesis has been at, with an awarded application and an accepted audit; ``fresh``, one it has not (both
module-scoped, imported as ``world_fixture`` and ``fresh_fixture``); and a service at an issuer URL of a test's
choosing (``service_at``)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders.actors import Actors


@pytest.fixture(scope="module", name="world")
def world_fixture(tmp_path_factory):
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path_factory.mktemp("hostile") / "r.db"
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{path}",
            master_key=MASTER_KEY,
            rate_login_per_minute=100_000,
            rate_public_per_minute=100_000,
        ),
        clock=SettableClock(date(2026, 1, 5)),
    )
    actors = Actors(ledger)
    actors.application, actors.number = actors.awarded_application()
    actors.accepted_audit(2026)
    yield actors
    actors.close()
    ledger.close()


@pytest.fixture(scope="module", name="fresh")
def fresh_fixture(tmp_path_factory):
    """A service that schemathesis has not been at (its fuzzed key rotations change what is published)."""
    actors = service_at(
        tmp_path_factory.mktemp("fresh"), "http://127.0.0.1:8000", trusted_proxies="testclient"
    )  # as if behind a TLS-terminating proxy
    actors.awarded_application()
    yield actors
    actors.close()
    actors.ledger.close()


def service_at(tmp_path, issuer_url: str, trusted_proxies: str = ""):
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}",
            master_key=MASTER_KEY,
            issuer_url=issuer_url,
            trusted_proxies=trusted_proxies,
        ),
        clock=SettableClock(date(2026, 1, 5)),
    )
    return Actors(ledger)
