"""regverify, the command line: exit status 0 valid, 1 not valid, 2 could not run; and the verifier installed alone
(pyjwt and cryptography, nothing of regledger) verifying a credential from `regledger credential export` against a
bundle from `regledger trust export`, with the network unavailable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from verifier import CHECKS, pins
from verifier.cli import main

ISSUER = "https://register.creativetechnicians.org.uk"
OTHER_ISSUER = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A demo register, and what its CLI exports: a credential file, its badge link, the bundle and the root key."""
    return _export(tmp_path_factory.mktemp("exported"), ISSUER, registrants=40, years=2, audit=True)


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """Another register, with its own issuer and root key: a small one."""
    return _export(tmp_path_factory.mktemp("second"), OTHER_ISSUER, registrants=12, years=1, audit=False)


def _export(base, issuer, registrants, years, audit):
    from tests.conftest import MASTER_KEY

    env = {
        "REGLEDGER_DATABASE_URL": f"sqlite:///{base / 'r.db'}",
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_ISSUER_URL": issuer,
    }
    from ledger.cli.main import app

    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("demo", "--registrants", str(registrants), "--years", str(years), "--quiet")
    listed = json.loads(run("register", "--json", "--status", "registered", "--limit", "1"))
    number = listed[0]["registration_number"]
    (base / "credential.jwt").write_text(run("credential", "export", number))
    (base / "badge.txt").write_text(run("credential", "export", number, "--format", "url"))
    run("trust", "export", "--out", str(base / "trust.jwt"))
    run("trust", "export", "--what", "root", "--out", str(base / "root.json"))
    if audit:
        run("audit", "export", "--out", str(base / "bundle"), "--quiet")
        (base / "digest.txt").write_text(run("register", "--digest").strip())
    return base


def regverify(*args, capsys):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_status_and_words(exported, tmp_path, capsys):
    cache = tmp_path / "cache"
    code, out, err = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--cache",
        cache,
        "--trust-on-first-use",
        capsys=capsys,
    )
    assert code == 0 and out.startswith("Valid: ") and "pinned the root key" in err
    badge = (exported / "badge.txt").read_text().strip()
    code, out, _ = regverify(badge, "--trust", exported / "trust.jwt", "--cache", cache, capsys=capsys)
    assert code == 0 and out.startswith("Valid: ")
    code, out, _ = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--cache",
        cache,
        "--at",
        "2040-01-01T00:00:00Z",
        capsys=capsys,
    )
    assert code == 1 and out.startswith("Not valid: expired on") and "  validity: expired on" in out
    code, out, _ = regverify(
        "not-a-credential", "--trust", exported / "trust.jwt", "--cache", cache, "--json", capsys=capsys
    )
    result = json.loads(out)
    assert code == 1 and result["valid"] is False and [c["outcome"] for c in result["checks"]][0] == "fail"
    assert len(result["checks"]) == len(CHECKS) and result["trust"]["issuer"].startswith("https://")


def test_could_not_run_is_exit_2(exported, tmp_path, capsys):
    cache = tmp_path / "cache"
    code, _, err = regverify(
        exported / "credential.jwt", "--trust", tmp_path / "missing.jwt", "--cache", cache, capsys=capsys
    )
    assert code == 2 and "cannot read the trust bundle" in err
    (tmp_path / "junk.jwt").write_text("junk")
    code, _, err = regverify(
        exported / "credential.jwt", "--trust", tmp_path / "junk.jwt", "--cache", cache, capsys=capsys
    )
    assert code == 2 and "trust bundle is not usable" in err
    code, _, err = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--at",
        "yesterday",
        "--cache",
        cache,
        capsys=capsys,
    )
    assert code == 2 and "RFC 3339" in err
    (tmp_path / "other-root.json").write_text(
        json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
    )
    code, _, err = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--root",
        tmp_path / "other-root.json",
        "--cache",
        cache,
        capsys=capsys,
    )
    assert code == 2 and "not the pinned root key" in err


