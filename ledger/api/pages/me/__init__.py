"""The registrant's own pages, one thing a page: enrolling (for an account that signed itself up) and the background
questions; the overview of where they stand; applying (level, route, the route's own fields); an application's
evidence area by area, checked before it is sent; the PPD record and career breaks; renewal; the credential and how
to share it. ``standing`` holds where a registrant stands and the frame of every page; each form builds the schema
the API takes for the same command."""

from __future__ import annotations

from fastapi import APIRouter

from ledger.api.pages.me import applying, credential, enrolment, evidence, overview, ppd, renewal

FEATURES = (overview, enrolment, applying, evidence, ppd, renewal, credential)
router = APIRouter(include_in_schema=False, routes=[route for feature in FEATURES for route in feature.router.routes])
