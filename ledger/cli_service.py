"""The service commands of the ``regledger`` CLI: ``serve`` and ``users add``."""

from __future__ import annotations

from datetime import datetime

import typer

from ledger.errors import LedgerError

users_app = typer.Typer(help="Accounts that sign in to the web service.", no_args_is_help=True)


def serve(host: str = typer.Option("127.0.0.1", help="The address to listen on."),
          port: int = typer.Option(8000, min=1, max=65535, help="The port to listen on."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="No request log.")) -> None:
    """Serve the register: public search and registrant pages, the offline verifier at /v, the JSON API
    (documented at /docs) and the pages for registrants, assessors and the registrar."""
    import uvicorn

    from ledger import cli
    from ledger.api.app import create_app

    app = create_app(cli._ledger())
    cli.console.print(f"Serving the register at [bold]http://{host}:{port}[/bold] (API documentation at "
                      f"http://{host}:{port}/docs); press Ctrl+C to stop.")
    uvicorn.run(app, host=host, port=port, log_level="warning" if quiet else "info", access_log=not quiet)


@users_app.command("add")
def users_add(email: str = typer.Argument(..., help="The email the person signs in with."),
              role: str = typer.Option(..., "--role", help="registrant, assessor, registrar, auditor or admin."),
              registrant: str = typer.Option(None, "--registrant", help="For a registrant account: their "
                                             "registration number or registrant id."),
              assessor: str = typer.Option(None, "--assessor", help="For an assessor account: the assessor id."),
              password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                           help="At least 12 characters (asked for when not given).")) -> None:
    """Add an account."""
    from uuid import UUID

    from ledger import cli
    from ledger.accounts import Accounts

    ledger = cli._ledger()
    try:
        registrant_id = ledger.resolve_registrant(registrant) if registrant else None
        assessor_id = None
        if assessor:
            try:
                assessor_id = UUID(assessor)
            except ValueError:
                raise LedgerError(f"{assessor!r} is not an assessor id") from None
            ledger.assessor(assessor_id)
        account = Accounts(ledger.engine).add(email, password, role, registrant_id=registrant_id,
                                              assessor_id=assessor_id)
    except LedgerError as error:
        cli._fail(error)
    finally:
        ledger.close()
    cli.console.print(f"Added {account.email} as {account.role}.")


def tick(until: datetime = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="Close every day up to this "
                                        "one (YYYY-MM-DD); today by default."),
         start: datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="The first day to close, when no "
                                        "day was ever closed (default: the --until day)."),
         quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
         as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON.")) -> None:
    """The daily job: renewal reminders (90, 60, 30 and 7 days before the due date), declared renewals approved on
    their due date, overdue registrations, lapses after the grace period, the end of time-limited suspensions, PPD
    audits decided 'not renewed' taking effect, and on 1 January the PPD audit sample. Each day is
    closed once: running it again changes nothing, and after a gap it catches up day by day, in order."""
    import json
    from datetime import date

    from ledger import cli
    from ledger.clock import SettableClock
    from ledger.tick import Ticker

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
    totals = {"days": sum(not r.already_closed for r in results),
              "already_closed": sum(r.already_closed for r in results),
              "reminders": sum(r.reminders for r in results), "renewed": sum(r.renewed for r in results),
              "overdue": sum(r.overdue for r in results),
              "lapsed": sum(r.lapsed for r in results),
              "suspensions_ended": sum(r.suspensions_ended for r in results),
              "lapsed_after_audit": sum(r.ended_after_audit for r in results),
              "audit_selected": sum(len(r.audit_selected) for r in results)}
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

    from ledger import cli
    from ledger.mailer import Mailer

    ledger = cli._ledger()
    try:
        result = Mailer(ledger).send_pending()
    finally:
        ledger.close()
    figures = {"sent": result.sent, "failed": result.failed, "skipped_erased": result.skipped_erased,
               "stuck": result.stuck}
    if as_json:
        print(json.dumps(figures))
        return
    cli.console.print(f"Sent {result.sent}; {result.failed} failed (to be retried); {result.skipped_erased} for "
                      "erased registrants.")
    for message_id in result.stuck:
        cli.console.print(f"[yellow]Left 'sending' by an interrupted run, not sent again:[/yellow] {message_id}")
