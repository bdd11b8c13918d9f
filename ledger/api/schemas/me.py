"""What a registrant does for themselves: PPD, renewal, background answers, details, a name change, a career
break."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

DECLARATION = "I declare that my PPD record is true and complete."


class Ppd(BaseModel):
    on: date
    category: str = Field(max_length=32)
    hours: float = Field(gt=0, le=1000)
    areas: list[str] = Field(max_length=6)
    learned: str = Field(max_length=10_000)
    impact: str = Field(max_length=10_000)


class Renewal(BaseModel):
    declaration: str = Field(DECLARATION, max_length=2000)


class Background(BaseModel):
    answers: dict[str, str] | None = Field(None, max_length=20)


class Details(BaseModel):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    disciplines: list[str] | None = Field(None, max_length=7)
    listing: str | None = Field(None, max_length=16)


class NameChange(BaseModel):
    name: str = Field(..., max_length=200, description="The name as it should appear on the register.")
    evidence: str = Field(
        ...,
        max_length=2000,
        description="What shows the change: a deed poll, marriage "
        "certificate or passport, and how the registrar can see it.",
    )


class CareerBreak(BaseModel):
    start: date
    end: date
