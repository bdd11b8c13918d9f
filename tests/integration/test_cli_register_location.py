"""Where the command line's register is (the operator's stumbles of issue 17): one absolute default place whatever
the working folder, said on every command; no second register made without being asked; and a PostgreSQL register
without a master key says how to make and set one instead of ending in a traceback."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli.main import app
from tests.conftest import MASTER_KEY, ROOT, _reset_postgres

UNSET = {
    "XDG_DATA_HOME": None,
    "REGLEDGER_DATABASE_URL": None,
    "REGLEDGER_MASTER_KEY": None,
    "REGLEDGER_MASTER_KEY_FILE": None,
}


def cli(args, home=None, **env):
    settings = {**UNSET, **({"HOME": str(home)} if home else {}), **env}
    return CliRunner().invoke(app, args, env=settings)


def test_the_default_register_is_found_from_any_folder_and_never_made_unasked(tmp_path, monkeypatch):
    home, one, two = tmp_path / "home", tmp_path / "one", tmp_path / "two"
    for folder in (home, one, two):
        folder.mkdir()
    place = home / ".local" / "share" / "regledger"
    monkeypatch.chdir(one)
    refused = cli(["register"], home)
    assert refused.exit_code == 1
    words = " ".join(refused.output.split())
    assert (
        f"there is no register at {place / 'regledger.db'} (the default place, as REGLEDGER_DATABASE_URL is not set)"
        in words
    )
    assert f"a new master key at {place / 'master.key'}" in words and "run `regledger init`" in words
    assert "REGLEDGER_DATABASE_URL=sqlite:////path/to/regledger.db" in words
    assert not place.exists() and list(one.iterdir()) == []  # nothing made, here or there

    made = cli(["demo", "--if-empty", "--registrants", "6", "--years", "1", "--quiet"], home)  # the README's way
    assert made.exit_code == 0, made.output
    assert f"New register: {place / 'regledger.db'}" in made.stderr and (place / "master.key").is_file()
    assert list(one.iterdir()) == []

    monkeypatch.chdir(two)
    listed = cli(["register", "--limit", "3"], home)
    assert listed.exit_code == 0 and listed.stderr == f"Register: {place / 'regledger.db'}\n"
    assert "The register: " in listed.stdout and "RG-" in listed.stdout  # the demo's register, from here
    assert cli(["register", "--json"], home).stderr == ""  # JSON readers get JSON alone
    again = cli(["demo", "--if-empty"], home)
    assert again.exit_code == 0 and "already holds events: no demo data added" in again.output
    twice = cli(["init"], home)
    assert twice.exit_code == 1 and "there is already a register at" in twice.output
    assert list(two.iterdir()) == []


def test_a_register_is_made_only_by_init_demo_or_a_deployment_naming_database_and_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "elsewhere" / "r.db"
    url = f"sqlite:///{database}"
    refused = cli(["users", "list"], tmp_path, REGLEDGER_DATABASE_URL=url)
    assert refused.exit_code == 1 and not database.parent.exists()
    assert f"there is no register at {database} (where REGLEDGER_DATABASE_URL points)" in " ".join(
        refused.output.split()
    )
    relative = cli(["status"], tmp_path, REGLEDGER_DATABASE_URL="sqlite:///var/regledger.db")
    assert relative.exit_code == 1 and f"no register at {tmp_path / 'var' / 'regledger.db'}" in " ".join(
        relative.output.split()
    )
    assert not (tmp_path / "var").exists()

    made = cli(["init"], tmp_path, REGLEDGER_DATABASE_URL=url)
    assert made.exit_code == 0, made.output
    said = " ".join(made.stdout.split())
    assert f"Made a new, empty register at {database}, with its master key in {database.parent / 'master.key'}" in said
    assert stat.S_IMODE(os.stat(database.parent / "master.key").st_mode) == 0o600
    assert cli(["users", "list"], tmp_path, REGLEDGER_DATABASE_URL=url).exit_code == 0

    # the register's key gone: refused, and no new key made up for it
    (database.parent / "master.key").unlink()
    lost = cli(["status"], tmp_path, REGLEDGER_DATABASE_URL=url)
    assert lost.exit_code == 1 and "has no master key" in lost.output and "none is made" in lost.output
    assert not (database.parent / "master.key").exists()

    # a deployment that names both its database and its key starts on an empty database
    deployed = tmp_path / "deployed.db"
    started = cli(["status"], tmp_path, REGLEDGER_DATABASE_URL=f"sqlite:///{deployed}", REGLEDGER_MASTER_KEY=MASTER_KEY)
    assert started.exit_code == 0 and f"New register: {deployed}" in started.stderr
    missing = cli(["status"], tmp_path, REGLEDGER_DATABASE_URL=url, REGLEDGER_MASTER_KEY_FILE=str(tmp_path / "no.key"))
    assert missing.exit_code == 1 and f"no master key at {tmp_path / 'no.key'}" in " ".join(missing.output.split())
    assert "regledger keys master --new --out FILE" in " ".join(missing.output.split())
    assert "Traceback" not in missing.output


def test_the_console_script_from_a_fresh_folder_as_the_readme_says(tmp_path):
    """`.venv/bin/regledger demo --if-empty`, then a command from another folder: the same register."""
    script = Path(sys.executable).parent / "regledger"
    if not script.exists():
        script = ROOT / ".venv" / "bin" / "regledger"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGLEDGER_") and k != "XDG_DATA_HOME"}
    env.update(HOME=str(tmp_path / "home"), COLUMNS="100")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    demo = subprocess.run(
        [str(script), "demo", "--if-empty", "--registrants", "6", "--years", "1", "--quiet"],
        cwd=tmp_path / "a",
        env=env,
        capture_output=True,
        text=True,
    )
    assert demo.returncode == 0, demo.stderr
    register = tmp_path / "home" / ".local" / "share" / "regledger" / "regledger.db"
    assert f"New register: {register}" in demo.stderr and "Created a new master key" in demo.stderr
    listed = subprocess.run([str(script), "register"], cwd=tmp_path / "b", env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stderr == f"Register: {register}\n" and "RG-" in listed.stdout
    assert list((tmp_path / "a").iterdir()) == [] and list((tmp_path / "b").iterdir()) == []


def test_keys_master_new_prints_or_writes_a_key_in_the_form_the_setting_takes(tmp_path):
    printed = cli(["keys", "master", "--new"], tmp_path)
    assert printed.exit_code == 0 and len(base64.b64decode(printed.stdout.strip(), validate=True)) == 32
    assert "REGLEDGER_MASTER_KEY_FILE" in printed.stderr and "apart from the database" in printed.stderr
    assert cli(["keys", "master", "--new"], tmp_path).stdout != printed.stdout

    out = tmp_path / "master.key"
    written = cli(["keys", "master", "--new", "--out", str(out)], tmp_path)
    assert written.exit_code == 0 and written.stdout == ""
    assert f"Set REGLEDGER_MASTER_KEY_FILE={out}" in " ".join(written.stderr.split())
    assert len(base64.b64decode(out.read_text().strip(), validate=True)) == 32
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    kept = out.read_text()
    again = cli(["keys", "master", "--new", "--out", str(out)], tmp_path)
    assert again.exit_code == 1 and "never overwritten" in again.output and out.read_text() == kept

    shown = cli(["keys", "master"], tmp_path, REGLEDGER_MASTER_KEY_FILE=str(out))
    assert shown.exit_code == 0 and f"read from {out}" in " ".join(shown.stdout.split())
    none = cli(["keys", "master"], tmp_path)
    assert none.exit_code == 1 and "no master key" in none.output
    assert not (tmp_path / ".local").exists()  # showing the key never makes one
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    broken = cli(["keys", "master"], tmp_path, REGLEDGER_MASTER_KEY_FILE=str(bad))
    assert broken.exit_code == 1 and "base64 of 32 bytes" in broken.output


@pytest.mark.postgres
def test_postgresql_without_a_master_key_says_how_to_make_and_set_one(postgres_server, tmp_path):
    import psycopg

    _reset_postgres(postgres_server)

    def tables():
        with psycopg.connect(postgres_server) as conn:
            return conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()[0]

    refused = cli(["status"], tmp_path, REGLEDGER_DATABASE_URL=postgres_server)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    line = " ".join(refused.output.split())
    assert line.startswith("error: no master key for the PostgreSQL register at postgresql://")
    assert "make one with `regledger keys master --new --out FILE`" in line
    assert "set REGLEDGER_MASTER_KEY_FILE=FILE (or REGLEDGER_MASTER_KEY to the key itself)" in line
    assert tables() == 0  # nothing was made in the database
    restore = cli(
        ["restore", str(tmp_path / "any.gz"), "--erasures", "none"], tmp_path, REGLEDGER_DATABASE_URL=postgres_server
    )
    assert restore.exit_code == 1 and "needs the master key the backup was made under" in " ".join(
        restore.output.split()
    )
    assert tables() == 0

    key = tmp_path / "master.key"
    assert cli(["keys", "master", "--new", "--out", str(key)], tmp_path).exit_code == 0
    env = {"REGLEDGER_DATABASE_URL": postgres_server, "REGLEDGER_MASTER_KEY_FILE": str(key)}
    made = cli(["init"], tmp_path, **env)
    assert made.exit_code == 0, made.output
    assert f"Register: {postgres_server}" in made.stderr and tables() > 0
    assert cli(["init"], tmp_path, **env).exit_code == 0  # an empty database: init again changes nothing
    assert cli(["status"], tmp_path, **env).exit_code == 0

    key.write_text("short\n")
    broken = cli(["status"], tmp_path, **env)
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert "must be base64 of 32 bytes" in broken.output
    gone = cli(
        ["status"],
        tmp_path,
        REGLEDGER_DATABASE_URL=postgres_server.rsplit("/", 1)[0] + "/no_such_db_here",
        REGLEDGER_MASTER_KEY=MASTER_KEY,
    )
    assert gone.exit_code == 1 and "cannot open the register at postgresql://" in gone.output
    assert 'database "no_such_db_here" does not exist' in gone.output and "Traceback" not in gone.output
