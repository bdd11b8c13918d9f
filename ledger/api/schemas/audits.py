"""PPD audits: the registrant's profile (and appeal: ``ledger.api.schemas.applications.Grounds``), the assessor's
judgement, the registrar's assignment, decision and appeal decision."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditProfile(BaseModel):
    summary: str = Field(max_length=10_000, description="Your practice over the period, in brief")
    activities: list[str] = Field(max_length=200, description="Ids of the PPD activities from your record")
    statement: str = Field(max_length=10_000, description="How your PPD meets each audit standard")
    evidence: str | None = Field(None, max_length=10_000, description="Links to or descriptions of evidence")


class AuditJudgement(BaseModel):
    judgements: dict[str, str] = Field(max_length=10, description="Each audit standard: met, partly_met, not_met")
    feedback: str | None = Field(None, max_length=10_000)


class AuditAssign(BaseModel):
    assessor_id: str = Field(max_length=64)


class AuditDecision(BaseModel):
    outcome: str = Field(max_length=16, description="accepted, deferred or not_renewed")
    reasons: str = Field("", max_length=2000)


class AuditAppealDecision(BaseModel):
    upheld: bool
    reasons: str = Field(max_length=2000)
