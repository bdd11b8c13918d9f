"""Professional development (PPD): what a recorded activity must be, what a registration's record must show before
a renewal or a reinstatement, and the career breaks that pause that requirement.

Plain rules over a registration's PPD activities and career breaks (``Registration.ppd``, ``.career_breaks``); the
aggregate checks them in its commands, before anything is recorded. Each raises a domain error that says what is
wrong."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from ledger.domain.clock import add_months
from ledger.domain.errors import InvalidInput, RuleBroken

MAX_HOURS = 1000
"""The most hours one recorded activity may claim."""

LATE_BREAK = timedelta(days=366)
"""A career break is declared when it starts: at most this long after."""


def check_activity(
    on: date, category: str, hours: float, areas: list[str], today: date, rules: Any, area_codes: set[str]
) -> None:
    """An activity is in one of the framework's PPD categories, claims a sensible number of hours, is not dated in
    the future, and names only competency areas of the level held (``area_codes``)."""
    if category not in rules.ppd_categories:
        raise InvalidInput(
            "category", f"unknown PPD category {category!r}; expected one of " + ", ".join(rules.ppd_categories)
        )
    if not 0 < hours <= MAX_HOURS:
        raise InvalidInput("hours", f"must be more than 0 and at most {MAX_HOURS}")
    if on > today:
        raise InvalidInput("on", "a PPD activity cannot be dated in the future")
    unknown = [a for a in areas if a not in area_codes]
    if unknown:
        raise InvalidInput(
            "areas",
            f"{', '.join(unknown)}: not a competency area of the level you hold (expected "
            + ", ".join(sorted(area_codes))
            + ")",
        )


def categories_between(activities: Iterable[dict[str, Any]], start: date, end: date) -> set[str]:
    """The categories of the activities dated after ``start`` and up to ``end``."""
    return {a["category"] for a in activities if start < a["on"] <= end}


def require_enough(activities: Iterable[dict[str, Any]], start: date, end: date, rules: Any, purpose: str) -> None:
    """A renewal or a reinstatement (``purpose``) needs PPD in at least the framework's minimum number of categories
    between ``start`` and ``end``."""
    have = categories_between(activities, start, end)
    if len(have) < rules.ppd_min_categories:
        names = ", ".join(sorted(rules.ppd_category_names[c] for c in have)) or "none"
        raise RuleBroken(
            f"{purpose} needs PPD in at least {rules.ppd_min_categories} of the "
            f"{len(rules.ppd_categories)} categories between {start} and {end}; recorded so far: {names}"
        )


def on_break_between(career_breaks: Iterable[tuple[date, date]], start: date, end: date) -> bool:
    """Some career break overlaps the days from ``start`` to ``end``."""
    return any(b_start <= end and start <= b_end for b_start, b_end in career_breaks)


def check_career_break(
    start: date, end: date, today: date, rules: Any, career_breaks: Iterable[tuple[date, date]]
) -> None:
    """A career break ends after it starts, lasts no longer than the framework allows, is declared when it starts,
    and overlaps no break already declared."""
    if end <= start:
        raise InvalidInput("end", "a career break ends after it starts")
    if end > add_months(start, 12 * rules.career_break_max_years):
        raise RuleBroken(f"a career break lasts {rules.career_break_max_years} years at most")
    if start < today - LATE_BREAK:
        raise InvalidInput("start", "a career break is declared when it starts, not years after")
    if on_break_between(career_breaks, start, end):
        raise RuleBroken("this career break overlaps one already declared")
