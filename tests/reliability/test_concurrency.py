"""Two writers racing on one aggregate: no lost write, and the loser is told."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.domain.errors import Conflict, RuleBroken
from tests.builders.records import awarded


def test_the_store_refuses_a_stale_save(make_ledger):
    first, second = make_ledger(), make_ledger()
    registrant, _ = awarded(first, "Race Case")
    a = first.registration(registrant)
    b = second.registration(registrant)
    a.suspend("Complaint", None, first.clock.today(), "registrar A", occurred_at=first.clock.now())
    b.remove("Misconduct", second.clock.today(), "registrar B", occurred_at=second.clock.now())
    first.save(a)
    with pytest.raises(IntegrityError):
        second.save(b)
    assert first.registration(registrant).status == "suspended"


def test_racing_commands_one_wins_the_others_are_told(make_ledger):
    setup = make_ledger()
    registrant, _ = awarded(setup, "Many Hands")
    version_before = setup.registration(registrant).version
    ledgers = [make_ledger() for _ in range(6)]
    barrier = threading.Barrier(len(ledgers))
    outcomes: list[str] = []

    def suspend(ledger):
        barrier.wait()
        try:
            ledger.suspend(registrant, "Complaint", "registrar")
            outcomes.append("won")
        except (RuleBroken, Conflict) as error:
            outcomes.append(f"told: {error}")

    threads = [threading.Thread(target=suspend, args=(ledger,)) for ledger in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    assert all(
        "only a registered person can be suspended" in o or "kept changing" in o for o in outcomes if o != "won"
    ), outcomes
    registration = setup.registration(registrant)
    assert registration.status == "suspended"
    assert registration.version == version_before + 1  # exactly one event: none lost, none duplicated
