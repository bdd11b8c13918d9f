"""A registrant's application: starting it, its evidence, an appeal."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Qualification(BaseModel):
    title: str = Field(max_length=300)
    awarding_body: str = Field(max_length=300)
    level: int = Field(ge=1, le=8)


class Experience(BaseModel):
    years: float = Field(ge=0, le=70)
    portfolio: str = Field(max_length=2000)
    referee_name: str = Field(max_length=200)
    referee_email: str = Field(max_length=254)


class StartApplication(BaseModel):
    level: str = Field(max_length=8)
    route: str = Field(max_length=16)
    qualification: Qualification | None = None
    experience: Experience | None = None


class Evidence(BaseModel):
    area: str = Field(max_length=4)
    text: str = Field(max_length=10_000)


class EvidenceText(BaseModel):
    """The new text of an item of written evidence (its area stays)."""

    text: str = Field(max_length=10_000)


class Grounds(BaseModel):
    """An appeal's grounds (of an application's decision, or of a PPD audit's outcome)."""

    grounds: str = Field(max_length=10_000)
