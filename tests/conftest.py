"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL tests use a database created for this test run (and dropped after it) on the server named by
``REGLEDGER_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/test``, whose server is used only to
create the run's own database). Where no server answers, they skip and say why; ``.ci/run`` sets
``REGLEDGER_TEST_REQUIRE=postgres,shared,chromium`` so that a skip there is a failure.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.domain.clock import SettableClock
from ledger.settings import Settings

# Fixtures from tests/builders/ that modules in more than one folder use (a module's own fixture of that name wins).
pytest_plugins = ["tests.builders.site"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ADMIN_URL = os.environ.get("REGLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRED = {part.strip() for part in os.environ.get("REGLEDGER_TEST_REQUIRE", "").split(",") if part.strip()}
MASTER_KEY = base64.b64encode(b"k" * 32).decode()


def unavailable(part: str, reason: str) -> None:
    """Skip with a reason, or fail where the run requires this part."""
    if part in REQUIRED:
        pytest.fail(f"{part} is required for this run (REGLEDGER_TEST_REQUIRE) but {reason}")
    pytest.skip(reason)


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        unavailable("shared", f"../shared/{relative} is not here (a clone without the standards data)")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server; dropped at the end of the run."""
    try:
        import psycopg
    except ImportError:
        unavailable("postgres", "psycopg is not installed (pip install -e '.[test]')")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001
        unavailable("postgres", f"no PostgreSQL server at {ADMIN_URL}: {error}".strip())
    name = f"regledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'regledger.db'}"
    url = request.getfixturevalue("postgres_server")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, master_key=MASTER_KEY)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(date(2026, 1, 5))


@pytest.fixture
def make_ledger(settings: Settings, clock: SettableClock) -> Iterator[Callable[..., Any]]:
    from ledger.app.ledger import Ledger

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("clock", clock)
        ledger = Ledger(kwargs.pop("settings", settings), **kwargs)
        made.append(ledger)
        return ledger

    yield make
    for ledger in made:
        ledger.close()


@pytest.fixture
def ledger(make_ledger: Callable[..., Any]) -> Any:
    return make_ledger()


LONG_STORIES_ON_POSTGRES = frozenset(
    {
        "tests/stories/test_demo.py::test_a_three_year_demo_has_every_kind_of_event_and_breaks_no_rule[postgres]",
        "tests/stories/test_years.py::test_five_people_over_three_years[postgres]",
        "tests/integration/test_cli.py::test_demo_register_rebuild_and_erase[postgres]",
        "tests/integration/test_backup.py::test_round_trip_gives_the_same_log_root_and_register_digest[postgres-postgres]",
        "tests/integration/test_backup.py::test_restore_into_a_register_that_holds_something_is_refused_unless_replaced[postgres]",
        "tests/reliability/test_projection_kill.py::test_sigkill_at_random_points_then_resume[postgres]",
        "tests/reliability/test_reliability_workers.py::test_workers_killed_at_random_lose_nothing_and_do_nothing_twice[postgres]",
        "tests/integration/test_tick.py::test_a_tick_after_a_gap_of_years_carries_on_from_the_last_closed_day[postgres]",
    }
)
"""The PostgreSQL form of the longest stories and kill runs (10 to 35 seconds each): their SQLite form runs by
default, every other database test runs on PostgreSQL too (the backup round trips across the two databases among
them), and these run with ``pytest -m slow``, so the suite stays near twelve minutes on two cores."""

HEAVY_FIRST = (
    "tests/stories/test_browser_newcomer.py",
    "tests/integration/test_backup.py",
    "tests/reliability/test_reliability_workers.py",
    "tests/integration/test_cli.py",
    "tests/api/test_browser_accounts.py",
    "tests/api/test_browser_casework_queues.py",
    "tests/api/test_browser_me_pages.py",
    "tests/api/test_casework_organisations.py",
    "tests/reliability/test_projection_kill.py",
    "tests/integration/test_tick.py",
    "tests/stories/test_demo.py",
    "tests/integration/test_assessor_consistency.py",
    "tests/stories/test_browser_journey.py",
    "tests/reliability/test_topology.py",
    "tests/api/test_browser_analytics.py",
)
"""The modules that take longest, handed to the two workers first (each worker takes whole modules): a long module
started last would leave one worker running alone for minutes at the end."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid in LONG_STORIES_ON_POSTGRES:
            item.add_marker(pytest.mark.slow)
    rank = {path: i for i, path in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
