"""The regledger command line run in this process (Typer's CliRunner) on a given database."""

from __future__ import annotations

from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import MASTER_KEY


def run(args, database_url, input=None):
    result = CliRunner().invoke(
        app, args, env={"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": MASTER_KEY}, input=input
    )
    return result
