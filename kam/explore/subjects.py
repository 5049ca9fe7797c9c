"""What the explore page can ask about: each subject is a relation of rows with fields to
group and filter by and numbers to measure, all named from a whitelist (no user text is ever
pasted into SQL).

Every subject's rows carry the customer's columns (name, region, account manager, tier,
industry, size) and the customer's ABC class. The class is kam.sales.abc's rule by revenue over
the question's period, ranked among all customers (as the revisit policy reads it), so choosing a
region does not move a customer from one class to another; a customer with no sales in the
period has no class. Receivables (kam.sales.receivables' rule) and revisit coverage
(kam.revisits.coverage's rule, with its own 12-month class) are read on the period's last day,
or today while the period runs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from kam.filters import Filters
from kam.readside.database import Database, Part
from kam.revisits import coverage, revisit_policy
from kam.sales import abc, receivables

# field -> SQL over the subject's rows `r`; every subject has these
CUSTOMER_FIELDS = {
    "customer": "concat_ws(' ', r.customer_id, r.customer_name)",
    "region": "r.region",
    "manager": "r.account_manager",
    "tier": "r.tier",
    "class": "r.abc_class",
    "industry": "r.industry",
    "size": "r.size",
}
# and a dated subject these, of its `date` column
DATE_FIELDS = {
    "month": "strftime(r.date, '%Y-%m')",
    "quarter": "strftime(r.date, '%Y') || '-Q' || quarter(r.date)",
    "year": "strftime(r.date, '%Y')",
}
# the customer's columns a subject's rows take, from customers c and the period's classes k
_CUSTOMER_COLUMNS = ("c.name AS customer_name, c.region, c.account_manager, c.tier, c.industry, c.size, "
                     "k.abc_class")


@dataclass(frozen=True)
class Subject:
    name: str
    fields: dict[str, str]
    numbers: tuple[str, ...]  # columns of the rows that can be summed and averaged
    # (db, filters, today, prefix) -> (SQL of the rows, its parameters, its parts), every
    # parameter and part named with the prefix so that two periods' rows sit in one query
    rows: Callable[[Database, Filters, dt.date, str], tuple[str, dict, dict]]


def _classes(filters: Filters, prefix: str) -> dict:
    return {f"{prefix}classes": abc.classes_sql(filters.period)}


def _dated_rows(table: str, date: str, columns: str) -> Callable:
    """Rows of a dated table `s` in the period, with the customer's columns and class."""
    def rows(db: Database, filters: Filters, today: dt.date, prefix: str) -> tuple[str, dict, dict]:
        sql = f"""SELECT s.customer_id, {_CUSTOMER_COLUMNS}, s.{date} AS date, {columns}
                  FROM {table} s LEFT JOIN customers c ON c.customer_id = s.customer_id
                  LEFT JOIN {prefix}classes k ON k.customer_id = s.customer_id
                  WHERE s.{date} BETWEEN ${prefix}start AND ${prefix}end"""
        return sql, {f"{prefix}start": filters.period.start, f"{prefix}end": filters.period.end}, \
            _classes(filters, prefix)
    return rows


def _receivable_rows(db: Database, filters: Filters, today: dt.date, prefix: str) -> tuple[str, dict, dict]:
    day = coverage.as_of(filters, today)
    sql = f"""SELECT o.customer_id, {_CUSTOMER_COLUMNS}, o.due_date AS date, o.invoice_id, o.amount,
                     o.paid_amount, o.open_amount, o.days_overdue, o.days_overdue > 0 AS overdue
              FROM {prefix}open o LEFT JOIN customers c ON c.customer_id = o.customer_id
              LEFT JOIN {prefix}classes k ON k.customer_id = o.customer_id"""
    return sql, {}, {f"{prefix}open": Part(f"SELECT * FROM ({receivables.OPEN_ON})", {"day": day}),
                     **_classes(filters, prefix)}


def _coverage_rows(db: Database, filters: Filters, today: dt.date, prefix: str) -> tuple[str, dict, dict]:
    day = coverage.as_of(filters, today)
    sql = f"""SELECT a.customer_id, a.customer_name, a.region, a.account_manager, a.tier, c.industry, c.size,
                     a.abc_class, a.covered::INTEGER AS covered, a.days_overdue, a.revenue_12m, a.interval_days
              FROM {prefix}accounts a LEFT JOIN customers c ON c.customer_id = a.customer_id"""
    return sql, {}, {f"{prefix}accounts": coverage.accounts_sql(day, revisit_policy.load(db))}


def _with(*more: str, dated: bool = True) -> dict[str, str]:
    return {**CUSTOMER_FIELDS, **(DATE_FIELDS if dated else {}), **{name: f"r.{name}" for name in more}}


SUBJECTS: dict[str, Subject] = {s.name: s for s in (
    Subject("sales", _with("product"), ("amount", "profit", "cost", "quantity"),
            _dated_rows("sales", "date", f"s.product, s.quantity, s.amount, s.cost, {abc.MEASURE_SQL['profit']} AS profit")),
    Subject("visits", _with("method", "occasion", "visited_by", "deal_stage"), ("satisfaction",),
            _dated_rows("visits", "date", "s.method, s.occasion, s.visited_by, s.deal_stage, s.satisfaction")),
    Subject("complaints", _with("category", "subcategory", "severity", "status", "channel", "owner"),
            ("days_to_resolve",),
            _dated_rows("complaints", "received", "s.category, s.subcategory, s.severity, s.status, s.channel, "
                                                  "s.owner, date_diff('day', s.received, s.resolved_date) "
                                                  "AS days_to_resolve")),
    Subject("churns", _with("reason"), ("lost_revenue",),
            _dated_rows("churns", "churn_date", "s.reason, s.lost_revenue")),
    # dated by the due day: open money by the month it fell due
    Subject("receivables", _with("overdue"), ("open_amount", "amount", "paid_amount", "days_overdue"),
            _receivable_rows),
    Subject("coverage", _with("covered", dated=False), ("covered", "days_overdue", "revenue_12m", "interval_days"),
            _coverage_rows),
)}


def subject(name: str) -> Subject:
    try:
        return SUBJECTS[name]
    except KeyError:
        raise ValueError(f"unknown subject {name!r}; subjects are: {', '.join(SUBJECTS)}") from None


def field_values(db: Database, about: Subject, field: str, filters: Filters, today: dt.date) -> list[str]:
    """The values a field takes in the subject's rows of the period (as text, the first thousand):
    what a filter on it offers."""
    rows, params, using = about.rows(db, filters, today, "now_")
    values = db.query(f"SELECT DISTINCT CAST({about.fields[field]} AS VARCHAR) AS v FROM ({rows}) r "
                      f"WHERE v IS NOT NULL ORDER BY 1 LIMIT 1000", params, using=using)
    return values["v"].tolist()
