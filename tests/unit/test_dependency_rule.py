"""DESIGN.md's one rule of dependencies: verifier imports neither ledger nor credentials; credentials never
imports ledger."""

from __future__ import annotations

import pytest

from tests.builders.imports import imported_packages
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("package", "forbidden"), [("verifier", {"ledger", "credentials"}), ("credentials", {"ledger"})]
)
def test_dependency_rule(package, forbidden):
    assert (ROOT / package / "__init__.py").exists()
    assert not imported_packages(package) & forbidden
