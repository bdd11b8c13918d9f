"""What a competency framework is: its levels, competency areas, routes, disciplines and rules, and the questions
the register asks of it. ``ledger.domain.framework_file`` reads one from a data file and checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from ledger.domain.statuses import Outcome, RouteCode

# The commands name these codes, so every framework version must define them.
REQUIRED_ROUTES = tuple(RouteCode)
REQUIRED_OUTCOMES = tuple(Outcome)

# The fields of a level and the rules, with their kinds in the data file (the rules in the file's order).
LEVEL_FIELDS: dict[str, type] = {
    "code": str,
    "name": str,
    "post_nominal": str,
    "rank": int,
    "qualification_level": str,
    "summary": str,
    "description": str,
    "min_years_experience_equivalency": int,
}
RULE_FIELDS: dict[str, type] = {
    "assessors_per_application": int,
    "judgements": list,
    "outcomes": list,
    "appeal_window_days": int,
    "renewal_period_months": int,
    "renewal_window_days": int,
    "grace_days": int,
    "ppd_categories": list,
    "ppd_min_categories": int,
    "audit_sample_rate": float,
    "audit_min_years_registered": int,
    "audit_standards": list,
    "audit_profile_days": int,
    "audit_deferral_days": int,
    "career_break_max_years": int,
    "reinstatement_window_months": int,
    "reapply_after_lapsed_years": int,
    "reminder_days_before_due": list,
}


class FrameworkError(ValueError):
    """An unknown code, or a framework file that is not a coherent framework."""


def _unknown(what: str, code: object, valid: tuple[str, ...] | list[str]) -> FrameworkError:
    return FrameworkError(f"Unknown {what} {code!r}: expected one of {', '.join(valid)}")


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    post_nominal: str
    rank: int
    qualification_level: str
    summary: str
    description: str
    min_years_experience_equivalency: int

    @property
    def min_qualification_level(self) -> int:
        """The lowest qualification level the standard route accepts: 6 for "6–7"."""
        digits = ""
        for ch in self.qualification_level:
            if not ch.isdigit():
                break
            digits += ch
        return int(digits)


@dataclass(frozen=True)
class Area:
    code: str
    title: str
    summary: str
    descriptors: Mapping[str, str | None]
    examples: tuple[str, ...]

    def descriptor(self, level_code: str) -> str | None:
        """What this area asks of someone at the level; None where the area is not required at that level."""
        if level_code not in self.descriptors:
            raise _unknown("level", level_code, list(self.descriptors))
        return self.descriptors[level_code]

    def required_at(self, level_code: str) -> bool:
        return self.descriptor(level_code) is not None


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    description: str
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class Discipline:
    code: str
    name: str


@dataclass(frozen=True)
class Rules:
    assessors_per_application: int
    judgements: tuple[str, ...]
    outcomes: tuple[str, ...]
    appeal_window_days: int
    renewal_period_months: int
    renewal_window_days: int
    grace_days: int
    ppd_categories: tuple[str, ...]
    ppd_min_categories: int
    audit_sample_rate: float
    audit_min_years_registered: int
    audit_standards: tuple[str, ...]
    audit_profile_days: int
    audit_deferral_days: int
    career_break_max_years: int
    reinstatement_window_months: int
    reapply_after_lapsed_years: int
    reminder_days_before_due: tuple[int, ...]
    judgement_names: Mapping[str, str]
    outcome_names: Mapping[str, str]
    ppd_category_names: Mapping[str, str]
    audit_standard_names: Mapping[str, str]
    explanations: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        named = {
            "judgements": self.judgement_names,
            "outcomes": self.outcome_names,
            "ppd_categories": self.ppd_category_names,
            "audit_standards": self.audit_standard_names,
        }
        data: dict[str, Any] = {}
        for name in RULE_FIELDS:
            value = getattr(self, name)
            if name in named:
                data[name] = [{"code": code, "name": named[name][code]} for code in value]
            else:
                data[name] = list(value) if isinstance(value, tuple) else value
        data["explanations"] = dict(self.explanations)
        return data


@dataclass(frozen=True)
class Framework:
    version: str
    title: str
    published: date
    description: str
    levels: tuple[Level, ...]
    areas: tuple[Area, ...]
    routes: tuple[Route, ...]
    rules: Rules
    disciplines: tuple[Discipline, ...]

    def level(self, code: str) -> Level:
        return _find(self.levels, code, "level")

    def area(self, code: str) -> Area:
        return _find(self.areas, code, "competency area")

    def route(self, code: str) -> Route:
        return _find(self.routes, code, "route")

    def discipline(self, code: str) -> Discipline:
        return _find(self.disciplines, code, "discipline")

    def required_areas(self, level_code: str) -> tuple[Area, ...]:
        """The competency areas an applicant for the level must evidence, in framework order."""
        self.level(level_code)
        return tuple(area for area in self.areas if area.required_at(level_code))

    def is_at_or_above(self, level_code: str, other_code: str) -> bool:
        return self.level(level_code).rank >= self.level(other_code).rank

    def next_level(self, level_code: str) -> Level | None:
        """The level above, or None at the top."""
        rank = self.level(level_code).rank
        return next((level for level in self.levels if level.rank == rank + 1), None)

    def to_dict(self) -> dict[str, Any]:
        """The whole framework as JSON-able data, in the shape of the data file, with each level's required areas
        and their descriptors spelled out under ``competencies`` (the list of skills for that level)."""
        return {
            "version": self.version,
            "title": self.title,
            "published": self.published.isoformat(),
            "description": self.description,
            "levels": [
                {
                    **{name: getattr(level, name) for name in LEVEL_FIELDS},
                    "competencies": [
                        {"area": area.code, "title": area.title, "descriptor": area.descriptor(level.code)}
                        for area in self.required_areas(level.code)
                    ],
                }
                for level in self.levels
            ],
            "areas": [
                {
                    "code": area.code,
                    "title": area.title,
                    "summary": area.summary,
                    "descriptors": dict(area.descriptors),
                    "examples": list(area.examples),
                }
                for area in self.areas
            ],
            "routes": [
                {
                    "code": route.code,
                    "name": route.name,
                    "description": route.description,
                    "requirements": list(route.requirements),
                }
                for route in self.routes
            ],
            "rules": self.rules.to_dict(),
            "disciplines": [{"code": d.code, "name": d.name} for d in self.disciplines],
        }


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


_T = TypeVar("_T", bound=_Coded)


def _find(items: tuple[_T, ...], code: str, what: str) -> _T:
    for item in items:
        if item.code == code:
            return item
    raise _unknown(what, code, [item.code for item in items])
