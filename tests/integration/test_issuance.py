"""Issuance in the ledger: every award, renewal, reinstatement and lifted suspension gets exactly one credential,
also across crashes and racing issuers; what is issued validates against the schemas and reads back from its QR
code; register status sets the right revocation bits in the next published status lists, for good (one status entry
per credential: README "Status entries: the decision")."""

from __future__ import annotations

import io
import json
import random
import threading
from datetime import date, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from credentials.compact import long_id
from credentials.qr import MAX_VERSION, qr_png, qr_version
from credentials.status_list import StatusList
from ledger.domain.aggregates import Credential, Registration
from ledger.domain.clock import SettableClock
from ledger.ops.demo import run_demo
from ledger.processes.issuance import TRIGGERS, CrashForTest, CredentialIssuer
from ledger.processes.keyring import Keyring
from ledger.processes.publication import Publisher
from ledger.read.projections.credentials import credentials
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.sharing import current_credential, open_token, pack_token, unpack_token
from tests.builders.records import awarded, log_ppd, read_qr
from tests.builders.schemas import errors, validator
from tests.conftest import shared_file


def trigger_count(ledger) -> int:
    from eventsourcing.utils import get_topic

    topics = [get_topic(cls) for cls in TRIGGERS]
    return len(ledger.recorder.select_notifications(start=None, limit=10**6, topics=topics))


def issue_all(ledger):
    result = CredentialIssuer(ledger).catch_up()
    ProjectionRunner(ledger).catch_up()
    return result


def credential_rows(ledger) -> list[dict]:
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(credentials)).mappings()]


def verify_full(token: str, ledger) -> dict:
    header = jwt.get_unverified_header(token)
    public = Keyring(ledger).signing_key(header["kid"].rpartition("#")[2]).public_key  # <did>#<thumbprint>: https
    return jwt.decode(
        token,
        public,
        algorithms=[header["alg"]],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )


def published_bits(ledger) -> dict[str, StatusList]:
    ProjectionRunner(ledger).catch_up()
    lists = {}
    for purpose, token in Publisher(ledger).status_list_credentials().items():
        document = verify_full(token, ledger)
        assert document["credentialSubject"]["statusPurpose"] == purpose
        lists[purpose] = StatusList.decode(document["credentialSubject"]["encodedList"])
    return lists


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory):
    """A three-year demo on SQLite, credentials issued as it goes."""
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    path = tmp_path_factory.mktemp("demo") / "r.db"
    clock = SettableClock(date(2026, 11, 1))
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{path}",
            master_key=MASTER_KEY,
            issuer_url="https://register.creativetechnicians.org.uk",
        ),
        clock=clock,
        rng=random.Random(3),
        single_writer_cache=10_000,
    )
    result = run_demo(ledger, clock, registrants=250, years=3, seed=3, tick=False)
    assert result.refused == 0 and result.credentials > 0
    yield ledger
    ledger.close()


def test_every_award_renewal_and_reinstatement_in_the_demo_has_one_credential(demo_ledger):
    rows = credential_rows(demo_ledger)
    from ledger.processes.issuance import POSITION
    from ledger.read.projections.base import projection_positions

    with demo_ledger.engine.begin() as conn:  # read the whole log again: every trigger is accounted for
        conn.execute(projection_positions.delete().where(projection_positions.c.name == POSITION))
    again = CredentialIssuer(demo_ledger).catch_up()
    assert again.issued == 0
    assert again.already_issued == len(rows) and again.events == trigger_count(demo_ledger) > 200
    assert again.events - again.already_issued == again.erased  # only the erased person's, if they had any
    assert len({(r["registration_id"], r["trigger_version"]) for r in rows}) == len(rows)
    assert (
        {"award", "renewal", "reinstatement"}
        <= {r["trigger"] for r in rows}
        <= {
            "award",
            "renewal",
            "reinstatement",
            "lifted",
            "reissue",
        }
    )
    assert len({r["revocation_index"] for r in rows}) == len(rows)
    assert {r["suspension_index"] for r in rows} == {None}  # one status entry: no suspension index


