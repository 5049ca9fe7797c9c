"""The director asks why an account's results moved: every marked change is listed until its reason is
recorded in the account file (the textbook's 必须记录其原因)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from kam.accounts import marked_changes
from kam.store.work import Work
from kam.filters import Filters
from kam.periods import Period
from kam.readside.database import Database
from kam.store.records import InvalidRecords
from test_cli import kam

D = dt.date
THIS_YEAR = Filters(Period(D(2026, 1, 1), D(2026, 6, 30)), preset="custom")
CUSTOMERS = [dict(customer_id=c, name=f"客户{c}", tier="ordinary", status="active", region=r, account_manager=m)
             for c, r, m in (("M1", "华东", "李娜"), ("M2", "华东", "李娜"), ("M3", "西南", "王强"),
                             ("M4", "西南", "王强"), ("M5", "华北", "赵磊"), ("M6", "华北", "赵磊"),
                             ("BIG", "华北", "赵磊"))]
# value before (Jul-Dec 2025) and now (Jan-Jun 2026)
VALUES = {
    "M1": (10000, 13000),     # exactly +30%: not more than the share
    "M2": (10000, 13001),     # just beyond it
    "M3": (10000, 7000),      # exactly -30%
    "M4": (10000, 6999),      # just beyond, downwards
    "M5": (0, 5000),          # new business: nothing to explain
    "M6": (4000, 0),          # lost: -100%
    "BIG": (100000, 100000),  # the A account that holds the ranking steady
}


@pytest.fixture
def ledger(store) -> Database:
    store.append("customers", CUSTOMERS, user="setup")
    sales = []
    for customer, (before, now) in VALUES.items():
        for day, amount in ((D(2025, 9, 1), before), (D(2026, 3, 1), now)):
            if amount:
                sales.append(dict(order_id=f"{customer}-{day}", customer_id=customer, date=day, amount=amount))
    store.append("sales", sales, user="setup")
    return Database(store)


def listed(db, filters=THIS_YEAR) -> dict[str, dict]:
    return marked_changes.marked(db, filters).set_index("customer_id").to_dict("index")


def test_a_move_of_exactly_the_share_is_not_marked_and_one_cent_beyond_is(ledger):
    marked = listed(ledger)
    assert "M1" not in marked and "M3" not in marked
    assert marked["M2"]["change_share"] == pytest.approx(0.3001)
    assert marked["M4"]["change_share"] == pytest.approx(-0.3001)


def test_new_business_is_not_marked_and_a_lost_account_is(ledger):
    marked = listed(ledger)
    assert "M5" not in marked
    assert marked["M6"]["value_now"] == 0 and marked["M6"]["change_share"] == pytest.approx(-1.0)


def test_a_class_change_alone_marks_the_account(store):
    # a big new account pushes C5 from B to C while its own sales grow by 10% only
    store.append("customers", [dict(customer_id=c, name=c, tier="ordinary", status="active")
                               for c in ("A1", "C5", "N1")], user="setup")
    rows = [("A1", D(2025, 9, 1), 900), ("C5", D(2025, 9, 1), 100),
            ("N1", D(2026, 3, 1), 3000), ("A1", D(2026, 3, 1), 800), ("C5", D(2026, 3, 1), 110)]
    store.append("sales", [dict(order_id=f"o{i}", customer_id=c, date=d, amount=a) for i, (c, d, a) in enumerate(rows)],
                 user="setup")
    marked = listed(Database(store))
    assert (marked["C5"]["class_before"], marked["C5"]["class_now"]) == ("B", "C")
    assert marked["C5"]["change_share"] == pytest.approx(0.1)
    assert "N1" not in marked  # new business


def test_a_recorded_reason_clears_the_mark_for_that_period_only(ledger):
    assert "M2" in set(marked_changes.needing_reason(ledger, THIS_YEAR)["customer_id"])
    marked_changes.record_reason(Work(ledger.store, ledger, "李娜", D(2026, 7, 2)),
                                 "M2", THIS_YEAR, "new plant opened in March")
    assert "M2" not in set(marked_changes.needing_reason(ledger, THIS_YEAR)["customer_id"])
    assert listed(ledger)["M2"]["reason_recorded"] == "new plant opened in March"
    stored = ledger.query("SELECT * FROM change_reasons").iloc[0]
    assert (stored["value_before"], stored["value_now"], stored["recorded_by"]) == (10000, 13001, "李娜")


def test_a_reason_is_refused_without_words_or_for_an_account_that_is_not_marked(ledger):
    with pytest.raises(InvalidRecords) as empty:
        marked_changes.record_reason(Work(ledger.store, ledger, "x", D(2026, 7, 2)), "M2", THIS_YEAR, "  ")
    assert [p.code for p in empty.value.problems] == ["required"]
    with pytest.raises(InvalidRecords) as steady:
        marked_changes.record_reason(Work(ledger.store, ledger, "x", D(2026, 7, 2)), "M1", THIS_YEAR, "why not")
    assert [p.code for p in steady.value.problems] == ["not_marked"]
    assert ledger.store.count("change_reasons") == 0


def test_a_filter_lists_its_own_accounts_but_never_changes_which_are_marked(ledger):
    east = Filters(THIS_YEAR.period, preset="custom", regions=("华东",))
    assert set(listed(ledger, east)) == {"M2"}
    assert set(listed(ledger)) >= {"M2", "M4", "M6"}


def test_the_share_is_a_setting(ledger):
    marked_changes.save_threshold(Work.on(ledger.store, "director"), 0.5)
    assert marked_changes.threshold(ledger) == 0.5
    assert set(listed(ledger)) == {"M6"}


def test_the_command_line_prints_the_marked_changes_with_their_columns(ledger):
    done = kam("--data", ledger.store.root, "marked-changes", "--start", "2026-01-01", "--end", "2026-06-30")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout), dtype={"customer_id": str})
    assert list(table.columns) == ["customer_id", "customer_name", "account_manager", "value_before", "value_now",
                                   "change_share", "class_before", "class_now", "reason_recorded"]
    assert set(table["customer_id"]) == set(listed(ledger))
