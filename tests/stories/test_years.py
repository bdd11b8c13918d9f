"""Years of simulated time under the daily tick, with an injectable clock: Rhys renews every year; Lena lets her
registration lapse and is reinstated with the PPD she missed; Dara is audited, deferred, and accepted on a better
profile; Ari is audited, decided 'not renewed', appeals and keeps the registration while the appeal is heard, and
the appeal is upheld; Noor is 'not renewed' and does not appeal, so the tick lapses her when the window closes. At
each step the credential a client holds is checked with the offline verifier against the published trust bundle
and status lists, and at the end a rebuild reproduces every read model."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from ledger.processes.issuance import CredentialIssuer
from ledger.processes.publication import Publisher
from ledger.processes.tick import Ticker
from ledger.read.projections import ALL_PROJECTIONS
from ledger.read.projections.runner import ProjectionRunner
from ledger.read.sharing import current_credential
from tests.builders.records import assessors, awarded
from verifier import load_trust, verify
from verifier.checks import NO_SUSPENSION_ENTRY

START = date(2026, 1, 5)
AUDIT_YEAR = 2028


class Life:
    def __init__(self, ledger, clock):
        self.ledger, self.clock = ledger, clock
        self.ticker = Ticker(ledger)
        self.rules = ledger.framework.rules
        self.pair = assessors(ledger)
        self.people = {name: awarded(ledger, name, pair=self.pair) for name in ("Rhys", "Lena", "Dara", "Ari", "Noor")}
        self.ticker.run_until(clock.today(), start=clock.today())

    def who(self, name):
        return self.people[name][0]

    def until(self, day: date) -> None:
        """The tick closes every day up to ``day``; the clock is left on ``day`` at noon for people to act."""
        self.ticker.run_until(day)
        self.clock.set(datetime.combine(day, time(12), UTC))

    def ppd(self, name, days_ago=(20, 40, 60)):
        for days, category in zip(days_ago, self.rules.ppd_categories, strict=False):
            self.ledger.record_ppd(
                self.who(name),
                self.clock.today() - timedelta(days=days),
                category,
                6,
                ["A"],
                "Learned a thing.",
                "Changed a practice.",
            )

    def renew(self, name) -> None:
        """PPD through the year, then the renewal declared 30 days before it is due; the tick renews it."""
        due = self.ledger.registration(self.who(name)).valid_until
        self.until(due - timedelta(days=30))
        self.ppd(name)
        self.ledger.submit_renewal(self.who(name))

    def verdict(self, name):
        """What an employer's offline verifier says today about the credential the person holds."""
        CredentialIssuer(self.ledger).catch_up()
        ProjectionRunner(self.ledger).catch_up()
        shared = current_credential(self.ledger, self.people[name][1])
        return self.check(shared.full), shared

    def check(self, token: str):
        """What the offline verifier says today about ``token`` (a credential someone kept), against the trust
        bundle and status lists published now."""
        ProjectionRunner(self.ledger).catch_up()
        publisher = Publisher(self.ledger)
        trust = load_trust(publisher.trust_bundle(), root=publisher.root_jwk(), at=self.clock.now())
        return verify(token, trust, at=self.clock.now())

    def status(self, name):
        return self.ledger.registration(self.who(name)).status

    def audit(self, name, judgements, outcome, reasons=""):
        ledger, person = self.ledger, self.who(name)
        registration = ledger.registration(person)
        recent = [str(a["id"]) for a in registration.ppd][-3:]
        ledger.submit_audit_profile(person, AUDIT_YEAR, "Touring work.", "How my PPD meets the standards.", recent)
        if ledger.ppd_audit(person, AUDIT_YEAR).assessor_id is None:
            ledger.assign_audit_assessor(person, AUDIT_YEAR, self.pair[0], "registrar")
        ledger.judge_audit(
            person,
            AUDIT_YEAR,
            self.pair[0],
            {s: judgements.get(s, "met") for s in self.rules.audit_standards},
            "Feedback.",
        )
        ledger.decide_audit(person, AUDIT_YEAR, outcome, reasons, "registrar")


def assert_revoked_and_no_suspension_entry(verdict) -> None:
    """The credential's one status entry is set in the revocation list; the suspension check is not made."""
    checks = {c.name: c for c in verdict.checks}
    assert checks["revocation"].outcome == "fail" and checks["revocation"].reason.startswith("revoked (status as of ")
    assert (checks["suspension"].outcome, checks["suspension"].reason) == ("not checked", NO_SUSPENSION_ENTRY)


@pytest.fixture
def life(make_ledger, clock):
    return Life(make_ledger(clock=clock, rng=random.Random(11)), clock)


