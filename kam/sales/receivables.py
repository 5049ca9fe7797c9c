"""Receivables (应收账款): what each invoice still owes on a day, and per customer how much is
overdue and for how long. One rule for the account file, the health score and the report, so
that sales and collections are checked the same way everywhere (检查销售、收款是否平衡).

The rule: an invoice counts from its invoice date. A payment counts from its paid date (a paid
date without an amount pays the invoice in full); an amount paid without a date counts as paid
all along. What is left, beyond half a cent, is open; it is overdue from the day after its due
date, by the days since then.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.filters import Filters
from kam.readside.database import Database, Part

# days overdue that end each aging bucket (the last has no end); "not_due" is not overdue yet
AGING = (("d1_30", 30), ("d31_60", 60), ("d61_90", 90), ("d90_plus", None))
BUCKETS = ("not_due", *(name for name, _ in AGING))

OPEN_ON = """
    SELECT invoice_id, customer_id, invoice_date, due_date, amount, paid_amount, amount - paid_amount AS open_amount,
           GREATEST(date_diff('day', due_date, $day), 0) AS days_overdue
    FROM (SELECT invoice_id, customer_id, invoice_date, due_date, amount,
                 CASE WHEN paid_date IS NULL THEN COALESCE(paid_amount, 0)
                      WHEN paid_date <= $day THEN COALESCE(paid_amount, amount) ELSE 0 END AS paid_amount
          FROM payments WHERE invoice_date <= $day)
    WHERE amount - paid_amount > 0.005"""


def open_invoices(db: Database, customer_id: str, day: dt.date) -> pd.DataFrame:
    """One customer's invoices open on the day, the first due first."""
    return db.query(f"""SELECT * EXCLUDE (customer_id) FROM ({OPEN_ON}) WHERE customer_id = $id
                        ORDER BY due_date, invoice_id""", {"id": customer_id, "day": day})


def overdue_sql(day: dt.date) -> Part:
    """customer_id, overdue_amount and overdue_days (of the oldest) on the day, for every customer
    with an overdue invoice: a part of the health figures (Database.query's `using`)."""
    return Part(f"""SELECT customer_id, SUM(open_amount) AS overdue_amount, MAX(days_overdue) AS overdue_days
                    FROM ({OPEN_ON}) WHERE days_overdue > 0 GROUP BY 1""", {"day": day})


def _bucket(name: str, end: int | None, start: int) -> str:
    upper = f" AND days_overdue <= {end}" if end is not None else ""
    return f"COALESCE(SUM(open_amount) FILTER (WHERE days_overdue >= {start}{upper}), 0) AS {name}"


def aging(db: Database, day: dt.date, filters: Filters | None = None) -> pd.DataFrame:
    """Per customer with an open invoice on the day (the filters' customers, all when None): what
    is open, what is overdue and by how long (aging buckets of 30 days), the oldest overdue
    invoice's due date and days, the credit limit and whether the open amount is beyond it; the
    most overdue money first."""
    buckets, start = ["COALESCE(SUM(open_amount) FILTER (WHERE days_overdue = 0), 0) AS not_due"], 1
    for name, end in AGING:
        buckets.append(_bucket(name, end, start))
        start = (end or 0) + 1
    chosen, params = (filters or Filters.everyone(day)).customers_in("o.customer_id")
    return db.query(f"""
        WITH o AS ({OPEN_ON})
        SELECT o.customer_id, c.name AS customer_name, c.account_manager, c.region,
               COUNT(*) AS invoices, SUM(o.open_amount) AS open_amount,
               COALESCE(SUM(o.open_amount) FILTER (WHERE o.days_overdue > 0), 0) AS overdue_amount,
               {", ".join(buckets)}, MAX(o.days_overdue) AS max_days_overdue,
               MIN(o.due_date) FILTER (WHERE o.days_overdue > 0) AS oldest_due_date,
               c.credit_limit, COALESCE(SUM(o.open_amount) > c.credit_limit, FALSE) AS over_credit_limit
        FROM o LEFT JOIN customers c ON c.customer_id = o.customer_id
        WHERE {chosen}
        GROUP BY o.customer_id, c.name, c.account_manager, c.region, c.credit_limit
        ORDER BY overdue_amount DESC, open_amount DESC, o.customer_id""", {**params, "day": day})


REPORT_COLUMNS = ["customer_id", "customer_name", "account_manager", "region", "invoices", "open_amount",
                  "overdue_amount", *BUCKETS, "max_days_overdue", "credit_limit", "over_credit_limit"]


def _balance_sql(period, day: dt.date) -> Part:
    """Per customer: invoiced and collected in the period, open and overdue on the day, with the
    filters' columns: a part every filter on the period shares (a filter change picks its rows)."""
    return Part(f"""
        WITH invoiced AS (SELECT customer_id, SUM(amount) AS invoiced FROM payments
                          WHERE invoice_date BETWEEN $start AND $end GROUP BY 1),
             collected AS (SELECT customer_id,
                                  SUM(CASE WHEN paid_date IS NULL THEN 0 ELSE COALESCE(paid_amount, amount) END) AS collected
                           FROM payments WHERE paid_date BETWEEN $start AND $end GROUP BY 1),
             open_now AS (SELECT customer_id, SUM(open_amount) AS open,
                                 SUM(open_amount) FILTER (WHERE days_overdue > 0) AS overdue
                          FROM ({OPEN_ON}) GROUP BY 1),
             ids AS (SELECT customer_id FROM invoiced UNION SELECT customer_id FROM collected
                     UNION SELECT customer_id FROM open_now)
        SELECT ids.customer_id, c.region, c.account_manager, c.tier, COALESCE(i.invoiced, 0) AS invoiced,
               COALESCE(k.collected, 0) AS collected, COALESCE(o.open, 0) AS open, COALESCE(o.overdue, 0) AS overdue
        FROM ids LEFT JOIN invoiced i ON i.customer_id IS NOT DISTINCT FROM ids.customer_id
        LEFT JOIN collected k ON k.customer_id IS NOT DISTINCT FROM ids.customer_id
        LEFT JOIN open_now o ON o.customer_id IS NOT DISTINCT FROM ids.customer_id
        LEFT JOIN customers c ON c.customer_id = ids.customer_id""",
                {"start": period.start, "end": period.end, "day": day})


def balance(db: Database, filters: Filters, day: dt.date) -> dict[str, float]:
    """Whether sales and collections balance (检查销售、收款是否平衡) for the filters' customers:
    invoiced and collected in the period, and on the day what is open and what of it is overdue."""
    row = db.chosen(_balance_sql(filters.period, day), filters, "b", """
        SELECT COALESCE(SUM(invoiced), 0) AS invoiced, COALESCE(SUM(collected), 0) AS collected,
               COALESCE(SUM(open), 0) AS open, COALESCE(SUM(overdue), 0) AS overdue FROM b""").iloc[0]
    return {k: float(row[k]) for k in ("invoiced", "collected", "open", "overdue")}


def bucket_totals(table: pd.DataFrame) -> pd.DataFrame:
    """The aging table summed per bucket: bucket, amount (the chart and the table under it)."""
    return pd.DataFrame({"bucket": list(BUCKETS), "amount": [float(table[b].sum()) for b in BUCKETS]})
