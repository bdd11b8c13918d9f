"""The regledger command line as separate processes, and waiting for what they do."""

from __future__ import annotations

import sys
import time

import pytest

REGLEDGER = [sys.executable, "-m", "ledger.cli"]


def eventually(what: str, check, seconds: float, pause: float = 0.05):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(pause)
