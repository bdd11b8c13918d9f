"""The voluntary socio-economic background questions (Social Mobility Commission) and how answers are checked and
banded. Answers are sealed in events; only the aggregate statistics ever open them."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def _load() -> tuple[dict[str, Any], dict[str, Question]]:
    data = json.loads(resources.files("ledger.domain").joinpath("background_questions.json").read_text("utf-8"))
    questions = {
        q["id"]: Question(
            q["id"],
            q["text"],
            q.get("help"),
            {a["id"]: a["text"] for a in q["answers"]},
            {a["id"]: a.get("band") for a in q["answers"]},
        )
        for q in data["questions"]
    }
    return data, questions


DATA, QUESTIONS = _load()
BANDS: tuple[str, ...] = tuple(DATA["bands"])
WHY_WE_ASK: str = DATA["why_we_ask"]


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
