"""Assessor consistency from real ledger events (SQLite and PostgreSQL): applications assessed by a harsh assessor and
six fair ones; the registrar sees the harsh one flagged on the page and in the JSON, and nobody else sees it (the
auditor, the admin, an assessor, a registrant: 403; nobody signed in: sign in first); the CLI prints it.

The seeding takes most of the time, so each database is seeded once: one test for the report, one for who sees it."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from ledger.api.pages import assessor_consistency as pages
from ledger.cli.assessors import assessors as assessors_command
from ledger.read.projections.runner import ProjectionRunner
from ledger.reports.assessor_consistency import assessor_consistency
from tests.builders.actors import Actors
from tests.builders.records import enrol, judgements, submitted
from tests.conftest import MASTER_KEY

APPLICATIONS = 70
LOWER = {"parental_occupation_14": "routine"}
PROFESSIONAL = {"parental_occupation_14": "manager"}


def seed(ledger) -> dict[str, object]:
    """Seventy RCT applications by the standard route. Every other one is assessed by the harsh assessor (who
    recommends an award one time in five) with a fair one; the rest by two fair ones (who recommend an award three
    times in four). Every third applicant gave a lower-band background, the rest a professional one."""
    harsh = ledger.appoint_assessor("Harriet Harsh")
    fair = [ledger.appoint_assessor(f"Fair Assessor {n}") for n in range(6)]
    lower_with_harsh = 0
    for i in range(APPLICATIONS):
        band = LOWER if i % 3 == 0 else PROFESSIONAL
        registrant = enrol(ledger, f"Applicant {i}", email=f"applicant{i}@example.org", background_answers=band)
        application = submitted(ledger, registrant)
        pair = (harsh, fair[i % 6]) if i % 2 == 0 else (fair[i % 6], fair[(i + 1) % 6])
        for assessor in pair:
            ledger.assign_assessor(application, assessor, "No conflict of interest.")
        for k, assessor in enumerate(pair):
            award = (i % 10 == 0) if assessor == harsh else ((i + k) % 4 != 0)
            ledger.record_assessment(
                application, assessor, judgements(ledger, "RCT"), "award" if award else "defer", "Feedback."
            )
        lower_with_harsh += harsh in pair and band is LOWER
    ProjectionRunner(ledger).catch_up()
    return {"harsh": harsh.hex, "fair": [f.hex for f in fair], "lower_with_harsh": lower_with_harsh}


@pytest.fixture
def seeded(ledger):
    facts = seed(ledger)
    actors = Actors(ledger)
    yield ledger, actors, facts
    actors.close()


def test_the_report_flags_the_harsh_assessor_and_joins_bands_through_the_statistics(seeded):
    ledger, _, facts = seeded
    report = assessor_consistency(ledger)
    flagged = [f for f in report.overall if f.flagged]
    assert [f.assessor for f in flagged] == [facts["harsh"]]
    (harsh,) = flagged
    assert harsh.name == "Harriet Harsh" and harsh.cases == APPLICATIONS // 2 and harsh.awards == 7
    assert harsh.test is not None and harsh.test.direction == "fewer" and harsh.adjusted_p is not None
    assert harsh.adjusted_p < 0.001
    fair = {f.assessor: f for f in report.overall if f.assessor in facts["fair"]}
    assert len(fair) == 6 and not any(f.flagged for f in fair.values())
    assert any(f.test is None for f in fair.values())  # some fair ones have too few cases to be judged at all
    # the band of each assessment came from the statistics read model, through the applicant's pseudonym
    (harsh_lower,) = [f for f in report.by_band if f.assessor == facts["harsh"] and f.band == "lower"]
    assert harsh_lower.cases == facts["lower_with_harsh"] and harsh_lower.test is None  # 12: too few to judge
    assert [(f.assessor, f.band) for f in report.by_band if f.flagged] == [(facts["harsh"], "professional")]
    assert report.assessments == 2 * APPLICATIONS


def test_the_registrar_alone_sees_it_on_the_page_the_api_and_the_cli(seeded, database_url):
    _, actors, facts = seeded
    page = actors.call("registrar", "GET", pages.PATH, Accept="text/html")
    assert page.status_code == 200, page.text
    assert "Assessor consistency" in page.text and "Never publish this page" in page.text
    assert "Harriet Harsh" in page.text and "FLAG: recommends award fewer often than peers" in page.text
    assert "<script" not in page.text
    shown = actors.ok("registrar", "GET", pages.API_PATH)
    assert shown["audience"] == "the registrar only: never published"
    assert shown["assessments"]["value"] == 140
    (first, *rest) = shown["overall"]
    assert first["assessor_id"] == facts["harsh"] and first["flagged"] is True
    assert (
        first["comparable_cases"]["value"] == 35 and first["award_rate"]["shown"] == "14%"
    )  # 5 of 35, as the rounded counts show it
    assert not any(row["flagged"] for row in rest)
    for who in ("auditor", "admin", "assessor", "registrant"):  # everyone else is refused
        page = actors.call(who, "GET", pages.PATH, Accept="text/html")
        assert page.status_code == 403, who
        assert "text/html" in page.headers["content-type"] and "Harriet Harsh" not in page.text
        answer = actors.call(who, "GET", pages.API_PATH)
        assert answer.status_code == 403, who
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "registrar" in answer.json()["detail"] and "Harriet" not in answer.text
    # nobody signed in is sent to sign in (the page) or told to (the API)
    page = actors.client.get(pages.PATH, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    answer = actors.client.get(pages.API_PATH)
    assert answer.status_code == 401 and "Harriet" not in answer.text
    check_the_cli(database_url, facts)


def run_cli(database_url, *args):
    cli = typer.Typer()
    report = typer.Typer()
    report.command("assessors")(assessors_command)
    report.command("other")(lambda: None)  # two commands: Typer keeps "assessors" a subcommand
    cli.add_typer(report, name="report")
    env = {"REGLEDGER_DATABASE_URL": database_url, "REGLEDGER_MASTER_KEY": MASTER_KEY}
    return CliRunner().invoke(cli, ["report", "assessors", *args], env=env)


def check_the_cli(database_url, facts):
    """The CLI prints it as tables and as JSON."""
    result = run_cli(database_url)
    assert result.exit_code == 0, result.output
    assert "Assessor consistency" in result.stdout and "never published" in result.stdout
    assert "Harriet Harsh" in result.stdout and "FLAG" in result.stdout
    assert "2 flag(s)." in result.stdout  # every applicant, and the professional band (23 of her cases)
    as_json = run_cli(database_url, "--json")
    assert as_json.exit_code == 0, as_json.output
    shown = json.loads(as_json.stdout)
    assert [row["assessor_id"] for row in shown["overall"] if row["flagged"]] == [facts["harsh"]]