def test_no_root_no_trust_unless_asked_and_then_said(exported, tmp_path, capsys):
    """The attack: a trust bundle signed by an attacker's key, carrying that key, given to a verifier with no --root
    and nothing pinned. Refused (exit 2, saying how to proceed); with --trust-on-first-use the genuine bundle's root
    is pinned, the pinning is reported (which key, where, how to change it), and the attacker's bundle is refused
    from then on."""
    import jwt

    from credentials.keys import generate_key
    from credentials.trust import sign_trust_bundle

    genuine = (exported / "trust.jwt").read_text().strip()
    root = json.loads((exported / "root.json").read_text())
    forged = tmp_path / "forged.jwt"
    forged.write_text(sign_trust_bundle(jwt.decode(genuine, options={"verify_signature": False}), generate_key()))
    cache = tmp_path / "cache"
    where = pins.folder_for(cache, ISSUER) / "root.json"  # pinned per register
    for bundle in (forged, exported / "trust.jwt"):
        code, out, err = regverify(exported / "credential.jwt", "--trust", bundle, "--cache", cache, capsys=capsys)
        assert code == 2 and out == ""
        assert err.startswith(
            f"regverify: no root key is pinned for {ISSUER} (none given with --root, none in {where})."
        )
        assert "--root" in err and "--trust-on-first-use" in err
    assert not cache.exists()

    code, out, err = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--cache",
        cache,
        "--trust-on-first-use",
        capsys=capsys,
    )
    assert code == 0 and out.startswith("Valid: ")
    assert err.startswith(
        f"regverify: trusted on first use: pinned the root key {root['kid']} (its RFC 7638 "
        f"thumbprint), which this bundle carries, for {ISSUER} in {where}."
    )
    assert (
        f"To change it, pass --root with the register's root key, or forget it with 'regverify pins --forget {ISSUER}'"
        in err
    )
    assert err.count(root["kid"]) == 1  # said once, not again as a note
    assert json.loads(where.read_text()) == root
    for flags in ((), ("--trust-on-first-use",)):
        code, _, err = regverify(
            exported / "credential.jwt", "--trust", forged, "--cache", cache, *flags, capsys=capsys
        )
        assert code == 2 and "not the pinned root key" in err
        assert f"(the root key pinned for {ISSUER} in {where}). If the register really changed its root key" in err
    code, out, err = regverify(
        exported / "credential.jwt", "--trust", exported / "trust.jwt", "--cache", cache, capsys=capsys
    )
    assert code == 0  # pinned before: which key, from where, and how to change it
    assert err == (
        f"regverify: checked the trust bundle of {ISSUER} against the root key {root['kid']} pinned in {where}; to "
        f"change it, pass --root with the register's root key, or forget it with 'regverify pins --forget {ISSUER}'.\n"
    )
    code, out, err = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        "--root",
        exported / "root.json",
        "--cache",
        tmp_path / "other",
        capsys=capsys,
    )
    other = pins.folder_for(tmp_path / "other", ISSUER) / "root.json"
    assert code == 0 and err == (
        f"regverify: pinned the root key {root['kid']} from {exported / 'root.json'} for {ISSUER} in {other}.\n"
    )


