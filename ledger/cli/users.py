"""``regledger users``: the accounts that sign in to the web service. Technicians sign up themselves (/signup) and
staff are best invited from the admin's page (/admin/accounts), so that each chooses their own password; these
commands are for the operator: add an account with a password, list accounts with their state and second factor,
disable and enable, and help someone who cannot sign in (``reset``: a new link, and with ``--second-factor`` a lost
phone forgotten)."""

from __future__ import annotations

from uuid import UUID

import typer

from ledger.domain.errors import LedgerError

users_app = typer.Typer(
    help="Accounts that sign in to the web service. Technicians sign up themselves (/signup); staff are best invited "
    "from /admin/accounts; staff sign in with a second factor.",
    no_args_is_help=True,
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
