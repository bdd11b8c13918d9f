"""Attacks on the credentials the register signs (issue 15, RELIABILITY.md): a credential signed outside the ledger
through the VC API, unrecorded, unlogged and unrevocable."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from tests.builders.actors import Actors

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@pytest.fixture
def actors(ledger):
    made = Actors(ledger)
    yield made
    made.close()


def credential_for(actors, **extra):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": actors.ledger.settings.issuer_url.rstrip("/"),
        "credentialSubject": {"id": "did:example:visitor", "name": "Open day visitor"},
        **extra,
    }


def test_a_credential_signed_through_the_vc_api_is_recorded_logged_and_revocable(actors):
    from ledger.domain.aggregates import RequestedCredential
    from ledger.processes.signing import issuer_profile
    from ledger.processes.transparency_log import log_leaves
    from ledger.processes.worker import Worker

    issued = actors.ok("admin", "POST", "/credentials/issue", {"credential": credential_for(actors)}, expect=201)
    token = issued["verifiableCredential"]["id"].removeprefix("data:application/vc+jwt,")
    payload = jwt.decode(token, options={"verify_signature": False})
    record = actors.ledger.repository.get(__import__("uuid").UUID(issued["recordId"]))
    assert isinstance(record, RequestedCredential) and record.requested_by == "admin@example.org"
    # one status entry, an object: its index in the revocation list (revoking it is the only status it has)
    revocation_list = f"{issuer_profile(actors.ledger).id}/status/revocation"
    assert payload["credentialStatus"] == {
        "id": f"{revocation_list}#{record.revocation_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(record.revocation_index),
        "statusListCredential": revocation_list,
    }
    assert record.suspension_index is None
    # in the transparency log
    Worker(actors.ledger).run_once()
    notification = actors.ledger.recorder.select_notifications(
        start=1, limit=10**6, topics=["ledger.aggregates.requested_credential:RequestedCredential.Issued"]
    )
    with actors.ledger.engine.connect() as conn:
        logged = set(conn.execute(select(log_leaves.c.notification_id)).scalars())
    assert [n.id for n in notification if n.originator_id == record.id][0] in logged
    assert actors.ok(None, "POST", "/credentials/verify", {"verifiableCredential": token})["verified"]
    # revoked: the published revocation list says so, and the credential no longer verifies
    actors.ok("admin", "POST", f"/api/requested-credentials/{issued['recordId']}/revoke")
    verdict = actors.call(None, "POST", "/credentials/verify", {"verifiableCredential": token}).json()
    assert verdict["verified"] is False
    assert "revocation" in [p["title"] for p in verdict["problemDetails"]]


@pytest.mark.parametrize("disguise", ["type", "licenseNumber", "achievement", "credentialStatus"])
def test_nothing_that_passes_for_a_register_credential_is_signed_on_request(actors, disguise):
    number = "RG-1234567-89"
    badges = {"@context": ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT]}  # well formed: the ledger refuses it
    forged = {
        "type": credential_for(actors, **badges, type=["VerifiableCredential", "OpenBadgeCredential"]),
        "licenseNumber": credential_for(
            actors,
            **badges,
            credentialSubject={
                "id": "did:example:x",
                "type": ["AchievementSubject"],
                "name": "Mallory",
                "licenseNumber": number,
            },
        ),
        "achievement": credential_for(
            actors,
            **badges,
            credentialSubject={"id": "did:example:x", "type": ["AchievementSubject"], "achievement": {"name": "RCT"}},
        ),
        "credentialStatus": credential_for(
            actors, credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
        ),
    }[disguise]
    before = actors.ledger.recorder.max_notification_id()
    answer = actors.call("admin", "POST", "/credentials/issue", {"credential": forged})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["field"] == "credential"
    assert actors.ledger.recorder.max_notification_id() == before  # nothing signed, nothing recorded


def test_a_compromised_key_is_destroyed_and_every_current_credential_is_reissued_with_a_letter(ledger):
    from datetime import timedelta

    from ledger.processes.keyring import Keyring, issuer_private_keys
    from ledger.processes.worker import Worker
    from ledger.read.projections.credentials import credentials, credentials_of, status_bits
    from ledger.read.projections.outbox import outbox
    from tests.builders.records import awarded

    current, current_number = awarded(ledger, "Cora Current")
    suspended, suspended_number = awarded(ledger, "Sam Suspended")
    removed, removed_number = awarded(ledger, "Rex Removed")
    ledger.suspend(suspended, "Under investigation.", "registrar")
    ledger.remove(removed, "Struck off.", "registrar")
    Worker(ledger).run_once()
    keyring = Keyring(ledger)
    stolen = keyring.active().kid

    record, replacement = keyring.mark_compromised(stolen, ledger.clock.now() - timedelta(days=30))
    assert replacement is not None and replacement.kid != stolen
    with ledger.engine.connect() as conn:  # the stolen key's private half is gone
        assert (
            conn.execute(select(issuer_private_keys.c.sealed).where(issuer_private_keys.c.kid == stolen)).scalar()
            == b""
        )
    Worker(ledger).run_once()
    with ledger.engine.connect() as conn:
        newest = {
            n: conn.execute(
                select(credentials.c.kid)
                .where(credentials.c.number == n)
                .order_by(credentials.c.trigger_version.desc())
                .limit(1)
            ).scalar()
            for n in (current_number, suspended_number, removed_number)
        }
        letters = conn.execute(select(outbox.c.kind, outbox.c.registrant_id).where(outbox.c.kind == "reissue")).all()
    assert newest == {current_number: replacement.kid, suspended_number: replacement.kid, removed_number: stolen}
    assert sorted(r.registrant_id for r in letters) == sorted(r.hex for r in (current, suspended))
    # the suspended person's re-issue is signed while they stand suspended: revoked from the start, like the one it
    # replaces; the current person's is not
    with ledger.engine.connect() as conn:
        revoked, _ = status_bits(conn)
        reissued = {n: credentials_of(conn, n, limit=1)[0] for n in (current_number, suspended_number)}
    assert reissued[suspended_number]["trigger"] == reissued[current_number]["trigger"] == "reissue"
    assert reissued[suspended_number]["revocation_index"] in revoked
    assert reissued[current_number]["revocation_index"] not in revoked
    assert ledger.reissue_after_compromise(stolen) == 0  # once only
    # a retired key's private half is destroyed too
    ledger.clock.advance(timedelta(minutes=1))
    newer, retired = keyring.rotate()
    with ledger.engine.connect() as conn:
        kept = set(conn.execute(select(issuer_private_keys.c.kid).where(issuer_private_keys.c.sealed != b"")).scalars())
    assert replacement.kid not in kept and newer.kid in kept and [k.kid for k in retired] == [replacement.kid]