def test_five_people_over_three_years(life):
    ledger, rules = life.ledger, life.rules
    first, _ = life.verdict("Rhys")
    assert first.valid, first.summary

    # year one: four renew (the tick approves each on its due date); Lena does not
    for name in ("Rhys", "Dara", "Ari", "Noor"):
        life.renew(name)
    due = ledger.registration(life.who("Lena")).valid_until
    life.until(due + timedelta(days=rules.grace_days + 1))
    assert life.status("Lena") == "lapsed"
    lapsed, kept = life.verdict("Lena")
    assert not lapsed.valid  # past its validUntil, and its revocation bit set by the lapse (its one status entry)
    assert [c.name for c in lapsed.checks if c.outcome == "fail"] == ["validity", "revocation"]
    assert_revoked_and_no_suspension_entry(lapsed)
    renewed, shared = life.verdict("Rhys")
    assert renewed.valid and shared.payload["validUntil"].startswith(
        ledger.registration(life.who("Rhys")).valid_until.isoformat()
    )

    # Lena comes back within 12 months with the PPD she missed: reinstated, a new credential, valid again
    life.until(life.clock.today() + timedelta(days=100))
    life.ppd("Lena", (5, 10, 15))
    ledger.reinstate(life.who("Lena"), "registrar")
    back, anew = life.verdict("Lena")
    assert back.valid, back.summary
    assert anew.credential_id != kept.credential_id
    assert ledger.repository.get(anew.credential_id).trigger == "reinstatement"
    # the lapse revoked the credential she held for good: the reinstatement issued a new one, it did not clear a bit
    old = life.check(kept.full)
    assert [c.name for c in old.checks if c.outcome == "fail"] == ["validity", "revocation"]
    assert_revoked_and_no_suspension_entry(old)

    # year two: the other four renew again (Lena's new year runs from her reinstatement)
    for name in ("Rhys", "Dara", "Ari", "Noor"):
        life.renew(name)

    # 2028 audit: Dara, Ari and Noor are selected (by the tick's own command, as the 1 January sample would)
    life.until(date(AUDIT_YEAR, 1, 1))
    for name in ("Dara", "Ari", "Noor"):
        ledger.select_for_audit(life.who(name), AUDIT_YEAR, "recorded-seed")
    life.until(date(AUDIT_YEAR, 1, 20))
    life.audit("Dara", {"mix": "not_met"}, "deferred", "Show a mix of activities.")
    life.audit("Ari", {"practice": "not_met"}, "not_renewed", "Practice not shown.")
    life.audit("Noor", {"record": "not_met", "benefit": "not_met"}, "not_renewed", "Two standards not met.")

    life.until(date(AUDIT_YEAR, 2, 5))
    ledger.appeal_audit(life.who("Ari"), AUDIT_YEAR, "The assessor missed page two.")
    life.ppd("Dara", (1, 2, 3))
    life.audit("Dara", {}, "accepted")
    assert ledger.ppd_audit(life.who("Dara"), AUDIT_YEAR).stage == "accepted"

    # past the appeal window: Noor lapses by the tick; Ari, appealing, keeps the registration and the credential
    life.until(date(AUDIT_YEAR, 2, 25))
    assert life.status("Noor") == "lapsed" and ledger.ppd_audit(life.who("Noor"), AUDIT_YEAR).stage == "ended"
    noor = life.verdict("Noor")[0]
    assert not noor.valid and [c.name for c in noor.checks if c.outcome == "fail"] == ["revocation"]
    assert_revoked_and_no_suspension_entry(noor)
    assert life.status("Ari") == "registered" and life.verdict("Ari")[0].valid
    ledger.decide_audit_appeal(life.who("Ari"), AUDIT_YEAR, True, "Page two shows the standard.", "panel")
    assert ledger.ppd_audit(life.who("Ari"), AUDIT_YEAR).stage == "accepted"

    # Lena renews on her own cycle; then year three: the audited who stayed renew as usual
    for name in ("Lena", "Rhys", "Dara", "Ari"):
        life.renew(name)
    life.until(life.clock.today() + timedelta(days=60))
    for name in ("Rhys", "Dara", "Ari", "Lena"):
        verdict, shared = life.verdict(name)
        assert verdict.valid and life.status(name) == "registered", (name, verdict.summary)
    rhys = ledger.registration(life.who("Rhys"))
    assert rhys.valid_until.year == START.year + 4  # awarded, then renewed three times: never lapsed

    # letters went out for every turn, and a rebuild reproduces every read model
    from ledger.read.projections.outbox import outbox

    runner = ProjectionRunner(ledger)
    runner.catch_up()
    with ledger.engine.connect() as conn:
        letters = {r.kind for r in conn.execute(select(outbox.c.kind))}
    assert {"renewal reminder", "renewal confirmation", "overdue notice", "lapse notice", "audit letter"} <= letters

    def snapshot():
        with ledger.engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t)))) for p in ALL_PROJECTIONS for t in p.tables}

    before = snapshot()
    runner.rebuild()
    assert snapshot() == before
