"""Finance asks before the meeting: which accounts owe us money, how much of it is overdue and for
how long, and who is beyond their credit limit. The account file, the health score and the
report answer from the same rule."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from kam.risk import health
from kam.sales import receivables
from kam.readside.database import Database
from kam.filters import Filters
from kam.periods import Period
from kam.store.delta import Store
from test_cli import kam

DAY = dt.date(2026, 6, 30)
D = dt.date
CUSTOMERS = [
    {"customer_id": "K1", "name": "华东精密机械", "tier": "important", "status": "active", "credit_limit": 100000,
     "account_manager": "李娜", "region": "华东", "created": D(2024, 1, 1)},
    {"customer_id": "K2", "name": "申江物流", "tier": "ordinary", "status": "active", "credit_limit": 500000,
     "account_manager": "王强", "region": "华东", "created": D(2024, 1, 1)},
    {"customer_id": "K3", "name": "蜀都食品", "tier": "ordinary", "status": "active",
     "account_manager": "王强", "region": "西南", "created": D(2024, 1, 1)},
]
INVOICES = [  # (id, customer, invoice date, due date, amount, paid date, paid amount): what is open on DAY
    ("I1", "K1", D(2026, 1, 10), D(2026, 2, 9), 60000, None, None),            # open, 141 days overdue
    ("I2", "K1", D(2026, 5, 1), D(2026, 5, 31), 50000, D(2026, 6, 1), 20000),  # 30000 open, 30 days
    ("I3", "K1", D(2026, 6, 20), D(2026, 7, 20), 40000, None, None),           # open, not yet due
    ("I4", "K2", D(2026, 3, 1), D(2026, 4, 30), 80000, D(2026, 7, 5), 80000),  # paid after the day: open, 61 days
    ("I5", "K2", D(2026, 3, 1), D(2026, 4, 30), 70000, D(2026, 5, 2), None),   # a paid date alone pays it all
    ("I6", "K3", D(2026, 2, 1), D(2026, 3, 3), 10000, None, 10000),            # paid, no date: paid all along
    ("I7", "K3", D(2026, 7, 1), D(2026, 7, 31), 99000, None, None),            # issued after the day
    ("I8", "K3", D(2026, 4, 1), D(2026, 5, 31), 25000, None, 24999.999),       # less than a cent left
]
FIELDS = ("invoice_id", "customer_id", "invoice_date", "due_date", "amount", "paid_date", "paid_amount")


@pytest.fixture
def finance(store: Store) -> Database:
    store.append("customers", CUSTOMERS, user="setup")
    store.append("payments", [dict(zip(FIELDS, row)) for row in INVOICES], user="setup")
    return Database(store)


def test_an_accounts_open_invoices_count_payments_from_their_day(finance):
    k1 = receivables.open_invoices(finance, "K1", DAY)
    assert list(zip(k1["invoice_id"], k1["open_amount"], k1["days_overdue"])) == [
        ("I1", 60000, 141), ("I2", 30000, 30), ("I3", 40000, 0)]
    k2 = receivables.open_invoices(finance, "K2", DAY)
    assert list(zip(k2["invoice_id"], k2["open_amount"], k2["days_overdue"])) == [("I4", 80000, 61)]
    assert receivables.open_invoices(finance, "K3", DAY).empty  # paid, not issued yet, or under a cent
    assert receivables.open_invoices(finance, "K2", D(2026, 7, 6)).empty  # I4 paid on 5 July


def test_aging_puts_each_open_amount_in_its_bucket_most_overdue_money_first(finance):
    table = receivables.aging(finance, DAY).set_index("customer_id")
    assert table.index.tolist() == ["K1", "K2"]
    assert table.loc["K1", ["open_amount", "overdue_amount", *receivables.BUCKETS]].tolist() == [
        130000, 90000, 40000, 30000, 0, 0, 60000]
    assert table.loc["K2", ["open_amount", "overdue_amount", "d61_90", "max_days_overdue"]].tolist() == [
        80000, 80000, 80000, 61]
    assert table["over_credit_limit"].tolist() == [True, False]  # 130,000 open against 100,000 allowed
    assert table.loc["K1", "customer_name"] == "华东精密机械"


def test_the_health_score_reads_the_same_overdue_money(finance):
    everyone = Filters.from_params({"period": "custom", "start": "2026-01-01", "end": DAY.isoformat()}, DAY)
    overdue = finance.query("SELECT * FROM overdue", using={"overdue": receivables.overdue_sql(DAY)}).set_index("customer_id")
    aged = receivables.aging(finance, DAY).set_index("customer_id")
    assert overdue["overdue_amount"].to_dict() == aged["overdue_amount"].to_dict()
    assert overdue["overdue_days"].to_dict() == aged["max_days_overdue"].to_dict()
    finance.store.append("sales", [{"order_id": f"S-{c}", "customer_id": c, "date": D(2026, 3, 1), "amount": 1000}
                                   for c in ("K1", "K2", "K3")], user="setup")
    figures = health.figures(finance, everyone, DAY).set_index("customer_id")
    assert figures["overdue_amount"].to_dict() == {"K1": 90000, "K2": 80000, "K3": 0}
    assert figures["overdue_days"].to_dict() == {"K1": 141, "K2": 61, "K3": 0}


def test_the_receivables_report_from_the_command_line(finance):
    done = kam("--data", finance.store.root, "receivables", "--as-of", DAY.isoformat())
    assert done.returncode == 0, done.stderr
    report = pd.read_csv(io.StringIO(done.stdout))
    assert report.columns.tolist()[:6] == ["customer_id", "customer_name", "account_manager", "region", "invoices",
                                           "open_amount"]
    assert dict(zip(report["customer_id"], report["overdue_amount"])) == {"K1": 90000, "K2": 80000}


def test_sales_and_collections_balance_for_a_region_and_for_everyone(finance):
    db, period = finance, Period(D(2026, 1, 1), DAY)
    everyone, east = Filters(period, preset="custom"), Filters(period, preset="custom", regions=("华东",))
    # invoiced Jan–Jun: I1-I6 and I8 (I7 is July's); collected Jan–Jun: I2's 20000 and I5's 70000
    # (I4 paid in July, I6's payment has no date); open and overdue on DAY as the aging reads them
    assert receivables.balance(db, everyone, DAY) == {"invoiced": 335000.0, "collected": 90000.0,
                                                      "open": 210000.0, "overdue": 170000.0}
    # 华东 is K1 and K2: all but I6 and I8 (K3's)
    assert receivables.balance(db, east, DAY) == {"invoiced": 300000.0, "collected": 90000.0,
                                                  "open": 210000.0, "overdue": 170000.0}
