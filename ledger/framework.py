"""The competency framework, loaded from the versioned data file ``framework.json`` beside this module."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any


class FrameworkError(ValueError):
    pass


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
        """The lowest qualification level (the leading number of ``qualification_level``) the standard route needs."""
        digits = "".join(ch for ch in self.qualification_level.split("–")[0].split("-")[0] if ch.isdigit())
        return int(digits)


@dataclass(frozen=True)
class Area:
    code: str
    title: str
    summary: str
    descriptors: Mapping[str, str | None]
    examples: tuple[str, ...]

    def required_at(self, level_code: str) -> bool:
        return self.descriptors.get(level_code) is not None

    def descriptor(self, level_code: str) -> str | None:
        return self.descriptors.get(level_code)


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
    judgement_names: Mapping[str, str]
    outcomes: tuple[str, ...]
    outcome_names: Mapping[str, str]
    appeal_window_days: int
    renewal_period_months: int
    renewal_window_days: int
    grace_days: int
    ppd_categories: tuple[str, ...]
    ppd_category_names: Mapping[str, str]
    ppd_min_categories: int
    audit_sample_rate: float
    audit_min_years_registered: int
    career_break_max_years: int
    reinstatement_window_months: int
    reapply_after_lapsed_years: int
    reminder_days_before_due: tuple[int, ...]


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
    raw: Mapping[str, Any]

    def _find(self, items: tuple[Any, ...], code: str, what: str) -> Any:
        for item in items:
            if item.code == code:
                return item
        raise FrameworkError(f"Unknown {what} {code!r}: expected one of " + ", ".join(i.code for i in items))

    def level(self, code: str) -> Level:
        return self._find(self.levels, code, "level")

    def area(self, code: str) -> Area:
        return self._find(self.areas, code, "competency area")

    def route(self, code: str) -> Route:
        return self._find(self.routes, code, "route")

    def discipline(self, code: str) -> Discipline:
        return self._find(self.disciplines, code, "discipline")

    def required_areas(self, level_code: str) -> tuple[Area, ...]:
        self.level(level_code)
        return tuple(a for a in self.areas if a.required_at(level_code))

    def is_at_or_above(self, level_code: str, other_code: str) -> bool:
        return self.level(level_code).rank >= self.level(other_code).rank

    def next_level(self, level_code: str) -> Level | None:
        rank = self.level(level_code).rank
        return next((lv for lv in self.levels if lv.rank == rank + 1), None)

    def to_dict(self) -> dict[str, Any]:
        """The whole framework as JSON-able data, with each level's required areas and descriptors spelled out."""
        data = json.loads(json.dumps(self.raw))
        for level in data["levels"]:
            level["competencies"] = [
                {"area": a.code, "title": a.title, "descriptor": a.descriptor(level["code"])}
                for a in self.required_areas(level["code"])
            ]
        return data


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise FrameworkError(message)


def load_framework(path: str | Path | None = None) -> Framework:
    try:
        text = Path(path).read_text("utf-8") if path else \
            resources.files("ledger").joinpath("framework.json").read_text("utf-8")
        data = json.loads(text)
    except (OSError, json.JSONDecodeError) as error:
        raise FrameworkError(f"cannot read the framework file {path or 'framework.json'}: {error}") from None
    try:
        levels = tuple(sorted((Level(**{k: lv[k] for k in Level.__dataclass_fields__}) for lv in data["levels"]),
                              key=lambda lv: lv.rank))
        codes = [lv.code for lv in levels]
        _require(len(set(codes)) == len(codes), f"duplicate level codes in {codes}")
        _require([lv.rank for lv in levels] == list(range(1, len(levels) + 1)),
                 "level ranks must run 1, 2, 3 ... without gaps")
        areas = []
        for a in data["areas"]:
            missing = [c for c in codes if c not in a["descriptors"]]
            _require(not missing, f"area {a['code']} has no descriptor entry for level(s) {', '.join(missing)}")
            areas.append(Area(a["code"], a["title"], a["summary"], dict(a["descriptors"]), tuple(a.get("examples", ()))))
        area_codes = [a.code for a in areas]
        _require(len(set(area_codes)) == len(area_codes), f"duplicate area codes in {area_codes}")
        routes = tuple(Route(r["code"], r["name"], r["description"], tuple(r["requirements"])) for r in data["routes"])
        r = data["rules"]
        rules = Rules(
            assessors_per_application=r["assessors_per_application"],
            judgements=tuple(j["code"] for j in r["judgements"]),
            judgement_names={j["code"]: j["name"] for j in r["judgements"]},
            outcomes=tuple(o["code"] for o in r["outcomes"]),
            outcome_names={o["code"]: o["name"] for o in r["outcomes"]},
            appeal_window_days=r["appeal_window_days"],
            renewal_period_months=r["renewal_period_months"],
            renewal_window_days=r["renewal_window_days"],
            grace_days=r["grace_days"],
            ppd_categories=tuple(c["code"] for c in r["ppd_categories"]),
            ppd_category_names={c["code"]: c["name"] for c in r["ppd_categories"]},
            ppd_min_categories=r["ppd_min_categories"],
            audit_sample_rate=r["audit_sample_rate"],
            audit_min_years_registered=r["audit_min_years_registered"],
            career_break_max_years=r["career_break_max_years"],
            reinstatement_window_months=r["reinstatement_window_months"],
            reapply_after_lapsed_years=r["reapply_after_lapsed_years"],
            reminder_days_before_due=tuple(r["reminder_days_before_due"]),
        )
        _require(rules.assessors_per_application >= 1, "at least one assessor per application")
        _require(0 < rules.ppd_min_categories <= len(rules.ppd_categories), "ppd_min_categories out of range")
        _require(0 <= rules.audit_sample_rate <= 1, "audit_sample_rate must be between 0 and 1")
        return Framework(
            version=data["version"], title=data["title"], published=date.fromisoformat(data["published"]),
            description=data["description"], levels=levels, areas=tuple(areas), routes=routes, rules=rules,
            disciplines=tuple(Discipline(d["code"], d["name"]) for d in data["disciplines"]), raw=data,
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, FrameworkError):
            raise
        raise FrameworkError(f"the framework file is malformed: {type(error).__name__} {error}") from None


FRAMEWORK: Framework = load_framework()
