"""The period and margin of the progression and fairness report: query parameters of the page, its CSV and the
API's JSON alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

MARGIN = 5.0


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value  # the page's form sends an empty date field as ""


Day = Annotated[date | None, BeforeValidator(_blank_is_none)]


class ReportPeriod(BaseModel):
    asked_from: Day = Field(None, alias="from", description="Start of the period, YYYY-MM-DD (snaps to whole blocks).")
    asked_to: Day = Field(None, alias="to", description="End of the period, YYYY-MM-DD (snaps to whole blocks).")
    margin: float = Field(
        MARGIN,
        ge=0,
        le=100,
        description="Flag the equivalency route when its award rate trails the standard "
        "route's by more than this many percentage points.",
    )
