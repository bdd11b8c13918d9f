"""The competency framework as versioned data."""

from __future__ import annotations

import json

import pytest

from ledger.framework import FRAMEWORK, FrameworkError, load_framework


def test_three_levels_in_order_with_post_nominals():
    assert [(lv.code, lv.post_nominal, lv.rank) for lv in FRAMEWORK.levels] == [
        ("RCT", "RCT", 1), ("RCP", "RCP", 2), ("ACP", "ACP", 3)]
    assert [lv.min_qualification_level for lv in FRAMEWORK.levels] == [3, 5, 6]
    assert FRAMEWORK.next_level("RCT").code == "RCP" and FRAMEWORK.next_level("ACP") is None


def test_leadership_is_not_required_at_entry():
    assert [a.code for a in FRAMEWORK.required_areas("RCT")] == ["A", "B", "C", "D", "E"]
    assert [a.code for a in FRAMEWORK.required_areas("ACP")] == ["A", "B", "C", "D", "E", "F"]


def test_rules_are_the_published_ones():
    rules = FRAMEWORK.rules
    assert rules.assessors_per_application == 2 and rules.appeal_window_days == 28
    assert rules.judgements == ("met", "partly_met", "not_met") and rules.outcomes == ("award", "defer", "reject")
    assert len(rules.ppd_categories) == 5 and rules.ppd_min_categories == 3
    assert rules.grace_days == 30 and rules.renewal_period_months == 12 and rules.audit_sample_rate == 0.025


def test_unknown_codes_name_the_valid_ones():
    with pytest.raises(FrameworkError, match="expected one of RCT, RCP, ACP"):
        FRAMEWORK.level("XYZ")
    with pytest.raises(FrameworkError, match="competency area"):
        FRAMEWORK.area("Q")


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["levels"].append(dict(d["levels"][0], rank=4)), "duplicate level codes"),
    (lambda d: d["areas"][2]["descriptors"].pop("RCP"), "no descriptor entry"),
    (lambda d: d["levels"][2].update(rank=7), "ranks"),
    (lambda d: d.pop("rules"), "malformed"),
])
def test_a_broken_framework_file_is_refused(tmp_path, mutate, message):
    data = json.loads(json.dumps(FRAMEWORK.raw))
    mutate(data)
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data))
    with pytest.raises(FrameworkError, match=message):
        load_framework(path)


def test_to_dict_round_trips_through_json():
    data = json.loads(json.dumps(FRAMEWORK.to_dict()))
    assert data["version"] == FRAMEWORK.version
    assert all(c["descriptor"] for lv in data["levels"] for c in lv["competencies"])
