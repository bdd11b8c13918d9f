"""One database per register: the event store (the eventsourcing library's own sqlite or postgres module) and the
read models (SQLAlchemy tables) live in the same database, named by ``REGLEDGER_DATABASE_URL``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData()

SQLITE_BUSY_TIMEOUT_SECONDS = 30
SCHEMA_LOCK = 0x7265676C  # the PostgreSQL advisory lock held while a Ledger makes or checks its tables ("regl")


def event_store_env(database_url: str, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing library's environment for this database."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": str(SQLITE_BUSY_TIMEOUT_SECONDS),
        }
    if database_url.startswith(("postgresql", "postgres")):
        parts = urlsplit(database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(2 * pool_size),
        }
    raise ValueError(
        f"unsupported database URL {database_url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db"
    )


def sqlalchemy_url(database_url: str) -> str:
    if database_url.startswith("postgres://"):
        return "postgresql+psycopg://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        return "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return database_url


def make_engine(database_url: str, pool_size: int = 5) -> Engine:
    url = sqlalchemy_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA secure_delete=ON")  # erased data is overwritten, not left in free pages
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=2 * pool_size)


TABLE_MODULES = (
    "ledger.app.vault",
    "ledger.app.holder_keys",
    "ledger.read.projections",
    "ledger.processes.keyring",
    "ledger.app.accounts",
    "ledger.processes.transparency_log",
    "ledger.read.parking",
    "ledger.processes.published",
    "ledger.processes.workers",
    "ledger.processes.webhooks",
)
"""Every module that defines tables: imported before the tables are made, so none is missed."""


def create_tables(engine: Engine) -> None:
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)
    metadata.create_all(engine)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one starting Ledger at a time makes or checks the tables. Two at once (service workers
    starting together) fail: SQLAlchemy's ``create_all`` races on a fresh database ("duplicate key ... pg_type"), and
    the eventsourcing library's ``CREATE OR REPLACE FUNCTION``, run by every start, says "tuple concurrently
    updated". SQLite serialises schema changes itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")
            conn.commit()


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a duty's name."""
    return int.from_bytes(hashlib.sha256(f"regledger:{name}".encode()).digest()[:8], "big", signed=True)


def upsert(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE, in this database's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    values = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    if not values:  # a table of keys alone: the row is there, or now it is
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=values)
