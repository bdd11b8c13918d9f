"""Signing in, signing up, passwords, second factors and the admin's accounts: one schema per command, taken by
the JSON API and the pages alike."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

MAX_EMAIL = 254
MIN_PASSWORD = 12
MAX_PASSWORD = 256
StaffRole = Literal["assessor", "registrar", "auditor", "admin"]


def _password_rule(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise ValueError(f"must be at least {MIN_PASSWORD} characters")
    return value


class SignIn(BaseModel):
    """An email and password: the API's ``POST /api/token`` (form fields, as OAuth2 password) and the sign-in page.
    Staff also send ``otp``: the code from their authenticator app, or a recovery code."""

    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=MAX_PASSWORD)
    otp: str | None = Field(None, max_length=20, description="Staff: the code from the authenticator app")


class SecondFactorCode(BaseModel):
    """The code from an authenticator app (6 digits), or a recovery code."""

    code: str = Field(min_length=1, max_length=20)


class NewPassword(BaseModel):
    """A password chosen twice (signing up, a reset, an invitation)."""

    password: str = Field(max_length=MAX_PASSWORD)
    confirm_password: str = Field(max_length=MAX_PASSWORD)

    _rule = field_validator("password")(_password_rule)

    @field_validator("confirm_password")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError("the two passwords are not the same")
        return value


class SignUp(NewPassword):
    email: str = Field(min_length=1, max_length=MAX_EMAIL)


class WithToken(NewPassword):
    """A new password through a mailed link (a reset or an invitation)."""

    token: str = Field(min_length=1, max_length=100)


class ChangePassword(NewPassword):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class AccountEmail(BaseModel):
    """An account named by its email (to disable or enable; a new link to confirm an email or reset a password)."""

    email: str = Field(min_length=1, max_length=MAX_EMAIL)


class Invitation(BaseModel):
    """A staff account by invitation: the invitee chooses their password and second factor. An assessor's account
    names the assessor (one who has no account yet)."""

    email: str = Field(min_length=1, max_length=MAX_EMAIL)
    role: StaffRole
    assessor_id: str | None = Field(None, max_length=64)


class RoleChange(BaseModel):
    role: StaffRole


class NewAccount(BaseModel):
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: str = Field(max_length=16)
    registration_number: str | None = Field(None, max_length=20)
    registrant_id: str | None = Field(None, max_length=64)
    assessor_id: str | None = Field(None, max_length=64)