def test_two_registers_on_one_machine_each_keep_their_own_pinned_root(exported, second, tmp_path, capsys):
    """The operator's stumble (issue 17): with one register's root pinned, regverify checked another register's
    bundle against it (and against its bundle number) and did not say how to change that. Now each register (by the
    issuer its bundles name) has its own pin; which one was used, from where, and how to change it is said; and a
    pin can be listed, replaced with --root or forgotten."""
    cache = tmp_path / "cache"

    def check(register, *flags):
        return regverify(
            register / "credential.jwt", "--trust", register / "trust.jwt", "--cache", cache, *flags, capsys=capsys
        )

    first_pin, second_pin = (pins.folder_for(cache, issuer) / "root.json" for issuer in (ISSUER, OTHER_ISSUER))
    assert check(exported, "--trust-on-first-use")[0] == 0
    code, out, err = check(second)  # nothing pinned for this register: the first's root is not used
    assert code == 2 and err.startswith(f"regverify: no root key is pinned for {OTHER_ISSUER} (none given")
    code, out, err = check(second, "--root", second / "root.json")
    second_kid = json.loads((second / "root.json").read_text())["kid"]
    assert code == 0 and out.startswith("Valid: ")
    assert f"pinned the root key {second_kid} from {second / 'root.json'} for {OTHER_ISSUER} in {second_pin}" in err
    for register, kid, pin, issuer in (
        (second, second_kid, second_pin, OTHER_ISSUER),
        (exported, json.loads((exported / "root.json").read_text())["kid"], first_pin, ISSUER),
    ):
        code, out, err = check(register)  # each against its own pin, and said so
        assert code == 0 and out.startswith("Valid: "), err
        assert f"against the root key {kid} pinned in {pin}; to change it, pass --root" in err
        assert f"'regverify pins --forget {issuer}'" in err
    code, out, err = check(second, "--json")
    assert json.loads(out)["trust"]["root"] == {"kid": second_kid, "from": "the pin", "pinned_in": str(second_pin)}

    assert main(["pins", "--cache", str(cache), "--json"]) == 0
    listed = {p["issuer"]: p for p in json.loads(capsys.readouterr().out)}
    assert set(listed) == {ISSUER, OTHER_ISSUER} and listed[OTHER_ISSUER]["root_kid"] == second_kid
    assert main(["pins", "--cache", str(cache), "--forget", OTHER_ISSUER]) == 0
    assert f"Forgot the root key pinned for {OTHER_ISSUER}" in capsys.readouterr().out
    assert check(second)[0] == 2 and check(exported)[0] == 0  # the other register's pin is untouched
    assert main(["pins", "--cache", str(cache), "--forget", OTHER_ISSUER]) == 1
    capsys.readouterr()

    # a stale pin (here: another register's root, as an earlier version would have used) is replaced by --root
    pins.replace_root(second_pin.parent, json.loads((exported / "root.json").read_text()))
    code, _, err = check(second)
    assert code == 2 and "not the pinned root key" in err and f"pinned for {OTHER_ISSUER} in {second_pin}" in err
    code, _, err = check(second, "--root", second / "root.json")
    assert code == 0 and "replaced the root key" in err and f"with {second_kid} from {second / 'root.json'}" in err
    assert check(second)[0] == 0


def test_a_root_pinned_by_an_earlier_version_moves_to_its_own_register(exported, second, tmp_path, capsys):
    """Earlier versions kept one root.json for every register in the cache: it is moved into the folder of the
    register whose bundle it signed, and another register's bundle is not checked against it."""
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(exported / "root.json", cache / "root.json")
    (cache / "sequence").write_text("1")
    code, _, err = regverify(
        second / "credential.jwt", "--trust", second / "trust.jwt", "--cache", cache, capsys=capsys
    )
    assert code == 2 and f"no root key is pinned for {OTHER_ISSUER}" in err and (cache / "root.json").exists()
    code, out, err = regverify(
        exported / "credential.jwt", "--trust", exported / "trust.jwt", "--cache", cache, capsys=capsys
    )
    pin = pins.folder_for(cache, ISSUER) / "root.json"
    assert code == 0 and out.startswith("Valid: ")
    assert f"pinned by an earlier regverify in {cache / 'root.json'}, to {pin}" in err
    assert not (cache / "root.json").exists() and json.loads(pin.read_text()) == json.loads(
        (exported / "root.json").read_text()
    )
    assert (pin.parent / "issuer").read_text() == ISSUER and int((pin.parent / "sequence").read_text()) > 1


