"""The register as it stood at the end of a day, rebuilt from the events: by business time and by recording time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger.read.as_of import register_as_of
from tests.builders.records import awarded


def test_business_time_shows_who_was_registered_then(ledger, clock):
    first = clock.today()
    someone, number = awarded(ledger, "Early Eve")
    clock.advance(timedelta(days=40))
    later, later_number = awarded(ledger, "Later Lou")
    clock.advance(timedelta(days=10))
    ledger.suspend(someone, "Under review.", "registrar")
    on = {
        day: {e["registration_number"]: e["status"] for e in register_as_of(ledger, day)(limit=None)}
        for day in (first - timedelta(days=1), first, first + timedelta(days=45), clock.today())
    }
    assert on[first - timedelta(days=1)] == {}
    assert on[first] == {number: "registered"}
    assert on[first + timedelta(days=45)] == {number: "registered", later_number: "registered"}
    assert on[clock.today()] == {number: "suspended", later_number: "registered"}


def test_recording_time_shows_what_the_register_showed_then(ledger, clock):
    awarded(ledger, "Recorded Rae")  # business time 2026-01-05, recorded now (the store's clock)
    today = datetime.now(UTC).date()
    assert register_as_of(ledger, today - timedelta(days=1), recorded=True)(limit=None) == []
    assert [e["name"] for e in register_as_of(ledger, today, recorded=True)(limit=None)] == ["Recorded Rae"]
    assert [e["name"] for e in register_as_of(ledger, clock.today())(limit=None)] == ["Recorded Rae"]
