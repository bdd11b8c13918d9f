"""The registrar's actions on a registration that carry input: a suspension (a removal's reason is
``ledger.api.schemas.casework.Text``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Suspension(BaseModel):
    reason: str = Field(max_length=2000)
    until: date | None = None
