"""The consortium export (``regledger report export --for-consortium``) and pooling (``regledger report pool``): the
export is a valid Frictionless Tabular Data Package whose CSVs match their schemas; every percentage and rate of
every table of a full report is pooled by its table's own rule or says why not; two bodies' exports pool into figures
that give nothing away that the exports did not, in the one-way tables and in the intersections, fairness and
participation tables (beside a naive pool of raw counts that the same attack breaks); bad input is refused with the
file and field named, and nothing is written."""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ledger.reports.progression import consortium, suppression
from ledger.reports.progression.consortium import (
    AT_LEAST,
    DESCRIPTOR,
    UNDECLARED,
    ExportError,
    NotPooled,
    export_report,
    from_report,
    pool_exports,
    pooling,
    read_export,
)
from ledger.reports.progression.report import report_from_rows
from ledger.reports.progression.shape import Report, Row, Table
from ledger.reports.progression.suppression import Figure
from tests.builders.command_line import run
from tests.builders.world import INTERMEDIATE, LOWER, PROFESSIONAL, TODAY, world
from tests.integration.test_characteristics_report import _awarded
from tests.integration.test_fairness_tables import fairness_rows
from tests.integration.test_participation_tables import with_participation

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
    assert package["format"] == "regledger-consortium-export" and package["formatVersion"] == 2
    assert package["rounding"]["roundTo"] == 5 and package["suppression"]["minPercentageBase"] == 22.5
    outcomes = next(r for r in package["resources"] if r["name"] == "outcomes")
    assert outcomes["period"] == {"from": "2025-01-01", "to": "2025-03-31", "label": "2025 Q1"}
    assert outcomes["snapshot"] is False and "records dated within the period" in outcomes["base"]
    fields = {f["name"]: f for f in outcomes["schema"]["fields"]}
    assert fields["Awarded"]["type"] == "integer" and fields["Awarded" + AT_LEAST]["figure"] == "least records"
    assert fields["Award rate"]["percentOf"] == {
        "numerator": ["Awarded"],
        "base": ["Decided"],
        "baseRow": None,
        "per": 100,
        "minBase": 22.5,
    }
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
    """Every count and every count's ``at least``, by (table, group, row, field)."""
    package = json.loads((folder / DESCRIPTOR).read_text())
    found = {}
    for resource in package["resources"]:
        counts = [f["name"] for f in resource["schema"]["fields"] if f.get("figure") in ("count", "least records")]
        for row in rows_of(folder, resource["name"]):
            for column in counts:
                if row[column] not in ("", "suppressed"):
                    found[(resource["name"], row["group"], row["row"], column)] = int(row[column])
    return found