def test_status_older_than_24_hours_is_not_current_unless_the_user_says(exported, tmp_path, capsys):
    """The attack: an old trust bundle, made before a removal, used days later. Its status no longer counts after
    24 hours (it was 7 days); --max-status-age HOURS changes that for whoever runs the command."""
    import jwt

    cache = tmp_path / "cache"
    root = ("--root", exported / "root.json", "--cache", cache)
    payload = jwt.decode((exported / "trust.jwt").read_text().strip(), options={"verify_signature": False})
    listed = jwt.decode(payload["status_lists"]["revocation"], options={"verify_signature": False})
    as_of = datetime.fromisoformat(listed["validFrom"].replace("Z", "+00:00"))
    credential = jwt.decode((exported / "credential.jwt").read_text().strip(), options={"verify_signature": False})
    valid_until = credential["exp"]
    later = as_of + timedelta(hours=30)
    assert later.timestamp() < valid_until  # still within its validity period then
    at = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    for given in (exported / "credential.jwt", (exported / "badge.txt").read_text().strip()):
        code, out, _ = regverify(given, "--trust", exported / "trust.jwt", *root, "--at", at, capsys=capsys)
        assert code == 1
        assert out.startswith(
            f"Not valid: could not confirm current status: the status is as of {as_of.day:02d} "
            f"{as_of:%B %Y %H:%M} UTC, more than 24 hours ago; fetch a newer trust bundle."
        )
        assert "  status freshness: could not confirm current status: " in out
        code, out, _ = regverify(
            given, "--trust", exported / "trust.jwt", *root, "--at", at, "--max-status-age", "48", capsys=capsys
        )
        assert code == 0 and out.startswith("Valid: ")
    code, out, _ = regverify(
        exported / "credential.jwt",
        "--trust",
        exported / "trust.jwt",
        *root,
        "--at",
        at,
        "--max-status-age",
        "12",
        "--json",
        capsys=capsys,
    )
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and checks["status freshness"]["outcome"] == "fail"
    assert "more than 12 hours ago" in checks["status freshness"]["reason"]
    for bad in ("0", "-3", "nan"):
        code, _, err = regverify(
            exported / "credential.jwt",
            "--trust",
            exported / "trust.jwt",
            *root,
            "--max-status-age",
            bad,
            capsys=capsys,
        )
        assert code == 2 and "number of hours" in err
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "--max-status-age HOURS" in usage and "in hours" in usage and "default 24 hours" in usage
    assert "--trust-on-first-use" in usage


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
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(source),
            "-w",
            str(wheels),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    installed = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--no-deps",
            *map(str, wheels.glob("regverify-*.whl")),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    # only what the verifier depends on, taken from this environment
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    source = _site_packages()
    for entry in source.iterdir():
        if entry.name.split("-")[0].split(".")[0] in (
            "jwt",
            "cryptography",
            "cffi",
            "_cffi_backend",
            "pycparser",
            "PyJWT",
        ):
            (allowed / entry.name).symlink_to(entry)
    target = next((venv / "lib").glob("python3*/site-packages"))
    (target / "allowed.pth").write_text(str(allowed) + "\n")
    (target / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise OSError('network unplugged for this test')\n"
        "socket.socket = _refuse\nsocket.create_connection = _refuse\nsocket.getaddrinfo = _refuse\n"
    )
    isolated = subprocess.run([str(python), "-c", "import ledger"], capture_output=True, text=True, cwd=tmp_path)
    assert isolated.returncode != 0  # nothing of regledger but the verifier
    result = subprocess.run(
        [
            str(venv / "bin" / "regverify"),
            str(exported / "credential.jwt"),
            "--trust",
            str(exported / "trust.jwt"),
            "--root",
            str(exported / "root.json"),
            "--cache",
            str(tmp_path / "cache"),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert json.loads(result.stdout)["valid"] is True
    # and an auditor proves, offline, that the register shown is the one the history produces
    audit = subprocess.run(
        [
            str(venv / "bin" / "regverify"),
            "audit",
            str(exported / "bundle"),
            "--key",
            str(exported / "bundle" / "log.pub"),
            "--digest",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )
    assert audit.returncode == 0, audit.stderr + audit.stdout
    report = json.loads(audit.stdout)
    assert report["valid"] and report["register"]["digest"] == (exported / "digest.txt").read_text()
