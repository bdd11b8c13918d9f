"""Verify a regledger credential offline: ``verify(token, trust, at=None)``. Imports nothing from ``ledger`` or
``credentials``; depends on pyjwt and cryptography only (installable alone: ``pip install ./verifier``)."""

from verifier.jose import Malformed
from verifier.trust import RootNotPinned, Trust, TrustError, load_trust
from verifier.verify import CHECKS, DEFAULT_MAX_STATUS_AGE, Check, Subject, Verification, verify

__all__ = [
    "CHECKS",
    "DEFAULT_MAX_STATUS_AGE",
    "Check",
    "Malformed",
    "RootNotPinned",
    "Subject",
    "Trust",
    "TrustError",
    "Verification",
    "load_trust",
    "verify",
]
