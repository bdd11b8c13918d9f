"""An organisation's own progression report: the same analyses and the same suppression as the body's, over the
people who linked their registration to it, and over each of them only while they were linked.

**Narrowing.** The statistics rows are keyed by HMAC pseudonyms (``Pseudonyms``, ``Vault.pseudonym_key``); the
linked registrants' pseudonyms are worked out here, in memory, with the same key, used to pick their rows, and
dropped with the report: the join between an organisation and anyone's statistics is never stored.

**Why a link counts from the next quarter (the differencing attack).** An organisation knows whom it has linked (it
sees their names on ``/org``), so it can make its report, wait for one person to link, and make it again. If the
newcomer's whole history joined the population at once, every quarter already reported would change by exactly one
person, and a count moving from 20 to 25 would say which band they are in. So each linked person counts only within
their **windows**: from the first day of the quarter after they linked (``effect_of``) to the first day of the
quarter in which they unlinked. Before the window, their history is carried in as their *state* on its first day
(the band and characteristics they had given, the level they held), dated that day, as if they had joined the
register then; records dated outside it (decisions, renewals, PPD, appointments) are left out, and a record still
open when the window closes is cut back to what it was that day. Both window edges are quarters no report can yet
show when the link or unlink happens (the current quarter never is), so:

- every quarter a report has ever shown holds the same records for ever after, whoever links or unlinks later;
- what a link adds lands in quarters still unreported, and the grid (``suppression.grid``) shows them only as part
  of a new whole block of at least 23 records, exactly as it treats a newcomer to the register.

Two reports of the organisation, whenever made, therefore differ by nothing or by whole blocks, never by one
person: the body's own guarantee (``suppression``), for the same reason. The naive alternative (every linked
person's whole history, the moment they link) is broken by that attack, and the tests show both.

**Unlinking.** A person who unlinks is counted no further: nothing they do from the quarter of the unlink on
reaches the organisation's figures. What was counted while they were linked stays (frozen, as it stood when the
window closed; the snapshot tables count them as no longer registered from then): taking it out would change
quarters already reported by one person, which is the attack run backwards. ``/org`` stops listing them at once.

**Too few people.** The report shows nothing until at least ``MIN_PEOPLE`` (23) people are counted in its latest
reported quarter, and while at least ``MIN_PEOPLE`` people of the register are *not* counted in it. The first is the
base a percentage needs, and an organisation knows exactly who its people are, so a table of a handful would all
but name them. The second is the differencing between the organisation's report and the body's: a linked person's
records sit in both with the same dates and bands, so subtracting one report from the other cancels them and leaves
only the rest of the register (the people not counted for the organisation); that difference says nothing about a
linked person, and the second rule keeps the rest from being a handful. Both are made of rounded atoms, each report
on its own grid of whole blocks; what remains is what remains of any published table (someone who knows every
other member's background can infer the last one's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from ledger.domain.aggregates import Organisation
from ledger.domain.background import CHARACTERISTICS
from ledger.domain.framework import FRAMEWORK, Framework
from ledger.read.projections.statistics_tables import Pseudonyms, statistics_rows
from ledger.reports.progression import suppression
from ledger.reports.progression.people import People, state_at
from ledger.reports.progression.report import report_from_rows
from ledger.reports.progression.shape import DEFAULT_PARITY_MARGIN, Report

MIN_PEOPLE = suppression.MIN_BLOCK
"""People an organisation's report needs counted (and needs left over in the rest of the register): 23."""

DATED_BY = {
    "answers": "on",
    "events": "on",
    "ppd": "recorded_on",
    "assessors": "appointed_on",
    "applications": "started_on",
}
"""The date that places each kind of row in or out of a window (an application by the day it began: all its later
dates follow it, and those after the window's end are cut)."""

Window = tuple[date, date | None]
"""The days a linked person counts for: from the first (a quarter's first day) to before the second (None: open)."""


def effect_of(day: date) -> date:
    """The first day a link made on ``day`` counts from: the start of the next quarter."""
    return suppression.quarter_end(day) + timedelta(days=1)


