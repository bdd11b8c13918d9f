"""The background questions restated in ledger/domain/background_questions.json match the Social Mobility
Commission's."""

from __future__ import annotations

import json

import pytest

from ledger.domain import background
from ledger.domain.errors import InvalidInput
from tests.conftest import shared_file


def test_questions_bands_and_benchmarks_match_the_source():
    source = json.loads(shared_file("domain/socio-economic-questions.json").read_text())
    for question in source["questions"]:
        ours = background.QUESTIONS[question["id"]]
        assert ours.text == question["text"]
        assert ours.answers == {a["id"]: a["text"] for a in question["answers"]}
        if question["id"] == "parental_occupation_14":
            assert ours.bands == {a["id"]: a["band"] for a in question["answers"]}
        assert "prefer_not_to_say" in ours.answers
    assert background.DATA["benchmarks_professional_pct"] == {
        "creative_workforce": source["bands"]["benchmark_creative_workforce_professional_pct"],
        "working_population": source["bands"]["benchmark_working_population_professional_pct"],
    }


def test_bands_and_checks():
    assert background.band_of({"parental_occupation_14": "routine"}) == "lower"
    assert background.band_of({"parental_occupation_14": "prefer_not_to_say"}) is None
    assert background.band_of(None) is None
    with pytest.raises(InvalidInput, match="unknown question"):
        background.check_answers({"salary": "high"})
    with pytest.raises(InvalidInput, match="unknown answer"):
        background.check_answers({"school_type": "grammar"})