def assert_same(folder: Path, other: Path) -> None:
    """Two exports (or two pools) say the same, file for file, but for their ids."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in other.iterdir())
    for path in folder.glob("*.csv"):
        assert path.read_bytes() == (other / path.name).read_bytes(), path.name
    mine, theirs = (json.loads((f / DESCRIPTOR).read_text()) for f in (folder, other))
    for package in (mine, theirs):
        package.pop("id"), package.pop("pooledFrom")
    assert mine == theirs


def check_pool(exports: list[Path], out: Path) -> int:
    """What every pool keeps, in every table: it is a valid package; each count (and its ``at least``) is the sum of
    the bodies' (so a count is a multiple of 5); each share is ``per`` times the pooled numerator over the pooled
    base, suppressed exactly when the pooled ``at least`` of its base is under its table's ``minBase``; every other
    figure is not pooled, says why, and shows nothing. Returns how many shares the pool shows."""
    package = check_package(out)
    parts, pooled = [pooled_counts(e) for e in exports], pooled_counts(out)
    assert pooled and all(p.keys() == pooled.keys() for p in parts)
    for key, value in pooled.items():
        assert value == sum(p[key] for p in parts), key
        assert key[3].endswith(AT_LEAST) or value % 5 == 0, key
    shown = 0
    for resource in package["resources"]:
        lines = rows_of(out, resource["name"])
        for field in resource["schema"]["fields"][2:]:
            name, share = field["name"], field.get("percentOf")
            if field.get("figure") in (None, "count", "least records"):
                continue
            if share is None:
                assert field["notPooled"], (resource["name"], name)
                assert {line[name] for line in lines} <= {"", "suppressed"}, (resource["name"], name)
                continue
            for line in lines:
                if line[name] == "":
                    continue
                base_line = (
                    line
                    if share["baseRow"] is None
                    else next(r for r in lines if r["group"] == line["group"] and r["row"] == share["baseRow"])
                )
                floor = sum(int(base_line[c + AT_LEAST]) for c in share["base"])
                base = sum(int(base_line[c]) for c in share["base"])
                numerator = sum(int(line[c]) for c in share["numerator"])
                where = (resource["name"], line["group"], line["row"], name)
                if floor < share["minBase"] or not base:
                    assert line[name] == "suppressed", where
                else:
                    digits = 0 if share["per"] == 100 else 1
                    assert float(line[name]) == round(share["per"] * numerator / base, digits), where
                    shown += 1
    return shown


def test_two_bodies_pool_and_nothing_rounding_hid_can_be_derived(bodies, tmp_path):
    out = tmp_path / "pool"
    result = run(["report", "pool", str(bodies["a"]), str(bodies["b"]), "--out", str(out)], "sqlite:///unused.db")
    assert result.exit_code == 0, result.output
    # in every table: counts the sums of the bodies', shares worked out again by their rule, the rest not pooled
    assert check_pool([bodies["a"], bodies["b"]], out)
    pooled = pooled_counts(out)
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
    assert_same(bodies["a"], bodies["a_twin"])
    assert_same(out, twin_out)
    # and no pooled figure is the raw count rounding hid
    for band, count in raw.items():
        if count % 5:
            assert int(awarded[band]) != count


# -- every percentage and rate of every table: pooled by its own rule, or saying why not
def event(
    key: str, person: str, kind: str, on: date, level: str | None = None, outcome: str | None = None
) -> dict[str, Any]:
    return {
        "id": key,
        "person": person,
        "kind": kind,
        "on": on,
        "seq": 5,
        "level": level,
        "previous_level": None,
        "previous_on": None,
        "route": None,
        "year": on.year,
        "outcome": outcome,
    }


def full_rows() -> dict[str, list[dict[str, Any]]]:
    """A register with figures in every table of the report: applications, decisions, appeals and upgrades
    (``fairness_rows``), PPD and assessor appointments (``with_participation``), and a renewal or a lapse a year after
    each first award, some of them after a PPD audit, appealed when it decided 'not renewed'."""
    rows = with_participation(fairness_rows(1000))
    rng = random.Random(5)
    firsts = [e for e in rows["events"] if e["kind"] == "awarded" and e["previous_level"] is None]
    for n, e in enumerate(firsts):
        due, person, level = e["on"] + timedelta(days=365), e["person"], e["level"]
        if due > TODAY - timedelta(days=60):
            continue
        kind = rng.choice(["renewed"] * 6 + ["lapsed", "lapsed_after_audit"])
        rows["events"].append(event(f"r{n}", person, kind, due, level))
        if rng.random() < 0.4:
            decided = due - timedelta(days=40)
            outcome = rng.choice(["accepted", "accepted", "deferred", "not_renewed"])
            rows["events"].append(event(f"s{n}", person, "audit_selected", due - timedelta(days=90), level))
            rows["events"].append(event(f"o{n}", person, "audit_decided", decided, level, outcome))
            if outcome == "not_renewed":
                appeal = rng.choice(["upheld", "dismissed"])
                rows["events"].append(
                    event(f"p{n}", person, "audit_appeal_decided", decided + timedelta(20), level, appeal)
                )
    return rows


def unpooled(report: Report) -> list[tuple[str, str]]:
    """Every percentage or rate column of the report (by what its cells are) with no pooling rule and no reason."""
    found = []
    for table in report.tables:
        declared = pooling(table)
        for column in table.columns:
            kinds = {r.cells[column].kind for r in table.rows if column in r.cells}
            if kinds & set(consortium.SHARE_KINDS) and column not in declared:
                found.append((table.key, column))
    return found


def test_every_percentage_and_rate_of_every_table_is_pooled_by_its_own_rule_or_says_why_not(tmp_path, monkeypatch):
    report = report_from_rows(full_rows(), TODAY)
    empty = [t.key for t in report.tables if not t.rows]
    assert not empty, f"give full_rows records for {empty}, so that the walk sees what their columns hold"
    assert unpooled(report) == []
    # the export checks every share against the report's own figures, row by row, and the descriptor says it all
    package = check_package(export_report(report, tmp_path / "full"))
    fields = {(r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"][2:]}
    for (key, name), spec in fields.items():
        if spec["figure"] in consortium.SHARE_KINDS:
            assert (spec["percentOf"] is None) == ("notPooled" in spec), (key, name)
            assert spec.get("notPooled") != UNDECLARED, (key, name)
        elif spec["figure"] not in ("count", "least records"):
            assert spec["notPooled"].startswith("not pooled: "), (key, name)
    shares = {key: spec["percentOf"] for key, spec in fields.items() if spec.get("percentOf")}

    def share(numerator: list[str], base: list[str], min_base: float = 22.5, per: int = 100) -> dict[str, Any]:
        return {"numerator": numerator, "base": base, "baseRow": None, "per": per, "minBase": min_base}

    # the tables added last: the intersections at a base of 45, the rest at 22.5, the rate per 1,000 like a percentage
    groups = ["White", "Mixed", "Asian", "Black", "Other"]
    assert shares[("band_by_sex", "Female %")] == share(["Female"], ["Female", "Male"], 45)
    assert shares[("band_by_ethnic_group", "Black %")] == share(["Black"], groups, 45)
    for key in ("award_rate_by_band_and_sex", "award_rate_by_band_and_ethnic_group"):
        assert shares[(key, "Award rate")] == share(["Awarded"], ["Decided"], 45)
    assert shares[("working_pattern_outcomes", "Award rate")] == share(["Awarded"], ["Decided"])
    assert shares[("feedback_by_band", "Feedback rate")] == share(["Feedback given"], ["Decided"])
    assert shares[("feedback_by_band", "Deferral rate")] == share(["Deferred"], ["Decided"])
    assert shares[("feedback_by_band", "Rejection rate")] == share(["Rejected"], ["Decided"])
    assert shares[("feedback_by_band", "Appeal rate")] == share(["Appealed"], ["Feedback given"])
    assert shares[("advanced_level_by_band", "ACP %")] == share(["At ACP"], ["Registered"])
    ppd = {name: s for (key, name), s in shares.items() if key == "ppd_uptake"}
    assert ppd["Any PPD %"] == share(["Any PPD"], ["Registered"]) and len(ppd) == 6  # any, and the five categories
    assert ppd["Formal education %"] == share(["Formal education"], ["Registered"])
    assert fields[("assessor_appointments", "Per 1,000 registered")]["figure"] == "rate"
    assert shares[("assessor_appointments", "Per 1,000 registered")] == share(["Appointed"], ["Registered"], per=1000)
    # what is not pooled says why: the parity table's copies of the outcomes table's rates, the targets read off one
    assert "copy of the outcomes table" in fields[("parity", "Equivalency award rate")]["notPooled"]
    assert fields[("response", "Target 66%")]["figure"] == "text" and fields[("response", "Target 66%")]["notPooled"]

    # the walk fails on a table the register does not know, whose percentage an export then leaves unpooled
    yes, asked = suppression.count(30), suppression.count(40)
    made_up = Table("made_up", "A table added later", "", ["Yes", "Asked", "Yes %"])
    made_up.rows = [Row("", "All", {"Yes": yes, "Asked": asked, "Yes %": suppression.percentage(yes, asked)})]
    later = Report(TODAY, None, None, 5.0, [*report.tables, made_up])
    assert unpooled(later) == [("made_up", "Yes %")]
    assert from_report(later).pooling["made_up"] == {"Yes %": NotPooled(UNDECLARED)}
    # and a share that does not give the report's own figures stops the export: here the intersections' base
    monkeypatch.setattr(consortium, "STRICT_TABLES", ())
    with pytest.raises(ExportError, match=r"table 'band_by_sex' column '\w+ %': the declared share .* does not give"):
        from_report(report)


# -- the tables added last, pooled
PERSON: dict[str, Any] = {
    "band": None,
    "sex": None,
    "ethnic_group": None,
    "working_pattern": None,
    "level": "RCT",
    "outcome": "award",
    "appealed": False,
    "ppd": False,
    "appointed": False,
}
LATER = date(2026, 2, 2)  # PPD recorded and assessors appointed, in the 12 months the participation tables show


def people(n: int, **given: Any) -> list[dict[str, Any]]:
    return [{**PERSON, **given}] * n


def body_rows(everyone: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A body's statistics rows: everyone enrols, answers and is decided (standard route) in 2025 Q1; those with
    ``ppd`` record formal education, and those ``appointed`` are appointed assessors, on ``LATER``."""
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("people", "answers", "applications", "events")}
    rows["ppd"], rows["assessors"] = [], []
    for i, p in enumerate(everyone):
        person, enrolled = f"p{i}", date(2025, 1, 2) + timedelta(days=i % 40)
        closed = enrolled + timedelta(days=20)
        groups = {c: p[c] for c in ("working_pattern", "sex", "ethnic_group")}
        rows["people"].append({"person": person, "enrolled_on": enrolled, "erased": False})
        rows["answers"].append(
            {"id": f"a{i}", "person": person, "on": enrolled, "seq": 1, "responded": True, "band": p["band"], **groups}
        )
        rows["applications"].append(
            {
                "id": f"x{i}",
                "person": person,
                "level": p["level"],
                "route": "standard",
                "closed_on": closed,
                "first_outcome": p["outcome"],
                "appealed_on": closed + timedelta(days=10) if p["appealed"] else None,
            }
        )
        if p["outcome"] == "award":
            rows["events"].append(_awarded(f"e{i}", person, closed, p["level"], None, None, "standard"))
        if p["ppd"]:
            rows["ppd"].append(
                {"id": f"d{i}", "person": person, "on": LATER, "recorded_on": LATER, "category": "formal", "hours": 6.0}
            )
        if p["appointed"]:
            rows["assessors"].append({"id": f"s{i}", "person": person, "appointed_on": LATER, "stood_down_on": None})
    return rows


