"""An assessor's assessment of an application."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Assessment(BaseModel):
    judgements: dict[str, str] = Field(max_length=6)
    recommendation: str = Field(max_length=8)
    feedback: str | None = Field(None, max_length=10_000)
