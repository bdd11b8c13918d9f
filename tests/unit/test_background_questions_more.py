"""The optional questions beside the socio-economic ones: working pattern, and sex and ethnic group in the wording of
the Office for National Statistics' 2021 census for England and Wales. Each says why it is asked, offers "prefer not
to say", is checked answer by answer (a bad one refused, naming the question), and gives the statistics a broad
group, never the answer."""

from __future__ import annotations

import json

import pytest

from ledger.domain import background
from ledger.domain.errors import InvalidInput
from tests.conftest import shared_file

CENSUS_ETHNIC_GROUPS = {
    "White": [
        "English, Welsh, Scottish, Northern Irish or British",
        "Irish",
        "Gypsy or Irish Traveller",
        "Roma",
        "Any other White background",
    ],
    "Mixed or Multiple ethnic groups": [
        "White and Black Caribbean",
        "White and Black African",
        "White and Asian",
        "Any other Mixed or Multiple ethnic background",
    ],
    "Asian, Asian British or Asian Welsh": [
        "Indian",
        "Pakistani",
        "Bangladeshi",
        "Chinese",
        "Any other Asian background",
    ],
    "Black, Black British, Black Welsh, Caribbean or African": [
        "Caribbean",
        "African",
        "Any other Black, Black British or Caribbean background",
    ],
    "Other ethnic group": ["Arab", "Any other ethnic group"],
}
"""The census's tick boxes (write-in boxes left out), in its order, under the five high-level groups of its
outputs: written out here from the census's own pages, not read from the JSON under test."""


def test_sex_is_asked_in_the_census_wording():
    sex = background.QUESTIONS["sex"]
    assert sex.text == "What is your sex?"
    assert list(sex.answers.values()) == ["Female", "Male", "Prefer not to say"]  # the census's alphabetical order
    assert sex.groups == {"female": "female", "male": "male", "prefer_not_to_say": None}
    assert "Office for National Statistics" in (sex.source or "") and "Census 2021" in (sex.source or "")


def test_ethnic_group_is_asked_in_the_census_wording_with_its_19_categories_under_five_groups():
    ethnic = background.QUESTIONS["ethnic_group"]
    assert ethnic.text == "What is your ethnic group?"
    shown = [
        (heading, [text for _, text in options]) for heading, options in ethnic.grouped_options if heading is not None
    ]
    assert shown == list(CENSUS_ETHNIC_GROUPS.items())
    assert sum(len(options) for _, options in shown) == 19
    assert ethnic.grouped_options[-1] == (None, [("prefer_not_to_say", "Prefer not to say")])
    assert set(background.groups_of("ethnic_group")) == {"white", "mixed", "asian", "black", "other"}
    assert background.group_name("ethnic_group", "black") == "Black, Black British, Black Welsh, Caribbean or African"
    assert "census.gov.uk" in (ethnic.source or "")


def test_working_pattern_covers_employed_freelance_and_both():
    pattern = background.QUESTIONS["working_pattern"]
    assert set(pattern.answers) == {"employed", "freelance", "both", "prefer_not_to_say"}
    assert background.groups_of("working_pattern") == ("employed", "freelance", "both")
    assert background.group_name("working_pattern", "freelance") == "Freelance or self-employed"
    assert pattern.help and "payroll" in pattern.help  # says what employed and freelance mean


def test_every_question_offers_prefer_not_to_say_and_each_new_one_says_why_it_is_asked():
    for question in background.QUESTIONS.values():
        assert "prefer_not_to_say" in question.answers, question.id
    for question_id in background.CHARACTERISTICS:
        why = background.QUESTIONS[question_id].why
        assert why and len(why) > 60, question_id
        assert background.QUESTIONS[question_id].groups["prefer_not_to_say"] is None
    assert "freelance" in (background.QUESTIONS["working_pattern"].why or "").lower()


def test_the_statistics_get_a_broad_group_never_the_answer():
    answers = {
        "parental_occupation_14": "routine",
        "working_pattern": "both",
        "sex": "female",
        "ethnic_group": "mixed_white_black_african",
    }
    assert background.characteristics_of(background.check_answers(answers)) == {
        "working_pattern": "both",
        "sex": "female",
        "ethnic_group": "mixed",
    }
    assert background.band_of(answers) == "lower"
    assert background.characteristics_of({"sex": "prefer_not_to_say"}) == dict.fromkeys(
        background.CHARACTERISTICS, None
    )
    assert background.characteristics_of(None) == dict.fromkeys(background.CHARACTERISTICS, None)


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"sex": "other"}, "background.sex", "unknown answer 'other'"),
        ({"ethnic_group": "white"}, "background.ethnic_group", "unknown answer 'white'"),  # a group is not an answer
        ({"working_pattern": ""}, "background.working_pattern", "unknown answer ''"),
        ({"sex": 1}, "background.sex", "unknown answer 1"),
        ({"gender": "female"}, "background", "unknown question 'gender'"),
    ],
)
def test_a_bad_answer_is_refused_naming_the_question(answers, field, words):
    with pytest.raises(InvalidInput) as raised:
        background.check_answers({"parental_occupation_14": "routine", **answers})
    assert raised.value.field == field and words in raised.value.message
    assert "expected one of" in raised.value.message


def test_the_shared_source_still_matches_the_socio_economic_questions_and_holds_none_of_the_new_ones():
    """The Social Mobility Commission's questions are still restated word for word; the new questions are ours and
    the census's, so the shared SMC source does not list them."""
    source = json.loads(shared_file("domain/socio-economic-questions.json").read_text())
    for question in source["questions"]:
        ours = background.QUESTIONS[question["id"]]
        assert (ours.text, ours.answers) == (question["text"], {a["id"]: a["text"] for a in question["answers"]})
    assert background.QUESTIONS[background.DATA["band_question"]].bands == {
        a["id"]: a["band"] for a in source["questions"][0]["answers"]
    }
    assert not {q["id"] for q in source["questions"]} & set(background.CHARACTERISTICS)
    assert list(background.QUESTIONS)[-3:] == list(background.CHARACTERISTICS)  # asked after the SMC's
