"""Reading the competency framework from its versioned data file (``framework.json`` beside this module, by
default) and checking that it is coherent.

The data file is the standard; this module only reads it and checks it. A bad file is refused at load time with a
message that says what is wrong and where.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ledger.domain.framework_model import (
    LEVEL_FIELDS,
    REQUIRED_OUTCOMES,
    REQUIRED_ROUTES,
    RULE_FIELDS,
    Area,
    Discipline,
    Framework,
    FrameworkError,
    Level,
    Route,
    Rules,
)

# The whole numbers among the rules must each be at least 1.
_COUNT_RULES = tuple(name for name, kind in RULE_FIELDS.items() if kind is int)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise FrameworkError(message)


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    """``obj[key]``, which must be present and of the kind (an int is accepted as a float; a bool is not a number)."""
    _check(isinstance(obj, dict), f"{where} must be an object")
    _check(key in obj, f"{where} has no {key!r}")
    value = obj[key]
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is str:
        ok = ok and bool(value.strip())
    names = {str: "a non-empty string", int: "a whole number", float: "a number", list: "a list", dict: "an object"}
    _check(ok, f"{where}: {key!r} must be {names[kind]}, not {value!r}")
    return value


def _unique(codes: list[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        _check(code not in seen, f"duplicate {what} code {code!r}")
        seen.add(code)


def _coded(items: list[Any], where: str, what: str) -> list[tuple[str, str]]:
    """A list of ``{"code", "name"}`` objects as (code, name) pairs, codes unique."""
    _check(bool(items), f"{where} must not be empty")
    pairs = [
        (_get(item, "code", str, f"{where}[{i}]"), _get(item, "name", str, f"{where}[{i}]"))
        for i, item in enumerate(items)
    ]
    _unique([code for code, _ in pairs], what)
    return pairs


def _load_levels(data: dict[str, Any]) -> tuple[Level, ...]:
    raw = _get(data, "levels", list, "the framework")
    _check(bool(raw), "the framework has no levels")
    levels = [
        Level(**{key: _get(item, key, kind, f"levels[{i}]") for key, kind in LEVEL_FIELDS.items()})
        for i, item in enumerate(raw)
    ]
    _unique([level.code for level in levels], "level")
    levels.sort(key=lambda level: level.rank)
    ranks = [level.rank for level in levels]
    _check(
        ranks == list(range(1, len(levels) + 1)),
        f"level ranks must be 1 to {len(levels)}, each used once; found {sorted(ranks)}",
    )
    for level in levels:
        _check(
            level.qualification_level[0].isdigit(),
            f"level {level.code}: qualification_level must start with a number, not {level.qualification_level!r}",
        )
        _check(
            level.min_years_experience_equivalency >= 0,
            f"level {level.code}: min_years_experience_equivalency must not be negative",
        )
    for lower, higher in zip(levels, levels[1:], strict=False):
        _check(
            higher.min_years_experience_equivalency >= lower.min_years_experience_equivalency,
            f"level {higher.code} asks for fewer years of practice than {lower.code}",
        )
    return tuple(levels)


def _load_areas(data: dict[str, Any], levels: tuple[Level, ...]) -> tuple[Area, ...]:
    raw = _get(data, "areas", list, "the framework")
    _check(bool(raw), "the framework has no competency areas")
    level_codes = [level.code for level in levels]
    areas = []
    for i, item in enumerate(raw):
        code = _get(item, "code", str, f"areas[{i}]")
        where = f"area {code}"
        descriptors = _get(item, "descriptors", dict, where)
        missing = [c for c in level_codes if c not in descriptors]
        _check(
            not missing,
            f"{where} has no descriptor for level(s) {', '.join(missing)} (give null where the area is not required)",
        )
        extra = [c for c in descriptors if c not in level_codes]
        _check(
            not extra,
            f"{where} has descriptors for unknown level(s) {', '.join(extra)}: expected {', '.join(level_codes)}",
        )
        for c in level_codes:
            text = descriptors[c]
            _check(
                text is None or (isinstance(text, str) and bool(text.strip())),
                f"{where}: the descriptor for {c} must be text, or null where not required; not {text!r}",
            )
        required = [descriptors[c] is not None for c in level_codes]
        _check(
            required == sorted(required),
            f"{where} is required at a level but not at a level above it: an area once required stays required",
        )
        examples = item.get("examples", [])
        _check(
            isinstance(examples, list) and all(isinstance(e, str) and e.strip() for e in examples),
            f"{where}: examples must be a list of text",
        )
        areas.append(
            Area(
                code,
                _get(item, "title", str, where),
                _get(item, "summary", str, where),
                MappingProxyType({c: descriptors[c] for c in level_codes}),
                tuple(examples),
            )
        )
    _unique([area.code for area in areas], "area")
    for level in levels:
        _check(any(area.required_at(level.code) for area in areas), f"no competency area is required at {level.code}")
    return tuple(areas)


def _load_routes(data: dict[str, Any]) -> tuple[Route, ...]:
    raw = _get(data, "routes", list, "the framework")
    routes = []
    for i, item in enumerate(raw):
        code = _get(item, "code", str, f"routes[{i}]")
        requirements = _get(item, "requirements", list, f"route {code}")
        _check(
            bool(requirements) and all(isinstance(r, str) and r.strip() for r in requirements),
            f"route {code}: requirements must be a non-empty list of text",
        )
        routes.append(
            Route(
                code,
                _get(item, "name", str, f"route {code}"),
                _get(item, "description", str, f"route {code}"),
                tuple(requirements),
            )
        )
    codes = [route.code for route in routes]
    _unique(codes, "route")
    missing = [c for c in REQUIRED_ROUTES if c not in codes]
    _check(not missing, f"the framework must define the route(s) {', '.join(missing)}")
    return tuple(routes)


def _load_rules(data: dict[str, Any]) -> Rules:
    raw = _get(data, "rules", dict, "the framework")
    values = {name: _get(raw, name, kind, "rules") for name, kind in RULE_FIELDS.items()}
    judgements = _coded(values["judgements"], "rules.judgements", "judgement")
    outcomes = _coded(values["outcomes"], "rules.outcomes", "outcome")
    categories = _coded(values["ppd_categories"], "rules.ppd_categories", "PPD category")
    standards = _coded(values["audit_standards"], "rules.audit_standards", "audit standard")
    for name in _COUNT_RULES:
        _check(values[name] >= 1, f"rules: {name} must be at least 1, not {values[name]}")
    missing = [c for c in REQUIRED_OUTCOMES if c not in dict(outcomes)]
    _check(not missing, f"rules: outcomes must include {', '.join(missing)}")
    _check(
        values["ppd_min_categories"] <= len(categories),
        f"rules: ppd_min_categories is {values['ppd_min_categories']} but there are only "
        f"{len(categories)} PPD categories",
    )
    _check(
        0 < values["audit_sample_rate"] <= 1,
        f"rules: audit_sample_rate must be a fraction above 0 and at most 1, not {values['audit_sample_rate']}",
    )
    reminders = values["reminder_days_before_due"]
    _check(
        all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in reminders)
        and reminders == sorted(set(reminders), reverse=True),
        f"rules: reminder_days_before_due must be positive whole numbers, largest first, not {reminders}",
    )
    explanations = raw.get("explanations", {})
    _check(
        isinstance(explanations, dict) and all(isinstance(t, str) for t in explanations.values()),
        "rules: explanations must map rule names to text",
    )
    unknown = [name for name in explanations if name not in RULE_FIELDS]
    _check(not unknown, f"rules: explanations for unknown rule(s) {', '.join(unknown)}")
    return Rules(
        **{name: values[name] for name in _COUNT_RULES},
        audit_sample_rate=float(values["audit_sample_rate"]),
        judgements=tuple(code for code, _ in judgements),
        outcomes=tuple(code for code, _ in outcomes),
        ppd_categories=tuple(code for code, _ in categories),
        audit_standards=tuple(code for code, _ in standards),
        reminder_days_before_due=tuple(reminders),
        judgement_names=MappingProxyType(dict(judgements)),
        outcome_names=MappingProxyType(dict(outcomes)),
        ppd_category_names=MappingProxyType(dict(categories)),
        audit_standard_names=MappingProxyType(dict(standards)),
        explanations=MappingProxyType(dict(explanations)),
    )


def _load_disciplines(data: dict[str, Any]) -> tuple[Discipline, ...]:
    pairs = _coded(_get(data, "disciplines", list, "the framework"), "disciplines", "discipline")
    return tuple(Discipline(code, name) for code, name in pairs)


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and check a framework file; by default the ``framework.json`` published with this package."""
    source = str(path) if path is not None else "framework.json"
    try:
        if path is None:
            text = resources.files(__package__ or "ledger").joinpath("framework.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameworkError(f"cannot read the framework file {source}: {error}") from None
    try:
        _check(isinstance(data, dict), "the file does not hold a JSON object")
        published = _get(data, "published", str, "the framework")
        try:
            published_on = date.fromisoformat(published)
        except ValueError:
            raise FrameworkError(f"'published' must be a date as YYYY-MM-DD, not {published!r}") from None
        levels = _load_levels(data)
        return Framework(
            version=_get(data, "version", str, "the framework"),
            title=_get(data, "title", str, "the framework"),
            published=published_on,
            description=_get(data, "description", str, "the framework"),
            levels=levels,
            areas=_load_areas(data, levels),
            routes=_load_routes(data),
            rules=_load_rules(data),
            disciplines=_load_disciplines(data),
        )
    except FrameworkError as error:
        raise FrameworkError(f"the framework file {source} is not valid: {error}") from None
