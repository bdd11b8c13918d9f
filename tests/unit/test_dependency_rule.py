"""DESIGN.md's one rule of dependencies: verifier imports neither ledger nor credentials; credentials never
imports ledger."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"), [("verifier", {"ledger", "credentials"}), ("credentials", {"ledger"})]
)
def test_dependency_rule(package, forbidden):
    assert (ROOT / package / "__init__.py").exists()
    assert not imported_packages(package) & forbidden
