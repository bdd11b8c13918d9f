"""The one settings object. Nothing else in regledger reads the environment.

Every setting comes from an environment variable with the ``REGLEDGER_`` prefix:

- ``REGLEDGER_DATABASE_URL``: a ``postgresql://`` URL, or ``sqlite:///PATH``; by default the embedded register
  in the user's data directory, ``$XDG_DATA_HOME/regledger/regledger.db`` (``~/.local/share/regledger``), the
  same from whichever folder regledger runs (a relative SQLite path is made absolute once, when read).
- ``REGLEDGER_ISSUER_URL``: the public address that credentials and ``did:web`` name; QR badges open
  ``<issuer URL>/v``.
- The body's identity (``ledger.domain.body``; every page, letter, certificate and credential ``issuer`` shows it):
  ``REGLEDGER_BODY_NAME`` (or ``REGLEDGER_ISSUER_NAME``), ``REGLEDGER_BODY_SHORT_NAME``, ``REGLEDGER_BODY_ADDRESS``
  (lines separated by ``;``, the postcode last), ``REGLEDGER_BODY_EMAIL``, ``REGLEDGER_BODY_WEBSITE`` (the issuer URL
  when unset), ``REGLEDGER_BODY_LOGO_FILE`` (an SVG file, at most 100 KB, with no scripts or outside links), and
  ``REGLEDGER_BODY_PRIVACY_FILE``, ``_ACCESSIBILITY_FILE``, ``_COMPLAINTS_FILE`` (plain text, paragraphs separated by
  blank lines; ``{name}`` and ``{email}`` filled in). Unset, the demo's body stands in.
- ``REGLEDGER_MASTER_KEY``: base64 of 32 bytes that seal the per-registrant data keys; or
  ``REGLEDGER_MASTER_KEY_FILE``: a file holding it (a SQLite register without either keeps ``master.key`` beside
  its database file; PostgreSQL needs one of the two: ``regledger keys master --new`` makes a key).
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
- ``REGLEDGER_VERIFY_LINK_HOURS`` (24), ``REGLEDGER_RESET_LINK_MINUTES`` (60), ``REGLEDGER_INVITATION_DAYS`` (7): how
  long the links mailed to confirm an email, reset a password or take up a staff invitation work (each once).
- ``REGLEDGER_RATE_SIGNUP_PER_HOUR`` (10): sign-ups, password reset requests and new confirmation links from one
  client address; ``REGLEDGER_RATE_ACCOUNT_EMAIL_PER_HOUR`` (3): the same for one email address.
- ``REGLEDGER_EVIDENCE_DIR``: where evidence files are kept (sealed, content-addressed); by default ``evidence/``
  beside the SQLite file (``var/evidence`` on PostgreSQL). Web workers on several machines share it (a mounted object
  store). ``REGLEDGER_EVIDENCE_MAX_MB`` (10): the largest file; ``REGLEDGER_EVIDENCE_MAX_FILES`` (30) and
  ``REGLEDGER_EVIDENCE_MAX_TOTAL_MB`` (100): the most files, and megabytes in all, one application holds.
- ``REGLEDGER_SERVICE_STANDARD_WEEKS`` (8): how long an application may wait for a decision after it is submitted
  before casework shows it as overdue (the Science Council's standard is 8 to 12 weeks).
- ``REGLEDGER_WEBHOOK_ALLOW_HTTP_LOCALHOST`` (off): for tests only, lets an organisation's webhook be
  ``http://127.0.0.1:PORT/...``; otherwise webhooks are ``https://`` and never sent to a private or loopback address.
- ``REGLEDGER_SMTP_HOST``, ``_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_STARTTLS``, ``REGLEDGER_MAIL_FROM``: mail
  (with ``REGLEDGER_SMTP_HOST`` set, the worker delivers the outbox every minute).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ledger.domain.body import Body, address_lines, check_logo, paragraphs

PREFIX = "REGLEDGER_"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the embedded register lives unless told otherwise: one absolute place per user (the XDG data
    directory), so that regledger run from another folder finds the same register instead of making a new one."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "regledger"
    home = env.get("HOME")
    if not home:
        import pwd

        home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / ".local" / "share" / "regledger"


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    return f"sqlite:///{default_data_dir(environ) / 'regledger.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    issuer_url: str = "http://127.0.0.1:8000"
    body: Body = field(default_factory=Body)
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
    service_standard_weeks: int = 8  # casework: an application waiting longer than this is overdue
    verify_link_hours: int = 24
    reset_link_minutes: int = 60
    invitation_days: int = 7
    rate_signup_per_hour: int = 10
    rate_account_email_per_hour: int = 3
    evidence_dir: str | None = None
    evidence_max_mb: int = 10
    evidence_max_files: int = 30
    evidence_max_total_mb: int = 100
    webhook_allow_http_localhost: bool = False

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
            "MASTER_KEY",
            "MASTER_KEY_FILE",
            "SMTP_HOST",
            "SMTP_USERNAME",
            "SMTP_PASSWORD",
            "MAIL_FROM",
            "TRUSTED_PROXIES",
            "EVIDENCE_DIR",
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
            "SERVICE_STANDARD_WEEKS",
            "VERIFY_LINK_HOURS",
            "RESET_LINK_MINUTES",
            "INVITATION_DAYS",
            "RATE_SIGNUP_PER_HOUR",
            "RATE_ACCOUNT_EMAIL_PER_HOUR",
            "EVIDENCE_MAX_MB",
            "EVIDENCE_MAX_FILES",
            "EVIDENCE_MAX_TOTAL_MB",
        ):
            if (rate := get(name)) is not None:
                if not rate.isdigit() or int(rate) < 1:
                    raise ValueError(f"{PREFIX}{name} must be a whole number above 0, not {rate!r}")
                values[name.lower()] = int(rate)
        values["body"] = body_from_env(get)
        if (allow := get("WEBHOOK_ALLOW_HTTP_LOCALHOST")) is not None:
            values["webhook_allow_http_localhost"] = allow.lower() in ("1", "true", "yes", "on")
        if (starttls := get("SMTP_STARTTLS")) is not None:
            values["smtp_starttls"] = starttls.lower() in ("1", "true", "yes", "on")
        url = values.get("database_url")
        if url is None:
            values["database_url"] = default_database_url(env)
        elif isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":  # resolved once, here: not again in each folder it is used
                values["database_url"] = f"sqlite:///{Path(relative).resolve()}"
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if not self.body.website:  # the register's own address stands for a body with no other website
            object.__setattr__(self, "body", self.body.with_website(self.issuer_url.rstrip("/")))

    @property
    def issuer_name(self) -> str:
        """The body's name, as credentials, letters and pages name it."""
        return self.body.name

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
        """Where the embedded register keeps its files: beside the SQLite file, else the user's data directory."""
        return self.sqlite_path.parent if self.is_sqlite else default_data_dir()

    @property
    def evidence_path(self) -> Path:
        """Where evidence files are kept: ``REGLEDGER_EVIDENCE_DIR``, else ``evidence/`` under ``var_dir``."""
        return Path(self.evidence_dir) if self.evidence_dir else self.var_dir / "evidence"


