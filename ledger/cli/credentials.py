"""The credential commands of the ``regledger`` CLI: ``issue``, ``keys ...``, ``trust export``,
``credential export``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ledger.domain.errors import LedgerError

keys_app = typer.Typer(
    help="The issuer's signing keys (list, rotate, retire, mark compromised) and the master key.", no_args_is_help=True
)
trust_app = typer.Typer(
    help="What verifiers trust: the signed trust bundle, the JWK Set, the did:web document.", no_args_is_help=True
)
credential_app = typer.Typer(help="A registrant's credential in the forms they share.", no_args_is_help=True)

PUBLISHED = ("bundle", "jwks", "did", "root")


def _cli() -> Any:
    from ledger.cli import main as cli

    return cli


def _issue_all(ledger: Any, quiet: bool = True) -> Any:
    """Bring credentials and their read model up to date."""
    from ledger.processes.issuance import CredentialIssuer
    from ledger.read.projections.runner import ProjectionRunner

    cli = _cli()
    with cli._progress("Issuing credentials", quiet) as progress:
        result = CredentialIssuer(ledger).catch_up(progress)
    ProjectionRunner(ledger).catch_up()
    return result


def issue(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Issue every credential the register owes: one for each award, upgrade, renewal and reinstatement not yet
    issued, and one for each lifted suspension and re-issue. Safe to run again at any time, also after a crash:
    nothing is issued twice."""
    cli = _cli()
    ledger = cli._ledger()
    try:
        result = _issue_all(ledger, quiet or as_json)
    finally:
        ledger.close()
    figures = {
        "events_read": result.events,
        "issued": result.issued,
        "already_issued": result.already_issued,
        "erased_skipped": result.erased,
        "past_due_skipped": result.past_due,
    }
    if as_json:
        print(json.dumps(figures))
    else:
        cli.console.print(
            f"Issued {result.issued} credential(s); {result.already_issued} were already issued; "
            f"{result.erased} skipped because the holder's personal data was erased"
            + (
                f"; {result.past_due} suspension(s) lifted after the renewal date, which call for none."
                if result.past_due
                else "."
            )
        )


