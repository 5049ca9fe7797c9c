"""Every read-side query on the hand-made book, checked against plain Python over the same rows."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from conftest import AS_OF, CHANGES, CONTACTS, CUSTOMERS, PAYMENTS, SALES, TODAY, VISITS, pareto_classes, store_copy
from kam.sales import abc
from kam.accounts import account_file
from kam.sales import overview
from kam.sales import receivables
from kam.readside import choices
from kam.readside.database import Database
from kam.filters import Filters
from kam.periods import Period, resolve
from kam.store.delta import Store

@pytest.fixture
def db(book_db):  # the queries only read: one book serves them all
    return book_db


YEAR_2025 = resolve("last_year", dt.date(2026, 3, 1))  # 2025, compared with 2024
BY_ID = {c["customer_id"]: c for c in CUSTOMERS}


def filters(period: Period = YEAR_2025, **chosen) -> Filters:
    return Filters(period=period, preset="custom", **{k: tuple(v) for k, v in chosen.items()})


def lines(f: Filters) -> list[dict]:
    """The sales lines a filter selects, worked out row by row."""
    wanted = {"region": f.regions, "account_manager": f.managers, "tier": f.tiers}
    out = []
    for sale in SALES:
        customer = BY_ID.get(sale["customer_id"], {})
        if not f.period.start <= sale["date"] <= f.period.end:
            continue
        if all(not values or customer.get(col) in values for col, values in wanted.items()):
            out.append(sale)
    return out


def profit(sale: dict) -> float:
    return sale["profit"] if sale["profit"] is not None else sale["amount"] - sale["cost"]


def per_customer(f: Filters, measure: str = "revenue") -> dict[str, float]:
    totals = defaultdict(float)
    for sale in lines(f):
        totals[sale["customer_id"]] += sale["amount"] if measure == "revenue" else profit(sale)
    return dict(totals)


CHOICES = [{}, {"regions": ["East"]}, {"regions": ["West", "North"]}, {"managers": ["Li Na"]},
           {"tiers": ["ordinary"]}, {"regions": ["East"], "tiers": ["important"]}, {"regions": ["South"]}]


@pytest.mark.parametrize("chosen", CHOICES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "all")
def test_sales_totals_follow_the_filters(db, chosen):
    f = filters(**chosen)
    expected = lines(f)
    totals = overview.sales_totals(db, f)
    assert totals["revenue"] == pytest.approx(sum(s["amount"] for s in expected))
    assert totals["profit"] == pytest.approx(sum(profit(s) for s in expected))
    assert totals["active_customers"] == len({s["customer_id"] for s in expected})


def test_the_period_includes_its_first_and_last_day_and_nothing_beyond(db):
    new_years_eve = filters(Period(dt.date(2025, 12, 31), dt.date(2025, 12, 31)))
    new_year = filters(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)))
    assert overview.sales_totals(db, new_years_eve)["revenue"] == sum(s["amount"] for s in lines(new_years_eve)) > 0
    assert overview.sales_totals(db, new_year)["revenue"] == sum(s["amount"] for s in lines(new_year)) > 0


@pytest.mark.parametrize("measure", abc.MEASURES)
@pytest.mark.parametrize("chosen", CHOICES[:6], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "all")
def test_the_abc_table_holds_each_customers_measure_in_the_filtered_period(db, chosen, measure):
    f = filters(**chosen)
    got = abc.abc_table(db, f, measure)
    assert dict(zip(got["customer_id"], got["value"])) == pytest.approx(per_customer(f, measure))
    filed = got.astype(object).where(got.notna(), None)  # a customer not on file has no region or tier
    for row in filed.itertuples():
        assert (row.region, row.tier) == tuple(BY_ID.get(row.customer_id, {}).get(c) for c in ("region", "tier"))


@pytest.mark.parametrize("period", [YEAR_2025, YEAR_2025.previous()], ids=["2025", "2024"])
@pytest.mark.parametrize("measure", abc.MEASURES)
def test_abc_table_on_the_store_follows_the_rule(db, period, measure):
    f = filters(period)
    table = abc.abc_table(db, f, measure)
    assert classes_of(table) == pareto_classes(per_customer(f, measure))


def classes_of(table) -> dict[str, str]:
    return dict(zip(table["customer_id"], table["abc_class"]))


def test_abc_table_with_custom_cuts(db):
    f = filters()
    table = abc.abc_table(db, f, "revenue", cuts=(0.5, 0.7))
    assert classes_of(table) == pareto_classes(per_customer(f), cuts=(0.5, 0.7))


def test_an_unknown_measure_is_refused(db):
    with pytest.raises(ValueError, match="measure"):
        abc.abc_table(db, filters(), "margin")


def test_kpis_compare_this_period_with_the_one_before(db):
    f = filters()
    before = f.previous()
    assert before.period == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31), 12)
    kpis = {k.key: k for k in overview.kpis(db, f)}
    for key, pick in (("kpi.revenue", lambda s: s["amount"]), ("kpi.profit", profit)):
        assert kpis[key].value == pytest.approx(sum(pick(s) for s in lines(f)))
        assert kpis[key].previous == pytest.approx(sum(pick(s) for s in lines(before)))
    active_now, active_before = ({s["customer_id"] for s in lines(x)} for x in (f, before))
    assert (kpis["kpi.active_customers"].value, kpis["kpi.active_customers"].previous) == (
        len(active_now), len(active_before))
    assert kpis["kpi.revenue"].change == pytest.approx(kpis["kpi.revenue"].value / kpis["kpi.revenue"].previous - 1)
    for period_filters, field in ((f, "value"), (before, "previous")):
        values = per_customer(period_filters)
        a_accounts = [c for c, cls in pareto_classes(values).items() if cls == "A"]
        a_share = sum(values[c] for c in a_accounts) / sum(v for v in values.values() if v > 0)
        assert getattr(kpis["kpi.a_accounts"], field) == len(a_accounts)
        assert getattr(kpis["kpi.a_share"], field) == pytest.approx(a_share)
    assert kpis["kpi.a_share"].change == pytest.approx(kpis["kpi.a_share"].value - kpis["kpi.a_share"].previous)


def test_kpis_of_a_period_with_nothing_before_have_no_relative_change(db):
    f = filters(Period(dt.date(2023, 1, 1), dt.date(2024, 1, 1)))
    revenue = next(k for k in overview.kpis(db, f) if k.key == "kpi.revenue")
    assert revenue.value == sum(s["amount"] for s in lines(f)) > 0
    assert revenue.previous == 0 and revenue.change is None


def test_monthly_trend_sums_each_month_of_both_periods(db):
    f = filters(regions=["East", "West"])
    now, before = overview.monthly_trend(db, f)
    for frame, period_filters in ((now, f), (before, f.previous())):
        expected = defaultdict(lambda: [0.0, 0.0])
        for sale in lines(period_filters):
            month = sale["date"].replace(day=1)
            expected[month][0] += sale["amount"]
            expected[month][1] += profit(sale)
        got = {m.date() if hasattr(m, "date") else m: [r, p]
               for m, r, p in zip(frame["month"], frame["revenue"], frame["profit"])}
        assert got == pytest.approx(dict(expected))
        assert list(got) == sorted(got)


def test_data_range_is_the_first_and_last_sale_whatever_the_filters(db):
    span = choices.data_range(db)
    assert (span.start, span.end) == (min(s["date"] for s in SALES), max(s["date"] for s in SALES))


def test_an_empty_store_has_no_data_range(store):
    from kam.readside.database import Database

    assert choices.data_range(Database(store)) is None


def test_period_has_data_only_where_sales_fall(db):
    assert choices.period_has_data(db, filters())
    assert not choices.period_has_data(db, filters(Period(dt.date(2019, 1, 1), dt.date(2019, 12, 31))))


def test_filter_options_list_the_regions_managers_and_tiers_on_file(db):
    options = choices.filter_options(db)
    for column in ("region", "account_manager", "tier"):
        assert options[column] == sorted({c[column] for c in CUSTOMERS})


# ---- the account file ----------------------------------------------------------------------------------

def twelve_months_ago(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def test_search_lists_every_account_biggest_trade_of_the_last_twelve_months_first(db):
    today = dt.date.today()  # the query asks the database for its current date
    since = twelve_months_ago(today)
    revenue = defaultdict(float)
    for sale in SALES:
        if since < sale["date"] <= today:
            revenue[sale["customer_id"]] += sale["amount"]
    expected = sorted(((-revenue[c["customer_id"]], c["customer_id"]) for c in CUSTOMERS))
    found = account_file.search(db)
    assert found["customer_id"].tolist() == [cid for _, cid in expected]
    assert dict(zip(found["customer_id"], found["revenue_12m"])) == pytest.approx(
        {cid: -neg for neg, cid in expected})


@pytest.mark.parametrize("text", ["0001", "物流", " 蜀都 ", "zzz"])
def test_search_finds_accounts_by_id_or_name(db, text):
    needle = text.strip()
    expected = {c["customer_id"] for c in CUSTOMERS if needle in c["customer_id"] or needle in c["name"]}
    assert set(account_file.search(db, text)["customer_id"]) == expected


def test_search_respects_its_limit(db):
    assert len(account_file.search(db, "", limit=2)) == 2


def test_profile_is_the_account_file_card(db):
    card = account_file.profile(db, "00017")
    for column, value in CUSTOMERS[0].items():
        assert card[column] == value
    assert card["recorded_by"] == "tester"
    assert account_file.profile(db, "99999") is None


def test_contacts_of_one_account_only(db):
    people = account_file.contacts(db, "00017")
    assert sorted(people["name"]) == sorted(p["name"] for p in CONTACTS if p["customer_id"] == "00017")
    assert people["role"].tolist() == sorted(people["role"])


def test_trade_by_month_of_one_account(db):
    trade = account_file.trade_by_month(db, "00105")
    expected = defaultdict(lambda: [0.0, 0])
    for sale in SALES:
        if sale["customer_id"] == "00105":
            expected[sale["date"].replace(day=1)][0] += sale["amount"]
            expected[sale["date"].replace(day=1)][1] += 1
    got = {m.date() if hasattr(m, "date") else m: [a, n] for m, a, n in zip(trade["month"], trade["amount"],
                                                                            trade["lines"])}
    assert got == dict(expected)


def test_receivables_are_the_open_invoices_with_days_overdue(db):
    open_items = receivables.open_invoices(db, "00017", AS_OF)
    expected = {}
    for inv in PAYMENTS:
        left = inv["amount"] - (inv.get("paid_amount") or 0)
        if inv["customer_id"] == "00017" and left > 0:
            expected[inv["invoice_id"]] = (left, max((AS_OF - inv["due_date"]).days, 0))
    got = {r.invoice_id: (r.open_amount, r.days_overdue) for r in open_items.itertuples()}
    assert got == expected
    assert any(days > 0 for _, days in got.values()) and any(days == 0 for _, days in got.values())


def test_changes_newest_first_with_their_reason(db):
    history = account_file.changes(db, "00017")
    assert history["reason"].tolist() == [c["reason"] for c in sorted(CHANGES, key=lambda c: c["changed_on"],
                                                                        reverse=True)]
    assert set(history["recorded_by"]) == {"tester"}


def test_visits_newest_first(db):
    history = account_file.visits(db, "00017")
    mine = sorted((v for v in VISITS if v["customer_id"] == "00017"), key=lambda v: v["date"], reverse=True)
    assert history["discussed"].tolist() == [v["discussed"] for v in mine]
    assert account_file.visits(db, "00404").empty


def test_the_overviews_class_a_count_and_share_are_the_abc_tables_row_a(demo_dir, tmp_path):
    db = Database(Store(store_copy(demo_dir, tmp_path / "store")))
    for preset in ("last_12_months", "this_year", "last_quarter"):
        chosen = Filters.from_params({"period": preset}, TODAY)
        row = abc.summary(abc.abc_table(db, chosen)).set_index("abc_class").loc["A"]
        assert abc.class_a(db, chosen) == (int(row["customers"]), pytest.approx(float(row["value_share"])))
        assert 0 < row["customers"] < len(abc.abc_table(db, chosen))
