"""A genuine credential, signed by the register's own key, carrying a status entry the verifier cannot check: of a
type or a purpose it does not know, without the members it needs, or naming a status list this register does not
publish. Each is not valid, the "status" check says "not checked" and why, and nothing else fails (the signature,
the issuer and the dates are all good). Without any status entry a credential is valid: status is optional in VC
Data Model 2.0 (section 4.10). The browser verifier's verdict on the same credentials is in
tests/api/test_web_verifier_status.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from credentials.achievement import sign_credential_jwt
from ledger.processes.keyring import Keyring
from tests.builders.verifier import failed, register_fixture  # noqa: F401 - the register fixture
from verifier import verify

JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")
FOREIGN = "https://elsewhere.example/status/revocation"
CANNOT = "its status cannot be checked"


def entries(payload: dict[str, Any]) -> list[dict[str, Any]]:
    status = payload["credentialStatus"]
    return status if isinstance(status, list) else [status]


def changed(token: str, change: Any, key: Any) -> str:
    """``token``'s credential with ``change`` made to its payload, signed again by ``key`` as of its own ``iat``."""
    payload = jwt.decode(token, options={"verify_signature": False})
    issued_at = datetime.fromtimestamp(payload["iat"], UTC)
    credential = {name: value for name, value in payload.items() if name not in JWT_CLAIMS}
    change(credential)
    return sign_credential_jwt(credential, key, issued_at=issued_at)


def unknown_type(credential: dict[str, Any]) -> None:
    credential["credentialStatus"] = [
        *entries(credential),
        {"id": "https://status.example/7#1", "type": "StatusList2021Entry", "statusPurpose": "revocation"},
    ]


def unknown_purpose(credential: dict[str, Any]) -> None:
    entry = {**entries(credential)[0], "id": "https://status.example/8#1", "statusPurpose": "refresh"}
    credential["credentialStatus"] = [*entries(credential), entry]


def foreign_list(credential: dict[str, Any]) -> None:
    credential["credentialStatus"] = [{**e, "statusListCredential": FOREIGN} for e in entries(credential)]


def no_list(credential: dict[str, Any]) -> None:
    credential["credentialStatus"] = [
        {name: value for name, value in e.items() if name != "statusListCredential"} for e in entries(credential)
    ]


CASES = {
    "unknown type": (unknown_type, "is of type 'StatusList2021Entry', which this verifier does not know: " + CANNOT),
    "unknown purpose": (unknown_purpose, "has the purpose 'refresh', which this verifier does not check: " + CANNOT),
    "foreign list": (
        foreign_list,
        f"entry names a status list this register does not publish ({FOREIGN}): " + CANNOT,
    ),
    "no list": (no_list, "does not name its status list (statusListCredential): " + CANNOT),
}


@pytest.mark.parametrize("case", CASES)
def test_a_status_the_verifier_cannot_check_is_never_valid(register, case):
    change, words = CASES[case]
    shared = register.credential("Valid Val")
    token = changed(shared.full, change, Keyring(register.ledger).active().signing_key)
    result = verify(token, register.trust(), at=register.clock.now())
    checks = {c.name: c for c in result.checks}
    assert not result.valid and result.subject is None, result.to_json()
    assert failed(result) == [], result.to_json()  # genuine, well formed, current: only its status is unknown
    assert checks["signature"].outcome == "pass" and checks["data model"].outcome == "pass"
    assert checks["status"].outcome == "not checked" and words in checks["status"].reason
    assert result.summary == f"Not valid: {checks['status'].reason}."
    if case == "foreign list":  # the revocation (and suspension) check says so too
        purposes = [e["statusPurpose"] for e in entries(jwt.decode(token, options={"verify_signature": False}))]
        for purpose in purposes:
            assert checks[purpose].outcome == "not checked"
            assert checks[purpose].reason == (
                f"the {purpose} entry names a status list this register does not publish ({FOREIGN}): {CANNOT}"
            )


def test_every_status_checked_or_none_at_all_is_valid(register):
    shared = register.credential("Valid Val")
    key = Keyring(register.ledger).active().signing_key
    trust = register.trust()
    as_issued = verify(shared.full, trust, at=register.clock.now())
    assert as_issued.valid and as_issued.checks[-1] == (
        "status",
        "pass",
        "every status entry is one this verifier checked",
    )
    without = changed(shared.full, lambda credential: credential.pop("credentialStatus"), key)
    result = verify(without, trust, at=register.clock.now())
    assert result.valid, result.to_json()
    assert result.checks[-1] == ("status", "pass", "the credential carries no status entry")
    badge = verify(shared.compact, trust, at=register.clock.now())
    assert badge.valid and badge.checks[-1].outcome == "pass"
