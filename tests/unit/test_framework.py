"""The competency framework: what the published data file says, how it is asked, and which files are refused."""

import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest

import ledger.domain.framework
from ledger.domain.framework import FRAMEWORK, Framework, FrameworkError, load_framework

DATA_FILE = Path(ledger.domain.framework.__file__).with_name("framework.json")


@pytest.fixture
def data() -> dict:
    """A fresh copy of the published framework file, to break in one place."""
    return json.loads(DATA_FILE.read_text("utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


# -- the published framework ----------------------------------------------------------------------------------------


def test_the_published_version():
    assert FRAMEWORK.version == "2026.1"
    assert FRAMEWORK.published == date(2026, 9, 1)
    assert FRAMEWORK.title.strip() and FRAMEWORK.description.strip()


def test_three_levels_in_order_of_seniority():
    assert [lv.code for lv in FRAMEWORK.levels] == ["RCT", "RCP", "ACP"]
    assert [lv.name for lv in FRAMEWORK.levels] == [
        "Registered Creative Technician",
        "Registered Creative Practitioner",
        "Advanced Creative Practitioner",
    ]
    assert [lv.post_nominal for lv in FRAMEWORK.levels] == ["RCT", "RCP", "ACP"]
    assert [lv.rank for lv in FRAMEWORK.levels] == [1, 2, 3]
    assert [lv.min_years_experience_equivalency for lv in FRAMEWORK.levels] == [2, 4, 7]
    assert [lv.min_qualification_level for lv in FRAMEWORK.levels] == [3, 5, 6]


def test_levels_are_ordered_by_rank_whatever_the_order_in_the_file(tmp_path, data):
    data["levels"].reverse()
    assert [lv.code for lv in load_framework(write(tmp_path, data)).levels] == ["RCT", "RCP", "ACP"]


def test_six_areas_with_leadership_not_required_at_entry():
    assert [a.code for a in FRAMEWORK.areas] == ["A", "B", "C", "D", "E", "F"]
    leadership = FRAMEWORK.area("F")
    assert leadership.title == "Leadership and project delivery"
    assert not leadership.required_at("RCT")
    assert leadership.descriptor("RCT") is None
    assert leadership.required_at("RCP") and leadership.required_at("ACP")
    assert [a.code for a in FRAMEWORK.required_areas("RCT")] == ["A", "B", "C", "D", "E"]
    assert [a.code for a in FRAMEWORK.required_areas("RCP")] == ["A", "B", "C", "D", "E", "F"]
    assert [a.code for a in FRAMEWORK.required_areas("ACP")] == ["A", "B", "C", "D", "E", "F"]


def test_descriptors_differ_from_level_to_level_and_each_area_has_examples():
    for area in FRAMEWORK.areas:
        texts = [area.descriptor(lv.code) for lv in FRAMEWORK.levels if area.required_at(lv.code)]
        assert len(set(texts)) == len(texts), f"area {area.code} repeats a descriptor"
        assert 2 <= len(area.examples) <= 3, area.code


def test_two_routes():
    assert [r.code for r in FRAMEWORK.routes] == ["standard", "equivalency"]
    assert FRAMEWORK.route("standard").name == "Standard route"
    equivalency = FRAMEWORK.route("equivalency")
    assert equivalency.name == "Equivalency route"
    joined = " ".join(equivalency.requirements).lower()
    for needed in ("years", "portfolio", "referee", "professional discussion"):
        assert needed in joined


def test_disciplines():
    codes = [d.code for d in FRAMEWORK.disciplines]
    assert codes == ["media_production", "performing_arts", "digital", "textiles", "design", "heritage", "music_audio"]
    assert all(re.fullmatch(r"[a-z][a-z_]*", code) for code in codes)
    assert "costume" in FRAMEWORK.discipline("textiles").name.lower()


def test_rules_as_published():
    rules = FRAMEWORK.rules
    assert rules.assessors_per_application == 2
    assert rules.judgements == ("met", "partly_met", "not_met")
    assert rules.judgement_names == {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
    assert rules.outcomes == ("award", "defer", "reject")
    assert rules.outcome_names["defer"] == "Defer (resubmit)"
    assert rules.appeal_window_days == 28
    assert rules.renewal_period_months == 12
    assert rules.renewal_window_days == 90
    assert rules.grace_days == 30
    assert rules.ppd_categories == ("work_based", "professional", "formal", "self_directed", "other")
    assert rules.ppd_category_names == {
        "work_based": "Work-based learning",
        "professional": "Professional activity",
        "formal": "Formal education",
        "self_directed": "Self-directed learning",
        "other": "Other",
    }
    assert rules.ppd_min_categories == 3
    assert rules.audit_sample_rate == 0.025
    assert rules.audit_min_years_registered == 2
    assert rules.career_break_max_years == 3
    assert rules.reinstatement_window_months == 12
    assert rules.reapply_after_lapsed_years == 3
    assert rules.reminder_days_before_due == (90, 60, 30, 7)
    assert "28 days" in rules.explanations["appeal_window_days"]


# -- asking the framework -------------------------------------------------------------------------------------------


def test_seniority_and_progression():
    assert FRAMEWORK.is_at_or_above("ACP", "RCP")
    assert FRAMEWORK.is_at_or_above("RCP", "RCP")
    assert not FRAMEWORK.is_at_or_above("RCT", "RCP")
    assert FRAMEWORK.next_level("RCT").code == "RCP"
    assert FRAMEWORK.next_level("RCP").code == "ACP"
    assert FRAMEWORK.next_level("ACP") is None


@pytest.mark.parametrize(
    "ask, message",
    [
        (lambda: FRAMEWORK.level("RCX"), "Unknown level 'RCX': expected one of RCT, RCP, ACP"),
        (lambda: FRAMEWORK.area("G"), "Unknown competency area 'G': expected one of A, B, C, D, E, F"),
        (lambda: FRAMEWORK.route("fast"), "Unknown route 'fast': expected one of standard, equivalency"),
        (lambda: FRAMEWORK.discipline("sculpture"), "Unknown discipline 'sculpture': expected one of media_production"),
        (lambda: FRAMEWORK.required_areas("rct"), "Unknown level 'rct': expected one of RCT, RCP, ACP"),
        (lambda: FRAMEWORK.is_at_or_above("RCP", "MSc"), "Unknown level 'MSc'"),
        (lambda: FRAMEWORK.next_level(""), "Unknown level '': expected one of RCT, RCP, ACP"),
        (lambda: FRAMEWORK.area("A").descriptor("CEng"), "Unknown level 'CEng': expected one of RCT, RCP, ACP"),
        (lambda: FRAMEWORK.area("F").required_at("CEng"), "Unknown level 'CEng'"),
    ],
)
def test_unknown_codes_are_named_with_the_valid_ones(ask, message):
    with pytest.raises(FrameworkError) as caught:
        ask()
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


def test_to_dict_is_json_and_spells_out_each_levels_skills():
    data = json.loads(json.dumps(FRAMEWORK.to_dict()))
    assert data["version"] == "2026.1" and data["published"] == "2026-09-01"
    rct, rcp, _ = data["levels"]
    assert [c["area"] for c in rct["competencies"]] == ["A", "B", "C", "D", "E"]
    assert [c["area"] for c in rcp["competencies"]] == ["A", "B", "C", "D", "E", "F"]
    assert rcp["competencies"][5] == {
        "area": "F",
        "title": "Leadership and project delivery",
        "descriptor": FRAMEWORK.area("F").descriptor("RCP"),
    }
    assert data["areas"][5]["descriptors"]["RCT"] is None
    assert data["rules"]["outcomes"][1] == {"code": "defer", "name": "Defer (resubmit)"}
    assert data["rules"]["reminder_days_before_due"] == [90, 60, 30, 7]


def test_to_dict_is_a_complete_restatement(tmp_path):
    restated = load_framework(write(tmp_path, FRAMEWORK.to_dict()))
    assert isinstance(restated, Framework)
    assert restated == FRAMEWORK


def test_the_default_file_is_the_one_beside_the_module():
    assert load_framework() == FRAMEWORK
    assert load_framework(DATA_FILE) == FRAMEWORK
    assert load_framework(str(DATA_FILE)) == FRAMEWORK


def test_a_changed_file_gives_a_different_framework(tmp_path, data):
    data["rules"]["grace_days"] = 45
    data["areas"][0]["descriptors"]["RCT"] = "Something else."
    changed = load_framework(write(tmp_path, data))
    assert changed.rules.grace_days == 45
    assert changed.area("A").descriptor("RCT") == "Something else."
    assert changed != FRAMEWORK


# -- refusing a bad file --------------------------------------------------------------------------------------------


def _level(data, code):
    return next(lv for lv in data["levels"] if lv["code"] == code)


def _duplicate_level(data):
    _level(data, "ACP")["code"] = "RCP"


def _missing_descriptor(data):
    del data["areas"][2]["descriptors"]["RCP"]


def _rank_gap(data):
    _level(data, "ACP")["rank"] = 4


def _rank_twice(data):
    _level(data, "ACP")["rank"] = 2


def _rank_not_a_number(data):
    _level(data, "RCP")["rank"] = "2"


def _descriptor_for_unknown_level(data):
    data["areas"][0]["descriptors"]["MCP"] = "Masters everything."


def _empty_descriptor(data):
    data["areas"][1]["descriptors"]["ACP"] = "  "


def _required_then_dropped(data):
    data["areas"][5]["descriptors"]["RCT"] = "Leads a task."
    data["areas"][5]["descriptors"]["RCP"] = None


def _duplicate_area(data):
    data["areas"][1]["code"] = "A"


def _duplicate_discipline(data):
    data["disciplines"].append({"code": "digital", "name": "Digital again"})


def _missing_route(data):
    data["routes"] = [r for r in data["routes"] if r["code"] != "equivalency"]


def _too_many_ppd_categories_needed(data):
    data["rules"]["ppd_min_categories"] = 6


def _sample_rate_above_one(data):
    data["rules"]["audit_sample_rate"] = 2.5


def _negative_window(data):
    data["rules"]["appeal_window_days"] = -28


def _missing_rule(data):
    del data["rules"]["grace_days"]


def _no_award_outcome(data):
    data["rules"]["outcomes"] = [o for o in data["rules"]["outcomes"] if o["code"] != "award"]


def _reminders_out_of_order(data):
    data["rules"]["reminder_days_before_due"] = [7, 30, 60, 90]


def _explanation_for_unknown_rule(data):
    data["rules"]["explanations"]["coffee_breaks"] = "Two a day."


def _bad_date(data):
    data["published"] = "1 September 2026"


@pytest.mark.parametrize(
    "breaks, message",
    [
        (_duplicate_level, "duplicate level code 'RCP'"),
        (_missing_descriptor, "area C has no descriptor for level\\(s\\) RCP"),
        (_rank_gap, r"level ranks must be 1 to 3, each used once; found \[1, 2, 4\]"),
        (_rank_twice, r"level ranks must be 1 to 3, each used once; found \[1, 2, 2\]"),
        (_rank_not_a_number, "levels\\[1\\]: 'rank' must be a whole number, not '2'"),
        (_descriptor_for_unknown_level, "area A has descriptors for unknown level\\(s\\) MCP"),
        (_empty_descriptor, "area B: the descriptor for ACP must be text"),
        (_required_then_dropped, "area F is required at a level but not at a level above it"),
        (_duplicate_area, "duplicate area code 'A'"),
        (_duplicate_discipline, "duplicate discipline code 'digital'"),
        (_missing_route, "must define the route\\(s\\) equivalency"),
        (_too_many_ppd_categories_needed, "ppd_min_categories is 6 but there are only 5 PPD categories"),
        (_sample_rate_above_one, "audit_sample_rate must be a fraction above 0 and at most 1, not 2.5"),
        (_negative_window, "appeal_window_days must be at least 1, not -28"),
        (_missing_rule, "rules has no 'grace_days'"),
        (_no_award_outcome, "outcomes must include award"),
        (_reminders_out_of_order, "reminder_days_before_due must be positive whole numbers, largest first"),
        (_explanation_for_unknown_rule, "explanations for unknown rule\\(s\\) coffee_breaks"),
        (_bad_date, "'published' must be a date as YYYY-MM-DD"),
    ],
)
def test_a_broken_file_is_refused_with_a_clear_message(tmp_path, data, breaks, message):
    breaks(data)
    path = write(tmp_path, data)
    with pytest.raises(FrameworkError, match=message) as caught:
        load_framework(path)
    assert str(path) in str(caught.value)


def test_the_unbroken_copy_loads(tmp_path, data):
    """The broken-file cases above start from this copy, so it must load: each refusal is down to its one change."""
    assert load_framework(write(tmp_path, copy.deepcopy(data))) == FRAMEWORK


def test_a_file_that_is_not_json_or_not_there_is_refused(tmp_path):
    bad = tmp_path / "framework.json"
    bad.write_text("{ not json", "utf-8")
    with pytest.raises(FrameworkError, match="cannot read the framework file .*framework.json"):
        load_framework(bad)
    with pytest.raises(FrameworkError, match="cannot read the framework file .*missing.json"):
        load_framework(tmp_path / "missing.json")
    (tmp_path / "list.json").write_text("[]", "utf-8")
    with pytest.raises(FrameworkError, match="does not hold a JSON object"):
        load_framework(tmp_path / "list.json")