ACTIVE = {"ppd": True, "appointed": True}  # records PPD and is appointed an assessor on LATER
PROFESSIONAL_WOMAN = {**PERSON, **ACTIVE, "band": "professional", "sex": "female", "ethnic_group": "white"}
REST_OF_A = (  # beside 22 professional women (one of them answers 'male' in the twin) and these 8 men, all registered
    people(8, **ACTIVE, band="professional", sex="male", ethnic_group="asian", working_pattern="employed")
    + people(12, band="lower", sex="female", ethnic_group="black", working_pattern="freelance", level="ACP")
    + people(13, band="lower", sex="male", ethnic_group="white", working_pattern="both")
    + people(5)
    + people(6, band="intermediate", sex="female", ethnic_group="mixed", outcome="defer", appealed=True)
    + people(5, band="intermediate", sex="male", working_pattern="employed", outcome="reject")
)
NEW_BODY_A = people(22, **{**PROFESSIONAL_WOMAN, "working_pattern": "freelance"}) + REST_OF_A
NEW_BODY_A_TWIN = (
    people(21, **{**PROFESSIONAL_WOMAN, "working_pattern": "freelance"})
    + people(1, **{**PROFESSIONAL_WOMAN, "working_pattern": "freelance", "sex": "male"})
    + REST_OF_A
)
NEW_BODY_B = (
    people(21, **{**PROFESSIONAL_WOMAN, "working_pattern": "employed"})
    + people(3, **ACTIVE, band="professional", sex="male", ethnic_group="white", working_pattern="freelance")
    + people(8, band="lower", sex="female", ethnic_group="asian", working_pattern="freelance", ppd=True)
    + people(6, band="lower", sex="male", ethnic_group="black", working_pattern="employed", level="ACP")
    + people(10)
    + people(4, band="intermediate", sex="female", outcome="defer", appealed=True)
    + people(7, band="intermediate", sex="male", ethnic_group="other", outcome="reject")
)
RAW_PROFESSIONAL_WOMEN = {"a": 22, "a_twin": 21, "b": 21}  # registered, in the professional band: what rounding hides
NEW_TABLES = (
    "working_pattern_outcomes",
    "band_by_sex",
    "band_by_ethnic_group",
    "feedback_by_band",
    "advanced_level_by_band",
    "award_rate_by_band_and_sex",
    "award_rate_by_band_and_ethnic_group",
    "ppd_uptake",
    "assessor_appointments",
)


