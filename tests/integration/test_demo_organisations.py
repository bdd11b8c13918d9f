"""The demo's employers: it registers four plausible UK creative employers, and some registrants link to one once
registered: more of the employed than of the freelance, each to an employer their discipline fits, both sides of
every link agreeing. The rest of the demo (numbers, levels, statuses, every other kind of event) is exactly what
the same seed gives without employers, so adding them moved no other draw."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from ledger.domain.aggregates import OrganisationLink
from ledger.domain.clock import SettableClock
from ledger.ops.demo import Demo
from ledger.ops.demo.employers import EMPLOYERS
from ledger.settings import Settings
from tests.conftest import MASTER_KEY

END = date(2026, 11, 1)
PEOPLE = 400
OURS = ("Organisation.", "OrganisationLink.")


def _demo(ledger, clock, kind=Demo):
    demo = kind(ledger, clock, PEOPLE, 3, 1, END)
    result = demo.run(tick=False, issue_credentials=False)
    assert result.refused == 0, result.refusals
    return demo, result


def test_the_demo_registers_employers_and_more_employed_than_freelance_people_link(make_ledger):
    clock = SettableClock(END)
    ledger = make_ledger(clock=clock, rng=random.Random(1), single_writer_cache=10_000)
    demo, result = _demo(ledger, clock)

    organisations = ledger.all_organisations()
    assert sorted(o.name for o in organisations) == sorted(e.name for e in EMPLOYERS)
    assert all(o.open and o.code.startswith("ORG-") for o in organisations)
    contacts = {ledger.contact_email(o) for o in organisations}
    assert contacts == {e.contact_email for e in EMPLOYERS}

    employer_of = {}
    for organisation in organisations:
        for registrant_id in organisation.members:
            employer_of[registrant_id] = organisation
            # the person's own side agrees, and only registered people link
            links = ledger._get(OrganisationLink, OrganisationLink.id_for(registrant_id), "links")
            assert set(links.organisations) == {organisation.id}
            assert ledger.registration(registrant_id).number
    assert ledger.saved_kinds["Organisation.Registered"] == len(EMPLOYERS)
    assert ledger.saved_kinds["Organisation.Linked"] == len(employer_of) > 0

    registered = [p for p in demo.people.values() if p.registered]
    asked = Counter(p.working_pattern for p in registered)
    linked = Counter(p.working_pattern for p in registered if p.registrant_id in employer_of)
    rate = {pattern: linked[pattern] / asked[pattern] for pattern in ("employed", "freelance")}
    assert rate["employed"] > 2 * rate["freelance"], (rate, asked, linked)
    assert 0.1 < rate["employed"] < 0.45 and rate["freelance"] < 0.1, rate
    assert len(employer_of) / len(registered) < 0.2  # most people link to no one

    # each links to an employer their discipline fits, where one does
    for registrant_id, organisation in employer_of.items():
        person = demo.people[registrant_id]
        employer = next(e for e in EMPLOYERS if e.name == organisation.name)
        fits = [e for e in EMPLOYERS if set(e.disciplines) & set(person.disciplines)]
        assert not fits or employer in fits, (person.disciplines, employer.name)
    assert len({o.name for o in employer_of.values()}) >= 3  # spread across the employers


def test_the_rest_of_the_demo_is_what_the_seed_gave_without_employers(tmp_path):
    """On SQLite only: the question is the demo's draws, not the store."""
    from ledger.app.ledger import Ledger

    class WithoutEmployers(Demo):
        with_employers = False

    runs = []
    for kind, name in ((Demo, "with.db"), (WithoutEmployers, "without.db")):
        clock = SettableClock(END)
        settings = Settings(database_url=f"sqlite:///{tmp_path / name}", master_key=MASTER_KEY)
        ledger = Ledger(settings, clock=clock, rng=random.Random(1), single_writer_cache=10_000)
        try:
            demo, result = _demo(ledger, clock, kind)
            registrations = sorted(
                (r.number, r.level, r.status, r.valid_until)
                for r in (ledger.registration(p.registrant_id) for p in demo.people.values() if p.registered)
            )
            others = {k: n for k, n in ledger.saved_kinds.items() if not k.startswith(OURS)}
            runs.append((registrations, others, result.commands, len(ledger.all_organisations())))
        finally:
            ledger.close()
    (with_registrations, with_kinds, with_commands, with_count), (plain, plain_kinds, plain_commands, none) = runs
    assert with_count == len(EMPLOYERS) and none == 0
    assert with_registrations == plain and len(plain) > PEOPLE // 3
    assert with_kinds == plain_kinds
    assert with_commands == plain_commands
