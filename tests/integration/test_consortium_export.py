"""The consortium export (``regledger report export --for-consortium``) and pooling (``regledger report pool``): the
export is a valid Frictionless Tabular Data Package whose CSVs match their schemas; two bodies' exports pool into
figures that give nothing away that the exports did not (beside a naive pool of raw counts that the same attack
breaks); bad input is refused with the file and field named, and nothing is written."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ledger.reports.progression import suppression
from ledger.reports.progression.consortium import AT_LEAST, DESCRIPTOR, ExportError, pool_exports, read_export
from tests.builders.command_line import run
from tests.builders.world import INTERMEDIATE, LOWER, PROFESSIONAL, world

# -- the specification, written down
# Frictionless Data "Tabular Data Package" v1.0 (https://specs.frictionlessdata.io/tabular-data-package/, profile
# JSON Schema https://specs.frictionlessdata.io/schemas/tabular-data-package.json), its "Tabular Data Resource" v1.0
# (https://specs.frictionlessdata.io/tabular-data-resource/) and "Table Schema" v1.0
# (https://specs.frictionlessdata.io/table-schema/): the rules the export relies on, as JSON Schema (draft 4, as the
# published profiles are). Custom properties are allowed at every level (the profiles set no additionalProperties).
NAME = {"type": "string", "pattern": "^([-a-z0-9._/])+$"}
PATH = {"type": "string", "pattern": "^(?=^[^./~])(^((?!\\.{2}).)*$).*$"}  # relative POSIX path, no '..'
FIELD_TYPES = [
    "string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime", "year", "yearmonth",
    "duration", "geopoint", "geojson", "any",
]  # fmt: skip
TABLE_SCHEMA = {
    "type": "object",
    "required": ["fields"],
    "properties": {
        "fields": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "type": {"enum": FIELD_TYPES},
                    "format": {"type": "string"},
                    "constraints": {
                        "type": "object",
                        "properties": {"required": {"type": "boolean"}, "unique": {"type": "boolean"}},
                    },
                },
            },
        },
        "missingValues": {"type": "array", "items": {"type": "string"}},
        "primaryKey": {"oneOf": [{"type": "array", "minItems": 1, "items": {"type": "string"}}, {"type": "string"}]},
    },
}
TABULAR_DATA_PACKAGE = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["resources", "profile"],
    "properties": {
        "profile": {"enum": ["tabular-data-package"]},
        "name": NAME,
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "oneOf": [
                    {"required": ["name", "data", "schema", "profile"]},
                    {"required": ["name", "path", "schema", "profile"]},
                ],
                "properties": {
                    "profile": {"enum": ["tabular-data-resource"]},
                    "name": NAME,
                    "path": {"oneOf": [PATH, {"type": "array", "minItems": 1, "items": PATH}]},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "format": {"type": "string"},
                    "mediatype": {"type": "string", "pattern": "^(.+)/(.+)$"},
                    "encoding": {"type": "string"},
                    "schema": TABLE_SCHEMA,
                },
            },
        },
    },
}


def check_package(folder: Path) -> dict[str, Any]:
    """The descriptor is a valid Tabular Data Package, and each CSV holds what its Table Schema says: the fields in
    order, integers and numbers (or a declared missing value), minimums kept, and a unique primary key."""
    package = json.loads((folder / DESCRIPTOR).read_text("utf-8"))
    jsonschema.Draft4Validator(TABULAR_DATA_PACKAGE).validate(package)
    names = [r["name"] for r in package["resources"]]
    assert len(set(names)) == len(names)
    for resource in package["resources"]:
        schema = resource["schema"]
        missing = schema.get("missingValues", [""])
        with (folder / resource["path"]).open(newline="", encoding=resource["encoding"]) as f:
            lines = list(csv.reader(f))
        assert lines[0] == [field["name"] for field in schema["fields"]], resource["name"]
        keys = set()
        for line in lines[1:]:
            assert len(line) == len(schema["fields"])
            for value, field in zip(line, schema["fields"], strict=True):
                if value in missing:
                    continue
                where = (resource["name"], field["name"], value)
                if field["type"] == "integer":
                    assert re.fullmatch(r"-?[0-9]+", value), where
                    assert int(value) >= field.get("constraints", {}).get("minimum", 0), where
                elif field["type"] == "number":
                    assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value), where
            if "primaryKey" in schema:
                key = tuple(line[[f["name"] for f in schema["fields"]].index(k)] for k in schema["primaryKey"])
                assert key not in keys
                keys.add(key)
    return package


def rows_of(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cell(folder: Path, table: str, group: str, row: str, column: str) -> str:
    return next(r[column] for r in rows_of(folder, table) if r["group"] == group and r["row"] == row)


# -- the bodies: everyone awarded in 2025 Q1, so every table of each body covers the same periods
BODY_A = [PROFESSIONAL] * 22 + [LOWER] * 22 + [None] * 4
BODY_A_TWIN = [PROFESSIONAL] * 22 + [LOWER] * 21 + [None] * 5  # one lower-band person did not answer instead
BODY_B = [PROFESSIONAL] * 8 + [LOWER] * 21 + [INTERMEDIATE] * 6 + [None] * 13
RAW_AWARDED = {  # raw awards by band in 2025 Q1, as seeded: what rounding hides
    "a": {"Professional": 22, "Lower": 22, "Intermediate": 0, "Not known": 4},
    "a_twin": {"Professional": 22, "Lower": 21, "Intermediate": 0, "Not known": 5},
    "b": {"Professional": 8, "Lower": 21, "Intermediate": 6, "Not known": 13},
}


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    """Three registers (body A, its twin that differs by one person's answer, and body B), each exported through
    the command line."""
    folder = tmp_path_factory.mktemp("bodies")
    made = {}
    for name, people, target in (("a", BODY_A, LOWER), ("a_twin", BODY_A_TWIN, LOWER), ("b", BODY_B, PROFESSIONAL)):
        world(folder / f"{name}.db", people, target).close()
        url = f"sqlite:///{folder / name}.db"
        result = run(["report", "export", "--for-consortium", str(folder / f"export_{name}")], url)
        assert result.exit_code == 0, result.output
        made[name] = folder / f"export_{name}"
    return made


def test_an_export_is_a_valid_tabular_data_package_whose_csvs_match_their_schemas(bodies):
    package = check_package(bodies["a"])
    assert package["format"] == "regledger-consortium-export" and package["formatVersion"] == 1
    assert package["rounding"]["roundTo"] == 5 and package["suppression"]["minPercentageBase"] == 22.5
    outcomes = next(r for r in package["resources"] if r["name"] == "outcomes")
    assert outcomes["period"] == {"from": "2025-01-01", "to": "2025-03-31", "label": "2025 Q1"}
    assert outcomes["snapshot"] is False and "records dated within the period" in outcomes["base"]
    fields = {f["name"]: f for f in outcomes["schema"]["fields"]}
    assert fields["Awarded"]["type"] == "integer" and fields["Awarded" + AT_LEAST]["figure"] == "least records"
    assert fields["Award rate"]["percentOf"] == {"numerator": ["Awarded"], "base": ["Decided"], "baseRow": None}
    # every table the report holds is a resource (whatever tables the report has), each with its CSV
    assert {"representation", "outcomes", "parity", "progression", "renewals"} <= {
        r["name"] for r in package["resources"]
    }
    assert sorted(p.name for p in bodies["a"].iterdir()) == sorted(
        [DESCRIPTOR, *(r["path"] for r in package["resources"])]
    )
    # only rounded figures leave: body A's 22 professional-background awards show as 20, their rate suppressed
    assert cell(bodies["a"], "outcomes", "By background", "Professional", "Awarded") == "20"
    assert cell(bodies["a"], "outcomes", "By background", "Professional", "Award rate") == "suppressed"
    # and a tampered CSV no longer matches its schema
    broken = bodies["a"].parent / "broken"
    shutil.copytree(bodies["a"], broken)
    text = (
        (broken / "outcomes.csv").read_text().replace("By background,Professional,20,", "By background,Professional,x,")
    )
    (broken / "outcomes.csv").write_text(text)
    with pytest.raises(AssertionError):
        check_package(broken)
    with pytest.raises(ExportError, match=r"outcomes\.csv, line \d+, field 'Awarded': 'x' is not an integer"):
        read_export(broken)


def pooled_counts(folder: Path) -> dict[tuple[str, str, str, str], int]:
    package = json.loads((folder / DESCRIPTOR).read_text())
    found = {}
    for resource in package["resources"]:
        counts = [f["name"] for f in resource["schema"]["fields"] if f.get("figure") == "count"]
        for row in rows_of(folder, resource["name"]):
            for column in counts:
                if row[column] not in ("", "suppressed"):
                    found[(resource["name"], row["group"], row["row"], column)] = int(row[column])
    return found


def test_two_bodies_pool_and_nothing_rounding_hid_can_be_derived(bodies, tmp_path):
    out = tmp_path / "pool"
    result = run(["report", "pool", str(bodies["a"]), str(bodies["b"]), "--out", str(out)], "sqlite:///unused.db")
    assert result.exit_code == 0, result.output
    check_package(out)
    a, b, pooled = pooled_counts(bodies["a"]), pooled_counts(bodies["b"]), pooled_counts(out)
    assert pooled and pooled.keys() == a.keys() == b.keys()
    # every pooled count is the sum of the bodies' rounded counts, so a multiple of 5
    assert all(pooled[k] == a[k] + b[k] and pooled[k] % 5 == 0 for k in pooled)
    # pooled totals are the sums of the pooled parts: rows and columns
    for group, parts, total in (
        ("By background", ["Professional", "Intermediate", "Lower", "Not known"], "All backgrounds"),
        ("By route", ["Standard", "Equivalency"], "All routes"),
    ):
        for column in ("Awarded", "Deferred", "Rejected", "Withdrawn", "Decided"):
            assert pooled[("outcomes", group, total, column)] == sum(
                pooled[("outcomes", group, p, column)] for p in parts
            )
    for row in rows_of(out, "outcomes"):
        assert int(row["Decided"]) == int(row["Awarded"]) + int(row["Deferred"]) + int(row["Rejected"])
    for row in rows_of(out, "representation"):
        assert int(row["Total"]) == sum(int(row[b]) for b in ("Professional", "Intermediate", "Lower", "Not known"))

    awarded = {band: cell(out, "outcomes", "By background", band, "Awarded") for band in RAW_AWARDED["a"]}
    assert awarded == {"Professional": "30", "Lower": "40", "Intermediate": "5", "Not known": "20"}
    # percentages are worked out again: professional (20 + 10, at least 18 + 8 = 26 people) is now shown, though
    # each body suppressed its own; intermediate (0 + 5, as few as 3 people) stays suppressed
    assert cell(bodies["b"], "outcomes", "By background", "Professional", "Award rate") == "suppressed"
    assert cell(out, "outcomes", "By background", "Professional", "Award rate") == "100"
    assert cell(out, "outcomes", "By background", "Intermediate", "Decided" + AT_LEAST) == "3"
    assert cell(out, "outcomes", "By background", "Intermediate", "Award rate") == "suppressed"
    # generically: every pooled percentage whose base (as the pooled counts prove it) is under 22.5 is suppressed
    package, checked = json.loads((out / DESCRIPTOR).read_text()), 0
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            share = field.get("percentOf")
            if not share:
                continue
            lines = rows_of(out, resource["name"])
            for row in lines:
                base = (
                    row
                    if share["baseRow"] is None
                    else next(r for r in lines if r["group"] == row["group"] and r["row"] == share["baseRow"])
                )
                floor = sum(int(base[c + AT_LEAST]) for c in share["base"])
                if floor < 22.5:
                    assert row[field["name"]] == "suppressed", (resource["name"], row, field["name"])
                    checked += 1
    assert checked
    # averages, gaps and flags are not pooled
    assert {r["Gap"] for r in rows_of(out, "parity")} == {"suppressed"}

    # the attack: whoever holds both exports and the pool wants the raw pooled lower-band awards (22 + 21 = 43).
    raw = {band: RAW_AWARDED["a"][band] + RAW_AWARDED["b"][band] for band in RAW_AWARDED["a"]}
    twin = {band: RAW_AWARDED["a_twin"][band] + RAW_AWARDED["b"][band] for band in RAW_AWARDED["a"]}
    assert raw["Lower"] == 43 and twin["Lower"] == 42  # two consortia that differ by one person
    # a naive pool (add the raw counts, then round) tells them apart: 45 against 40
    assert suppression.round_count(raw["Lower"]) == 45 and suppression.round_count(twin["Lower"]) == 40
    # the real one cannot: body A's twin exports the same figures, so both pools are the same, file for file
    twin_out = tmp_path / "pool_twin"
    pool_twin = run(["report", "pool", str(bodies["a_twin"]), str(bodies["b"]), "--out", str(twin_out)], "x")
    assert pool_twin.exit_code == 0, pool_twin.output
    for folder in (bodies["a"], out):
        other = bodies["a_twin"] if folder == bodies["a"] else twin_out
        for path in folder.glob("*.csv"):
            assert path.read_bytes() == (other / path.name).read_bytes(), path.name
        mine, theirs = (json.loads((f / DESCRIPTOR).read_text()) for f in (folder, other))
        for package in (mine, theirs):
            package.pop("id"), package.pop("pooledFrom")
        assert mine == theirs
    # and no pooled figure is the raw count rounding hid
    for band, count in raw.items():
        if count % 5:
            assert int(awarded[band]) != count


def test_pool_exports_in_python_refuses_the_same_export_twice(bodies):
    pooled = pool_exports([bodies["a"], bodies["b"]])
    ids = [json.loads((bodies[n] / DESCRIPTOR).read_text())["id"] for n in ("a", "b")]
    assert pooled.pooled_from == ids
    assert [t.key for t in pooled.tables] == [t.key for t in read_export(bodies["a"]).tables]
    with pytest.raises(ExportError, match=r"export_a/datapackage\.json: field 'id'.*count its people twice"):
        pool_exports([bodies["a"], bodies["b"], bodies["a"]])


def refused(args: list[str], out: Path, *words: str) -> None:
    result = run([*args, "--out", str(out)], "sqlite:///unused.db")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    for word in words:
        assert word in message, message
    assert not out.exists() and not list(out.parent.glob(f".{out.name}-*"))


def test_bad_input_is_refused_naming_the_file_and_field_and_nothing_is_written(bodies, tmp_path):
    out = tmp_path / "pool"
    missing = tmp_path / "no-such-export"
    refused(["report", "pool", str(bodies["a"]), str(missing)], out, f"{missing}: no such folder")

    other_format = tmp_path / "other"
    other_format.mkdir()
    (other_format / "prices.csv").write_text("item,price\ntea,2\n")
    (other_format / DESCRIPTOR).write_text(
        json.dumps(
            {
                "profile": "tabular-data-package",
                "name": "prices",
                "resources": [
                    {
                        "profile": "tabular-data-resource",
                        "name": "prices",
                        "path": "prices.csv",
                        "schema": {"fields": [{"name": "item"}, {"name": "price", "type": "number"}]},
                    }
                ],
            }
        )
    )
    jsonschema.Draft4Validator(TABULAR_DATA_PACKAGE).validate(json.loads((other_format / DESCRIPTOR).read_text()))
    refused(
        ["report", "pool", str(bodies["a"]), str(other_format)],
        out,
        f"{other_format / DESCRIPTOR}: field 'format' is None",
        "not a regledger consortium export",
    )

    later = tmp_path / "later"
    shutil.copytree(bodies["b"], later)
    package = json.loads((later / DESCRIPTOR).read_text())
    package["id"] = "another-release"
    outcomes = next(r for r in package["resources"] if r["name"] == "outcomes")
    outcomes["period"] = {"from": "2025-04-01", "to": "2025-06-30", "label": "2025 Q2"}
    (later / DESCRIPTOR).write_text(json.dumps(package))
    refused(
        ["report", "pool", str(bodies["a"]), str(later)],
        out,
        f"{later / DESCRIPTOR}: resource 'outcomes' field 'period' is 2025-04-01 to 2025-06-30",
        "has 2025-01-01 to 2025-03-31",
    )

    # the tables whose periods agree can still be pooled, by name
    agreed = run(["report", "pool", str(bodies["a"]), str(later), "--table", "representation", "--out", str(out)], "x")
    assert agreed.exit_code == 0, agreed.output
    assert [r["name"] for r in check_package(out)["resources"]] == ["representation"]

    # exporting into a folder that already holds files is refused, and leaves it as it was
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    result = run(["report", "export", "--for-consortium", str(taken)], f"sqlite:///{bodies['a'].parent / 'a.db'}")
    assert result.exit_code == 1 and "already exists and is not an empty folder" in " ".join(result.output.split())
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
