"""``python -m ledger.cli.main``: the same as ``regledger``."""

from ledger.cli.main.main import app

app()
