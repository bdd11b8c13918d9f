"""regverify, the command line: exit status 0 valid, 1 not valid, 2 could not run; and the verifier installed alone
(pyjwt and cryptography, nothing of regledger) verifying a credential from `regledger credential export` against a
bundle from `regledger trust export`, with the network unavailable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A demo register, and what its CLI exports: a credential file, its badge link, the bundle and the root key."""
    from tests.conftest import MASTER_KEY

    base = tmp_path_factory.mktemp("exported")
    env = {"REGLEDGER_DATABASE_URL": f"sqlite:///{base / 'r.db'}", "REGLEDGER_MASTER_KEY": MASTER_KEY,
           "REGLEDGER_ISSUER_URL": "https://register.creativetechnicians.org.uk"}
    from ledger.cli import app

    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("demo", "--registrants", "40", "--years", "2", "--quiet")
    listed = json.loads(run("register", "--json", "--status", "registered", "--limit", "1"))
    number = listed[0]["registration_number"]
    (base / "credential.jwt").write_text(run("credential", "export", number))
    (base / "badge.txt").write_text(run("credential", "export", number, "--format", "url"))
    run("trust", "export", "--out", str(base / "trust.jwt"))
    run("trust", "export", "--what", "root", "--out", str(base / "root.json"))
    run("audit", "export", "--out", str(base / "bundle"), "--quiet")
    (base / "digest.txt").write_text(run("register", "--digest").strip())
    return base


def regverify(*args, capsys):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_status_and_words(exported, tmp_path, capsys):
    cache = tmp_path / "cache"
    code, out, err = regverify(exported / "credential.jwt", "--trust", exported / "trust.jwt", "--cache", cache,
                               capsys=capsys)
    assert code == 0 and out.startswith("Valid: ") and "pinned on first use" in err
    badge = (exported / "badge.txt").read_text().strip()
    code, out, _ = regverify(badge, "--trust", exported / "trust.jwt", "--cache", cache, capsys=capsys)
    assert code == 0 and out.startswith("Valid: ")
    code, out, _ = regverify(exported / "credential.jwt", "--trust", exported / "trust.jwt", "--cache", cache,
                             "--at", "2040-01-01T00:00:00Z", capsys=capsys)
    assert code == 1 and out.startswith("Not valid: expired on") and "  validity: expired on" in out
    code, out, _ = regverify("not-a-credential", "--trust", exported / "trust.jwt", "--cache", cache, "--json",
                             capsys=capsys)
    result = json.loads(out)
    assert code == 1 and result["valid"] is False and [c["outcome"] for c in result["checks"]][0] == "fail"
    assert len(result["checks"]) == 10 and result["trust"]["issuer"].startswith("https://")


def test_could_not_run_is_exit_2(exported, tmp_path, capsys):
    cache = tmp_path / "cache"
    code, _, err = regverify(exported / "credential.jwt", "--trust", tmp_path / "missing.jwt", "--cache", cache,
                             capsys=capsys)
    assert code == 2 and "cannot read the trust bundle" in err
    (tmp_path / "junk.jwt").write_text("junk")
    code, _, err = regverify(exported / "credential.jwt", "--trust", tmp_path / "junk.jwt", "--cache", cache,
                             capsys=capsys)
    assert code == 2 and "trust bundle is not usable" in err
    code, _, err = regverify(exported / "credential.jwt", "--trust", exported / "trust.jwt", "--at", "yesterday",
                             "--cache", cache, capsys=capsys)
    assert code == 2 and "RFC 3339" in err
    (tmp_path / "other-root.json").write_text(json.dumps({"kty": "OKP", "crv": "Ed25519",
                                                           "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}))
    code, _, err = regverify(exported / "credential.jwt", "--trust", exported / "trust.jwt", "--root",
                             tmp_path / "other-root.json", "--cache", cache, capsys=capsys)
    assert code == 2 and "not the pinned root key" in err


def _site_packages() -> Path:
    import cryptography

    return Path(cryptography.__file__).resolve().parent.parent


def test_the_verifier_installed_alone_works_offline(exported, tmp_path):
    """A fresh virtual environment gets the verifier package (built from verifier/pyproject.toml) and, beside it,
    only pyjwt and cryptography (with cffi, which cryptography loads). Any attempt to open a socket fails."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    shutil.copytree(ROOT / "verifier", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "--no-index", str(source), "-w", str(wheels)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                                *map(str, wheels.glob("regverify-*.whl"))], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    # only what the verifier depends on, taken from this environment
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    source = _site_packages()
    for entry in source.iterdir():
        if entry.name.split("-")[0].split(".")[0] in ("jwt", "cryptography", "cffi", "_cffi_backend", "pycparser",
                                                      "PyJWT"):
            (allowed / entry.name).symlink_to(entry)
    target = next((venv / "lib").glob("python3*/site-packages"))
    (target / "allowed.pth").write_text(str(allowed) + "\n")
    (target / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise OSError('network unplugged for this test')\n"
        "socket.socket = _refuse\nsocket.create_connection = _refuse\nsocket.getaddrinfo = _refuse\n")
    isolated = subprocess.run([str(python), "-c", "import ledger"], capture_output=True, text=True, cwd=tmp_path)
    assert isolated.returncode != 0  # nothing of regledger but the verifier
    result = subprocess.run([str(venv / "bin" / "regverify"), str(exported / "credential.jwt"), "--trust",
                             str(exported / "trust.jwt"), "--root", str(exported / "root.json"), "--cache",
                             str(tmp_path / "cache"), "--json"],
                            capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr + result.stdout
    assert json.loads(result.stdout)["valid"] is True
    # and an auditor proves, offline, that the register shown is the one the history produces
    audit = subprocess.run([str(venv / "bin" / "regverify"), "audit", str(exported / "bundle"), "--key",
                            str(exported / "bundle" / "log.pub"), "--digest", "--json"],
                           capture_output=True, text=True, cwd=tmp_path,
                           env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert audit.returncode == 0, audit.stderr + audit.stdout
    report = json.loads(audit.stdout)
    assert report["valid"] and report["register"]["digest"] == (exported / "digest.txt").read_text()