def body_from_env(get: Callable[[str], str | None]) -> Body:
    """The body's identity from ``REGLEDGER_BODY_*`` (files read now, so a wrong path or a bad logo stops the start
    with the setting named)."""
    values: dict[str, object] = {}
    name = get("BODY_NAME") or get("ISSUER_NAME")
    if name is not None:
        values["name"] = name.strip()
    for setting, attribute in (("BODY_SHORT_NAME", "short_name"), ("BODY_EMAIL", "email"), ("BODY_WEBSITE", "website")):
        if (value := get(setting)) is not None:
            values[attribute] = value.strip()
    if (address := get("BODY_ADDRESS")) is not None:
        values["address"] = address_lines(address)
    if (logo := get("BODY_LOGO_FILE")) is not None:
        values["logo"] = check_logo(_read(logo, "BODY_LOGO_FILE"), f"{PREFIX}BODY_LOGO_FILE ({logo})")
    for setting, attribute in (
        ("BODY_PRIVACY_FILE", "privacy"),
        ("BODY_ACCESSIBILITY_FILE", "accessibility"),
        ("BODY_COMPLAINTS_FILE", "complaints"),
    ):
        if (path := get(setting)) is not None:
            text = paragraphs(_read(path, setting))
            if not text:
                raise ValueError(f"{PREFIX}{setting} ({path}) is empty")
            values[attribute] = text
    try:
        return Body(**values)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValueError(f"{PREFIX}BODY_*: {error}") from None


def _read(path: str, setting: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{PREFIX}{setting}: cannot read {path}: {error}") from None
