"""The ``regledger`` command line. It parses, calls a command or a query, and renders: no rules live here."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ledger.domain.errors import LedgerError
from ledger.settings import Settings

app = typer.Typer(
    help="regledger: the event-sourced register of creative-industries technicians.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # a docstring's lines are joined into paragraphs, not shown cut where they were
)
console = Console()
err = Console(stderr=True, soft_wrap=True)


def _ledger(*, create: bool = False, **kwargs: Any) -> Any:
    """The register the settings name, opened; a new one is made only when ``create`` (``init`` and ``demo``) or
    when the environment names both the database and the master key (as a deployment does). Says where it is on
    standard error (not with --json)."""
    from ledger.app.ledger import Ledger
    from ledger.cli.register_location import MasterKeyMissing, RegisterMissing, check_register, describe, opening_failed

    try:
        settings = Settings.from_env()
        new = check_register(settings, create)
    except (ValueError, RegisterMissing, MasterKeyMissing) as error:
        _fail(error)
    try:
        ledger = Ledger(settings, announce=lambda message: err.print(f"[yellow]{message}[/yellow]"), **kwargs)
    except Exception as error:  # noqa: BLE001 - a key that is not a key, a server that does not answer: one line
        if (message := opening_failed(settings, error)) is None:
            raise
        _fail(LedgerError(message))
    if not _command_params().get("as_json"):
        err.print(f"{'New register' if new else 'Register'}: {describe(settings)}", style="dim", highlight=False)
    return ledger


def _command_params() -> dict[str, Any]:
    """The running command's parameters (Typer keeps its own copy of click, newer releases under ``typer._click``)."""
    import importlib

    for module in ("typer._click.globals", "click.globals"):
        try:
            context = importlib.import_module(module).get_current_context(silent=True)
        except (ImportError, AttributeError):
            continue
        if context is not None:
            return dict(context.params)
    return {}


@contextmanager
def _progress(description: str, quiet: bool = False) -> Iterator[Any]:
    if quiet or not err.is_terminal and not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _fail(error: Exception) -> NoReturn:
    err.print(f"[red]error:[/red] {error}")
    raise typer.Exit(1)


