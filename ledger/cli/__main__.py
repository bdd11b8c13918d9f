"""``python -m ledger.cli``: the same as ``regledger``."""

from ledger.cli.main import app

app()
