"""Settings come from REGLEDGER_ variables only, with clear errors; the pool size reaches both PostgreSQL pools."""

from __future__ import annotations

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
    assert Settings.from_env({}) == Settings()


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
