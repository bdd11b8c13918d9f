"""The voluntary background questions and how answers are checked, banded and grouped: the Social Mobility
Commission's socio-economic questions, and working pattern, sex and ethnic group (the last two in the wording of the
Office for National Statistics' 2021 census for England and Wales). Every question offers "prefer not to say".
Answers are sealed in events (all in one dict, so one erasure reaches them all); only the aggregate statistics ever
open them, and they keep no answer, only the band and each characteristic's broad group."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ledger.domain.errors import InvalidInput


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str | None
    answers: dict[str, str]  # answer id -> wording
    bands: dict[str, str | None]  # answer id -> band (only the band question has them)
    why: str | None = None  # why this question is asked, where it has its own reason
    groups: dict[str, str | None] = field(default_factory=dict)  # answer id -> the group the statistics record
    group_names: dict[str, str] = field(default_factory=dict)  # group id -> its heading (ethnic group)
    source: str | None = None

    @property
    def grouped_options(self) -> list[tuple[str | None, list[tuple[str, str]]]]:
        """The answers under their group's heading, in order (one unheaded run where the question has no
        headings): how a form shows 19 ethnic groups without a wall of radios."""
        out: list[tuple[str | None, list[tuple[str, str]]]] = []
        for answer_id, text in self.answers.items():
            heading = self.group_names.get(self.groups.get(answer_id) or "")
            if not out or out[-1][0] != heading:
                out.append((heading, []))
            out[-1][1].append((answer_id, text))
        return out


def _load() -> tuple[dict[str, Any], dict[str, Question]]:
    data = json.loads(resources.files("ledger.domain").joinpath("background_questions.json").read_text("utf-8"))
    questions = {
        q["id"]: Question(
            q["id"],
            q["text"],
            q.get("help"),
            {a["id"]: a["text"] for a in q["answers"]},
            {a["id"]: a.get("band") for a in q["answers"]},
            q.get("why_we_ask"),
            {a["id"]: a["group"] for a in q["answers"] if "group" in a},
            {g["id"]: g["text"] for g in q.get("groups", ())},
            q.get("source"),
        )
        for q in data["questions"]
    }
    return data, questions


DATA, QUESTIONS = _load()
BANDS: tuple[str, ...] = tuple(DATA["bands"])
WHY_WE_ASK: str = DATA["why_we_ask"]
CHARACTERISTICS: tuple[str, ...] = tuple(DATA["characteristics"]["questions"])
"""The questions whose group the statistics record beside the band: working_pattern, sex, ethnic_group."""


def groups_of(question_id: str) -> tuple[str, ...]:
    """A characteristic's groups, in the order its answers give them ("prefer not to say" has none)."""
    return tuple(dict.fromkeys(g for g in QUESTIONS[question_id].groups.values() if g is not None))


def group_name(question_id: str, group: str | None, short: bool = False) -> str:
    """How a report labels a group: the census heading for an ethnic group (``short``: one word, for a column
    that the report's legend spells out), else the answer's own words."""
    question = QUESTIONS[question_id]
    if group is None:
        return "Not known"
    if group in question.group_names:
        return SHORT_GROUP_NAMES[group] if short else question.group_names[group]
    return next(question.answers[a] for a, g in question.groups.items() if g == group)


SHORT_GROUP_NAMES: dict[str, str] = {g["id"]: g["short"] for q in DATA["questions"] for g in q.get("groups", ())}


def check_answers(answers: dict[str, str] | None) -> dict[str, str] | None:
    """Answers as given, or ``InvalidInput`` naming the unknown question or answer. Unanswered questions are fine."""
    if answers is None:
        return None
    if not isinstance(answers, dict):
        raise InvalidInput("background", "answers must map question ids to answer ids")
    for question_id, answer_id in answers.items():
        question = QUESTIONS.get(question_id)
        if question is None:
            raise InvalidInput(
                "background", f"unknown question {question_id!r}; expected one of " + ", ".join(QUESTIONS)
            )
        if not isinstance(answer_id, str) or answer_id not in question.answers:
            raise InvalidInput(
                f"background.{question_id}",
                f"unknown answer {answer_id!r}; expected one of " + ", ".join(question.answers),
            )
    return dict(answers)


def band_of(answers: dict[str, str] | None) -> str | None:
    """The socio-economic band from the parental-occupation answer, or None (not answered, other, prefer not)."""
    if not answers:
        return None
    answer = answers.get(DATA["band_question"])
    return QUESTIONS[DATA["band_question"]].bands.get(answer) if answer else None


def characteristics_of(answers: dict[str, str] | None) -> dict[str, str | None]:
    """Working pattern, sex and broad ethnic group from the answers, each None when not given (not answered, or
    "prefer not to say"): all the statistics keep of those three answers."""
    given = answers or {}
    return {q: QUESTIONS[q].groups.get(given[q]) if given.get(q) else None for q in CHARACTERISTICS}
