"""CONFORMANCE.md stays true: it lists each normative statement of the standards the register claims (VC Data Model
2.0, VC-JOSE-COSE, the VC API, Bitstring Status List, did:web, Open Badges 3.0 section 8.2), where the project
enforces it and the test that shows it, or why it is not covered (issue 19, "done when").

These tests read the table and check that it cannot drift silently: every file it cites exists, every
``path::name`` is defined in that file (under ``tests/``, a test function), every ``rule:``, ``jsonld:``, ``check:``
and ``vp-check:`` name is one the code has, each row's status is explained, the summary counts the rows, and every
data model and JSON-LD rule the code enforces appears in the table. They read source files with ``ast`` and import
only the rule tables, so they take well under a second."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "CONFORMANCE.md"
STATUSES = ("covered", "not covered", "n/a")
_CODE = re.compile(r"`([^`]+)`")
_REFERENCE = re.compile(r"(?:[\w./-]+\.py(?:::[\w.]+)?|(?:rule|jsonld|check|vp-check):[\w -]+)")


class Row(NamedTuple):
    specification: str
    section: str
    statement: str
    where: str
    test: str
    status: str


def named_sets() -> dict[str, frozenset[str]]:
    """The names each ``prefix:`` may cite: the code's own rule and check tables."""
    from credentials.jsonld import SECTIONS
    from verifier.data_model import RULES
    from verifier.presentation import PRESENTATION_CHECKS
    from verifier.result import CHECKS

    return {
        "rule": frozenset(RULES),
        "jsonld": frozenset(SECTIONS),
        "check": frozenset(CHECKS),
        "vp-check": frozenset(PRESENTATION_CHECKS),
    }


def parse(text: str) -> tuple[dict[str, tuple[int, int, int]], list[Row], list[str]]:
    """The summary (specification -> covered, not covered, n/a), the rows of every specification's table, and what
    cannot be read (a row of the wrong width, a row outside a section)."""
    summary: dict[str, tuple[int, int, int]] = {}
    rows: list[Row] = []
    unreadable: list[str] = []
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.startswith("|") or set(line) <= set("|- ") or line.startswith(("| § |", "| Specification |")):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if section == "Summary":
            if len(cells) != 4 or not all(c.isdigit() for c in cells[1:]):
                unreadable.append(f"line {number}: a summary row is a specification and three counts")
            else:
                summary[cells[0]] = (int(cells[1]), int(cells[2]), int(cells[3]))
        elif not section:
            unreadable.append(f"line {number}: a table row outside any specification's section")
        elif len(cells) != 5:
            unreadable.append(f"line {number}: a row has {len(cells)} cells, not 5 (a '|' inside a cell?)")
        else:
            rows.append(Row(section, *cells))
    return summary, rows, unreadable


def references(cell: str) -> list[str]:
    """The references a cell cites: each backticked ``path.py``, ``path.py::name`` or ``prefix:name``."""
    return [code for code in _CODE.findall(cell) if _REFERENCE.fullmatch(code)]


@cache
def _definitions(path: Path) -> dict[str, ast.AST]:
    """The top-level functions, classes and assigned names of a Python file, and each class's methods as
    ``Class.method``."""
    tree = ast.parse(path.read_text("utf-8"))
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        found[f"{node.name}.{member.name}"] = member
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
    return found


def reference_problem(reference: str, root: Path, names: dict[str, frozenset[str]]) -> str | None:
    """Why ``reference`` does not resolve, or None."""
    prefix, colon, name = reference.partition(":")
    if colon and not name.startswith(":") and prefix in names:
        return None if name in names[prefix] else f"{prefix}:{name} is not a name of the code's {prefix} table"
    path_text, _, symbol = reference.partition("::")
    path = root / path_text
    if not path.is_file():
        return f"{path_text} does not exist"
    if not symbol:
        return None
    found = _definitions(path).get(symbol)
    if found is None:
        return f"{path_text} defines no {symbol}"
    if path_text.startswith("tests/") and not (
        isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef) and symbol.startswith("test_")
    ):
        return f"{path_text}::{symbol} is not a test function"
    return None


