"""The JSON API, one router per feature (the pages are ``ledger.api.pages``'s). Each command's body is its schema
in ``ledger.api.schemas``; each write goes through ``Service.write`` (Idempotency-Key, read-your-writes)."""

from fastapi import APIRouter

from ledger.api.pages.assessor_consistency import api_router as assessor_consistency_api
from ledger.api.pages.org_analytics import api_router as org_analytics_api
from ledger.api.routes import (
    accounts,
    analytics,
    applications,
    assessment,
    audits,
    casework,
    credentials,
    evidence_files,
    me,
    organisations,
    presentations,
    public,
    registrations,
    skills,
    verification,
)

ROUTERS: tuple[APIRouter, ...] = tuple(
    feature.router
    for feature in (
        public,
        verification,
        credentials,
        presentations,
        accounts,
        me,
        applications,
        evidence_files,
        assessment,
        casework,
        registrations,
        audits,
        analytics,
        skills,
        organisations,
    )
) + (assessor_consistency_api, org_analytics_api)
"""Every JSON router, in the order the OpenAPI document lists them."""
