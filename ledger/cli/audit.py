"""The audit commands of the ``regledger`` CLI: ``audit checkpoint`` and ``audit export``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

audit_app = typer.Typer(
    help="The transparency log: signed checkpoints and audit bundles an auditor checks offline with 'regverify audit'.",
    no_args_is_help=True,
)


@audit_app.command("checkpoint")
def checkpoint(
    out: Path = typer.Option(
        None,
        "--out",
        help="Also write the signed note to this file (keep it: "
        "'regverify audit --kept' proves later bundles extend it).",
    ),
) -> None:
    """Bring the log up to date with the event store and sign a checkpoint of it."""
    from ledger.cli import main as cli
    from ledger.processes.transparency_log import TransparencyLog

    ledger = cli._ledger()
    try:
        note = TransparencyLog(ledger).checkpoint()
    finally:
        ledger.close()
    if out:
        out.write_text(note)
    print(note, end="")


@audit_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="The directory to write the bundle into."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Write an audit bundle: every stored event (events.jsonl), the leaves the log recorded, the signed checkpoints
    and the log's public key. Check it with: regverify audit DIR --key log.pub"""
    from ledger.cli import main as cli
    from ledger.processes.transparency_log import TransparencyLog

    ledger = cli._ledger()
    try:
        with cli._progress("Exporting events", quiet or as_json) as progress:
            figures = TransparencyLog(ledger).export(out, progress)
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(figures))
    else:
        cli.console.print(
            f"Wrote {figures['events']} events and {figures['checkpoints']} checkpoint(s) to {out}. "
            f"Check it with: regverify audit {out} --key {out / 'log.pub'}"
        )


@audit_app.command("replay")
def replay(
    bundle: Path = typer.Argument(..., help="The directory 'regledger audit export' wrote."),
    into: Path = typer.Option(
        None, "--into", help="The new SQLite file to build (default: a temporary file, removed afterwards)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Rebuild every read model from the bundle's events in a fresh database and print the register's digest;
    compare it with 'regledger register --digest' on the live register. (Check the bundle first with regverify
    audit.)"""
    import tempfile

    from ledger.cli import main as cli
    from ledger.read.replay import replay_bundle

    if not (bundle / "events.jsonl").is_file():
        cli._fail(ValueError(f"{bundle} holds no events.jsonl: is it an audit bundle?"))
    with tempfile.TemporaryDirectory() as tmp:
        target = into or Path(tmp) / "replay.db"
        try:
            with cli._progress("Rebuilding read models", quiet or as_json) as progress:
                figures = replay_bundle(bundle, target, progress)
        except FileExistsError as error:
            cli._fail(error)
    if as_json:
        print(json.dumps(figures))
    else:
        cli.console.print(
            f"Replayed {figures['events']} events: {figures['registrations']} registrations, "
            f"register digest {figures['digest']}"
        )
