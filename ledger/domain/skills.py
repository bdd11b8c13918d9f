"""The skills list for each level: what the competency framework (``ledger/domain/framework.json``, read by
``ledger.domain.framework``) asks of a technician at each step of progression, in a form employers can reuse as
their own defined list of skills for promotion and pay steps. Published at /skills (a page) and /skills.json."""

from __future__ import annotations

from typing import Any

from ledger.domain.framework import FRAMEWORK, Framework


def skills_list(framework: Framework = FRAMEWORK, issuer_url: str | None = None) -> dict[str, Any]:
    """Every level in order, with the skills (competency areas) it requires and what each asks at that level, what
    is new since the level below, the routes to it, and where the list comes from."""
    levels = sorted(framework.levels, key=lambda level: level.rank)
    out: list[dict[str, Any]] = []
    below: dict[str, str | None] = {}
    for level in levels:
        skills = []
        for area in framework.required_areas(level.code):
            asked = area.descriptor(level.code)
            skills.append(
                {
                    "area": area.code,
                    "skill": area.title,
                    "summary": area.summary,
                    "at_this_level": asked,
                    "new_at_this_level": bool(out) and below.get(area.code) is None,
                    "evidence_examples": list(area.examples),
                }
            )
        next_level = framework.next_level(level.code)
        out.append(
            {
                "step": level.rank,
                "code": level.code,
                "name": level.name,
                "post_nominal": level.post_nominal,
                "summary": level.summary,
                "description": level.description,
                "qualification_level": level.qualification_level,
                "experience_years_equivalency": level.min_years_experience_equivalency,
                "previous_step": out[-1]["code"] if out else None,
                "next_step": next_level.code if next_level else None,
                "skills": skills,
            }
        )
        below = {area.code: area.descriptor(level.code) for area in framework.areas}
    return {
        "title": f"{framework.title}: the skills for each level",
        "about": "The defined list of skills for each step of progression. Employers may reuse it as the criteria "
        "for promotion or pay steps; please cite the framework and its version.",
        "framework": {
            "title": framework.title,
            "version": framework.version,
            "published": framework.published.isoformat(),
            "description": framework.description,
        },
        "source": (issuer_url.rstrip("/") + "/skills.json") if issuer_url else None,
        "routes": [
            {
                "code": route.code,
                "name": route.name,
                "description": route.description,
                "requirements": list(route.requirements),
            }
            for route in framework.routes
        ],
        "levels": out,
    }
