"""The suppression rules, one cell at a time, and the grid of periods that makes differencing fail: any two
reports - two date ranges, an earlier and a later release - differ by whole blocks of records, never by a few."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.reports.progression import suppression
from ledger.reports.progression.suppression import (
    MIN_BLOCK,
    Figure,
    grid,
    last_reportable_day,
    quarter_end,
    quarter_start,
)

TODAY = date(2026, 11, 23)
DAYS = st.dates(min_value=date(2022, 1, 1), max_value=TODAY)
ASKED = st.one_of(st.none(), st.dates(min_value=date(2021, 6, 1), max_value=date(2027, 6, 1)))


# -- one cell
@given(st.integers(min_value=0, max_value=100_000))
def test_counts_round_to_the_nearest_five_and_small_ones_to_zero(n):
    shown = suppression.round_count(n)
    assert shown % 5 == 0
    if n < 2.5:
        assert shown == 0
    else:
        assert abs(shown - n) <= 2.5
    assert suppression.round_count(n + 1) >= shown  # monotone


def test_the_hesa_examples():
    assert [suppression.round_count(n) for n in (0, 1, 2, 3, 7, 8, 12, 13, 22, 23, 1002)] == [
        0,
        0,
        0,
        5,
        5,
        10,
        10,
        15,
        20,
        25,
        1000,
    ]


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6), st.data())
def test_percentages_come_from_rounded_counts_and_need_a_base_the_rounding_proves_is_22_5(atoms, data):
    """A base made of rounded atoms: a percentage shows only if the atoms, as rounded, guarantee 23 or more people
    (so it is never shown on a raw base under 22.5), and its value is worked out from the rounded counts."""
    parts = [data.draw(st.integers(min_value=0, max_value=n)) for n in atoms]
    base = suppression.total(suppression.count(n) for n in atoms)
    part = suppression.total(suppression.count(n) for n in parts)
    figure = suppression.percentage(part, base)
    assert base.floor <= sum(atoms)  # the floor never claims more people than there are
    if figure.suppressed:
        assert figure.shown == "suppressed" and figure.value is None and "22.5" in figure.reason
        assert base.floor < 22.5
    else:
        assert sum(atoms) >= 22.5
        assert figure.value == round(100 * part.value / base.value)  # nothing finer than the counts shown
    if len(atoms) == 1:  # one atom: exactly the HESA rule
        assert figure.suppressed == (atoms[0] < 22.5)


def test_averages_need_more_than_seven():
    assert suppression.average([12.0] * 7, suppression.count(7)).suppressed
    assert suppression.average([12.0] * 7, suppression.count(7)).shown == "suppressed"
    assert not suppression.average([12.0] * 8, suppression.count(8)).suppressed  # 8 shows as 10: at least 8
    eight = suppression.average([10.0] * 4 + [14.0] * 4, suppression.count(8), "months")
    assert not eight.suppressed and eight.value == 12.0 and eight.shown == "12.0 months"


def test_a_total_is_the_sum_of_the_parts_shown():
    parts = [suppression.count(n) for n in (22, 1, 1, 1)]  # 20, 0, 0, 0 as shown
    assert suppression.total(parts).value == 20  # not round(25) = 25: total minus parts reveals nothing
    assert suppression.points(Figure("percent", 40), Figure("percent", 52)).value == -12
    small = suppression.percentage(suppression.count(1), suppression.count(3))
    assert small.suppressed and suppression.points(small, Figure("percent", 52)).suppressed


# -- the grid
def test_quarters_and_the_settling_time():
    assert quarter_start(date(2026, 5, 17)) == date(2026, 4, 1)
    assert quarter_end(date(2026, 5, 17)) == date(2026, 6, 30)
    assert quarter_end(date(2026, 12, 1)) == date(2026, 12, 31)
    assert last_reportable_day(date(2026, 11, 23)) == date(2026, 9, 30)
    assert last_reportable_day(date(2026, 10, 20)) == date(2026, 6, 30)  # Q3 has not settled yet
    assert last_reportable_day(date(2026, 10, 31)) == date(2026, 9, 30)


def _records_in(dates: list[date], start: date, end: date) -> int:
    return sum(1 for d in dates if start <= d <= end)


@settings(max_examples=200, deadline=None)
@given(st.lists(DAYS, max_size=400), st.lists(st.tuples(ASKED, ASKED), min_size=2, max_size=6))
def test_any_two_reports_differ_by_no_records_or_by_a_whole_block(dates, asked):
    """The differencing attack, on the grid: whatever dates two reports ask for, the records one counts and the
    other does not are none, or at least MIN_BLOCK."""
    found = grid(dates, TODAY)
    for block in found.blocks:
        assert block.records == 0 or block.records >= MIN_BLOCK
        assert block.start == quarter_start(block.start) and block.end == quarter_end(block.end)
        assert _records_in(dates, block.start, block.end) == block.records
    for before, after in zip(found.blocks, found.blocks[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
    if found.blocks:
        assert found.blocks[-1].end <= last_reportable_day(TODAY)
    periods = [found.snap(a, b) for a, b in asked] + [found.snap(None, None)]
    for period in periods:
        if period is None:
            continue
        assert any(b.start == period.start for b in found.blocks) and any(b.end == period.end for b in found.blocks)
    for one in periods:
        for other in periods:
            if one is None or other is None:
                continue
            only_one = sum(1 for d in dates if one.holds(d) and not other.holds(d))
            only_other = sum(1 for d in dates if other.holds(d) and not one.holds(d))
            for difference in (only_one, only_other):
                assert difference == 0 or difference >= MIN_BLOCK, (one, other, difference)


@settings(max_examples=100, deadline=None)
@given(st.lists(DAYS, max_size=300), st.integers(min_value=1, max_value=700))
def test_a_later_release_keeps_every_earlier_block_and_adds_whole_ones(dates, days_later):
    """Successive releases: what is reported today stays as it is, and a later report adds whole blocks only."""
    earlier_day = TODAY - timedelta(days=days_later)
    known_then = [d for d in dates if d <= earlier_day]  # records carry the day they were recorded, or earlier
    earlier, later = grid(known_then, earlier_day), grid(dates, TODAY)
    assert later.blocks[: len(earlier.blocks)] == earlier.blocks
    for block in later.blocks[len(earlier.blocks) :]:
        assert block.records == 0 or block.records >= MIN_BLOCK


def test_one_late_record_waits_for_its_block():
    dates = [date(2025, 1, 10)] * 30 + [date(2026, 8, 1)]
    found = grid(dates, TODAY)
    assert [b.records for b in found.blocks if b.records] == [30]
    assert found.withheld == 1 and found.withheld_from == date(2026, 7, 1)  # empty quarters are blocks of 0
    assert found.snap(date(2026, 7, 1), None) is None  # only the one record there: nothing to report
    assert found.snap(None, date(2026, 9, 30)) == found.snap(None, None)
    # and the current quarter is never reported, however many records it holds
    assert grid([date(2026, 10, 5)] * 100, TODAY).blocks == ()


def test_dates_snap_outwards_to_whole_blocks():
    dates = [date(2025, 2, 1)] * 10 + [date(2025, 5, 1)] * 20 + [date(2025, 8, 1)] * 30
    found = grid(dates, TODAY)
    assert [(b.label, b.records) for b in found.blocks if b.records] == [("2025 Q1 to 2025 Q2", 30), ("2025 Q3", 30)]
    period = found.snap(date(2025, 5, 15), date(2025, 5, 20))
    assert (period.start, period.end) == (date(2025, 1, 1), date(2025, 6, 30))
    assert found.snap(date(2025, 9, 1), date(2025, 3, 1)) is None
