"""Signing in, and the admin's accounts."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_EMAIL = 254


class SignIn(BaseModel):
    """An email and password: the API's ``POST /api/token`` (form fields, as OAuth2 password) and the sign-in page."""

    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=256)


class NewAccount(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(min_length=12, max_length=256)
    role: str = Field(max_length=16)
    registration_number: str | None = Field(None, max_length=20)
    registrant_id: str | None = Field(None, max_length=64)
    assessor_id: str | None = Field(None, max_length=64)


class AccountEmail(BaseModel):
    """The account to disable or enable (the API names it in the path, bounded by the same ``MAX_EMAIL``)."""

    email: str = Field(max_length=MAX_EMAIL)
