"""The one settings object. Nothing else in regledger reads the environment.

Every setting comes from an environment variable with the ``REGLEDGER_`` prefix:

- ``REGLEDGER_DATABASE_URL``: ``sqlite:///var/regledger.db`` (the embedded default) or a ``postgresql://`` URL.
- ``REGLEDGER_ISSUER_URL``: the public address that credentials and ``did:web`` name; QR badges open
  ``<issuer URL>/v``. ``REGLEDGER_ISSUER_NAME``: the body's name on credentials.
- ``REGLEDGER_MASTER_KEY``: base64 of 32 bytes that seal the per-registrant data keys; or
  ``REGLEDGER_MASTER_KEY_FILE``: a file holding it (on the embedded default, ``var/master.key`` is created).
- ``REGLEDGER_DB_POOL_SIZE`` (5): on PostgreSQL, the connections each pool keeps open (the event store's and the
  read models'); each may open twice as many more under load. A server's ``max_connections`` (100 by default) must
  cover every process's pools.
- ``REGLEDGER_CHECKPOINT_MINUTES`` (60): how often the worker signs a checkpoint of the transparency log (and
  within seconds of a credential being issued, so its provenance can be proved).
- ``REGLEDGER_WRITE_WAIT_SECONDS`` (10): how long a write waits for the worker to show it in the read models before
  answering 202 with ``Retry-After``.
- ``REGLEDGER_TRUSTED_PROXIES`` (none): the addresses (comma-separated, or ``*``) of reverse proxies whose
  ``X-Forwarded-For`` and ``X-Forwarded-Proto`` the service believes; from anyone else they are ignored (rate limits
  count the connecting address).
- ``REGLEDGER_RATE_LOGIN_PER_MINUTE`` (10), ``REGLEDGER_RATE_PUBLIC_PER_MINUTE`` (600): per client address.
- ``REGLEDGER_SMTP_HOST``, ``_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``REGLEDGER_MAIL_FROM``: mail
  (with ``REGLEDGER_SMTP_HOST`` set, the worker delivers the outbox every minute).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PREFIX = "REGLEDGER_"
DEFAULT_DATABASE_URL = "sqlite:///var/regledger.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    issuer_url: str = "http://127.0.0.1:8000"
    issuer_name: str = "Register of Creative Technicians"
    master_key: str | None = None
    master_key_file: str | None = None
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "registrar@regledger.invalid"
    send_mail: bool = False  # the service delivers the outbox itself when REGLEDGER_SMTP_HOST is set
    rate_login_per_minute: int = 10
    checkpoint_minutes: int = 60
    rate_public_per_minute: int = 600
    db_pool_size: int = 5
    write_wait_seconds: int = 10
    trusted_proxies: str = ""
    mail_every_seconds: int = 60

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        values: dict[str, object] = {}
        for name in (
            "DATABASE_URL",
            "ISSUER_URL",
            "ISSUER_NAME",
            "MASTER_KEY",
            "MASTER_KEY_FILE",
            "SMTP_HOST",
            "SMTP_USERNAME",
            "SMTP_PASSWORD",
            "MAIL_FROM",
            "TRUSTED_PROXIES",
        ):
            if (value := get(name)) is not None:
                values[name.lower()] = value
        if (port := get("SMTP_PORT")) is not None:
            if not port.isdigit():
                raise ValueError(f"{PREFIX}SMTP_PORT must be a port number, not {port!r}")
            values["smtp_port"] = int(port)
        values["send_mail"] = get("SMTP_HOST") is not None
        for name in (
            "RATE_LOGIN_PER_MINUTE",
            "RATE_PUBLIC_PER_MINUTE",
            "CHECKPOINT_MINUTES",
            "DB_POOL_SIZE",
            "WRITE_WAIT_SECONDS",
            "MAIL_EVERY_SECONDS",
        ):
            if (rate := get(name)) is not None:
                if not rate.isdigit() or int(rate) < 1:
                    raise ValueError(f"{PREFIX}{name} must be a whole number above 0, not {rate!r}")
                values[name.lower()] = int(rate)
        if (starttls := get("SMTP_STARTTLS")) is not None:
            values["smtp_starttls"] = starttls.lower() in ("1", "true", "yes", "on")
        return cls(**values)  # type: ignore[arg-type]

    def with_database(self, url: str) -> Settings:
        return replace(self, database_url=url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        """The database file of a ``sqlite:///PATH`` URL (relative paths are relative to the working directory)."""
        if not self.is_sqlite:
            raise ValueError("not a SQLite database URL")
        path = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        if not path or path == ":memory:":
            raise ValueError(
                f"{PREFIX}DATABASE_URL must name a SQLite file (sqlite:///path/to/file.db); "
                "the event store and read models share it"
            )
        return Path(path)

    @property
    def var_dir(self) -> Path:
        """Where the embedded default keeps its files: next to the SQLite file, else ./var."""
        return self.sqlite_path.parent if self.is_sqlite else Path("var")
