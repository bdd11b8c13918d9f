"""An organisation's own progression report (``ledger.reports.progression.population``): only its linked people are
counted, each only while linked; an unlinked person's records change nothing in it; and the attack an organisation
can run - make its report, let one person link, make it again - tells nothing of that person's background, while
the same attack on a naive report (every linked person's whole history, from the moment they link) names their band.
Every figure is a suppressed aggregate: counts in fives, no pseudonym, id or name anywhere."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.domain.aggregates import Registrant
from ledger.read.projections.statistics import statistics_rows
from ledger.read.projections.statistics_tables import Pseudonyms
from ledger.reports.progression.population import (
    MIN_PEOPLE,
    link_changes,
    narrowed_rows,
    organisation_report,
    report_for_windows,
    windows_of,
)
from ledger.reports.progression.report import figures, report_from_rows
from tests.builders.records import assessors, awarded
from tests.builders.world import LOWER, PROFESSIONAL, TODAY, world

LINKED = [PROFESSIONAL] * 22 + [LOWER] * 22 + [None] * 4  # link to Northern; 22 of each band: one more tips a count
UNLINKED = [PROFESSIONAL] * 12 + [LOWER] * 12 + [None] * 2


def rows_of(ledger: Any) -> dict[str, list[dict[str, Any]]]:
    with ledger.engine.connect() as conn:
        return statistics_rows(conn)


def report_json(ledger: Any, organisation: UUID, today: date = TODAY) -> dict[str, Any]:
    return organisation_report(ledger, organisation, today).to_dict()


def naive_report(rows: dict[str, list[dict[str, Any]]], people: set[str], today: date = TODAY) -> Any:
    """What an organisation would see if linking brought a person's whole history in at once."""
    return report_from_rows({name: [r for r in found if r["person"] in people] for name, found in rows.items()}, today)


LINKED_ON, BEFORE, TARGET_LINKS, AFTER = date(2025, 3, 20), date(2025, 8, 11), date(2025, 8, 12), date(2025, 8, 13)


@pytest.fixture(scope="module")
def linked_worlds(tmp_path_factory):
    """Two registers alike but for the target's band (lower in one, professional in the other): everyone, the
    target too, awarded in 2025 Q1; 48 people link to Northern Light Studios on 20 March 2025 (counted from 1 April),
    26 never link; the organisation makes its report on 11 August 2025, the target links on the 12th, and the
    organisation makes its report again on the 13th. Each world: (ledger, organisation, registrant ids in order,
    the target's id, the report of the 11th, the report of the 13th)."""
    folder = tmp_path_factory.mktemp("org-worlds")
    made = {}
    for band in (LOWER, PROFESSIONAL):
        ledger = world(
            folder / f"{band}.db", LINKED + UNLINKED, band, target_decided=date(2025, 3, 10), target_outcome="award"
        )
        ids = [e.originator_id for e in ledger.events_of(Registrant.Enrolled)]
        target = ids[-1]
        ledger.clock.set(LINKED_ON)
        northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
        code = ledger.organisation(northern).code
        for registrant in ids[: len(LINKED)]:
            ledger.link_organisation(registrant, code)
        before = report_json(ledger, northern, BEFORE)
        ledger.clock.set(TARGET_LINKS)
        ledger.link_organisation(target, code)
        after = report_json(ledger, northern, AFTER)
        ledger.clock.set(TODAY)
        made[band] = (ledger, northern, ids, target, before, after)
    yield made
    for ledger, *_ in made.values():
        ledger.close()


def pseudonyms_of(ledger: Any, ids: list[UUID]) -> set[str]:
    pseudonym = Pseudonyms(ledger.vault.pseudonym_key)
    return {pseudonym("person", registrant) for registrant in ids}


def test_one_person_linking_tells_the_organisation_nothing_but_a_naive_report_names_their_band(linked_worlds):
    naive_after = {}
    for band, (ledger, _, ids, target, before, after) in linked_worlds.items():
        rows = rows_of(ledger)
        group = pseudonyms_of(ledger, ids[: len(LINKED)])
        # the attack on the naive report: the count of the target's band moves from 20 to 25, the other stays
        naive_before = naive_report(rows, group, BEFORE).table("outcomes")
        naive_after[band] = naive_report(rows, group | pseudonyms_of(ledger, [target]), AFTER).table("outcomes")
        moved = {
            name: tuple(
                found.row("By background", name).cells["Decided"].value for found in (naive_before, naive_after[band])
            )
            for name in ("Professional", "Lower")
        }
        tipped = "Professional" if band == PROFESSIONAL else "Lower"
        assert moved == {name: (20, 25 if name == tipped else 20) for name in moved}, band  # it names their band

        # the organisation's report: the same the day before the link and the day after
        assert before["shown"] and before["tables"][0]["rows"]
        assert after == {**before, "generated_on": AFTER.isoformat()}
    lower, professional = (linked_worlds[b] for b in (LOWER, PROFESSIONAL))
    assert naive_after[LOWER].to_dict() != naive_after[PROFESSIONAL].to_dict()
    # and the two worlds, whose targets differ only in their band, give the organisation the same report on every
    # day: nothing set beside it, before or after, can tell the target's band (the PPD and appointment tables count
    # the representation's people, as at its block end, where the target's change still waits)
    assert lower[4] == professional[4]
    for day in [AFTER + timedelta(days=d) for d in range(0, 460, 9)]:  # to November 2026
        assert report_json(lower[0], lower[1], day) == report_json(professional[0], professional[1], day), day


