"""Reporting periods: what each preset means on a given day, and the period it is compared with."""
import datetime as dt

import pytest

from kam.periods import PRESETS, Period, resolve

D = dt.date
MAY_20 = D(2026, 5, 20)


@pytest.mark.parametrize("preset, start, end", [
    ("this_month", D(2026, 5, 1), MAY_20),
    ("last_month", D(2026, 4, 1), D(2026, 4, 30)),
    ("this_quarter", D(2026, 4, 1), MAY_20),
    ("last_quarter", D(2026, 1, 1), D(2026, 3, 31)),
    ("year_to_date", D(2026, 1, 1), MAY_20),
    ("last_12_months", D(2025, 6, 1), MAY_20),
    ("last_year", D(2025, 1, 1), D(2025, 12, 31)),
])
def test_each_preset_on_the_twentieth_of_may(preset, start, end):
    period = resolve(preset, MAY_20)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("preset, start, end", [
    ("this_month", D(2026, 4, 1), D(2026, 4, 20)),           # the same days of the month before
    ("last_month", D(2026, 3, 1), D(2026, 3, 31)),           # a whole month: the whole month before
    ("this_quarter", D(2026, 1, 1), D(2026, 2, 20)),         # the same days of the quarter before
    ("last_quarter", D(2025, 10, 1), D(2025, 12, 31)),
    ("year_to_date", D(2025, 1, 1), D(2025, 5, 20)),
    ("last_12_months", D(2024, 6, 1), D(2025, 5, 20)),
    ("last_year", D(2024, 1, 1), D(2024, 12, 31)),
])
def test_each_preset_is_compared_with_the_same_stretch_one_step_earlier(preset, start, end):
    before = resolve(preset, MAY_20).previous()
    assert (before.start, before.end) == (start, end)


def test_a_month_end_stays_a_month_end_in_the_month_before():
    assert resolve("last_month", D(2026, 3, 15)).previous() == Period(D(2026, 1, 1), D(2026, 1, 31), 1)
    assert resolve("this_month", D(2026, 3, 31)).previous() == Period(D(2026, 2, 1), D(2026, 2, 28), 1)
    assert resolve("this_month", D(2024, 3, 30)).previous().end == D(2024, 2, 29)  # no 30 February
    assert resolve("last_quarter", D(2026, 8, 1)).previous() == Period(D(2026, 1, 1), D(2026, 3, 31), 3)


def test_a_leap_day_is_compared_with_the_last_day_of_february_before():
    assert resolve("year_to_date", D(2028, 2, 29)).previous().end == D(2027, 2, 28)


def test_a_custom_period_is_compared_with_as_many_days_just_before_it():
    period = resolve("custom", MAY_20, D(2026, 3, 10), D(2026, 3, 19))
    before = period.previous()
    assert before == Period(D(2026, 2, 28), D(2026, 3, 9))
    assert before.days == period.days == 10


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "custom"])
def test_every_preset_on_every_day_of_three_years_is_a_proper_period_with_an_earlier_twin(preset):
    day = D(2023, 1, 1)
    while day <= D(2025, 12, 31):
        period = resolve(preset, day)
        before = period.previous()
        assert period.start <= period.end <= day
        assert before.start <= before.end < period.start, (preset, day)
        assert before.start.day == period.start.day == 1
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("preset, start, end", [
    ("custom", None, None), ("custom", D(2026, 3, 1), None),
    ("custom", D(2026, 3, 2), D(2026, 3, 1)),  # ends before it starts
    ("next_decade", None, None),
])
def test_unreadable_periods_are_refused(preset, start, end):
    with pytest.raises(ValueError):
        resolve(preset, MAY_20, start, end)


def test_a_period_counts_both_of_its_ends():
    assert Period(D(2026, 1, 1), D(2026, 1, 1)).days == 1
    assert str(Period(D(2026, 1, 1), D(2026, 1, 31))) == "2026-01-01 – 2026-01-31"
