"""The service commands of the ``regledger`` CLI: ``serve``, ``worker``, ``status``, ``tick``, ``mail send`` and
``users`` (add, list, disable, enable, reset)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import typer

from ledger.domain.errors import LedgerError

users_app = typer.Typer(
    help="Accounts that sign in to the web service. Technicians sign up themselves (/signup); staff are best invited "
    "from /admin/accounts; staff sign in with a second factor.",
    no_args_is_help=True,
)


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


def _checked_password(value: str) -> str:
    """The password's rule checked as soon as it is typed: a password that cannot be accepted is refused at the
    first prompt, and asked for again, before the confirmation prompt (click does not echo a hidden value's error,
    so the prompt itself states the rule)."""
    from ledger.app.accounts import check_password

    try:
        return check_password(value)
    except LedgerError as error:
        raise typer.BadParameter(str(error)) from None


def _assessor_named(ledger: object, named: str) -> UUID:
    """The appointed assessor, still serving, with this name (any case) or this id."""
    from sqlalchemy import func, select

    from ledger.read.projections.casework import assessors

    try:
        return UUID(named)
    except ValueError:
        pass
    with ledger.engine.connect() as conn:  # type: ignore[attr-defined]
        found = list(
            conn.execute(
                select(assessors.c.id).where(
                    func.lower(assessors.c.name) == named.strip().lower(), assessors.c.active.is_(True)
                )
            ).scalars()
        )
    if len(found) != 1:
        raise LedgerError(
            f"no serving assessor is named {named!r}"
            if not found
            else f"{len(found)} assessors are named {named!r}: give the id instead"
        )
    return UUID(found[0])


@users_app.command("add")
def users_add(
    email: str = typer.Argument(..., help="The email the person signs in with."),
    role: str = typer.Option(..., "--role", help="registrant, assessor, registrar, auditor or admin."),
    registrant: str = typer.Option(
        None,
        "--registrant",
        help="For a registrant account: their registration number or registrant id (without it, the person enrols "
        "from their own pages at /me/enrol).",
    ),
    assessor: str = typer.Option(
        None, "--assessor", help="For an assessor account: the assessor's name as appointed (or their id)."
    ),
    password: str = typer.Option(
        ...,
        prompt="Password (at least 12 characters)",
        hide_input=True,
        confirmation_prompt=True,
        callback=_checked_password,
        help="At least 12 characters (asked for when not given).",
    ),
) -> None:
    """Add an account that signs in with a password you choose now (staff are better invited from
    /admin/accounts, so that they choose their own)."""
    from ledger.app.accounts import STAFF, Accounts
    from ledger.cli import main as cli

    ledger = cli._ledger()
    try:
        registrant_id = ledger.resolve_registrant(registrant) if registrant else None
        assessor_id = None
        if assessor:
            assessor_id = _assessor_named(ledger, assessor)
            ledger.assessor(assessor_id)
        account = Accounts(ledger.engine).add(
            email,
            password,
            role,
            registrant_id=registrant_id,
            assessor_id=assessor_id,
            unenrolled=role == "registrant" and registrant_id is None,  # they enrol from their own pages
        )
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(f"Added {account.email} as {account.role}.")
    if account.role in STAFF:
        cli.console.print(
            "Staff sign in with a second factor: at their first sign-in they are asked to set up an authenticator "
            "app (the page /account/two-factor). To let staff choose their own password, invite them from "
            "/admin/accounts instead."
        )


@users_app.command("disable")
def users_disable(email: str = typer.Argument(..., help="The account's email.")) -> None:
    """The account can no longer sign in or act; every session and token it holds ends now."""
    from ledger.app.accounts import Accounts
    from ledger.cli import main as cli

    ledger = cli._ledger()
    try:
        account = Accounts(ledger.engine).disable(email)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(f"Disabled {account.email}: its sessions and tokens have ended.")


@users_app.command("enable")
def users_enable(email: str = typer.Argument(..., help="The account's email.")) -> None:
    """Let a disabled account sign in again."""
    from ledger.app.accounts import Accounts
    from ledger.cli import main as cli

    ledger = cli._ledger()
    try:
        account = Accounts(ledger.engine).enable(email)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(f"Enabled {account.email}: it can sign in again.")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Print the accounts as JSON.")) -> None:
    """Every account: email, role, state (active; invited: has not chosen a password yet; unverified: has not
    confirmed the email yet; disabled) and whether its second factor is set up (staff must have one)."""
    import json

    from rich.table import Table

    from ledger.app.account_desk import AccountDesk
    from ledger.cli import main as cli

    ledger = cli._ledger()
    try:
        rows = [row.as_dict() for row in AccountDesk.of(ledger).overview()]
    finally:
        ledger.close()
    if as_json:
        print(json.dumps(rows))
        return
    table = Table(title=f"{len(rows)} account{'' if len(rows) == 1 else 's'}")
    for column in ("email", "role", "state", "second factor"):
        table.add_column(column, overflow="fold")
    for row in rows:
        factor = "set up" if row["second_factor"] else "not needed" if row["role"] == "registrant" else "not yet"
        state = f"[red]{row['state']}[/red]" if row["state"] == "disabled" else row["state"]
        table.add_row(row["email"], row["role"], state, factor)
    cli.console.print(table)


@users_app.command("reset")
def users_reset(
    email: str = typer.Argument(..., help="The account's email."),
    second_factor: bool = typer.Option(
        False,
        "--second-factor",
        help="Also forget the account's second factor and recovery codes (a lost phone): staff set up a new one at "
        "their next sign-in.",
    ),
) -> None:
    """Help someone who cannot sign in: mails them a link to choose a new password (it works once, within
    REGLEDGER_RESET_LINK_MINUTES) and prints it, for you to hand over yourself if their mail does not arrive. With
    --second-factor their authenticator app is forgotten too. Their password is unchanged until they use the link."""
    from ledger.app.account_desk import AccountDesk
    from ledger.cli import main as cli

    ledger = cli._ledger()
    try:
        desk = AccountDesk.of(ledger)
        account = desk.accounts.by_email(email)
        if second_factor:
            desk.factors.clear(account.id)
            desk.accounts.end_sessions(account.id)
        url = desk.reset_link(account.email)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    if second_factor:
        cli.console.print(f"Forgot the second factor of {account.email}: they set up a new one at their next sign-in.")
    cli.console.print(f"A letter to reset the password of {account.email} is in the outbox. The link (works once):")
    print(url)


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