def test_every_full_credential_validates_and_every_badge_fits_version_15(demo_ledger):
    open_badges = validator("standards/openbadges/ob_v3p0_achievementcredential_schema.json")
    vcdm = validator("standards/vcdm/verifiable-credential-schema.json")
    status_schema = json.loads(
        shared_file("standards/openbadges/ob_v3p0_achievementcredential_schema.json").read_text()
    )["$defs"]["CredentialStatus"]
    import jsonschema

    for row in credential_rows(demo_ledger):
        credential = demo_ledger._get(Credential, __import__("uuid").UUID(row["id"]), "credential")
        full, compact = open_token(demo_ledger, credential.full), open_token(demo_ledger, credential.compact)
        if full is None:
            continue  # the erased registrant's
        document = verify_full(full, demo_ledger)
        assert errors(vcdm, document) == []
        # Open Badges 3.0 allows one credentialStatus, an object: the register's one revocation entry
        assert errors(open_badges, document) == []
        jsonschema.validate(document["credentialStatus"], status_schema)
        assert document["credentialStatus"]["statusPurpose"] == "revocation"
        assert document["credentialStatus"]["statusListIndex"] == str(row["revocation_index"])
        assert document["credentialSubject"]["licenseNumber"] == row["number"]
        assert document["validUntil"].startswith(row["valid_until"].isoformat())
        claims = jwt.decode(
            compact,
            Keyring(demo_ledger).signing_key(row["kid"]).public_key,
            algorithms=["ES256"],
            options={"verify_exp": False, "verify_nbf": False},
        )
        assert long_id(claims["i"]) == document["id"] == f"urn:uuid:{credential.id}"
        assert claims["r"] == row["revocation_index"] and "s" not in claims
        url = f"https://register.creativetechnicians.org.uk/v#{compact}"
        assert qr_version(url) <= MAX_VERSION, (len(claims["n"]), len(url))


def test_badges_drawn_from_the_demo_read_back_exactly_with_zxing(demo_ledger):
    from PIL import Image

    numbers = sorted({r["number"] for r in credential_rows(demo_ledger)})
    for number in random.Random(1).sample(numbers, 12):
        try:
            shared = current_credential(demo_ledger, number)
        except Exception:  # the erased registrant's
            continue
        decoded = read_qr(Image.open(io.BytesIO(qr_png(shared.badge_url))))
        assert decoded == [shared.badge_url]


def test_a_crash_between_signing_and_recording_leaves_nothing_and_a_rerun_issues_each_once(make_ledger):
    ledger = make_ledger()
    for i in range(5):
        awarded(ledger, f"Person {i}")
    issuer = CredentialIssuer(ledger, batch_size=2)
    with pytest.raises(CrashForTest):
        issuer.catch_up(fail_after=2)
    assert len(credential_rows(ledger)) == 2
    again = CredentialIssuer(ledger).catch_up()
    assert again.issued == 3
    rows = credential_rows(ledger)
    assert len(rows) == 5 == trigger_count(ledger)
    # and from the start of the log, nothing is issued twice
    from ledger.processes.issuance import POSITION
    from ledger.read.projections.base import projection_positions

    with ledger.engine.begin() as conn:
        conn.execute(projection_positions.delete().where(projection_positions.c.name == POSITION))
    replay = CredentialIssuer(ledger).catch_up()
    assert (replay.issued, replay.already_issued) == (0, 5)
    assert len(credential_rows(ledger)) == 5


def test_racing_issuers_record_one_credential_per_award(make_ledger):
    first = make_ledger()
    for i in range(12):
        awarded(first, f"Person {i}")
    ledgers = [first, make_ledger()]
    Keyring(first).active()  # one key both issuers use
    results, failures = [], []

    def run(ledger):
        try:
            results.append(CredentialIssuer(ledger, batch_size=3).catch_up())
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sum(r.issued for r in results) == 12
    assert len(credential_rows(first)) == 12
    with first.engine.connect() as conn:
        assert conn.execute(select(func.count(func.distinct(credentials.c.registration_id)))).scalar() == 12


def revocation_index(ledger, number: str) -> int:
    return jwt.decode(current_credential(ledger, number).compact, options={"verify_signature": False})["r"]


def test_register_status_revokes_for_good_and_a_return_to_good_standing_issues_a_new_credential(ledger, clock):
    someone, number = awarded(ledger, "Sam Suspended")
    other, other_number = awarded(ledger, "Olu Other")
    issue_all(ledger)
    first, others = revocation_index(ledger, number), revocation_index(ledger, other_number)

    def revoked() -> set[int]:
        lists = published_bits(ledger)
        assert lists["suspension"].set_indexes() == []  # nothing holds a suspension index any more
        return set(lists["revocation"].set_indexes())

    assert revoked() == set()
    ledger.suspend(someone, "Under investigation.", "registrar")
    assert revoked() == {first}
    ledger.lift_suspension(someone, "registrar")
    assert revoked() == {first}  # revocation is for good: lifting the suspension does not clear it
    result = issue_all(ledger)
    assert result.issued == 1  # ... it calls for a new credential
    second = revocation_index(ledger, number)
    assert second != first and current_credential(ledger, number)._credential.trigger == "lifted"
    assert current_credential(ledger, number).payload["validFrom"].startswith(clock.today().isoformat())
    assert revoked() == {first}
    # lapse: past the due date and the grace period without renewing
    registration = ledger.registration(someone)
    clock.set(registration.valid_until + timedelta(days=ledger.framework.rules.grace_days + 1))
    ledger.lapse(someone)
    ledger.lapse(other)
    assert revoked() == {first, second, others}
    # reinstatement (with the PPD it needs) earns a new credential, which nothing revokes
    log_ppd(ledger, someone, ledger.framework.rules.ppd_categories[:3])
    ledger.reinstate(someone, "registrar")
    assert issue_all(ledger).issued == 1
    third = revocation_index(ledger, number)
    assert revoked() == {first, second, others}
    ledger.remove(someone, "Struck off by the conduct committee.", "registrar")
    assert revoked() == {first, second, third, others}


