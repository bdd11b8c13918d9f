"""Who does each singleton duty: a lease that one process holds at a time, released by the operating system or
the database the moment its holder dies (Marten's hot-cold async daemon elects its leader the same way).

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of the lease's own, outside
  the pools. The server drops it as soon as that connection closes (a killed process's socket closes at once), so
  a standby worker that keeps trying takes over within a second or two.
- SQLite: an exclusive ``flock`` on a file beside the database (``<db>.<duty>.lock``). The kernel drops it when the
  process dies; two leases in one process exclude each other too (each opens the file anew).

A lease is only about who *leads* a duty. The followers' own writes are safe without it (the read models check
their positions inside their transaction, credential ids are derived, log indexes are unique), so a one-off
``regledger worker --once`` or a CLI command may run beside a leader without harm.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from ledger.app.db import lock_key
from ledger.settings import Settings

CHECK_SECONDS = 2.0  # how often a holder makes sure it still holds its lease (a database restart drops it)


class Leases:
    """The leases one worker holds or competes for. On PostgreSQL they share one connection of their own (advisory
    locks are per session); on SQLite each is a locked file."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()  # the worker's threads share the connection
        self._conn: Any = None
        self._held: set[str] = set()
        self._files: dict[str, int] = {}
        self._checked = 0.0

    def holds(self, name: str) -> bool:
        return name in self._held

    @property
    def held(self) -> set[str]:
        return set(self._held)

    def acquire(self, name: str) -> bool:
        """Take the lease ``name`` if nobody holds it; True if this worker holds it now (a holder keeps it, as long
        as its connection lives)."""
        with self._lock:
            if self.settings.is_sqlite:
                return self._acquire_file(name)
            if not self._alive():
                return False
            if name in self._held:
                return True
            try:
                got = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()[0]
            except Exception:  # noqa: BLE001 - the connection broke: every lease went with it
                self._drop()
                return False
            if got:
                self._held.add(name)
            return bool(got)

    def _alive(self) -> bool:
        """The lease connection answers (checked every few seconds); if it was lost, so were the leases, and a
        new connection starts with none."""
        import psycopg

        if self._conn is not None and time.monotonic() - self._checked < CHECK_SECONDS:
            return True
        if self._conn is not None:
            try:
                self._conn.execute("SELECT 1")
                self._checked = time.monotonic()
                return True
            except Exception:  # noqa: BLE001
                self._drop()
        try:
            self._conn = psycopg.connect(
                self.settings.database_url,
                autocommit=True,
                connect_timeout=5,
                application_name="regledger worker leases",
            )
        except psycopg.Error:
            return False
        self._checked = time.monotonic()
        return True

    def _drop(self) -> None:
        # Let go of every lease before closing: closing the session releases its advisory locks too, but only once
        # the server has ended the session, a moment after the client returns (another worker asking at once
        # would still find the lease held).
        with contextlib.suppress(Exception):
            self._conn.execute("SELECT pg_advisory_unlock_all()")
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None
        self._held.clear()

    def _acquire_file(self, name: str) -> bool:
        if name in self._held:
            return True
        path = Path(f"{self.settings.sqlite_path}.{name}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._files[name] = fd
        self._held.add(name)
        return True

    def release_all(self) -> None:
        with self._lock:
            for fd in self._files.values():
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            self._files.clear()
            if self._conn is not None:
                self._drop()
            self._held.clear()