def row_problems(row: Row, root: Path, names: dict[str, frozenset[str]]) -> list[str]:
    """Everything wrong with one row: an unknown status, a reason missing, a reference that does not resolve."""
    where = f"{row.specification} {row.section} ({row.statement[:50]})"
    found = []
    if row.status not in STATUSES:
        found.append(f"{where}: status {row.status!r} is not one of {', '.join(STATUSES)}")
    if not row.section or not row.statement:
        found.append(f"{where}: a row names its section and its statement")
    tests = [r for r in references(row.test) if r.startswith("tests/") and "::" in r]
    if row.status == "covered":
        if not tests:
            found.append(f"{where}: a covered statement cites a test (tests/...py::test_name)")
        if not references(row.where):
            found.append(f"{where}: a covered statement says where it is enforced")
        if row.test.startswith(("not covered", "n/a")):
            found.append(f"{where}: the test column says {row.test.split(':')[0]!r} but the status is covered")
    elif not re.match(rf"{re.escape(row.status)}: \S", row.test):
        found.append(f"{where}: a statement that is {row.status} says why ('{row.status}: <reason>')")
    for reference in references(row.where) + references(row.test):
        problem = reference_problem(reference, root, names)
        if problem:
            found.append(f"{where}: {problem}")
    return found


def table_problems(text: str, root: Path = ROOT) -> list[str]:
    """Everything that makes the table untrue or unreadable; empty when it holds."""
    names = named_sets()
    summary, rows, found = parse(text)
    for row in rows:
        found += row_problems(row, root, names)
    counted: dict[str, list[int]] = {}
    for row in rows:
        counts = counted.setdefault(row.specification, [0, 0, 0])
        if row.status in STATUSES:
            counts[STATUSES.index(row.status)] += 1
    for specification in sorted(set(summary) | set(counted)):
        said = summary.get(specification)
        rows_say = tuple(counted.get(specification, [0, 0, 0]))
        if said != rows_say:
            found.append(
                f"the summary says {specification} has {said} (covered, not covered, n/a); its rows say {rows_say}"
            )
    return found


def test_the_table_is_true() -> None:
    assert table_problems(TABLE.read_text("utf-8")) == []


def test_every_rule_the_code_enforces_is_in_the_table() -> None:
    _, rows, _ = parse(TABLE.read_text("utf-8"))
    cited = {r for row in rows for r in references(row.where)}
    names = named_sets()
    missing = [f"{prefix}:{name}" for prefix in ("rule", "jsonld") for name in names[prefix]]
    assert sorted(m for m in missing if m not in cited) == []


def test_every_specification_the_issue_names_has_its_table() -> None:
    summary, rows, _ = parse(TABLE.read_text("utf-8"))
    specifications = {row.specification for row in rows}
    assert specifications == set(summary)
    for name in ("VC Data Model 2.0", "VC-JOSE-COSE", "VC API", "Bitstring Status List", "did:web", "Open Badges"):
        assert any(s.startswith(name) for s in specifications), name


BROKEN = """## Summary
| Specification | covered | not covered | n/a |
|---|---|---|---|
| Spec | 3 | 1 | 0 |

## Spec
| § | Statement | Where | Test | Status |
|---|---|---|---|---|
| 1 | a | `verifier/data_model.py::no_such_function` | `tests/unit/test_vc_data_model.py::test_urls` | covered |
| 2 | b | `rule:no such rule`, `check:signature` | `tests/unit/test_vc_data_model.py::full` | covered |
| 3 | c | `verifier/nowhere.py` | not covered | not covered |
| 4 | d | `verifier/data_model.py` | `tests/unit/test_vc_data_model.py::test_urls` | maybe |
| 5 | e | f | g |
"""


def test_the_checker_finds_every_kind_of_drift() -> None:
    found = table_problems(BROKEN)
    expected = [
        "line 13: a row has 4 cells",
        "verifier/data_model.py defines no no_such_function",
        "rule:no such rule is not a name",
        "tests/unit/test_vc_data_model.py::full is not a test function",
        "verifier/nowhere.py does not exist",
        "says why",
        "status 'maybe'",
        "the summary says Spec has (3, 1, 0)",
    ]
    for words in expected:
        assert any(words in problem for problem in found), (words, found)
    assert not any("check:signature" in problem for problem in found)