def test_only_the_linked_are_counted_and_the_unlinked_change_nothing(linked_worlds):
    ledger, northern, ids, target, _, _ = linked_worlds[LOWER]
    rows = rows_of(ledger)
    linked = pseudonyms_of(ledger, [*ids[: len(LINKED)], target])
    windows = {
        Pseudonyms(ledger.vault.pseudonym_key)("person", r): w
        for r, w in windows_of(link_changes(ledger, northern)).items()
    }
    narrowed = narrowed_rows(rows, windows)
    assert {r["person"] for found in narrowed.values() for r in found} == linked  # nobody else's row
    assert not narrowed["applications"]  # every decision came before the links took effect

    report = organisation_report(ledger, northern, TODAY).report
    rct = report.table("representation").row("", "RCT").cells
    assert (rct["Professional"].value, rct["Lower"].value, rct["Not known"].value, rct["Total"].value) == (
        20,
        20,
        5,
        45,
    )  # the 48 linked, carried in as they stood on 1 April 2025; the target waits for a whole block
    assert report.table("representation").period.end == date(2025, 9, 30)
    assert report.table("outcomes").period is None  # decisions before linking are not the organisation's
    body = report_from_rows(rows, TODAY).table("representation").row("", "RCT").cells["Total"].value
    assert body == 75  # the body's counts everyone

    # take every unlinked person's rows out of the statistics: the organisation's report does not move
    unlinked_gone = {name: [r for r in found if r["person"] in linked] for name, found in rows.items()}
    unlinked_gone["people"] = rows["people"]  # (the rule on the rest of the register reads how many there are)
    assert (
        report_for_windows(unlinked_gone, windows, TODAY).to_dict()
        == organisation_report(ledger, northern, TODAY).to_dict()
    )


def test_unlinking_changes_no_quarter_already_shown(linked_worlds):
    ledger, northern, ids, target, _, _ = linked_worlds[PROFESSIONAL]
    shown = report_json(ledger, northern, date(2026, 2, 2))
    ledger.clock.set(date(2026, 2, 3))
    ledger.unlink_organisation(ids[0], northern, "person0@example.org")
    ledger.unlink_organisation(target, northern, "tess@example.org")
    ledger.clock.set(TODAY)
    assert report_json(ledger, northern, date(2026, 2, 4)) == {**shown, "generated_on": "2026-02-04"}
    later = organisation_report(ledger, northern, TODAY).report  # what they did while linked is still counted
    assert later.table("representation").row("", "RCT").cells["Total"].value == 45
    assert len(ledger.organisation_people(northern)) == len(LINKED) - 1  # /org stops listing them at once
    windows = windows_of(link_changes(ledger, northern))
    assert windows[ids[0]] == [(date(2025, 4, 1), date(2026, 1, 1))]
    assert windows[target] == [(date(2025, 10, 1), date(2026, 1, 1))]


def test_nothing_but_suppressed_aggregates(linked_worlds):
    ledger, northern, ids, target, _, _ = linked_worlds[LOWER]
    found = organisation_report(ledger, northern, TODAY)
    assert found.shown
    counts = [figure for _, _, _, figure in figures(found.report) if figure.kind == "count"]
    assert counts and all(figure.value % 5 == 0 for figure in counts)
    text = json.dumps(found.to_dict(), default=str)
    for secret in (*pseudonyms_of(ledger, ids), *(str(i) for i in ids), *(i.hex for i in ids), "Person 1"):
        assert secret not in text


def test_too_few_people_or_too_few_left_shows_nothing(linked_worlds):
    ledger, _, ids, _, _, _ = linked_worlds[LOWER]
    ledger.clock.set(LINKED_ON)
    small = ledger.register_organisation("Small Studio", "office@small.example", "registrar")
    for registrant in ids[:5]:
        ledger.link_organisation(registrant, ledger.organisation(small).code)
    ledger.clock.set(TODAY)
    found = organisation_report(ledger, small, TODAY)
    assert not found.shown and found.counted == 5 and "Too few people" in (found.reason or "")
    assert all(not table.rows for table in found.report.tables)

    rows = rows_of(ledger)
    everyone = {p["person"]: [(date(2025, 7, 1), None)] for p in rows["people"] if not p["erased"]}
    assert len(everyone) >= 2 * MIN_PEOPLE
    found = report_for_windows(rows, everyone, TODAY)  # all but nobody: the body's report minus this one is empty
    assert not found.shown and "not linked to you" in (found.reason or "")
    assert all(not table.rows for table in found.report.tables)


def test_windows_follow_links_and_unlinks_on_either_database(ledger):
    pair = assessors(ledger)
    jo, _ = awarded(ledger, "Jo Bloggs", pair=pair)
    sam, _ = awarded(ledger, "Sam Okoro", pair=pair)
    northern = ledger.register_organisation("Northern Light Studios", "hiring@northern.example", "registrar")
    code = ledger.organisation(northern).code
    ledger.link_organisation(jo, code)
    ledger.link_organisation(sam, code)
    ledger.unlink_organisation(sam, northern, "sam@example.org")  # in the same quarter: never counted
    today = ledger.clock.today()
    next_quarter = (date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) + timedelta(days=95)).replace(day=1)
    assert windows_of(link_changes(ledger, northern)) == {jo: [(next_quarter, None)]}
    found = organisation_report(ledger, northern, today)
    assert not found.shown and found.counted == 0