@keys_app.command("list")
def keys_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
    """Every key: id (RFC 7638 thumbprint), role, algorithm, state, and when it was activated, retired or
    compromised."""
    from ledger.processes.keyring import Keyring

    cli = _cli()
    ledger = cli._ledger()
    records = Keyring(ledger).records()
    ledger.close()
    rows = [
        {
            "kid": k.kid,
            "role": k.role,
            "alg": k.alg,
            "state": k.state,
            "activated_at": k.activated_at.isoformat() if k.activated_at else None,
            "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            "compromised_since": k.compromised_since.isoformat() if k.compromised_since else None,
        }
        for k in records
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        cli.console.print(
            "No keys yet: the first credential or trust bundle creates them (or run 'regledger keys rotate')."
        )
        return
    table = Table(title="Issuer keys")
    for column in ("kid", "role", "alg", "state", "activated_at", "retired_at", "compromised_since"):
        table.add_column(column)
    for row in rows:
        table.add_row(*[str(v or "") for v in row.values()])
    cli.console.print(table)


@keys_app.command("master")
def keys_master(
    new: bool = typer.Option(
        False, "--new", help="Make a new master key, for a new register (an existing one keeps the key it has)."
    ),
    out: Path = typer.Option(
        None, "--out", help="With --new: write the key to this new file (readable by its owner only) instead."
    ),
) -> None:
    """The master key, which seals every registrant's data key and the issuer's private keys. Without --new: which
    key the settings name (its id, a public name that reveals nothing of it) and where it is read from. With --new:
    a new key, in the form REGLEDGER_MASTER_KEY takes (base64 of 32 random bytes), printed or written to --out."""
    import base64
    import os

    cli = _cli()
    if not new:
        if out is not None:
            cli._fail(LedgerError("--out is for a new key: give --new too"))
        _say_master_key(cli)
        return
    key = base64.b64encode(os.urandom(32)).decode()
    keep = (
        "Keep a copy apart from the database and its backups: without it no personal data can be read and no "
        "backup restored; with it and a backup, anyone can read them."
    )
    if out is None:
        print(key)
        cli.err.print(
            "A new master key (above). Put it in a file readable only by the account that runs regledger and set "
            f"REGLEDGER_MASTER_KEY_FILE to the file's path for every regledger process of the register (or set "
            f"REGLEDGER_MASTER_KEY to the key from a secret store). {keep}",
            highlight=False,
        )
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        cli._fail(LedgerError(f"{out} already exists: a master key is never overwritten (choose another file)"))
    except OSError as error:
        cli._fail(LedgerError(f"cannot write {out}: {error.strerror}"))
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    where = out.resolve()
    cli.err.print(
        f"Wrote a new master key to {where} (readable by you only). Set REGLEDGER_MASTER_KEY_FILE={where} for "
        f"every regledger process of the register. {keep}",
        highlight=False,
    )


def _say_master_key(cli: Any) -> None:
    from ledger.app.vault import VaultError, load_master_key
    from ledger.cli.register_location import MAKE_A_KEY, key_location
    from ledger.ops.backup import master_key_id
    from ledger.settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError as error:
        cli._fail(error)
    where = key_location(settings)
    if not settings.master_key and not Path(where).is_file():
        cli._fail(LedgerError(f"no master key: none is set and there is none at {where}; {MAKE_A_KEY}"))
    try:
        key = load_master_key(settings)
    except VaultError as error:
        cli._fail(error)
    cli.console.print(f"Master key {master_key_id(key)} (its id), read from {where}.", soft_wrap=True)


@keys_app.command("rotate")
def keys_rotate(
    alg: str = typer.Option("ES256", help="ES256 (default) or EdDSA; RS256 only with --root."),
    root: bool = typer.Option(
        False,
        "--root",
        help="Rotate the root key that signs trust bundles (verifiers pin it: they must be told the new one).",
    ),
    ob3: bool = typer.Option(
        False, "--ob3", help="Rotate the issuer's RS256 key that signs the Open Badges 3.0 form of credentials."
    ),
) -> None:
    """Make a new key and start signing with it; the key it replaces is retired and still verifies what it
    signed."""
    from ledger.processes.keyring import Keyring

    cli = _cli()
    ledger = cli._ledger()
    try:
        new, retired = Keyring(ledger).rotate(alg=alg, role="root" if root else "issuer", ob3=ob3)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(
        f"Key {new.kid} ({new.alg}, {new.role}) is now active." + "".join(f"\nKey {k.kid} is retired." for k in retired)
    )


@keys_app.command("retire")
def keys_retire(kid: str = typer.Argument(..., help="The key id (see 'regledger keys list').")) -> None:
    """Stop signing with a key. It still verifies what it signed while it was active."""
    from ledger.processes.keyring import Keyring

    cli = _cli()
    ledger = cli._ledger()
    try:
        record = Keyring(ledger).retire(kid)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(f"Key {record.kid} is retired; a new key is made when one is next needed.")


@keys_app.command("compromised")
def keys_compromised(
    kid: str = typer.Argument(..., help="The key id (see 'regledger keys list')."),
    since: datetime = typer.Option(
        ...,
        "--since",
        help="From when the key may have been in other hands (ISO 8601; UTC unless an offset is given).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"],
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Mark a key compromised since a time: nothing it signed at or after that time verifies any more. If it
    was the active key, a new one takes over at once. Re-run 'regledger issue' is not needed for new awards;
    credentials signed after the time must be re-issued by the registrar."""
    from ledger.processes.keyring import Keyring

    cli = _cli()
    if not yes and not typer.confirm(f"Mark key {kid} compromised since {since.isoformat()}? This cannot be undone"):
        raise typer.Exit(1)
    ledger = cli._ledger()
    try:
        record, replacement = Keyring(ledger).mark_compromised(kid, since)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    compromised_since = record.compromised_since
    assert compromised_since is not None  # mark_compromised has just set it
    cli.console.print(f"Key {record.kid} is compromised since {compromised_since.isoformat()}.")
    if replacement:
        cli.console.print(f"Key {replacement.kid} ({replacement.alg}) is now active in its place.")


@trust_app.command("export")
def trust_export(
    out: Path = typer.Option(..., "--out", help="The file to write ('-' for standard output)."),
    what: str = typer.Option(
        "bundle",
        "--what",
        help="bundle (the signed trust bundle, a JWS), jwks, "
        "did (the did:web document) or root (the public root key to pin).",
    ),
) -> None:
    """Write what verifiers need. The trust bundle holds the issuer keys with their validity windows and
    compromise times and both status lists, signed by the root key; it is valid as of now."""
    from ledger.processes.publication import Publisher

    cli = _cli()
    if what not in PUBLISHED:
        cli._fail(LedgerError(f"--what must be one of {', '.join(PUBLISHED)}, not {what!r}"))
    ledger = cli._ledger()
    try:
        _issue_all(ledger)
        publisher = Publisher(ledger)
        if what == "bundle":
            text = publisher.trust_bundle()
        else:
            document = {"jwks": publisher.jwks, "did": publisher.did_document, "root": publisher.root_jwk}[what]()
            text = json.dumps(document, indent=2)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    _write(out, (text + "\n").encode("utf-8"))
    if str(out) != "-":
        cli.err.print(f"Wrote the {what} to {out}.")


@credential_app.command("export")
def credential_export(
    number: str = typer.Argument(..., metavar="REGISTRATION_NUMBER", help="For example RG-1234567-89."),
    fmt: str = typer.Option(
        "jwt",
        "--format",
        help="jwt (the signed credential file, vc+jwt), ob3-jwt (the same credential as an Open Badges 3.0 "
        "JWT, RS256), json (what it says), compact "
        "(the badge token), url (the badge link), qr-png, qr-svg, linkedin (the 'Add to "
        "profile' link), or pdf (the printable A4 certificate, only while the registration is current).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="The file to write ('-' for standard output); standard output by default, but for pdf "
        "REGISTRATION_NUMBER-certificate.pdf (PNG and PDF are not for the terminal).",
    ),
) -> None:
    """The newest credential issued under a registration number, in the form asked for; or its certificate."""
    from ledger.read.sharing import FORMATS, shareable_credential
    from ledger.reports.certificate import certificate_facts, certificate_pdf, filename

    cli = _cli()
    formats = (*FORMATS, "pdf")  # the credential's own forms, and the certificate that shows it
    if fmt not in formats:
        cli._fail(LedgerError(f"--format must be one of {', '.join(formats)}, not {fmt!r}"))
    to_terminal = (str(out) == "-" or (out is None and fmt != "pdf")) and sys.stdout.isatty()
    if fmt in ("qr-png", "pdf") and to_terminal:
        cli._fail(LedgerError(f"a {'PDF' if fmt == 'pdf' else 'PNG'} is not for the terminal: give --out FILE"))
    ledger = cli._ledger()
    try:
        _issue_all(ledger)
        if fmt == "pdf":
            facts = certificate_facts(ledger, number)
            data, out = certificate_pdf(facts), out or Path(filename(facts.number))
        else:
            data = shareable_credential(ledger, number).render(fmt, ledger.settings.issuer_name)
    except (LedgerError, ValueError) as error:
        cli._fail(error)
    finally:
        ledger.close()
    out = out or Path("-")
    _write(out, data)
    if str(out) != "-":
        cli.err.print(f"Wrote the {'certificate' if fmt == 'pdf' else f'{fmt} credential'} to {out}.")


def _write(out: Path, data: bytes) -> None:
    if str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
