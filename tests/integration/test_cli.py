"""The command line, as a new user runs it: demo, register, rebuild, framework, erase."""

from __future__ import annotations

import json

from tests.builders.command_line import run


def test_demo_register_rebuild_and_erase(database_url):
    result = run(["demo", "--registrants", "80", "--years", "2", "--seed", "1", "--json"], database_url)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["events"] > 1000 and figures["refused"] == 0
    assert figures["events"] == sum(figures["events_by_kind"].values())

    again = run(["demo", "--registrants", "80"], database_url)
    assert again.exit_code == 1 and "already holds events" in again.output
    assert run(["demo", "--if-empty"], database_url).exit_code == 0

    listing = json.loads(run(["register", "--json", "--limit", "1000"], database_url).stdout)
    assert listing and {
        "registration_number",
        "name",
        "level",
        "status",
        "disciplines",
        "registered_since",
        "valid_until",
    } <= set(listing[0])
    assert {e["level"] for e in listing} == {"RCT", "RCP", "ACP"}
    assert {"registered", "lapsed"} <= {e["status"] for e in listing}

    rebuilt = json.loads(run(["rebuild", "--json"], database_url).stdout)
    assert rebuilt["events"] == figures["events"]
    assert json.loads(run(["register", "--json", "--limit", "1000"], database_url).stdout) == listing

    number = listing[0]["registration_number"]
    erased = run(["erase", number, "--yes"], database_url)
    assert erased.exit_code == 0, erased.output
    [entry] = json.loads(run(["register", "--json", "--query", number], database_url).stdout)
    assert entry["name"] == "[erased]"


def test_same_seed_same_history(tmp_path):
    def history(name):
        url = f"sqlite:///{tmp_path / name}"
        assert run(["demo", "--registrants", "40", "--years", "2", "--seed", "9", "--quiet"], url).exit_code == 0
        return json.loads(run(["register", "--json", "--limit", "1000"], url).stdout)

    assert history("one.db") == history("two.db")


def test_bad_input_gets_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    bad_number = run(["register", "--query", "RG-0000001-00"], url)
    assert bad_number.exit_code == 1 and "check digits" in bad_number.output
    bad_level = run(["register", "--level", "XYZ"], url)
    assert bad_level.exit_code == 1 and "Unknown level" in bad_level.output
    nobody = run(["erase", "not-a-number", "--yes"], url)
    assert nobody.exit_code == 1 and "neither a registration number nor an id" in nobody.output


def test_framework_json_is_the_skills_list(tmp_path):
    data = json.loads(run(["framework", "--json"], f"sqlite:///{tmp_path / 'r.db'}").stdout)
    assert [lv["code"] for lv in data["levels"]] == ["RCT", "RCP", "ACP"]
    entry = {c["area"] for c in data["levels"][0]["competencies"]}
    assert entry == {"A", "B", "C", "D", "E"}  # leadership (F) is not required at entry
    assert {c["area"] for c in data["levels"][1]["competencies"]} == {"A", "B", "C", "D", "E", "F"}


def test_users_add_refuses_a_short_password_at_the_first_prompt(tmp_path):
    """The operator's stumble (issue 17): a too-short password was asked for twice (and confirmed) before it was
    refused. Now it is refused as soon as it is typed, and asked for again; the account is made with the next."""
    database_url = f"sqlite:///{tmp_path / 'regledger.db'}"
    result = run(
        ["users", "add", "ops@example.org", "--role", "registrar"],
        database_url,
        input="short\na-long-enough-password\na-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Password (at least 12 characters):")  # the rule, before anything is typed
    assert result.output.count("invalid") == 1  # the short one refused at once (click hides a secret's details)
    assert result.output.count("Repeat for confirmation") == 1  # confirmed once: the short one never was

    flag = run(["users", "add", "ops2@example.org", "--role", "registrar", "--password", "short"], database_url)
    assert flag.exit_code == 2 and "must be 12 to" in flag.output  # given as an option: refused, and why


def test_register_in_an_80_column_pipe_keeps_every_number_whole_and_says_there_are_more(tmp_path):
    """The operator's stumble (issue 17): piped into another program (80 columns), `regledger register` cut
    registration numbers in two and said nothing of the 50-entry limit."""
    import os
    import re
    import subprocess
    import sys

    from tests.conftest import MASTER_KEY

    database_url = f"sqlite:///{tmp_path / 'regledger.db'}"
    assert run(["demo", "--registrants", "40", "--years", "1", "--seed", "2"], database_url).exit_code == 0
    every = json.loads(run(["register", "--json", "--limit", "1000"], database_url).stdout)
    assert len(every) > 5
    env = {
        **os.environ,
        "REGLEDGER_DATABASE_URL": database_url,
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "COLUMNS": "80",
    }
    piped = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "register", "--limit", "5"], env=env, capture_output=True, text=True
    )
    assert piped.returncode == 0, piped.stderr
    assert max(len(line) for line in piped.stdout.splitlines()) <= 80
    shown = re.findall(r"RG-\d{7}-\d{2}", piped.stdout)
    assert len(shown) == 5 and set(shown) <= {e["registration_number"] for e in every}
    assert "the first 5 entries; there are more" in piped.stdout

    everything = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "register", "--limit", "1000"], env=env, capture_output=True, text=True
    )
    assert len(re.findall(r"RG-\d{7}-\d{2}", everything.stdout)) == len(every)
    assert "there are more" not in everything.stdout
    # and discipline codes stay whole too (--discipline takes them as shown; "media_produ" / "ction" was cut)
    by_number = {e["registration_number"]: e for e in every}
    lines = everything.stdout.splitlines()
    for number in by_number:
        row = next(line for line in lines if number in line)
        assert all(code in row for code in by_number[number]["disciplines"][:1]), row
    assert "Valid until" in everything.stdout  # not cut at the right edge either
    assert all(re.search(r"\d{4}-\d{2}-\d{2}\s*$", line) for line in lines if "RG-" in line)
