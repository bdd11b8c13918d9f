"""The service commands of the ``regledger`` CLI: ``serve``, ``worker``, ``status``, ``tick``, ``mail send`` and
``users`` (its commands are in ``ledger.cli.users``)."""

from __future__ import annotations

from datetime import datetime

import typer

from ledger.cli.users import users_app as users_app  # ``regledger users``, registered by ledger.cli.main
from ledger.domain.errors import LedgerError


def serve(
    host: str = typer.Option("127.0.0.1", help="The address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="The port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Web worker processes (PostgreSQL only: "
        "each is stateless, and `regledger worker` runs the followers apart).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No request log."),
) -> None:
    """Serve the register: public search and registrant pages, the offline verifier at /v, the JSON API
    (documented at /docs) and the pages for registrants, assessors and the registrar.

    On the embedded default (SQLite) one process does everything: it runs a worker in-process (the read models,
    credentials, transparency log, publication, mail and the daily tick). On PostgreSQL the web answers HTTP and
    nothing else, in --workers processes: run `regledger worker` beside it (one or more, anywhere)."""
    import uvicorn

    from ledger.api.protocol import BoundedHeaders
    from ledger.cli import main as cli
    from ledger.settings import Settings

    settings = Settings.from_env()
    log_level, access_log = ("warning" if quiet else "info"), not quiet
    if settings.is_sqlite:
        if workers > 1:
            cli._fail(
                ValueError(
                    "--workers above 1 needs PostgreSQL (REGLEDGER_DATABASE_URL=postgresql://...): "
                    "the embedded SQLite register is served by one process"
                )
            )
        from ledger.api.main import create_app

        app = create_app(cli._ledger(), worker="all")
        cli.console.print(
            f"Serving the register at [bold]http://{host}:{port}[/bold] (API documentation at "
            f"http://{host}:{port}/docs), with its worker in this process; press Ctrl+C to stop."
        )
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=access_log,
            http=BoundedHeaders,
            proxy_headers=False,
        )  # the app reads forwarded headers from REGLEDGER_TRUSTED_PROXIES only
        return
    cli._ledger().close()  # the tables exist, and a missing master key is said now, once
    cli.console.print(
        f"Serving the register at [bold]http://{host}:{port}[/bold] with {workers} web worker"
        f"{'s' if workers > 1 else ''}; the followers run in `regledger worker` (start one or more "
        "beside this). Press Ctrl+C to stop."
    )
    uvicorn.run(
        "ledger.api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=False,
        http=BoundedHeaders,
    )


