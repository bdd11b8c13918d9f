"""What every projection shares: a position in ``projection_positions``, and buffered row writes.

A projection applies a batch of events to rows it keeps in memory for the batch (fetched in bulk when first
needed), then the runner writes the changed rows and the new position in one transaction. A crash mid-batch
rolls back both, so no event is applied twice or skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Column, Connection, Integer, String, Table, delete, select

from ledger.app.db import metadata, upsert

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

FETCH_CHUNK = 500


def position_of(engine: Any, name: str) -> int:
    """How far the follower ``name`` has read the event log (0 before its first event)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(projection_positions.c.position).where(projection_positions.c.name == name)
        ).scalar()
    return found or 0


def advance_position(engine: Any, name: str, position: int) -> None:
    """Move the follower ``name`` forward to ``position``, never back: two may overlap during a hand-over."""
    with engine.begin() as conn:
        current = (
            conn.execute(select(projection_positions.c.position).where(projection_positions.c.name == name)).scalar()
            or 0
        )
        if position > current:
            conn.execute(upsert(conn, projection_positions), [{"name": name, "position": position}])


class Rows:
    """The rows of one table touched by a batch, keyed by the table's single-column primary key."""

    def __init__(self, table: Table) -> None:
        self.table = table
        (self.key_column,) = table.primary_key.columns
        self.key = self.key_column.name
        self.rows: dict[Any, dict[str, Any] | None] = {}  # None: known to be absent
        self.dirty: set[Any] = set()
        self.deleted: set[Any] = set()
        self._wanted: set[Any] = set()

    def want(self, keys: Iterable[Any]) -> None:
        self._wanted.update(k for k in keys if k not in self.rows)

    def fetch(self, conn: Connection) -> None:
        wanted = [k for k in self._wanted if k not in self.rows]
        self._wanted.clear()
        for start in range(0, len(wanted), FETCH_CHUNK):
            chunk = wanted[start : start + FETCH_CHUNK]
            for row in conn.execute(select(self.table).where(self.key_column.in_(chunk))).mappings():
                self.rows[row[self.key]] = dict(row)
            for key in chunk:
                self.rows.setdefault(key, None)

    def get(self, key: Any, conn: Connection) -> dict[str, Any] | None:
        if key not in self.rows:
            self.want([key])
            self.fetch(conn)
        return self.rows[key]

    def put(self, row: dict[str, Any]) -> dict[str, Any]:
        key = row[self.key]
        self.rows[key] = row
        self.dirty.add(key)
        self.deleted.discard(key)
        return row

    def update(self, key: Any, conn: Connection, **values: Any) -> dict[str, Any] | None:
        row = self.get(key, conn)
        if row is not None:
            row.update(values)
            self.dirty.add(key)
        return row

    def delete(self, key: Any) -> None:
        self.rows[key] = None
        self.dirty.discard(key)
        self.deleted.add(key)

    def flush(self, conn: Connection) -> None:
        if self.deleted:
            keys = list(self.deleted)
            for start in range(0, len(keys), FETCH_CHUNK):
                conn.execute(delete(self.table).where(self.key_column.in_(keys[start : start + FETCH_CHUNK])))
        if self.dirty:
            columns = [c.name for c in self.table.columns]
            rows = [{c: row.get(c) for c in columns} for k in self.dirty if (row := self.rows[k]) is not None]
            conn.execute(upsert(conn, self.table), rows)
        self.dirty.clear()
        self.deleted.clear()
        self.rows.clear()


def key(value: UUID) -> str:
    """How a UUID is kept in read-model tables."""
    return value.hex


Handler = Callable[[Any, Any], None]


class Projection:
    """A read model. Subclasses name their tables and map event classes to handler methods."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    #: event class -> name of the method that applies it
    handlers: ClassVar[dict[type, str]]

    def __init__(self, vault: Any) -> None:
        self.vault = vault
        self.rows = {table.name: Rows(table) for table in self.tables if len(table.primary_key.columns) == 1}
        self.conn: Connection | None = None
        self._dispatch: dict[type, Callable[[Any], None]] = {
            cls: getattr(self, method) for cls, method in self.handlers.items()
        }

    def handles(self, event: Any) -> bool:
        return type(event) in self._dispatch

    def prefetch(self, events: list[Any]) -> None:
        """Say which rows the batch will touch, so they are fetched in bulk (override for better hints)."""

    def apply(self, event: Any) -> None:
        self._dispatch[type(event)](event)

    def begin(self, conn: Connection) -> None:
        self.conn = conn
        for rows in self.rows.values():
            rows.fetch(conn)

    def flush(self) -> None:
        assert self.conn is not None
        for rows in self.rows.values():
            rows.flush(self.conn)
        self.conn = None

    def discard(self) -> None:
        for rows in self.rows.values():
            rows.rows.clear()
            rows.dirty.clear()
            rows.deleted.clear()
        self.conn = None

    # helpers for handlers
    def get(self, table: str, key_value: Any) -> dict[str, Any] | None:
        assert self.conn is not None
        return self.rows[table].get(key_value, self.conn)

    def put(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].put(row)

    def update(self, table: str, key_value: Any, **values: Any) -> dict[str, Any] | None:
        assert self.conn is not None
        return self.rows[table].update(key_value, self.conn, **values)