@app.command()
def framework(as_json: bool = typer.Option(False, "--json", help="Print the whole framework as JSON.")) -> None:
    """The competency framework: levels, competency areas with their descriptors, routes and rules.

    With --json this is the defined list of skills for each level that employers can reuse as promotion criteria.
    """
    from ledger.domain.framework import FRAMEWORK

    if as_json:
        print(json.dumps(FRAMEWORK.to_dict(), indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{FRAMEWORK.title}[/bold], version {FRAMEWORK.version}")
    for level in FRAMEWORK.levels:
        table = Table(
            title=f"{level.name} ({level.post_nominal}), about qualification level {level.qualification_level}",
            show_lines=True,
        )
        table.add_column("Area")
        table.add_column("Descriptor")
        for area in FRAMEWORK.required_areas(level.code):
            table.add_row(f"{area.code} {area.title}", area.descriptor(level.code) or "")
        console.print(table)


@app.command()
def demo(
    registrants: int = typer.Option(300, min=1, help="How many people enrol over the simulated years."),
    years: int = typer.Option(3, min=1, max=30, help="How many years of history to simulate, ending today."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives the same history."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing (and say so) if the register already holds events, instead of refusing."
    ),
) -> None:
    """Simulate a realistic body: applications by both routes at all levels, decisions, appeals, upgrades,
    renewals, lapses, suspensions, removals, resignations and an erasure; then build the register."""
    from ledger.domain.clock import SettableClock
    from ledger.ops.demo import run_demo
    from ledger.read.projections.runner import ProjectionRunner

    clock = SettableClock(date.today())
    ledger = _ledger(create=True, clock=clock, rng=None, single_writer_cache=300_000)
    if ledger.recorder.max_notification_id():
        if if_empty:
            err.print(f"The register at {ledger.settings.database_url} already holds events: no demo data added.")
            ledger.close()
            return
        _fail(
            LedgerError(
                f"the database at {ledger.settings.database_url} already holds events; the demo only "
                "fills an empty register (set REGLEDGER_DATABASE_URL to a new file)"
            )
        )
    import random as _random

    ledger.rng = _random.Random(seed)
    with _progress("Simulating days", quiet or as_json) as progress:
        result = run_demo(ledger, clock, registrants=registrants, years=years, seed=seed, progress=progress)
    runner = ProjectionRunner(ledger)
    started = time.perf_counter()
    with _progress("Building read models", quiet or as_json) as progress:
        runner.catch_up(progress)
    built = time.perf_counter() - started
    figures = {
        "registrants": registrants,
        "years": years,
        "seed": seed,
        "from": result.started.isoformat(),
        "to": result.ended.isoformat(),
        "commands": result.commands,
        "events": result.events,
        "refused": result.refused,
        "credentials": result.credentials,
        "seconds": round(result.seconds, 2),
        "events_per_second": round(result.events / result.seconds) if result.seconds else None,
        "projection_seconds": round(built, 2),
        "events_by_kind": result.kinds,
    }
    if as_json:
        print(json.dumps(figures))
    else:
        console.print(
            f"Simulated {years} years ({result.started} to {result.ended}) for {registrants} people: "
            f"{result.events} events from {result.commands} commands in {result.seconds:.1f} s "
            f"({figures['events_per_second']} events/s), {result.credentials} credentials issued; "
            f"read models built in {built:.1f} s."
        )
        table = Table(title="Events by kind")
        table.add_column("event")
        table.add_column("count", justify="right")
        for kind, count in result.kinds.items():
            table.add_row(kind, f"{count:,}")
        console.print(table)
        if result.refused:
            console.print(f"[yellow]{result.refused} commands were refused by the rules[/yellow]")
            for line in result.refusals:
                console.print("  " + line)
    ledger.close()


@app.command()
def init() -> None:
    """Make a new, empty register where the settings say (REGLEDGER_DATABASE_URL; by default the user's data
    directory): its database and, unless one is set, its master key. Other commands open an existing register
    only, so a typing slip or another folder never starts a second one."""
    from ledger.cli.register_location import describe, exists, key_location

    try:
        settings = Settings.from_env()
    except ValueError as error:
        _fail(error)
    already = LedgerError(f"there is already a register at {describe(settings)}: nothing was made")
    if settings.is_sqlite and exists(settings):
        _fail(already)
    ledger = _ledger(create=True)
    events = ledger.recorder.max_notification_id()
    ledger.close()
    if events:
        _fail(already)
    console.print(
        f"Made a new, empty register at {describe(settings)}, with its master key in {key_location(settings)} "
        "(back the key up apart from the register: without it no backup can be restored). Next: `regledger "
        "users add EMAIL --role admin`, then `regledger serve`.",
        soft_wrap=True,  # a path cut across lines cannot be copied
    )


@app.command()
def rebuild(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Drop every read model and rebuild it from the events."""
    from ledger.read.projections.runner import ProjectionRunner

    ledger = _ledger()
    runner = ProjectionRunner(ledger)
    started = time.perf_counter()
    with _progress("Rebuilding read models", quiet or as_json) as progress:
        events = runner.rebuild(progress)
    seconds = time.perf_counter() - started
    ledger.close()
    figures = {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds) if seconds else None,
    }
    if as_json:
        print(json.dumps(figures))
    else:
        console.print(
            f"Rebuilt the read models from {events} events in {seconds:.2f} s "
            f"({figures['events_per_second']} events/s)."
        )


@app.command()
def erase(
    registrant: str = typer.Argument(
        ..., metavar="REGISTRATION_NUMBER_OR_ID", help="A registration number (RG-1234567-89) or a registrant id."
    ),
    by: str = typer.Option("registrar", help="Who asked for the erasure (recorded in the event)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase a registrant's personal data (crypto-shredding): their data key is destroyed, the events stay, and
    the register shows the record as erased. This cannot be undone."""
    from ledger.read.projections.runner import ProjectionRunner

    ledger = _ledger()
    try:
        registrant_id = ledger.resolve_registrant(registrant)
        who = f"{registrant} (registrant {registrant_id})" if registrant != str(registrant_id) else registrant
        if not yes and not typer.confirm(f"Erase the personal data of {who}? This cannot be undone"):
            raise typer.Exit(1)
        ledger.erase(registrant_id, by)
    except LedgerError as error:
        _fail(error)
    ProjectionRunner(ledger).catch_up()
    ledger.close()
    console.print(f"Erased the personal data of registrant {registrant_id}.")


def _add_credential_commands() -> None:
    from ledger.cli import audit as cli_audit
    from ledger.cli import backup as cli_backup
    from ledger.cli import credentials as cli_credentials
    from ledger.cli import register as cli_register
    from ledger.cli import report as cli_report
    from ledger.cli import service as cli_service

    app.command("register")(cli_register.register)
    app.add_typer(cli_audit.audit_app, name="audit")
    app.add_typer(cli_report.report_app, name="report")
    app.command("backup")(cli_backup.backup)
    app.command("restore")(cli_backup.restore)
    app.command("erasures")(cli_backup.erasures)
    app.command("serve")(cli_service.serve)
    app.command("worker")(cli_service.worker)
    app.command("status")(cli_service.status)
    app.command("tick")(cli_service.tick)
    app.add_typer(cli_service.mail_app, name="mail")
    app.add_typer(cli_service.users_app, name="users")
    app.command("issue")(cli_credentials.issue)
    app.add_typer(cli_credentials.keys_app, name="keys")
    app.add_typer(cli_credentials.trust_app, name="trust")
    app.add_typer(cli_credentials.credential_app, name="credential")


_add_credential_commands()

if __name__ == "__main__":
    app()
