"""An assessor's part in an application: accepting an assignment (declaring no conflict of interest, in their own
words if they want), declining it (declaring a conflict, with the reason), and the assessment."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Acceptance(BaseModel):
    declaration: str = Field("", max_length=2000)


class Declining(BaseModel):
    reason: str = Field("", max_length=2000)  # required: the command refuses an empty one, naming the field


class Assessment(BaseModel):
    judgements: dict[str, str] = Field(max_length=6)
    recommendation: str = Field(max_length=8)
    feedback: str | None = Field(None, max_length=10_000)
