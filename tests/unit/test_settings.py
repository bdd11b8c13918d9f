"""Settings come from REGLEDGER_ variables only, with clear errors; the pool size reaches both PostgreSQL pools."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.settings import Settings
from tests.conftest import MASTER_KEY


def test_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "REGLEDGER_DATABASE_URL": "sqlite:////tmp/x.db",
            "REGLEDGER_SMTP_HOST": "mail",
            "REGLEDGER_SMTP_PORT": "2525",
            "REGLEDGER_DB_POOL_SIZE": "2",
            "REGLEDGER_SMTP_STARTTLS": "yes",
            "DATABASE_URL": "postgresql://ignored",
        }
    )
    assert settings.database_url == "sqlite:////tmp/x.db" and settings.smtp_host == "mail"
    assert settings.smtp_port == 2525 and settings.db_pool_size == 2 and settings.smtp_starttls
    assert settings.send_mail
    home = {"HOME": "/home/someone"}
    assert Settings.from_env(home) == Settings(
        database_url="sqlite:////home/someone/.local/share/regledger/regledger.db"
    )


def test_the_default_register_is_one_absolute_place_whatever_the_working_folder(tmp_path, monkeypatch):
    """The operator's stumble (issue 17): the default was ``sqlite:///var/regledger.db``, relative to whichever
    folder regledger ran in. Now it is the user's data directory (XDG), and a relative URL given is made absolute
    once, when the settings are read."""
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        monkeypatch.chdir(folder)
        settings = Settings.from_env({"HOME": "/home/someone"})
        assert settings.database_url == "sqlite:////home/someone/.local/share/regledger/regledger.db"
        assert settings.var_dir == Path("/home/someone/.local/share/regledger")
        xdg = Settings.from_env({"HOME": "/home/someone", "XDG_DATA_HOME": "/data/x"})
        assert xdg.sqlite_path == Path("/data/x/regledger/regledger.db")
        given = Settings.from_env({"REGLEDGER_DATABASE_URL": "sqlite:///var/r.db"})
        assert given.sqlite_path == folder / "var" / "r.db" and given.sqlite_path.is_absolute()
    relative_xdg = Settings.from_env({"HOME": "/home/someone", "XDG_DATA_HOME": "data"})  # XDG: relative is ignored
    assert relative_xdg.var_dir == Path("/home/someone/.local/share/regledger")
    postgres = Settings.from_env({"HOME": "/home/someone", "REGLEDGER_DATABASE_URL": "postgresql://u@h/db"})
    assert postgres.database_url == "postgresql://u@h/db" and postgres.var_dir.is_absolute()


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_POOL_SIZE", "0"), ("DB_POOL_SIZE", "two"), ("CHECKPOINT_MINUTES", "-1"), ("SMTP_PORT", "25a")],
)
def test_a_bad_setting_is_refused_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=f"REGLEDGER_{name}"):
        Settings.from_env({f"REGLEDGER_{name}": value})


@pytest.mark.postgres
def test_the_pool_size_sizes_the_event_store_and_read_model_pools(postgres_server):
    from ledger.app.ledger import Ledger

    ledger = Ledger(Settings(database_url=postgres_server, master_key=MASTER_KEY, db_pool_size=2))
    try:
        assert ledger.engine.pool.size() == 2 and ledger.engine.pool._max_overflow == 4
        pool = ledger.recorder.datastore.pool
        assert pool.min_size == 2 and pool.max_size == 6
    finally:
        ledger.close()
