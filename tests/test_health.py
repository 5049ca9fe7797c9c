"""Accounts at risk: a score whose every part a person can check by hand."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import TODAY as DEMO_TODAY, store_copy
from kam.risk import complaints
from kam.risk import health
from kam.revisits import coverage
from kam.readside.database import Database
from kam.filters import Filters
from kam.i18n import translator
from kam.periods import Period
from kam.store.work import Work
from kam.store.records import InvalidRecords
from kam.store.delta import Store

D = dt.date
TODAY = D(2025, 6, 30)
# this quarter against the quarter before (1 January to 31 March)
QUARTER = Filters(Period(D(2025, 4, 1), D(2025, 6, 30), 3), preset="last_quarter")


def customer(cid, created=D(2020, 1, 1)):
    return dict(customer_id=cid, name=f"Customer {cid}", tier="ordinary", status="active", created=created,
                account_manager="Li Na", region="East")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Database:
    """R slips on every count, R2 has stopped buying, H is healthy, N is new, X is long gone quiet."""
    store = Store(tmp_path_factory.mktemp("health") / "store")
    store.append("customers", [customer("R"), customer("R2", created=None), customer("H"),
                               customer("N", created=D(2025, 4, 1)), customer("X")])
    store.append("sales", [
        dict(order_id="1", customer_id="R", date=D(2025, 2, 1), amount=100_000),
        dict(order_id="2", customer_id="R", date=D(2025, 5, 1), amount=58_000),        # down 42%
        dict(order_id="3", customer_id="R2", date=D(2025, 2, 1), amount=200_000),      # and then nothing
        dict(order_id="4", customer_id="H", date=D(2025, 2, 1), amount=1_000_000),
        dict(order_id="5", customer_id="H", date=D(2025, 5, 1), amount=1_000_000),
        dict(order_id="6", customer_id="N", date=D(2025, 5, 1), amount=10_000),
        dict(order_id="7", customer_id="X", date=D(2023, 5, 1), amount=10_000),
    ])
    # over the 12 months to TODAY, H is class A (interval 30 days), R and R2 B (90), N C (180)
    store.append("visits", [
        dict(visit_id="V1", customer_id="R", date=TODAY - dt.timedelta(days=97), method="phone"),
        dict(visit_id="V2", customer_id="H", date=TODAY - dt.timedelta(days=10), method="in_person"),
    ])
    store.append("complaints", [
        dict(complaint_id=f"K{i}", customer_id="R", received=D(2025, 6, i), category="product", status="open")
        for i in (1, 2)])
    store.append("payments", [
        dict(invoice_id="I1", customer_id="R", invoice_date=D(2025, 4, 16), amount=5_000,
             due_date=TODAY - dt.timedelta(days=45)),
        dict(invoice_id="I2", customer_id="H", invoice_date=D(2025, 4, 16), amount=9_000,
             due_date=D(2025, 5, 16), paid_date=D(2025, 5, 10), paid_amount=9_000),
    ])
    return Database(store)


@pytest.mark.parametrize("part, figure, expected", [
    ("sales", -10, 100), ("sales", -10.01, 50), ("sales", -30, 50), ("sales", -30.5, 0), ("sales", 25, 100),
    ("visits", 1, 100), ("visits", 1.01, 50), ("visits", 2, 50), ("visits", 2.1, 0), ("visits", None, 0),
    ("complaints", 0, 100), ("complaints", 1, 50), ("complaints", 2, 0),
    ("receivables", 0, 100), ("receivables", 30, 50), ("receivables", 31, 0),
])
def test_each_part_earns_the_points_of_the_first_band_its_figure_meets(part, figure, expected):
    assert health.points(part, figure, health.DEFAULT.bands[part]) == expected


def test_the_score_is_the_weighted_average_of_the_parts_and_each_figure_is_the_accounts_own(db):
    table = health.scores(db, QUARTER, TODAY).set_index("customer_id")
    assert set(table.index) == {"R", "R2", "H", "N"}  # X sold nothing in either quarter
    r = table.loc["R"]
    assert (r["sales_now"], r["sales_before"], r["sales_change"]) == (58_000, 100_000, pytest.approx(-42))
    assert (r["days_since"], r["interval_days"], r["open_complaints"]) == (97, 90, 2)
    assert (r["overdue_amount"], r["overdue_days"]) == (5_000, 45)
    points = [r[f"points_{p}"] for p in health.PARTS]
    assert points == [0, 50, 0, 0]
    assert r["score"] == pytest.approx((0 * 40 + 50 * 25 + 0 * 20 + 0 * 15) / 100)
    assert health.explain(r, health.DEFAULT)["contribution"].sum() == pytest.approx(r["score"])
    assert table.loc["H", "score"] == 100 and table.loc["H", "status"] == "healthy"
    # new business has nothing to fall from; its visit clock starts on its filing day
    assert table.loc["N", "points_sales"] == 100 and table.loc["N", "days_since"] == 90
    assert table.loc["N", "status"] == "healthy"


def test_every_account_at_risk_says_why_and_the_biggest_revenue_at_stake_comes_first(db):
    listed = health.at_risk(db, QUARTER, TODAY, translator("en"), "en")
    assert list(listed["customer_id"]) == ["R2", "R"]
    assert list(listed["revenue_12m"]) == [200_000, 158_000]
    why = dict(zip(listed["customer_id"], listed["reasons"]))
    assert why["R"] == ("revenue down 42% on the period before (¥100.00K then); no visit for 97 days (interval 90); "
                        "2 open complaints; ¥5.00K overdue, the oldest for 45 days")
    assert why["R2"] == "revenue down 100% on the period before (¥200.00K then); never visited"
    assert health.at_risk_count(db, QUARTER, TODAY) == 2
    assert "销售收入比上一期下降 42%" in health.at_risk(db, QUARTER, TODAY, translator("zh"), "zh")["reasons"].iat[1]


def test_weights_and_bands_are_editable_and_change_the_verdict(db, tmp_path):
    only_visits = health.build({"sales": 0, "visits": 100, "complaints": 0, "receivables": 0},
                               health.DEFAULT.bands, 65, 85)
    r = health.scores(db, QUARTER, TODAY, only_visits).set_index("customer_id").loc["R"]
    assert (r["score"], r["status"]) == (50, "at_risk")
    lenient = health.build(only_visits.weights, {**health.DEFAULT.bands, "visits": [[2, 100]]}, 65, 85)
    assert health.scores(db, QUARTER, TODAY, lenient).set_index("customer_id").loc["R", "status"] == "healthy"
    store = Store(tmp_path / "settings")
    health.save(Work.on(store, "boss"), lenient)
    assert health.load(Database(store)) == lenient


@pytest.mark.parametrize("weights, bands, lines, code", [
    ({"visits": -1}, {}, (65, 85), "minimum"),
    ({}, {"complaints": [[0, 120]]}, (65, 85), "points_range"),
    ({}, {"receivables": [[30, 50], [0, 100]]}, (65, 85), "bands_order"),
    ({}, {"sales": [[-30, 50], [-10, 100]]}, (65, 85), "bands_order"),
    ({"sales": 0, "visits": 0, "complaints": 0, "receivables": 0}, {}, (65, 85), "weights_zero"),
    ({}, {}, (90, 85), "lines_order"),
])
def test_a_scoring_that_cannot_work_is_refused(weights, bands, lines, code):
    with pytest.raises(InvalidRecords) as refused:
        health.build({**health.DEFAULT.weights, **weights}, {**health.DEFAULT.bands, **bands}, *lines)
    assert code in {p.code for p in refused.value.problems}


def test_open_complaints_and_overdue_receivables_are_read_on_the_as_of_day(db):
    earlier = Filters(Period(D(2025, 3, 1), D(2025, 5, 31), 3))
    table = health.scores(db, earlier, TODAY).set_index("customer_id")
    # on 31 May neither complaint had arrived and the invoice was 15 days overdue
    assert table.loc["R", "open_complaints"] == 0 and table.loc["R", "overdue_days"] == 15
    assert complaints.open_count(db, earlier, D(2025, 6, 2)) == 2


def test_a_whole_column_earns_the_same_points_as_each_figure_alone():
    figures = pd.Series([-50, -30, -29.9, -10, 0, 40, None, float("nan")], dtype="float64")
    for part in health.PARTS:
        bands = health.DEFAULT.bands[part]
        expected = [health.points(part, figure, bands) for figure in figures]
        assert list(health.band_points(part, figures, bands)) == expected
    counts = pd.Series([0, 1, 2, pd.NA], dtype="Int64")  # open complaints, one unknown
    assert list(health.band_points("complaints", counts, health.DEFAULT.bands["complaints"])) == [100, 50, 0, 0]
    assert list(health.band_points("visits", counts, [])) == [0, 0, 0, 0]  # no bands: nothing earned


def test_the_score_in_sql_is_the_score_of_every_account_and_the_overview_counts_the_same(demo_dir, tmp_path):
    demo = Database(Store(store_copy(demo_dir, tmp_path / "store")))
    strict = health.build({"sales": 30, "visits": 30, "complaints": 30, "receivables": 10},
                          {"sales": [[0, 100], [-20, 60]], "visits": [[0.5, 100], [1.5, 40]],
                           "complaints": [[0, 100]], "receivables": [[0, 100], [10, 70], [60, 20]]}, 70, 90)
    for scoring in (health.DEFAULT, strict):
        for preset in ("last_12_months", "last_quarter"):
            chosen = Filters.from_params({"period": preset}, DEMO_TODAY)
            table = health.scores(demo, chosen, DEMO_TODAY, scoring).set_index("customer_id")
            in_sql = demo.query(f"SELECT customer_id, {health.score_sql(scoring)} AS score FROM f",
                                using={"f": health.figures_sql(demo, chosen.period, coverage.as_of(chosen, DEMO_TODAY))}).set_index("customer_id")
            assert in_sql["score"].to_dict() == pytest.approx(table["score"].to_dict())
            counted = health.at_risk_count(demo, chosen, DEMO_TODAY, scoring)
            assert counted == (table["status"] == "at_risk").sum()
    assert 0 < counted < len(table)
