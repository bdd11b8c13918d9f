"""Casework and renewals read models answer the registrar's questions."""

from __future__ import annotations

from datetime import timedelta

from ledger.read.projections.base import key
from ledger.read.projections.casework import casework_counts, casework_queue
from ledger.read.projections.renewals import lapsed, ppd_summary, renewals_due, renewals_overdue
from ledger.read.projections.runner import ProjectionRunner
from tests.builders.records import assessed, assessors, awarded, enrol, log_ppd, start, submitted


def test_casework_by_state_and_by_assessor(ledger, clock):
    pair = assessors(ledger, 3)
    draft = start(ledger, enrol(ledger, "Ann Draft"))
    waiting = submitted(ledger, enrol(ledger, "Bob Waiting"))
    clock.advance(timedelta(hours=1))
    in_hand = submitted(ledger, enrol(ledger, "Cat InHand"))
    ledger.assign_assessor(in_hand, pair[0], "No conflict.")
    ledger.assign_assessor(in_hand, pair[1], "No conflict.")
    done = submitted(ledger, enrol(ledger, "Dan Done"))
    assessed(ledger, done, [pair[1], pair[2]])
    ledger.decide(done, "award", "", "registrar")
    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        assert casework_counts(conn) == {"draft": 1, "submitted": 2, "decided": 1}
        assert [r["id"] for r in casework_queue(conn, status="submitted")] == [key(waiting), key(in_hand)]
        assert [r["id"] for r in casework_queue(conn, assessor=key(pair[0]))] == [key(in_hand)]
        assert {r["id"] for r in casework_queue(conn, assessor=key(pair[1]))} == {key(in_hand), key(done)}
        [decided] = casework_queue(conn, status="decided")
        assert decided["outcome"] == "award" and decided["assessments"] == 2
        assert [r["id"] for r in casework_queue(conn, status="draft")] == [key(draft)]


def test_renewals_due_overdue_and_lapsed(ledger, clock):
    early, _ = awarded(ledger, "Eve Early")
    clock.advance(timedelta(days=100))
    late, _ = awarded(ledger, "Fred Late")
    log_ppd(ledger, late, ["work_based", "formal"], days_ago=1)
    runner = ProjectionRunner(ledger)
    clock.advance(timedelta(days=240))  # Eve's year ends in 25 days, Fred's in 125
    runner.catch_up()
    eve = key(ledger.registration(early).id)
    fred = key(ledger.registration(late).id)
    with ledger.engine.connect() as conn:
        assert [r["id"] for r in renewals_due(conn, clock.today())] == [eve]
        assert renewals_overdue(conn, clock.today()) == []
        assert ppd_summary(conn, fred, clock.today() - timedelta(days=365)) == {"work_based": 6.0, "formal": 6.0}
    clock.advance(timedelta(days=60))
    ledger.lapse(early)
    runner.catch_up()
    with ledger.engine.connect() as conn:
        assert [r["id"] for r in lapsed(conn)] == [eve]
        assert [r["id"] for r in renewals_due(conn, clock.today())] == [fred]
    clock.advance(timedelta(days=70))
    with ledger.engine.connect() as conn:
        assert [r["id"] for r in renewals_overdue(conn, clock.today())] == [fred]
