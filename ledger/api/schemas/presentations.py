"""What a registrant gives to make a presentation of their credential for a client: the client's name (the
presentation's audience, ``aud``) and the challenge the client gave them (its ``nonce``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_AUDIENCE = 200
MAX_NONCE = 200


class PresentationAsked(BaseModel):
    audience: str = Field(..., max_length=MAX_AUDIENCE, description="The client's name, as they asked to be named.")
    nonce: str = Field(..., max_length=MAX_NONCE, description="The challenge the client gave.")