def worker(
    once: bool = typer.Option(
        False, "--once", help="Catch every follower up, run every duty once, and exit (for cron and tests)."
    ),
    retry_parked: bool = typer.Option(
        False, "--retry-parked", help="Try every parked event again, say what happened, and exit."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --once or --retry-parked: print what was done as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Say nothing while running."),
) -> None:
    """Run every follower and duty of the register apart from the web: the read models, the credential issuer,
    the transparency log and its checkpoints, the publication of status lists and the trust bundle, mail and the
    daily tick. Any number may run at once (on PostgreSQL, on any machine): each duty is led by one worker at a
    time, and another takes it over within seconds when that one stops. Ctrl+C stops it."""
    import contextlib
    import json
    import signal

    from ledger.cli import main as cli
    from ledger.processes.worker import Worker

    ledger = cli._ledger()

    def say(message: str) -> None:
        if not (quiet or as_json):
            cli.err.print(f"worker: {message}")

    running = Worker(ledger, announce=say)
    try:
        if retry_parked:
            figures = running.retry_parked()
            print(json.dumps(figures)) if as_json else cli.console.print(
                f"Released {figures['released']} parked events; {figures['still_parked']} still parked "
                "(`regledger status` says why)."
            )
            return
        if once:
            result = running.run_once()
            if as_json:
                print(
                    json.dumps(
                        {"done": result.done, "led_elsewhere": result.skipped, "errors": result.errors}, default=str
                    )
                )
            else:
                for name, done in result.done.items():
                    cli.console.print(f"{name}: {done}")
                for name in result.skipped:
                    cli.console.print(f"{name}: led by another worker")
                for name, error in result.errors.items():
                    cli.err.print(f"[red]{name} failed:[/red] {error}")
            if result.errors:
                raise typer.Exit(1)
            return
        signal.signal(signal.SIGTERM, lambda signum, frame: running.request_stop())
        say(f"{running.id} started; Ctrl+C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            running.run_forever()
    finally:
        ledger.close()


def status(as_json: bool = typer.Option(False, "--json", help="Print everything as JSON.")) -> None:
    """How far each follower has got (position, lag in events and seconds), what is parked and why, and which
    worker leads each duty."""
    import json

    from rich.table import Table

    from ledger.cli import main as cli
    from ledger.processes.status import progress

    ledger = cli._ledger()
    try:
        facts = progress(ledger)
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(facts))
        return
    table = Table(title=f"Followers (the event store holds events up to {facts['head']})")
    for column in ("follower", "position", "behind (events)", "waiting (s)", "parked", "led by"):
        table.add_column(column)
    followers = facts["followers"]
    read_models = [f for f in followers if f["follower"].startswith("projections")]
    if len({(f["position"], f["parked"]) for f in read_models}) == 1:  # all alike: one row says it
        followers = [
            {**read_models[0], "follower": f"read models ({len(read_models)})"},
            *[f for f in followers if f not in read_models],
        ]
    for f in followers:
        table.add_row(
            f["follower"],
            str(f["position"]),
            str(f["lag_events"]),
            "-" if f["lag_seconds"] is None else str(f["lag_seconds"]),
            str(f["parked"]),
            f["led_by"] or "[yellow]no worker[/yellow]",
        )
    cli.console.print(table)
    duties = ", ".join(f"{name}: {who or 'no worker'}" for name, who in facts["duties"].items())
    cli.console.print(f"Duties: {duties}")
    if not facts["workers"]:
        cli.console.print(
            "[yellow]No worker has been heard from in the last 30 seconds: start `regledger worker` "
            "(or `regledger serve` on the embedded default).[/yellow]"
        )
    for w in facts["workers"]:
        errors = "; ".join(f"{k}: {v}" for k, v in w["errors"].items())
        cli.console.print(
            f"Worker {w['id']}: leads {', '.join(w['leads']) or 'nothing (standby)'}; last seen "
            f"{w['seen_at']}" + (f"; [red]errors[/red]: {errors}" if errors else "")
        )
    for p in facts["parked"]:
        cli.console.print(
            f"[red]Parked[/red] for {p['follower']}: event {p['event']} ({p['kind']}) of record "
            f"{p['record']}, {p['attempts']} attempt(s): {p['reason']}"
        )


def tick(
    until: datetime = typer.Option(
        None, "--until", formats=["%Y-%m-%d"], help="Close every day up to this one (YYYY-MM-DD); today by default."
    ),
    start: datetime = typer.Option(
        None,
        "--from",
        formats=["%Y-%m-%d"],
        help="The first day to close, when no day was ever closed (default: the --until day).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON."),
) -> None:
    """The daily job: renewal reminders (90, 60, 30 and 7 days before the due date), declared renewals approved on
    their due date, overdue registrations, lapses after the grace period, the end of time-limited suspensions, PPD
    audits decided 'not renewed' taking effect, and on 1 January the PPD audit sample. Each day is
    closed once: running it again changes nothing, and after a gap it catches up day by day, in order."""
    import json
    from datetime import date

    from ledger.cli import main as cli
    from ledger.domain.clock import SettableClock
    from ledger.processes.tick import Ticker

    last = until.date() if until else date.today()
    clock = SettableClock(last)
    ledger = cli._ledger(clock=clock)
    try:
        with cli._progress("Closing days", quiet or as_json) as progress:
            results = Ticker(ledger).run_until(last, progress, start=start.date() if start else None)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    totals = {
        "days": sum(not r.already_closed for r in results),
        "already_closed": sum(r.already_closed for r in results),
        "reminders": sum(r.reminders for r in results),
        "renewed": sum(r.renewed for r in results),
        "overdue": sum(r.overdue for r in results),
        "lapsed": sum(r.lapsed for r in results),
        "suspensions_ended": sum(r.suspensions_ended for r in results),
        "lapsed_after_audit": sum(r.ended_after_audit for r in results),
        "audit_selected": sum(len(r.audit_selected) for r in results),
    }
    if as_json:
        print(json.dumps(totals))
    else:
        cli.console.print(", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in totals.items()))


mail_app = typer.Typer(help="The outbox: letters the register has queued.", no_args_is_help=True)


@mail_app.command("send")
def mail_send(as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON.")) -> None:
    """Deliver the queued letters over SMTP (REGLEDGER_SMTP_*). Letters that failed are retried (five attempts);
    a letter left 'sending' by a crash is listed, not sent again: check it by its Message-ID."""
    import json

    from ledger.cli import main as cli
    from ledger.processes.mailer import Mailer

    ledger = cli._ledger()
    if not ledger.settings.send_mail:
        ledger.close()
        cli._fail(
            LedgerError(
                "no mail server is configured: set REGLEDGER_SMTP_HOST (and REGLEDGER_SMTP_PORT, _USERNAME, "
                "_PASSWORD, _STARTTLS as your server needs) and run this again; nothing was sent or marked failed"
            )
        )
    try:
        result = Mailer(ledger).send_pending()
    finally:
        ledger.close()
    figures = {
        "sent": result.sent,
        "failed": result.failed,
        "skipped_erased": result.skipped_erased,
        "stuck": result.stuck,
    }
    if as_json:
        print(json.dumps(figures))
    else:
        cli.console.print(
            f"Sent {result.sent}; {result.failed} failed (to be retried); "
            f"{result.skipped_erased} for erased registrants."
        )
        for message_id in result.stuck:
            cli.console.print(f"[yellow]Left 'sending' by an interrupted run, not sent again:[/yellow] {message_id}")
    if result.failed:  # the operator (or a cron job) must see that the outbox is not going out
        raise typer.Exit(1)
