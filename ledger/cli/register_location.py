"""Where the command line's register is, and whether it may be made: the CLI opens an existing register only, so
that running regledger from another folder, or with a slip in ``REGLEDGER_DATABASE_URL``, never starts a second,
empty register with a master key of its own. A new one is made by ``regledger init`` or ``regledger demo``, or when
the environment names both the database and the master key (as a deployment does). On PostgreSQL the master key is
never made up: without one, the command says how to make and set it."""

from __future__ import annotations

from pathlib import Path

from ledger.domain.errors import LedgerError
from ledger.settings import PREFIX, Settings, default_database_url

MAKE_A_KEY = (
    "make one with `regledger keys master --new --out FILE`, keep FILE apart from the database and its backups, "
    f"and set {PREFIX}MASTER_KEY_FILE=FILE (or {PREFIX}MASTER_KEY to the key itself)"
)


class RegisterMissing(LedgerError):
    """No register where the settings say, and this command does not make one."""


class MasterKeyMissing(LedgerError):
    """A register without its master key: one is never made up for it."""


def describe(settings: Settings) -> str:
    """The register's place, for people: the SQLite file, or the PostgreSQL URL without its password."""
    if settings.is_sqlite:
        return str(settings.sqlite_path)
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: the engine will say so
        return "the database named by REGLEDGER_DATABASE_URL"


def key_location(settings: Settings) -> str:
    if settings.master_key:
        return f"the {PREFIX}MASTER_KEY setting"
    return str(_key_file(settings))


def _key_file(settings: Settings) -> Path:
    return Path(settings.master_key_file) if settings.master_key_file else settings.var_dir / "master.key"


def exists(settings: Settings) -> bool:
    """Whether a SQLite register's database file is there (an empty file is not a register)."""
    path = settings.sqlite_path
    return path.is_file() and path.stat().st_size > 0


def check_register(settings: Settings, create: bool) -> bool:
    """Raise unless the register may be opened; return whether it is new (about to be made)."""
    key_given = bool(settings.master_key or settings.master_key_file)
    if settings.master_key_file and not settings.master_key and not Path(settings.master_key_file).is_file():
        raise MasterKeyMissing(
            f"no master key at {settings.master_key_file} ({PREFIX}MASTER_KEY_FILE): if the register has one, "
            f"give its place; if it is a new register, {MAKE_A_KEY}"
        )
    if not settings.is_sqlite:
        if not key_given:
            raise MasterKeyMissing(f"no master key for the PostgreSQL register at {describe(settings)}: {MAKE_A_KEY}")
        return False
    database, key = settings.sqlite_path, _key_file(settings)
    if exists(settings):
        if not settings.master_key and not key.exists():
            raise MasterKeyMissing(
                f"the register at {database} has no master key: there is none at {key}. Put back the key it was "
                f"made with (from where you keep it), or set {PREFIX}MASTER_KEY_FILE to it; a new key could not "
                "read the register's personal data, so none is made"
            )
        return False
    default = settings.database_url == default_database_url()
    if create or (key_given and not default):
        return True
    new_key = "" if settings.master_key or key.exists() else f" and a new master key at {key}"
    where = (
        f"the default place, as {PREFIX}DATABASE_URL is not set" if default else f"where {PREFIX}DATABASE_URL points"
    )
    message = (
        f"there is no register at {database} ({where}), and regledger makes none without being asked. To make a "
        f"new, empty one there (its database{new_key}), run `regledger init`, or `regledger demo` for one "
        "filled with a simulated history. If your register is elsewhere, set "
        f"{PREFIX}DATABASE_URL=sqlite:////path/to/regledger.db"
    )
    earlier = Path("var/regledger.db").resolve()
    if earlier != database and earlier.is_file():
        message += (
            f". There is one in this folder, at {earlier} (where earlier versions kept it): to use it, set "
            f"{PREFIX}DATABASE_URL=sqlite:///{earlier}"
        )
    raise RegisterMissing(message)


def opening_failed(settings: Settings, error: Exception) -> str | None:
    """One line for what commonly stops a register opening (a missing or malformed master key, a database server
    that refuses), or None for anything else (a bug: its traceback is wanted)."""
    from sqlalchemy.exc import OperationalError

    from ledger.app.vault import VaultError

    if isinstance(error, VaultError):
        text = str(error)
        return f"{text}: {MAKE_A_KEY}" if text.startswith("no master key") else text
    if isinstance(error, OperationalError):
        reason = " ".join(str(error.orig or error).split("\n")[0].split())
        return f"cannot open the register at {describe(settings)}: {reason}"
    return None
