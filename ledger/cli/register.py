"""``regledger register``: the public register in a terminal, a pipe (80 columns keep every number, level, status
and date whole) or JSON; as it stood or was recorded on a past day; or its digest."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypedDict

import typer
from rich import box
from rich.table import Table

from ledger.cli.main import _fail, _ledger, console

_LONGEST_DISCIPLINE = 16  # media_production: a discipline code is never cut in two (--discipline takes it whole)


class _RegisterCriteria(TypedDict):
    """The search criteria of ``register``: the keyword arguments of ``search_register``."""

    query: str | None
    level: str | None
    status: str | None
    discipline: str | None
    post_nominals: dict[str, str]
    limit: int


def register(
    query: str | None = typer.Option(None, "--query", help="Part of a name, or an exact registration number."),
    level: str | None = typer.Option(None, "--level", help="Level code: RCT, RCP or ACP."),
    status: str | None = typer.Option(None, "--status", help="registered, suspended, lapsed, removed or resigned."),
    discipline: str | None = typer.Option(None, "--discipline", help="A discipline code."),
    limit: int = typer.Option(50, min=1, help="At most this many entries (the title says when there are more)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    as_of: datetime | None = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="The register as it stood at the end of this day by business time (YYYY-MM-DD), rebuilt from the events.",
    ),
    recorded_as_of: datetime | None = typer.Option(
        None,
        "--recorded-as-of",
        formats=["%Y-%m-%d"],
        help="The register as the system had recorded it by the end of this day (YYYY-MM-DD).",
    ),
    digest: bool = typer.Option(
        False,
        "--digest",
        help="Print only the register's digest (what 'regledger audit "
        "replay' prints for a bundle): number, level, status, dates and listing of every "
        "registration, hashed.",
    ),
) -> None:
    """Search the public register. Verify-only registrants appear only for their exact registration number."""
    if digest:
        from ledger.read.projections.runner import ProjectionRunner
        from ledger.read.replay import register_digest

        ledger = _ledger()
        ProjectionRunner(ledger).catch_up()
        with ledger.engine.connect() as conn:
            value, count = register_digest(conn)
        ledger.close()
        print(json.dumps({"digest": value, "registrations": count}) if as_json else value)
        return
    from ledger.domain.framework import FRAMEWORK
    from ledger.domain.regnumber import InvalidRegistrationNumber
    from ledger.read.projections.register import search_register
    from ledger.read.projections.runner import ProjectionRunner

    if level:
        try:
            FRAMEWORK.level(level)
        except Exception as error:
            _fail(error)
    ledger = _ledger()
    ProjectionRunner(ledger).catch_up()
    post_nominals = {lv.code: lv.post_nominal for lv in FRAMEWORK.levels}
    criteria: _RegisterCriteria = {
        "query": query,
        "level": level,
        "status": status,
        "discipline": discipline,
        "post_nominals": post_nominals,
        "limit": limit + 1,  # one more than shown, to say whether there are more
    }
    title = "The register"
    try:
        moment = as_of or recorded_as_of
        if moment:
            from ledger.read.as_of import register_as_of

            day = moment.date()
            entries = register_as_of(ledger, day, recorded=recorded_as_of is not None)(**criteria)
            title += f" as {'recorded' if recorded_as_of else 'it stood'} at the end of {day}"
        else:
            with ledger.engine.connect() as conn:
                entries = search_register(conn, **criteria)
    except InvalidRegistrationNumber as error:
        _fail(error)
    ledger.close()
    more = len(entries) > limit
    entries = entries[:limit]
    if as_json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    counted = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
    narrow = console.width < 100  # a terminal or a pipe of 80 columns: fewer lines, no registered-since column
    table = Table(
        title=f"{title}: the first {counted}; there are more (--limit)" if more else f"{title}: {counted}",
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        padding=(0, 1, 0, 0) if narrow else (0, 1),  # two spaces between columns: 80 columns hold them all
    )
    # numbers, levels, statuses and dates never wrap (a number cut in two is a wrong number); names and
    # disciplines fold
    table.add_column("Number", no_wrap=True)
    table.add_column("Name", overflow="fold", min_width=12)
    table.add_column("Level", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Disciplines", overflow="fold", min_width=_LONGEST_DISCIPLINE)
    if not narrow:
        table.add_column("Since", no_wrap=True)
    table.add_column("Valid until", no_wrap=True)
    for e in entries:
        since = [] if narrow else [e["registered_since"] or ""]
        table.add_row(
            e["registration_number"],
            e["name"],
            e["post_nominal"] or "",
            e["status"],
            ", ".join(e["disciplines"]),
            *since,
            e["valid_until"] or "",
        )
    console.print(table)
