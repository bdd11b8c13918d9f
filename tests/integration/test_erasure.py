"""Erasure by crypto-shredding: the events stay, the personal fields can never be read again."""

from __future__ import annotations

import json
import time

import pytest

from ledger.domain.errors import RuleBroken
from ledger.read.projections.register import registrants, search_register
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import awarded, submitted


def test_erasure_keeps_the_events_and_hides_the_person_for_good(ledger):
    registrant, number = awarded(ledger, "Erin Private", email="erin@example.org")
    runner = ProjectionRunner(ledger)
    runner.catch_up()
    events_before = ledger.recorder.max_notification_id()
    raw_before = [e.state for e in ledger.recorder.select_events(registrant)]

    ledger.erase(registrant, "registrar")

    assert ledger.recorder.max_notification_id() == events_before + 1  # one Erased event, nothing rewritten
    assert [e.state for e in ledger.recorder.select_events(registrant)][:-1] == raw_before
    assert b"Erin" not in b"".join(raw_before)  # the name was sealed all along
    assert ledger.vault.open(ledger.registrant(registrant).name) is None

    runner.catch_up()
    with ledger.engine.connect() as conn:
        [entry] = search_register(conn, query=number)
        assert entry["name"] == "[erased]" and entry["erased"] is True
        assert search_register(conn, query="erin") == []
    runner.rebuild()  # and a rebuild from the events cannot bring the name back
    with ledger.engine.connect() as conn:
        row = conn.execute(registrants.select()).mappings().one()
        assert row["name"] is None and row["erased"] is True


def test_nothing_personal_can_be_added_after_erasure(ledger):
    registrant, _ = awarded(ledger, "Fay Gone")
    ledger.erase(registrant, "registrar")
    with pytest.raises(RuleBroken, match="erased"):
        ledger.change_details(registrant, name="Fay Back")
    with pytest.raises(RuleBroken, match="erased"):
        ledger.record_ppd(registrant, ledger.clock.today(), "formal", 3, ["A"], "x", "y")
    with pytest.raises(RuleBroken, match="already erased"):
        ledger.erase(registrant, "registrar")


def test_erasure_reaches_evidence_in_applications(ledger):
    registrant, _ = awarded(ledger, "Gus Evidence")
    application = submitted(ledger, registrant, "RCP")
    [added] = [e for e in ledger.recorder.select_events(application) if b"EvidenceAdded" in e.topic.encode()][:1]
    sealed = ledger.mapper.to_domain_event(added).text
    assert ledger.vault.open(sealed) == "Evidence for A"
    ledger.erase(registrant, "registrar")
    assert ledger.vault.open(sealed) is None


def test_another_process_honours_the_erasure_once_its_key_cache_expires(make_ledger):
    first = make_ledger()
    registrant, _ = awarded(first, "Hana Twice")
    second = make_ledger()
    second.vault._cache_seconds = 0.2
    name = second.registrant(registrant).name
    assert second.vault.open(name) == "Hana Twice"
    first.erase(registrant, "registrar")
    time.sleep(0.25)
    assert second.vault.open(name) is None
    assert make_ledger().vault.open(name) is None
    assert json.dumps(repr(name)).find("Hana") == -1