def windows_of(changes: Iterable[tuple[UUID, date, bool]]) -> dict[UUID, list[Window]]:
    """Each registrant's windows from their links and unlinks ((registrant, day, linked?), oldest first): a link
    opens a window at the next quarter's start, an unlink closes it at the start of its own quarter; a window that
    closes before it opens (both in one quarter) never was."""
    opened: dict[UUID, date] = {}
    found: dict[UUID, list[Window]] = {}
    for registrant, day, linked in changes:
        if linked:
            opened.setdefault(registrant, effect_of(day))
            continue
        start = opened.pop(registrant, None)
        end = suppression.quarter_start(day)
        if start is not None and start < end:
            found.setdefault(registrant, []).append((start, end))
    for registrant, start in opened.items():
        found.setdefault(registrant, []).append((start, None))
    return found


def _inside(day: date | None, window: Window) -> bool:
    return day is not None and window[0] <= day and (window[1] is None or day < window[1])


def _cut(application: dict[str, Any], end: date | None) -> dict[str, Any]:
    """An application as it stood the day before ``end`` (None: as it stands)."""
    a = dict(application)
    if end is None:
        return a
    late = {
        k
        for k in ("submitted_on", "closed_on", "appealed_on", "appeal_decided_on", "awarded_on")
        if a.get(k) is not None and a[k] >= end
    }
    if "submitted_on" in late:
        a["submitted_on"] = None
    if "closed_on" in late:
        a.update(closed_on=None, first_outcome=None, outcome=None)
    if "appealed_on" in late:
        a["appealed_on"] = None
    if "appeal_decided_on" in late:
        a.update(appeal_decided_on=None, appeal_outcome=None, outcome=a["first_outcome"])
    if "awarded_on" in late:
        a["awarded_on"] = None
    return a


def narrowed_rows(
    rows: dict[str, list[dict[str, Any]]], windows: dict[str, list[Window]]
) -> dict[str, list[dict[str, Any]]]:
    """The statistics rows of the people in ``windows`` (by pseudonym), each counted only inside their windows: their
    state on each window's first day carried in as records of that day, their records outside left out, and a
    record open at a window's end cut back to that day. Nobody else's rows, and never the originals (copies)."""
    everyone = People(rows)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in rows}
    kept = {person: spans for person, spans in windows.items() if person in everyone.enrolled and spans}
    for p in rows["people"]:
        if p["person"] in kept:
            out["people"].append({**p, "enrolled_on": kept[p["person"]][0][0]})
    timelines = {person: everyone.timeline(person) for person in kept}
    awards = _awards_by_person(rows["events"], kept)
    for person, spans in kept.items():
        for n, (start, end) in enumerate(spans):
            before = state_at(timelines[person], start - timedelta(days=1))
            given = everyone.given_at(person, start - timedelta(days=1))
            if given is not None:  # the answers given by then, carried in
                out["answers"].append(
                    {
                        "id": f"{person}:{n}:answers",
                        "person": person,
                        "on": start,
                        "seq": -1,
                        "responded": given[0],
                        "band": given[1],
                        **dict(zip(CHARACTERISTICS, given[2], strict=True)),
                    }
                )
            held = _held_before(awards.get(person, []), start)
            if held is not None:  # the level held by then (and whether they were then off the register)
                out["events"].append(_carried(person, n, "awarded", start, -2, held))
                if before is None or before.level is None:
                    out["events"].append(_carried(person, n, "resigned", start, -1, None))
            if end is not None:  # off the organisation's register from then ('resigned' is counted in no flow)
                out["events"].append(_carried(person, n, "resigned", end, 0, None, "end"))
    for name, day in DATED_BY.items():
        for r in rows.get(name, ()):
            window = next((w for w in kept.get(r["person"], ()) if _inside(r[day], w)), None)
            if window is None:
                continue
            if name == "applications":
                out[name].append(_cut(r, window[1]))
            elif name == "assessors" and window[1] is not None and _inside(r["stood_down_on"], (window[1], None)):
                out[name].append({**r, "stood_down_on": None})  # still appointed when the window closed
            else:
                out[name].append(dict(r))
    return out