def test_a_lagging_issuer_revokes_what_it_signs_for_before_a_withdrawal(ledger):
    """The issuer may sign a credential after the registration has moved on: an award signed after a suspension
    that was then lifted is revoked; the lift's own credential is not."""
    someone, number = awarded(ledger)
    ledger.suspend(someone, "Under investigation.", "registrar")
    ledger.lift_suspension(someone, "registrar")
    assert issue_all(ledger).issued == 2
    award, lifted = sorted(credential_rows(ledger), key=lambda r: r["trigger_version"])
    assert (award["trigger"], lifted["trigger"]) == ("award", "lifted")
    assert set(published_bits(ledger)["revocation"].set_indexes()) == {award["revocation_index"]}


def test_a_credential_reissued_during_a_suspension_is_revoked_from_the_start(ledger):
    someone, number = awarded(ledger)
    issue_all(ledger)
    ledger.suspend(someone, "Under investigation.", "registrar")
    kid = current_credential(ledger, number)._credential.kid
    Keyring(ledger).mark_compromised(kid, ledger.clock.now() - timedelta(days=1))
    assert ledger.reissue_after_compromise(kid) == 0  # marking it compromised re-issued it, once
    assert issue_all(ledger).issued == 1
    rows = credential_rows(ledger)
    assert [r["trigger"] for r in sorted(rows, key=lambda r: r["trigger_version"])] == ["award", "reissue"]
    assert set(published_bits(ledger)["revocation"].set_indexes()) == {r["revocation_index"] for r in rows}
    ledger.lift_suspension(someone, "registrar")
    assert issue_all(ledger).issued == 1
    assert revocation_index(ledger, number) not in published_bits(ledger)["revocation"].set_indexes()


def test_a_suspension_lifted_after_the_renewal_date_calls_for_no_credential(ledger, clock):
    someone, number = awarded(ledger)
    issue_all(ledger)
    ledger.suspend(someone, "Under investigation.", "registrar")
    clock.set(ledger.registration(someone).valid_until + timedelta(days=3))
    ledger.lift_suspension(someone, "registrar")
    result = issue_all(ledger)
    assert (result.issued, result.past_due) == (0, 1)
    assert [r["trigger"] for r in credential_rows(ledger)] == ["award"]
    assert revocation_index(ledger, number) in published_bits(ledger)["revocation"].set_indexes()


def test_a_credential_issued_before_one_entry_keeps_its_suspension_bit_and_is_revoked_too(ledger):
    """A ``Credential.Issued`` recorded with a suspension index (as every credential was before the one-entry
    design): the suspension list still carries its bit while the registration is suspended, and the suspension
    revokes it like any other."""
    from uuid import uuid4

    from ledger.domain.aggregates import StatusIndexClaim
    from ledger.domain.sealed import Sealed

    someone, number = awarded(ledger)
    registration = ledger.registration(someone)
    now = ledger.clock.now()
    old_id = Credential.id_for(Registration.create_id(someone), 1)  # as if for the registration's first event
    legacy = Credential(
        registration_id=Registration.create_id(someone),
        registrant_id=someone,
        trigger="award",
        trigger_version=1,
        number=number,
        level="RCT",
        kid="legacy",
        revocation_index=11,
        suspension_index=22,
        valid_from=ledger.clock.today(),
        valid_until=registration.valid_until,
        full=Sealed(uuid4(), b""),
        compact=Sealed(uuid4(), b""),
        sha256="0" * 64,
        occurred_at=now,
    )
    assert legacy.id == old_id
    claims = [
        StatusIndexClaim(purpose=p, index=i, credential_id=old_id, occurred_at=now)
        for p, i in (("revocation", 11), ("suspension", 22))
    ]
    ledger._commit(legacy, *claims)
    lists = published_bits(ledger)
    assert (lists["revocation"].get(11), lists["suspension"].get(22)) == (False, False)
    ledger.suspend(someone, "Under investigation.", "registrar")
    lists = published_bits(ledger)
    assert (lists["revocation"].get(11), lists["suspension"].get(22)) == (True, True)
    ledger.lift_suspension(someone, "registrar")
    lists = published_bits(ledger)
    assert (lists["revocation"].get(11), lists["suspension"].get(22)) == (True, False)


