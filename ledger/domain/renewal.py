"""The renewal year: a registration is renewed once a year, by a declaration submitted in the window before its due
date (``valid_until``) and approved while the year it would cover has not ended; one not renewed lapses once the
grace period after the due date is over, and may be reinstated for some years after.

Plain rules over a registration's dates and the framework's rules; the Registration aggregate checks its status and
then these, before anything is recorded. Each raises a domain error that says what is wrong."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ledger.domain.clock import add_months
from ledger.domain.errors import RuleBroken


def next_due(due: date, rules: Any) -> date:
    """The due date a year's renewal (or an award or a reinstatement on ``due``) sets."""
    return add_months(due, rules.renewal_period_months)


def window(due: date, rules: Any) -> tuple[date, date]:
    """When a renewal for the year ending ``due`` can be submitted: from the window's opening to the grace's end."""
    return due - timedelta(days=rules.renewal_window_days), due + timedelta(days=rules.grace_days)


def has_expired(due: date, today: date, rules: Any) -> bool:
    """The year a declared renewal would cover has itself ended (say, the registration was suspended through it):
    the declaration can no longer be approved, and the registration lapses instead."""
    return next_due(due, rules) <= today


def check_submission(due: date, today: date, rules: Any) -> None:
    """A renewal is submitted within its window."""
    opens, closes = window(due, rules)
    if not opens <= today <= closes:
        raise RuleBroken(f"renewal for the period ending {due} can be submitted from {opens} to {closes}")


def check_approval(due: date, today: date, rules: Any) -> None:
    """A declared renewal is approved only while the year it would cover has not ended."""
    if has_expired(due, today, rules):
        raise RuleBroken(
            f"the year this renewal would cover ended on {next_due(due, rules)}: the registration "
            "lapses, and can be reinstated"
        )


def check_lapse(due: date, renewal_pending: bool, today: date, rules: Any) -> None:
    """A registration lapses once the grace period after its due date is over, unless a renewal still waits for a
    decision that can be approved."""
    grace_ends = due + timedelta(days=rules.grace_days)
    if today <= grace_ends:
        raise RuleBroken(f"the grace period runs until {grace_ends}; the registration cannot lapse before then")
    if renewal_pending and not has_expired(due, today, rules):
        raise RuleBroken("a renewal is waiting for a decision; decide it before lapsing the registration")


def check_reinstatement(ended_on: date, today: date, rules: Any) -> None:
    """A lapsed or resigned registration (since ``ended_on``) is reinstated only within some years; after that a new
    application is needed."""
    if today > add_months(ended_on, 12 * rules.reapply_after_lapsed_years):
        raise RuleBroken(
            f"more than {rules.reapply_after_lapsed_years} years have passed since {ended_on}: "
            "a new application is needed"
        )
