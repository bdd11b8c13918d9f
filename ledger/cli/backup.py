"""The backup commands of the ``regledger`` CLI: ``backup FILE`` and ``restore FILE``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

MASTER_KEY_NOTE = (
    "The master key is not in the backup: restoring needs the same master key "
    "(REGLEDGER_MASTER_KEY or REGLEDGER_MASTER_KEY_FILE), and without it the sealed personal data "
    "and issuer keys in the backup stay unreadable. Keep the key safe, apart from the backups."
)


@contextmanager
def _phases(quiet: bool) -> Iterator[Any]:
    """A progress callback ``(what, done, total)`` that shows one rich progress bar per phase, on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ledger.cli import main as cli

    if quiet or not cli.err.is_terminal and not sys.stderr.isatty():
        yield lambda what, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=cli.err,
        transient=False,
    ) as progress:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                for task in tasks.values():  # the previous phase is over
                    progress.update(
                        task, total=progress.tasks[task].completed or 1, completed=progress.tasks[task].completed or 1
                    )
                tasks[what] = progress.add_task(what, total=None)
            progress.update(tasks[what], completed=done, total=total or None)

        yield update


def backup(
    file: Path = typer.Argument(..., help="The backup file to write (gzip'd JSON lines; .rlbackup.gz, say)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace FILE if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Write a backup of the register (REGLEDGER_DATABASE_URL) to FILE: every stored event exactly as stored, in
    order, with the vault's sealed data keys, the sealed issuer keys, accounts, and the signed log
    checkpoints; read models are not in it (restore rebuilds them). A manifest carries the counts, the
    transparency-log root and the register digest, and an authentication code under the master key, so restore
    can check the file before it writes anything.

    The master key is not in the backup: restoring needs the same master key (REGLEDGER_MASTER_KEY or
    REGLEDGER_MASTER_KEY_FILE); without it the sealed personal data stays unreadable. Works on a live register:
    the backup holds the events up to the point its read models had reached when it started."""
    from ledger.cli import main as cli
    from ledger.ops.backup import BackupError
    from ledger.ops.backup import backup as make_backup

    ledger = cli._ledger()
    try:
        with _phases(quiet or as_json) as progress:
            figures = make_backup(ledger, file, progress, overwrite=overwrite)
    except BackupError as error:
        cli._fail(error)
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(figures))
        return
    cli.console.print(
        f"Backed up {figures['events']:,} events, {_rows(figures['tables'])} to {file} "
        f"({figures['bytes']:,} bytes, {figures['seconds']:.1f} s)."
    )
    cli.console.print(
        f"Transparency-log root {figures['log_root']}; register digest {figures['register_digest']} "
        f"({figures['registrations']:,} registrations)."
    )
    cli.err.print(f"[yellow]{MASTER_KEY_NOTE}[/yellow]")


def restore(
    file: Path = typer.Argument(..., help="A file written by 'regledger backup'."),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Empty the target register first (its events, "
        "keys, accounts, log and read models are deleted) instead of refusing "
        "a register that holds anything.",
    ),
    check_only: bool = typer.Option(
        False,
        "--check",
        help="Only check the file (every event, the log root, the checksum and authentication code); write nothing.",
    ),
    erasures: str = typer.Option(
        None,
        "--erasures",
        metavar="FILE|none",
        help="The erasures recorded since "
        "the backup was made ('regledger erasures --out FILE' on the live "
        "register), re-applied after the restore; 'none' if there were none. "
        "Required: a restore must not bring back anyone erased since.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Restore a backup into the register named by REGLEDGER_DATABASE_URL (SQLite or PostgreSQL, whichever the
    backup came from), which must be empty unless --replace is given. The whole file is checked first: a
    truncated, corrupted or altered file, or one made under another master key, is refused and nothing is written.
    Then the events are written with their original notification ids, the keys, accounts and checkpoints after
    them, every read model is rebuilt, and the restored transparency-log root and register digest are checked
    against the backup's.

    The master key is not in the backup: restoring needs the same master key the backup was made under
    (REGLEDGER_MASTER_KEY or REGLEDGER_MASTER_KEY_FILE), and without it the sealed personal data stays unreadable.
    Stop the service first."""
    from ledger.cli import main as cli
    from ledger.ops.backup import BackupError, check, read_erasures, reapply_erasures
    from ledger.ops.backup import restore as restore_backup
    from ledger.settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError as error:
        cli._fail(error)
    if not settings.is_sqlite and not settings.master_key and not settings.master_key_file:
        cli._fail(
            BackupError(
                "no master key: restoring into PostgreSQL needs the master key the backup was made under; set "
                "REGLEDGER_MASTER_KEY_FILE to the file that holds it (or REGLEDGER_MASTER_KEY to the key)"
            )
        )
    erased: list[str] = []
    if not check_only:
        if erasures is None:
            cli._fail(
                BackupError(
                    "a backup holds everyone erased after it was made: give --erasures FILE, the list "
                    "'regledger erasures --out FILE' writes on the live register (or your copy of it), "
                    "to erase them again after the restore; or --erasures none if there were none"
                )
            )
        if erasures != "none":
            try:
                erased = read_erasures(Path(erasures))
            except (OSError, ValueError) as error:
                cli._fail(BackupError(f"--erasures: {error}"))
    try:
        with _phases(quiet or as_json) as progress:
            if check_only:
                manifest = check(file, settings, progress)
            else:
                figures = restore_backup(settings, file, progress, replace_existing=replace)
                figures["erasures_reapplied"] = reapply_erasures(settings, erased)
    except BackupError as error:
        cli._fail(error)
    if check_only:
        if as_json:
            print(json.dumps(manifest))
        else:
            cli.console.print(
                f"{file} is a complete backup made {manifest['created_at']}: {manifest['events']:,} "
                f"events, {_rows(manifest['tables'])}; log root {manifest['log']['root']}; register "
                f"digest {manifest['register']['digest']}."
            )
        return
    if as_json:
        print(json.dumps(figures))
        return
    cli.console.print(
        f"Restored {figures['events']:,} events and {_rows(figures['tables'])} into "
        f"{figures['database']} in {figures['seconds']:.1f} s; read models rebuilt."
    )
    cli.console.print(
        f"Transparency-log root {figures['log_root']} and register digest {figures['register_digest']} "
        f"({figures['registrations']:,} registrations): both as in the backup."
    )
    cli.console.print(
        f"Erasures made since the backup, erased again: {figures['erasures_reapplied']} of {len(erased)} listed."
    )


def erasures(
    out: Path = typer.Option(
        None, "--out", help="Write the list to this file (keep it with your backups: a restore needs it)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """Every erasure recorded in the register: registrant id and when. 'regledger restore --erasures FILE' erases
    them again in a register restored from a backup made before them."""
    from ledger.cli import main as cli
    from ledger.ops.backup import erasures_recorded

    ledger = cli._ledger()
    try:
        found = erasures_recorded(ledger)
    finally:
        ledger.close()
    text = "".join(f"{registrant} {when}\n" for registrant, when in found)
    if out is not None:
        import os

        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        cli.console.print(f"Wrote {len(found)} erasures to {out}.")
    elif as_json:
        print(json.dumps([{"registrant": r, "erased_at": w} for r, w in found]))
    else:
        print(text, end="")


def _rows(tables: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in tables.items())
