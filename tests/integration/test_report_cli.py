"""regledger report progression, as the registrar runs it: the terminal table, CSV, JSON and HTML, with dates that
snap to whole blocks and suppressed figures marked in each."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from tests.builders.command_line import run
from tests.builders.world import LOWER, PROFESSIONAL, world


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "r.db"
    world(
        path,
        [PROFESSIONAL] * 25 + [LOWER] * 20 + ["clerical"] * 6 + [None] * 6,
        LOWER,
        target_decided=date(2025, 2, 20),
        target_route="equivalency",
    ).close()
    return f"sqlite:///{path}"


def test_the_report_in_the_terminal(database_url):
    result = run(["report", "progression"], database_url)
    assert result.exit_code == 0, result.output
    for title in (
        "Representation by background at each level",
        "Response to the background questions",
        "Application outcomes and award rates",
        "Pass-rate parity between the routes",
        "Time from one level to the next",
        "Renewals and lapses by background",
        "PPD audit outcomes by background",
    ):
        assert title in result.stdout
    assert "suppressed" in result.stdout and "figure(s) suppressed in this table" in result.stdout
    assert "not yet reported" in result.stdout  # nobody has moved up a level yet


def test_the_report_as_csv_json_and_html(database_url, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run(["report", "progression", "--format", "csv"], database_url).stdout)))
    hidden = [r for r in rows if r["suppressed"] == "yes" and r["shown"] == "suppressed"]
    assert hidden and all(r["value"] == "" and r["reason"] for r in hidden)
    assert {r["table"] for r in rows} >= {"representation", "response", "outcomes", "parity", "progression"}
    counts = [r for r in rows if r["column"] in ("Awarded", "Decided", "Total") and r["value"]]
    assert counts and all(int(r["value"]) % 5 == 0 for r in counts)

    report = json.loads(
        run(
            [
                "report",
                "progression",
                "--format",
                "json",
                "--from",
                "2025-02-10",
                "--to",
                "2025-02-11",
                "--parity-margin",
                "3",
            ],
            database_url,
        ).stdout
    )
    outcomes = next(t for t in report["tables"] if t["key"] == "outcomes")
    assert outcomes["period"]["from"] == "2025-01-01" and outcomes["period"]["to"] == "2025-03-31"
    assert report["asked"] == {"from": "2025-02-10", "to": "2025-02-11"} and report["parity_margin_points"] == 3

    out = tmp_path / "report.html"
    written = run(["report", "progression", "--format", "html", "--out", str(out)], database_url)
    assert written.exit_code == 0, written.output
    page = out.read_text()
    assert page.count('<img src="data:image/svg+xml;base64,') >= 3 and "<script" not in page
    assert 'class="suppressed"' in page and "Suppressed (too few people to show)" in page

    bad = run(["report", "progression", "--format", "xlsx"], database_url)
    assert bad.exit_code == 1 and "--format must be one of" in bad.output