@pytest.fixture(scope="module")
def new_bodies(tmp_path_factory):
    """Body A, its twin (one professional woman answered 'male' instead) and body B, each exported from its report."""
    folder = tmp_path_factory.mktemp("new_bodies")
    return {
        name: export_report(report_from_rows(body_rows(everyone), TODAY), folder / f"export_{name}")
        for name, everyone in (("a", NEW_BODY_A), ("a_twin", NEW_BODY_A_TWIN), ("b", NEW_BODY_B))
    }


def test_two_bodies_pool_the_tables_added_last_and_nothing_rounding_or_suppression_hid_can_be_derived(
    new_bodies, tmp_path
):
    a, b = new_bodies["a"], new_bodies["b"]
    out = tmp_path / "pool"
    result = run(["report", "pool", str(a), str(b), "--out", str(out)], "sqlite:///unused.db")
    assert result.exit_code == 0, result.output
    assert check_pool([a, b], out)
    resources = {r["name"]: r for r in json.loads((out / DESCRIPTOR).read_text())["resources"]}
    for key in NEW_TABLES:  # each reported, for the period the bodies' own tables give, and pooled
        own = next(r for r in json.loads((a / DESCRIPTOR).read_text())["resources"] if r["name"] == key)
        assert own["period"] is not None and resources[key]["period"] == own["period"], key
        assert rows_of(out, key), key

    def shown(folder: Path, key: str, group: str, row: str, column: str) -> tuple[str, int]:
        """A share and the ``at least`` of its base, as an export or a pool shows them."""
        share = next(f for f in resources[key]["schema"]["fields"] if f["name"] == column)["percentOf"]
        line = next(r for r in rows_of(folder, key) if r["group"] == group and r["row"] == row)
        return line[column], sum(int(line[c + AT_LEAST]) for c in share["base"])

    # an intersection's share whose pooled base crosses 45: professional women among professionals of known sex
    # (body A 20 women and 10 men, at least 18 + 8 people; body B 20 and 5, at least 18 + 3), each body suppressing
    # its own; pooled, 40 of 55, at least 47 people
    female = ("band_by_sex", "By background", "Professional", "Female %")
    assert shown(a, *female) == ("suppressed", 26) and shown(b, *female) == ("suppressed", 21)
    assert shown(out, *female) == (str(round(100 * 40 / 55)), 47)
    # and one whose pooled base stays under 45: the lower band (at least 21 + 11 = 32 people), which a one-way table
    # (22.5) would show
    lower = ("band_by_sex", "By background", "Lower", "Female %")
    assert shown(out, *lower) == ("suppressed", 32)
    assert not suppression.percentage(suppression.count(20), Figure("count", 40, floor=32)).suppressed
    # the award-rate intersection the same way: all backgrounds, women (awarded 30 of 35, at least 29 people, in
    # each body; pooled, 60 of 70)
    women = ("award_rate_by_band_and_sex", "All backgrounds, by sex", "Female", "Award rate")
    assert shown(a, *women)[0] == shown(b, *women)[0] == "suppressed" and shown(out, *women) == (
        str(round(100 * 60 / 70)),
        58,
    )
    # the one-way shares of the fairness and participation tables by theirs (22.5): the lower band's PPD uptake
    # (at least 21 registered in body A, 11 in B, so suppressed in each) is shown pooled; the appeal rate, a share
    # of 20 deferred or rejected (at least 12 people), stays suppressed
    uptake = ("ppd_uptake", "By background", "Lower", "Any PPD %")
    assert shown(a, *uptake) == ("suppressed", 21) and shown(b, *uptake) == ("suppressed", 11)
    assert shown(out, *uptake) == (str(round(100 * 10 / 40)), 32)
    assert shown(out, "feedback_by_band", "By route", "Standard", "Appeal rate") == ("suppressed", 12)
    assert shown(out, "feedback_by_band", "By route", "Standard", "Feedback rate") == (str(round(100 * 20 / 130)), 110)
    # and the rate per 1,000 like a percentage, to one decimal place
    per_thousand = ("assessor_appointments", "By background", "All backgrounds", "Per 1,000 registered")
    assert shown(out, *per_thousand) == ("500.0", 94)
    assert shown(out, "assessor_appointments", "By background", "Not known", "Per 1,000 registered") == (
        "suppressed",
        11,
    )

    # the attack: one professional woman of body A answered 'male' in its twin. A naive pool (add the raw counts,
    # then round) tells the two consortia apart: 22 + 21 = 43 women shows as 45, 21 + 21 = 42 as 40
    naive = {
        name: suppression.round_count(raw + RAW_PROFESSIONAL_WOMEN["b"])
        for name, raw in RAW_PROFESSIONAL_WOMEN.items()
        if name != "b"
    }
    assert naive == {"a": 45, "a_twin": 40}
    # the real one cannot: the twin exports the same figures in every table, so both pools are the same, file for file
    twin_out = tmp_path / "pool_twin"
    twin = run(["report", "pool", str(new_bodies["a_twin"]), str(b), "--out", str(twin_out)], "x")
    assert twin.exit_code == 0, twin.output
    assert_same(a, new_bodies["a_twin"])
    assert_same(out, twin_out)
    assert cell(out, "band_by_sex", "By background", "Professional", "Female") == "40"  # never the raw 43


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

    # an export of version 1, which did not say which base each percentage needs, is refused
    old = tmp_path / "old"
    shutil.copytree(bodies["b"], old)
    package = json.loads((old / DESCRIPTOR).read_text())
    package["formatVersion"] = 1
    (old / DESCRIPTOR).write_text(json.dumps(package))
    refused(
        ["report", "pool", str(bodies["a"]), str(old)], out, f"{old / DESCRIPTOR}: field 'formatVersion' is 1, not 2"
    )

    # so is one whose intersection percentage claims the one-way base (22.5), which would show what 45 hides
    lowered = tmp_path / "lowered"
    shutil.copytree(bodies["b"], lowered)
    package = json.loads((lowered / DESCRIPTOR).read_text())
    band_by_sex = next(r for r in package["resources"] if r["name"] == "band_by_sex")
    next(f for f in band_by_sex["schema"]["fields"] if f["name"] == "Female %")["percentOf"]["minBase"] = 22.5
    (lowered / DESCRIPTOR).write_text(json.dumps(package))
    refused(
        ["report", "pool", str(bodies["a"]), str(lowered)],
        out,
        f"{lowered / DESCRIPTOR}: resource 'band_by_sex' field 'Female %': field 'percentOf' is",
        "'minBase': 22.5}, but this register pools that column as",
        "'minBase': 45.0}",
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
