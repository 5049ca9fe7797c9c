"""The shared filters: a bookmarked address opens the same view, and the view says what it shows."""
import datetime as dt

import pytest

from kam.filters import Filters
from kam.i18n import translator
from kam.periods import DEFAULT_PRESET, PRESETS, resolve

TODAY = dt.date(2026, 8, 14)


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "custom"])
def test_a_preset_view_survives_the_round_trip_through_the_address(preset):
    shown = Filters(resolve(preset, TODAY), preset, regions=("华东", "West"), managers=("Li Na",),
                    tiers=("important", "potential"))
    params = shown.to_params()
    assert "start" not in params  # a preset is kept by name, so next month it means next month's period
    assert Filters.from_params(params, TODAY) == shown


def test_a_custom_period_keeps_its_dates_in_the_address():
    shown = Filters(resolve("custom", TODAY, dt.date(2025, 10, 1), dt.date(2026, 3, 31)), "custom")
    params = shown.to_params()
    assert params == {"period": "custom", "start": "2025-10-01", "end": "2026-03-31"}
    assert Filters.from_params(params, dt.date(2030, 1, 1)) == shown


def test_a_meeting_link_opens_the_east_region_last_quarter():
    opened = Filters.from_params({"region": "East", "period": "last_quarter"}, TODAY)
    assert opened.regions == ("East",) and opened.managers == () and opened.tiers == ()
    assert (opened.period.start, opened.period.end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_no_parameters_mean_the_default_view():
    opened = Filters.from_params({}, TODAY)
    assert opened == Filters(resolve(DEFAULT_PRESET, TODAY), DEFAULT_PRESET)
    assert opened.to_params() == {"period": DEFAULT_PRESET}


@pytest.mark.parametrize("params", [
    {"period": "custom", "start": "2026-13-01", "end": "2026-12-31"},
    {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"},
    {"period": "custom"},
    {"period": "fortnight"},
])
def test_an_unreadable_address_falls_back_to_the_default_period(params):
    opened = Filters.from_params(params, TODAY)
    assert opened.preset == DEFAULT_PRESET
    assert opened.period == resolve(DEFAULT_PRESET, TODAY)
    assert Filters.from_params(opened.to_params(), TODAY) == opened


def test_empty_entries_in_a_list_are_ignored():
    assert Filters.from_params({"region": "East,,West,"}, TODAY).regions == ("East", "West")


def test_the_previous_view_keeps_the_filters_and_moves_the_period():
    shown = Filters(resolve("last_month", TODAY), "last_month", regions=("East",))
    before = shown.previous()
    assert before.regions == ("East",)
    assert (before.period.start, before.period.end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def test_the_sentence_names_the_period_and_every_filter_in_each_language():
    shown = Filters(resolve("custom", TODAY, dt.date(2026, 1, 1), dt.date(2026, 6, 30)), "custom",
                    regions=("East", "West"), managers=("Li Na",), tiers=("important",))
    zh = shown.human_clause(translator("zh"))
    en = shown.human_clause(translator("en"))
    for sentence in (zh, en):
        for part in ("2026-01-01", "2026-06-30", "East", "West", "Li Na"):
            assert part in sentence
    assert "重要客户" in zh and "Important" in en
    assert en.startswith("Showing ") and zh.startswith("显示")


def test_the_sentence_without_filters_names_only_the_period():
    shown = Filters(resolve("custom", TODAY, dt.date(2026, 1, 1), dt.date(2026, 6, 30)), "custom")
    assert shown.human_clause(translator("en")) == "Showing data from 2026-01-01 to 2026-06-30."


def test_customer_condition_binds_values_as_parameters_not_sql():
    shown = Filters(resolve(DEFAULT_PRESET, TODAY), regions=("O'Brien; DROP TABLE sales",), tiers=("ordinary",))
    where, params = shown.customer_condition("c")
    assert "DROP" not in where
    assert params == {"region_0": "O'Brien; DROP TABLE sales", "tier_0": "ordinary"}