def _awards_by_person(events: list[dict[str, Any]], people: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each of ``people``'s awards, oldest first (read once: an organisation may have thousands of people)."""
    wanted = set(people)
    found: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e["kind"] == "awarded" and e["person"] in wanted:
            found.setdefault(e["person"], []).append(e)
    for awards in found.values():
        awards.sort(key=lambda e: (e["on"], e["seq"]))
    return found


def _held_before(awards: list[dict[str, Any]], day: date) -> tuple[str, str | None] | None:
    """The level last awarded before ``day``, with the route of the first award (what the tables that ask 'first
    awarded by which route' read), or None."""
    before = [e for e in awards if e["on"] < day]
    return (before[-1]["level"], before[0]["route"]) if before else None


def _carried(
    person: str, n: int, kind: str, day: date, seq: int, held: tuple[str, str | None] | None, edge: str = "start"
) -> dict[str, Any]:
    """A record made up for a window's edge: the level held carried in (``awarded``), or leaving (``resigned``)."""
    level, route = held if held is not None else (None, None)
    return {
        "id": f"{person}:{n}:{edge}:{kind}",
        "person": person,
        "kind": kind,
        "on": day,
        "seq": seq,
        "level": level,
        "previous_level": None,  # not a move up a level: no time-to-progress is counted for it
        "previous_on": None,
        "route": route,
        "year": None,
        "outcome": None,
    }


# -- the organisation's report
@dataclass
class OrganisationReport:
    """The report, or why there is none yet (``shown`` False: ``report`` holds no figures)."""

    report: Report
    shown: bool
    reason: str | None
    counted: int  # people counted in the latest reported quarter (the organisation knows whom it linked)

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "shown": self.shown, "reason": self.reason, "counted": self.counted}


def link_changes(ledger: Any, organisation_id: UUID) -> list[tuple[UUID, date, bool]]:
    """Every link and unlink of the organisation, oldest first, from its own events."""
    found = []
    for e in ledger.repository.event_store.get(organisation_id):
        if isinstance(e, Organisation.Linked | Organisation.Unlinked):
            found.append((e.registrant_id, e.occurred_at.date(), isinstance(e, Organisation.Linked)))
    return found


def report_for_windows(
    rows: dict[str, list[dict[str, Any]]],
    windows: dict[str, list[Window]],
    today: date,
    asked_from: date | None = None,
    asked_to: date | None = None,
    parity_margin: float = DEFAULT_PARITY_MARGIN,
    framework: Framework = FRAMEWORK,
) -> OrganisationReport:
    """The report over ``windows`` (pseudonym -> windows), with the two population rules applied."""
    last = suppression.last_reportable_day(today)
    enrolled = {p["person"] for p in rows["people"] if not p["erased"]}
    counted = {
        person for person, spans in windows.items() if person in enrolled and any(_inside(last, w) for w in spans)
    }
    reason = None
    if len(counted) < MIN_PEOPLE:
        reason = (
            f"Too few people to show anything: at least {MIN_PEOPLE} must be counted. A person counts from the "
            "first quarter after they link, once that quarter has ended and settled."
        )
    elif len(enrolled - counted) < MIN_PEOPLE:
        reason = (
            f"Nothing can be shown while fewer than {MIN_PEOPLE} people on the register are not linked to you: "
            "the body's own figures minus yours would be about them alone."
        )
    if reason is not None:
        empty = report_from_rows({name: [] for name in rows}, today, asked_from, asked_to, parity_margin, framework)
        return OrganisationReport(empty, False, reason, len(counted))
    narrowed = narrowed_rows(rows, windows)
    report = report_from_rows(narrowed, today, asked_from, asked_to, parity_margin, framework)
    return OrganisationReport(report, True, None, len(counted))


def organisation_report(
    ledger: Any,
    organisation_id: UUID,
    today: date,
    asked_from: date | None = None,
    asked_to: date | None = None,
    parity_margin: float = DEFAULT_PARITY_MARGIN,
) -> OrganisationReport:
    """The progression report over the people linked to the organisation, each within their windows."""
    pseudonym = Pseudonyms(ledger.vault.pseudonym_key)
    windows = {
        pseudonym("person", registrant): spans
        for registrant, spans in windows_of(link_changes(ledger, organisation_id)).items()
    }
    with ledger.engine.connect() as conn:
        rows = statistics_rows(conn)
    return report_for_windows(rows, windows, today, asked_from, asked_to, parity_margin, framework=ledger.framework)
