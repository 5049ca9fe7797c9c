"""The demo generator: a believable customer book, the same every time for a seed.

Every test reads what the generator really wrote to a real store.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from kam import demo
from kam.filters import Filters
from kam.periods import Period
from kam.readside.database import Database
from kam.revisits import coverage, revisit_policy
from kam.risk.complaints import DEFAULT_CATEGORIES
from kam.store.schema import table
from kam.store.delta import Store

TODAY = dt.date(2026, 3, 15)
SIZE = 60
TABLES = ("customers", "contacts", "sales", "payments", "visits", "revisit_plans", "complaints", "churns",
          "profile_changes")
STAMPS = ["recorded_at", "batch_id"]


def read(store: Store, name: str) -> pd.DataFrame:
    frame = store.read(name).to_pandas(date_as_object=False)
    for column in frame.columns:  # dates come back as datetime64 at whatever unit; compare as days
        if pd.api.types.is_datetime64_any_dtype(frame[column]) and column != "recorded_at":
            frame[column] = frame[column].astype("datetime64[s]")
    return frame


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("demo") / "store")
    steps = []
    written = demo.generate(store, customers=SIZE, seed=7, today=TODAY,
                            progress=lambda stage, fraction: steps.append((stage, fraction)))
    return store, written, steps


@pytest.fixture(scope="module")
def tables(generated):
    store, _, _ = generated
    return {name: read(store, name) for name in TABLES}


def revenue_by_customer(tables) -> pd.Series:
    customers, sales = tables["customers"], tables["sales"]
    return (sales.groupby("customer_id")["amount"].sum()
            .reindex(customers["customer_id"], fill_value=0.0).sort_values(ascending=False))


def test_a_demo_fills_every_table_and_says_how_much_it_wrote(generated):
    store, written, _ = generated
    assert list(written) == list(TABLES)
    for name in TABLES:
        assert written[name] > 0, name
        assert store.count(name) == written[name], name
    assert written["customers"] == SIZE
    assert written["sales"] == SIZE * 60 * 3  # about 60 lines per customer per year of history


def test_progress_runs_from_the_first_stage_to_done(generated):
    _, _, steps = generated
    fractions = [fraction for _, fraction in steps]
    assert fractions == sorted(fractions)
    assert steps[0][1] == 0.0 and steps[-1] == ("done", 1.0)
    assert {"sales", "customers", "visits"} <= {stage for stage, _ in steps}


def test_the_same_seed_gives_the_same_book_twice(generated, tmp_path):
    first, _, _ = generated
    again = Store(tmp_path / "again")
    demo.generate(again, customers=SIZE, seed=7, today=TODAY)
    for name in TABLES:
        key = table(name).key
        one = read(first, name).drop(columns=STAMPS).sort_values(key, ignore_index=True)
        two = read(again, name).drop(columns=STAMPS).sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(one, two, obj=name)


def test_another_seed_gives_another_book(generated, tmp_path):
    first, _, _ = generated
    other = Store(tmp_path / "other")
    demo.generate(other, customers=SIZE, seed=8, today=TODAY)
    assert not read(first, "sales")["amount"].equals(read(other, "sales")["amount"])


def test_sales_cover_three_years_ending_today(tables):
    dates = tables["sales"]["date"]
    assert dates.max() == pd.Timestamp(TODAY)
    assert dates.min() == pd.Timestamp(dt.date(2023, 3, 16))
    last_12_months = dates > pd.Timestamp(TODAY) - pd.DateOffset(years=1)
    assert last_12_months.sum() > len(dates) / 4


def test_spring_festival_dips_and_the_year_ends_high(tables):
    sales = tables["sales"]
    by_month = sales.groupby(sales["date"].dt.month)["amount"].sum()
    assert by_month[2] < 0.7 * by_month.mean()
    assert by_month[12] == by_month.max()


def test_a_fifth_of_the_customers_bring_most_of_the_revenue(tables):
    revenue = revenue_by_customer(tables)
    top_fifth = revenue.iloc[:round(0.2 * len(revenue))].sum()
    assert top_fifth / revenue.sum() > 0.6


def test_the_biggest_customers_are_mostly_important(tables):
    tiers = tables["customers"].set_index("customer_id")["tier"]
    biggest = revenue_by_customer(tables).index[:5]
    assert (tiers[biggest] == "important").sum() >= 3


def test_potential_customers_have_not_bought_anything(tables):
    customers, sales = tables["customers"], tables["sales"]
    potential = set(customers.loc[customers["tier"] == "potential", "customer_id"])
    assert potential
    assert not potential & set(sales["customer_id"])


def test_churned_customers_stop_buying_and_lost_revenue_is_their_last_year(tables):
    customers = tables["customers"].set_index("customer_id")
    sales, churns = tables["sales"], tables["churns"]
    assert len(churns) >= 3
    assert churns["reactivated_date"].notna().any()
    for churn in churns.itertuples():
        own = sales[sales["customer_id"] == churn.customer_id]
        if pd.isna(churn.reactivated_date):
            assert customers.loc[churn.customer_id, "status"] == "churned"
            assert (own["date"] <= churn.churn_date).all()
        else:
            assert customers.loc[churn.customer_id, "status"] == "active"
            assert not own["date"].between(churn.churn_date, churn.reactivated_date, inclusive="neither").any()
        # kam.churn's rule: the 12 months up to and including the churn date
        year_before = own[(own["date"] > churn.churn_date - pd.DateOffset(years=1)) & (own["date"] <= churn.churn_date)]
        assert churn.lost_revenue == pytest.approx(year_before["amount"].sum(), abs=0.01)
        assert churn.lost_revenue > 0


def test_a_few_customers_sent_goods_back(tables):
    returns = tables["sales"].query("amount < 0")
    assert 1 <= returns["customer_id"].nunique() <= 10
    assert (returns["quantity"] < 0).all()


def test_some_invoices_are_overdue_and_some_only_partly_paid(tables):
    payments = tables["payments"]
    today = pd.Timestamp(TODAY)
    outstanding = payments["paid_amount"] < payments["amount"] - 0.005
    assert (outstanding & (payments["due_date"] < today)).any()
    assert ((payments["paid_amount"] > 0) & outstanding).any()
    assert (payments["due_date"] > payments["invoice_date"]).all()
    assert (payments["paid_date"].dropna() <= today).all()


def test_invoices_add_up_to_the_sales_of_each_finished_month(tables):
    sales, payments = tables["sales"], tables["payments"]
    finished = sales[sales["date"] < pd.Timestamp(TODAY.replace(day=1))]
    monthly = finished.groupby(["customer_id", finished["date"].dt.to_period("M")])["amount"].sum()
    monthly = monthly[monthly > 0]
    invoiced = payments.groupby(["customer_id", payments["invoice_date"].dt.to_period("M")])["amount"].sum()
    assert invoiced.sum() == pytest.approx(monthly.sum(), rel=1e-9)


def test_ids_stay_text(tables):
    customers, sales = tables["customers"], tables["sales"]
    assert pd.api.types.is_string_dtype(customers["customer_id"])
    assert all(re.fullmatch(r"C\d{5}", i) for i in customers["customer_id"])
    assert "C00017" in set(customers["customer_id"])
    assert sales["order_id"].is_unique and sales["order_id"].str.startswith("SO").all()
    assert set(sales["customer_id"]) <= set(customers["customer_id"])


def test_customers_look_like_chinese_companies(tables):
    customers = tables["customers"]
    assert customers["name"].is_unique
    assert customers["name"].str.endswith("公司").all()
    assert set(customers["account_manager"]) <= set(demo.MANAGERS)
    assert set(customers["payment_terms_days"]) <= {30, 45, 60, 90}
    assert (customers.loc[customers["tier"] != "potential", "credit_limit"] > 0).all()


def test_some_contacts_have_a_birthday_within_30_days(tables):
    birthdays = tables["contacts"]["birthday"].dropna()
    leap_day = (birthdays.dt.month == 2) & (birthdays.dt.day == 29)
    this_year = pd.to_datetime({"year": TODAY.year, "month": birthdays.dt.month,
                                "day": birthdays.dt.day.where(~leap_day, 28)})
    soon = (this_year >= pd.Timestamp(TODAY)) & (this_year <= pd.Timestamp(TODAY + dt.timedelta(days=30)))
    assert soon.any()
    assert tables["contacts"]["phone"].str.fullmatch(r"1\d{10}").all()


def test_visits_are_in_the_past_and_some_accounts_are_overdue(tables):
    visits, customers = tables["visits"], tables["customers"]
    today = pd.Timestamp(TODAY)
    assert (visits["date"] <= today).all()
    active = customers.loc[customers["status"] == "active", "customer_id"]
    last_visit = visits.groupby("customer_id")["date"].max().reindex(active)
    assert (last_visit < today - pd.Timedelta(days=120)).any()
    assert (visits["next_visit_date"].dropna() < today).any()
    received_by = visits.merge(tables["contacts"][["customer_id", "name"]],
                               left_on=["customer_id", "received_by"], right_on=["customer_id", "name"])
    assert len(received_by) >= len(visits)  # whoever received us works at that customer


def test_revisit_plans_are_done_due_missed_or_cancelled(tables):
    plans, visits = tables["revisit_plans"], tables["visits"]
    today = pd.Timestamp(TODAY)
    planned = plans[plans["status"] == "planned"]
    assert (planned["planned_date"] > today).any() and (planned["planned_date"] < today).any()
    assert plans.loc[plans["status"] == "cancelled", "cancel_reason"].notna().all()
    done = plans[plans["status"] == "done"].merge(visits, on="visit_id", suffixes=("", "_visit"))
    assert len(done) == (plans["status"] == "done").sum()
    assert (done["plan_id"] == done["plan_id_visit"]).all()
    assert (done["done_date"] == done["date"]).all()


def test_complaints_follow_the_apps_categories_and_their_state(tables):
    complaints = tables["complaints"]
    customer_years = SIZE * demo.HISTORY_YEARS
    assert 0.15 * customer_years <= len(complaints) <= 0.25 * customer_years  # about one per five customers a year
    for row in complaints.itertuples():
        assert row.subcategory in DEFAULT_CATEGORIES[row.category]
    finished = complaints["status"].isin(["resolved", "closed"])
    assert complaints.loc[finished, "resolved_date"].notna().all()
    assert complaints.loc[~finished, "resolved_date"].isna().all()
    assert (complaints.loc[finished, "resolved_date"] >= complaints.loc[finished, "received"]).all()


def test_profile_changes_end_in_what_the_file_says_now(tables):
    changes = tables["profile_changes"]
    customers = tables["customers"].set_index("customer_id")
    assert {"credit_limit", "tier", "payment_terms_days", "account_manager", "status"} <= set(changes["field"])
    latest = changes.sort_values("changed_on").groupby(["customer_id", "field"]).last().reset_index()
    for row in latest.itertuples():
        now = customers.loc[row.customer_id, row.field]
        assert row.new_value == (f"{now:.0f}" if row.field == "credit_limit" else str(now)), row
    assert changes["reason"].str.len().gt(0).all()


def test_a_store_that_holds_data_is_refused(generated):
    store, written, _ = generated
    with pytest.raises(ValueError, match="already holds data"):
        demo.generate(store, customers=5, today=TODAY)
    assert store.count("customers") == written["customers"]


@pytest.mark.parametrize("today", [dt.date(2024, 2, 29), dt.date(2025, 1, 1), dt.date(2026, 12, 31)])
def test_any_day_can_be_today_even_a_leap_day(tmp_path, today):
    store = Store(tmp_path / "store")
    written = demo.generate(store, customers=20, sales_lines=2_000, today=today)
    sales = read(store, "sales")
    assert written["sales"] == 2_000
    assert sales["date"].max() == pd.Timestamp(today)
    assert (read(store, "visits")["date"] <= pd.Timestamp(today)).all()


# ---- the story a meeting sees: the default book of 300 customers, its last twelve months ----

@pytest.fixture(scope="module")
def book(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("story") / "store")
    demo.generate(store, customers=300, seed=7, today=TODAY)
    return store


def month_ends(last_months: int = 12) -> list[pd.Timestamp]:
    """The ends of the last twelve whole months, then today."""
    ends = pd.date_range(end=pd.Timestamp(TODAY), periods=last_months + 1, freq="ME")
    return [*ends[-last_months:], pd.Timestamp(TODAY)]


def test_revisit_coverage_holds_steady_and_dips_only_after_spring_festival(book):
    db = Database(book)
    year = Filters(Period(TODAY - dt.timedelta(days=364), TODAY), "custom")
    trend = coverage.coverage_trend(db, year, revisit_policy.DEFAULT, TODAY).set_index("month")["coverage"]
    festival = dt.date(TODAY.year, 2, 1)  # 2026's break: 10 to 27 February; visits restart in March
    assert trend.idxmin() == festival
    others = trend.drop(festival)
    assert others.between(0.85, 0.97).all(), others
    assert trend[festival] < others.median() - 0.05
    a_year_ago = coverage.coverage_share(db, year.previous(), year.previous().period.end, revisit_policy.DEFAULT)
    assert abs(trend.iloc[-1] - a_year_ago) < 0.05


def test_a_few_plans_were_carried_out_late_and_a_few_forgotten_through_the_year(book):
    plans = read(book, "revisit_plans")
    due = plans[plans["planned_date"].between(pd.Timestamp(TODAY) - pd.DateOffset(years=1), pd.Timestamp(TODAY))]
    done = due[due["status"] == "done"]
    late = done["done_date"] > done["planned_date"] + pd.Timedelta(days=revisit_policy.DEFAULT.grace_days)
    assert 0.03 < late.mean() < 0.2
    missed = due[(due["status"] == "planned")
                 & (due["planned_date"] < pd.Timestamp(TODAY) - pd.Timedelta(days=revisit_policy.DEFAULT.grace_days))]
    assert 0 < len(missed) < 0.1 * len(due)
    assert missed["planned_date"].dt.to_period("Q").nunique() >= 3  # forgotten all year, not only lately


def test_complaints_come_and_go(book):
    complaints = read(book, "complaints")
    open_on = [((complaints["received"] <= day) & ~(complaints["resolved_date"] <= day)).sum() for day in month_ends()]
    changes = pd.Series(open_on).diff().dropna()
    assert (changes > 0).sum() >= 3 and (changes < 0).sum() >= 3
    assert open_on[-1] <= max(open_on[:-1])  # today's count is no spike
    quarters_ago = (pd.Timestamp(TODAY) - complaints["received"]).dt.days // 91
    by_quarter = quarters_ago[quarters_ago < 4].value_counts()
    assert len(by_quarter) == 4 and by_quarter.max() < 3 * by_quarter.min(), by_quarter
    slow = complaints["resolved_date"] - complaints["received"] > pd.Timedelta(days=45)
    assert 0 < slow.sum() < 0.2 * len(complaints)  # a few drag on


def test_receivables_are_mostly_within_terms_with_a_few_problem_accounts(book):
    payments = read(book, "payments")
    today = pd.Timestamp(TODAY)
    settled = payments["paid_date"].notna() & (payments["paid_date"] <= today)
    payments["open"] = payments["amount"] - payments["paid_amount"].where(settled, 0.0)
    owed = payments[payments["open"] > 0.005]
    overdue = owed[owed["due_date"] < today]
    assert overdue["open"].sum() < 0.25 * owed["open"].sum()
    days = (today - overdue["due_date"]).dt.days
    assert days.max() < 365
    problem = overdue.loc[days > 60, "customer_id"].unique()
    assert 1 <= len(problem) <= 0.05 * owed["customer_id"].nunique()
