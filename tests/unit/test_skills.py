"""The skills list per level that employers reuse: every level in order, with exactly the competency areas the
framework requires there and what each asks at that level."""

from __future__ import annotations

from ledger.domain.framework import FRAMEWORK
from ledger.domain.skills import skills_list


def test_the_skills_list_follows_the_framework():
    skills = skills_list(FRAMEWORK, "https://register.example/")
    assert skills["source"] == "https://register.example/skills.json"
    assert skills["framework"]["version"] == FRAMEWORK.version
    assert [level["code"] for level in skills["levels"]] == ["RCT", "RCP", "ACP"]
    for level in skills["levels"]:
        required = FRAMEWORK.required_areas(level["code"])
        assert [s["area"] for s in level["skills"]] == [a.code for a in required]
        assert [s["at_this_level"] for s in level["skills"]] == [a.descriptor(level["code"]) for a in required]
    rct, rcp, acp = skills["levels"]
    assert (rct["previous_step"], rct["next_step"], acp["next_step"]) == (None, "RCP", None)
    new = {level["code"]: [s["area"] for s in level["skills"] if s["new_at_this_level"]] for level in skills["levels"]}
    below = {a.code for a in FRAMEWORK.required_areas("RCT")}
    assert new == {
        "RCT": [],
        "RCP": [a.code for a in FRAMEWORK.required_areas("RCP") if a.code not in below],
        "ACP": [],
    }
    assert {route["code"] for route in skills["routes"]} == {"standard", "equivalency"}
