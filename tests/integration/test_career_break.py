"""Career breaks (up to three years) pause the PPD requirement for the renewals they overlap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.domain.errors import InvalidInput, RuleBroken
from tests.builders.records import awarded


def test_a_career_break_pauses_the_ppd_requirement(ledger, clock):
    someone, _ = awarded(ledger)
    due = ledger.registration(someone).valid_until
    clock.set(due - timedelta(days=20))
    with pytest.raises(RuleBroken, match="PPD in at least 3"):
        ledger.submit_renewal(someone)  # no PPD recorded, no break
    ledger.take_career_break(someone, clock.today() - timedelta(days=100), clock.today() + timedelta(days=200))
    ledger.submit_renewal(someone)
    assert ledger.renew(someone, "registrar") > due


def test_career_breaks_keep_to_the_rules(ledger, clock):
    someone, _ = awarded(ledger)
    today = clock.today()
    before = ledger.recorder.max_notification_id()
    with pytest.raises(RuleBroken, match="3 years at most"):
        ledger.take_career_break(someone, today, today + timedelta(days=3 * 366 + 1))
    with pytest.raises(InvalidInput, match="ends after it starts"):
        ledger.take_career_break(someone, today, today)
    with pytest.raises(InvalidInput, match="when it starts"):
        ledger.take_career_break(someone, today - timedelta(days=800), today)
    with pytest.raises(InvalidInput, match="give a date"):
        ledger.take_career_break(someone, "2026-01-01", today)
    assert ledger.recorder.max_notification_id() == before
    ledger.take_career_break(someone, today, today + timedelta(days=30))
    with pytest.raises(RuleBroken, match="overlaps"):
        ledger.take_career_break(someone, today + timedelta(days=10), today + timedelta(days=60))
