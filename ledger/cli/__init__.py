"""The ``regledger`` command line: one module per command group, assembled in ``main``. ``app`` is re-exported
here so that an install made before the command line became a package (entry point ``ledger.cli:app``) still
starts."""

from ledger.cli.main import app

__all__ = ["app"]
