"""The registrar's casework: enrolments, assessors, an application's assignment, referee, discussion, information,
decision and appeal decision, and a registrant's name change."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Enrolment(BaseModel):
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    disciplines: list[str] = Field(max_length=7)
    listing: str = Field("listed", max_length=16)


class NewAssessor(BaseModel):
    """A new assessor: a person on the register (their registration number; the name is the register's unless one
    is given), or someone named here."""

    name: str | None = Field(None, max_length=200)
    registration_number: str | None = Field(None, max_length=20)


class Assign(BaseModel):
    """An assessor to assign: they accept (declaring no conflict of interest) or decline for themselves. A
    ``declaration`` sent here, as clients did before, is ignored: the registrar no longer declares for them."""

    assessor_id: str = Field(max_length=64)
    declaration: str | None = Field(None, max_length=2000)


class Referee(BaseModel):
    confirmed: bool


class Discussion(BaseModel):
    held_on: date
    notes: str | None = Field(None, max_length=10_000)


class Text(BaseModel):
    """Free text a command records: information asked for, the reason for a removal (sent to the registrant)."""

    text: str = Field(max_length=10_000)


class Decision(BaseModel):
    outcome: str = Field(max_length=8)
    reasons: str = Field("", max_length=10_000)


class AppealDecision(BaseModel):
    upheld: bool
    reasons: str = Field(max_length=10_000)
    remedy: str | None = Field(None, max_length=16)


class NameDecision(BaseModel):
    approved: bool
    reason: str = Field("", max_length=2000)
