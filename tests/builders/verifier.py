"""A register for the offline verifier's tests, and the names of the checks a verdict failed. The ``register``
fixture (tests/builders/register.py's Register, closed after the test) is imported as ``register_fixture``."""

from __future__ import annotations

import pytest

from tests.builders.register import Register


@pytest.fixture(name="register")
def register_fixture(tmp_path):
    made = Register(tmp_path)
    yield made
    made.ledger.close()


def failed(result):
    return [c.name for c in result.checks if c.outcome == "fail"]