def test_renewal_issues_a_credential_valid_until_the_new_due_date(ledger, clock):
    someone, number = awarded(ledger)
    registration = ledger.registration(someone)
    clock.set(registration.valid_until - timedelta(days=20))
    log_ppd(ledger, someone, ledger.framework.rules.ppd_categories[:3])
    ledger.submit_renewal(someone)
    new_due = ledger.renew(someone, "registrar")
    result = issue_all(ledger)
    assert result.issued == 2
    document = current_credential(ledger, number).payload
    assert document["validUntil"].startswith(new_due.isoformat())
    assert document["validFrom"].startswith(clock.today().isoformat())


def test_an_erased_registrant_gets_no_credential_and_their_issued_one_cannot_be_read(ledger):
    someone, number = awarded(ledger)
    issue_all(ledger)
    ledger.erase(someone, "registrar")
    from ledger.domain.errors import RuleBroken

    ProjectionRunner(ledger).catch_up()
    with pytest.raises(RuleBroken, match="erased"):
        current_credential(ledger, number)
    late, _ = awarded(ledger, "Late Person")
    ledger.erase(late, "registrar")
    assert issue_all(ledger).erased == 1


def test_no_private_key_material_is_in_any_event(ledger):
    awarded(ledger)
    keyring = Keyring(ledger)
    issue_all(ledger)
    Publisher(ledger).trust_bundle()
    secrets = []
    from credentials.keys import b64url

    for record in keyring.records():
        key = keyring.signing_key(record.kid)
        numbers = key.private_key.private_numbers()
        if hasattr(numbers, "private_value"):  # EC
            secrets.append(b64url(numbers.private_value.to_bytes(32, "big")).encode())
        else:  # RSA: the private exponent and the primes
            secrets += [b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")).encode() for n in (numbers.d, numbers.p)]
    assert len(secrets) == 4  # the issuer's badge key and root key (EC), the issuer's OB 3.0 key (RSA: d and p)
    stored = b"".join(bytes(n.state) for n in ledger.recorder.select_notifications(start=None, limit=10**6))
    assert stored and not any(secret in stored for secret in secrets)


def test_issuance_events_carry_what_the_issue_names(ledger):
    someone, number = awarded(ledger)
    issue_all(ledger)
    row = credential_rows(ledger)[0]
    credential = ledger._get(Credential, __import__("uuid").UUID(row["id"]), "credential")
    full = open_token(ledger, credential.full)
    import hashlib

    compact = open_token(ledger, credential.compact)
    assert credential.sha256 == hashlib.sha256(f"{full}\n{compact}".encode()).hexdigest()
    assert len(credential.full.blob) < len(full) / 2  # kept decoded and compressed
    assert (credential.number, credential.level, credential.registrant_id) == (number, "RCT", someone)
    assert credential.kid == jwt.get_unverified_header(full)["kid"]
    assert credential.registration_id == Registration.create_id(someone)


def test_tokens_are_kept_packed_and_come_back_byte_for_byte():
    from credentials.jwt_sign import sign_jws
    from credentials.keys import generate_key

    for alg in ("ES256", "EdDSA", "RS256"):
        token = sign_jws({"name": "Siân", "n": list(range(50))}, generate_key(alg), typ="vc+jwt")
        assert unpack_token(pack_token(token)) == token
    assert unpack_token(b"eyJhbGciOiJub25lIn0.e30.") == "eyJhbGciOiJub25lIn0.e30."  # a token kept as text
    with pytest.raises(ValueError):
        pack_token("eyJ=.e30.AAAA")


def test_a_withdrawn_credential_is_never_offered_for_sharing_while_its_successor_is_signed(ledger):
    from ledger.domain.errors import Conflict
    from ledger.read.sharing import shareable_credential

    someone, number = awarded(ledger)
    issue_all(ledger)
    assert not shareable_credential(ledger, number).withdrawn
    ledger.suspend(someone, "Under investigation.", "registrar")
    ledger.lift_suspension(someone, "registrar")
    ProjectionRunner(ledger).catch_up()  # the register is current again; the issuer has not run yet
    assert current_credential(ledger, number).withdrawn
    with pytest.raises(Conflict, match="signing a new one .* try again in a minute"):
        shareable_credential(ledger, number)
    issue_all(ledger)
    shared = shareable_credential(ledger, number)
    assert not shared.withdrawn and shared._credential.trigger == "lifted"
