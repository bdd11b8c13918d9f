"""The daily tick over simulated time: reminders, overdue, lapse after the grace period, suspensions that end by
themselves, the seeded PPD audit sample; a day closes once, and a gap is caught up day by day."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.domain.aggregates import Day, Registration
from ledger.processes.tick import Ticker, audit_sample
from tests.builders.records import awarded


def kinds(ledger, registrant) -> list[str]:
    stored = ledger.recorder.select_events(Registration.create_id(registrant))
    return [e.topic.rsplit(".", 1)[1] for e in stored]


def test_reminders_overdue_and_lapse_each_on_their_day_and_once(ledger, clock):
    someone, _ = awarded(ledger)
    due = ledger.registration(someone).valid_until
    ticker = Ticker(ledger)
    results = ticker.run_until(due + timedelta(days=31), start=clock.today())
    history = kinds(ledger, someone)
    assert history.count("ReminderSent") == 4 and history.count("MarkedOverdue") == 1
    assert history[-1] == "Lapsed" and ledger.registration(someone).status == "lapsed"
    days = {r.day: r for r in results}
    assert [d for d, r in days.items() if r.reminders] == [due - timedelta(days=n) for n in (90, 60, 30, 7)]
    assert days[due + timedelta(days=1)].overdue == 1 and days[due + timedelta(days=31)].lapsed == 1
    assert sum(r.lapsed for r in results) == 1
    again = ticker.run_until(due + timedelta(days=31), start=due + timedelta(days=25))
    assert all(r.already_closed for r in again) and kinds(ledger, someone) == history


def test_a_gap_is_caught_up_day_by_day(ledger, clock):
    someone, _ = awarded(ledger)
    ticker = Ticker(ledger)
    ticker.run_until(clock.today())  # the first day ever closed
    later = clock.today() + timedelta(days=100)
    results = ticker.run_until(later)
    assert [r.day for r in results] == [
        date.fromordinal(d) for d in range(results[0].day.toordinal(), later.toordinal() + 1)
    ]
    assert results[0].day == results[-1].day - timedelta(days=99)
    assert all(ledger._exists(Day.id_for(r.day)) for r in results)


def test_a_time_limited_suspension_ends_by_itself(ledger, clock):
    someone, number = awarded(ledger)
    until = clock.today() + timedelta(days=20)
    ledger.suspend(someone, "Until the review.", "registrar", until=until)
    ticker = Ticker(ledger)
    ticker.run_until(until - timedelta(days=1), start=clock.today())
    assert ledger.registration(someone).status == "suspended"
    ticker.run_until(until)
    assert ledger.registration(someone).status == "registered"
    assert kinds(ledger, someone)[-1] == "SuspensionLifted"


def test_the_audit_sample_is_drawn_on_new_years_day_from_a_recorded_seed(ledger, clock):
    people = [awarded(ledger, f"Person {i}") for i in range(12)]
    ticker = Ticker(ledger)
    # keep everyone registered for more than two years: renewals go through
    new_year = date(clock.today().year + 3, 1, 1)
    for person, _ in people:
        registration = ledger.registration(person)
        while registration.valid_until < new_year:
            clock.set(registration.valid_until - timedelta(days=20))
            from tests.builders.records import log_ppd

            log_ppd(ledger, person, ledger.framework.rules.ppd_categories[:3])
            ledger.submit_renewal(person)
            ledger.renew(person, "registrar")
            registration = ledger.registration(person)
    clock.set(new_year - timedelta(days=1))
    result = ticker.run_until(new_year, start=new_year)[0]
    assert result.audit_seed and len(result.audit_selected) == 1  # 2.5% of 12, rounded up
    closed = ledger.repository.get(Day.id_for(new_year))
    assert closed.audit_seed == result.audit_seed
    numbers = sorted(number for _, number in people)
    assert audit_sample(numbers, closed.audit_seed, ledger.framework.rules.audit_sample_rate) == result.audit_selected
    selected = next(person for person, number in people if number == result.audit_selected[0])
    assert kinds(ledger, selected)[-1] == "SelectedForAudit"


def test_rebuild_reproduces_the_read_models_after_ticking(ledger, clock):
    from sqlalchemy import select

    from ledger.read.projections.register import registrations
    from ledger.read.projections.renewals import renewals
    from ledger.read.projections.runner import ProjectionRunner

    for i in range(3):
        awarded(ledger, f"Person {i}")
    Ticker(ledger).run_until(clock.today() + timedelta(days=400), start=clock.today())
    runner = ProjectionRunner(ledger)
    runner.catch_up()

    def snapshot():
        with ledger.engine.connect() as conn:
            return (
                sorted(map(tuple, conn.execute(select(registrations)))),
                sorted(map(tuple, conn.execute(select(renewals)))),
            )

    before = snapshot()
    runner.rebuild()
    assert snapshot() == before and any(row[4] == "lapsed" for row in before[0])


def test_the_service_closes_today_by_itself(ledger):
    """The in-process worker of the embedded default closes the register's today (by the register's clock)."""
    import time as _time

    from fastapi.testclient import TestClient

    from ledger.api.main import create_app

    awarded(ledger)
    today = ledger.clock.now().date()
    with TestClient(create_app(ledger, worker="all")):
        deadline = _time.monotonic() + 20
        while not ledger._exists(Day.id_for(today)) and _time.monotonic() < deadline:
            _time.sleep(0.2)
    assert ledger._exists(Day.id_for(today))


def test_a_renewal_declared_then_suspended_through_its_year_lapses_instead_of_renewing(ledger, clock):
    from ledger.domain.errors import RuleBroken
    from tests.builders.records import log_ppd

    someone, _ = awarded(ledger)
    due = ledger.registration(someone).valid_until
    clock.set(due - timedelta(days=20))
    log_ppd(ledger, someone, ledger.framework.rules.ppd_categories[:3])
    ledger.submit_renewal(someone)
    ledger.suspend(someone, "Investigation.", "registrar")  # suspended before the tick could renew it
    clock.set(due + timedelta(days=400))
    ledger.lift_suspension(someone, "registrar")  # the year the renewal would have covered is over
    try:
        ledger.renew(someone, "registrar")
        raise AssertionError("an expired declaration was approved")
    except RuleBroken as error:
        assert "lapses" in str(error)
    result = Ticker(ledger).run_until(clock.today() + timedelta(days=1), start=clock.today())
    assert sum(r.lapsed for r in result) == 1 and sum(r.renewed for r in result) == 0
    registration = ledger.registration(someone)
    assert registration.status == "lapsed" and registration.renewal_pending is None


def test_a_tick_after_a_gap_of_years_carries_on_from_the_last_closed_day(ledger, clock):
    ticker = Ticker(ledger)
    first = clock.today()
    ticker.run_until(first)
    later = first + timedelta(days=450)  # longer than the 400-day look-back the tick once made
    results = ticker.run_until(later)
    assert len(results) == 450 and results[0].day == first + timedelta(days=1)
    assert ticker.last_closed() == later
