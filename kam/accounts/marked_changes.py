"""Marked changes: when an account's results move markedly, its file must say why.

The textbook's rule for the account file (大客户档案卡): when results or the traded
amount change markedly, record the reason (必须记录其原因). An account is marked for a
period when, against the period before,
- its sales moved by MORE than the set share (default 30%) either way, counted only
  when it had sales before (a new account has no change to explain, a lost one moved
  by -100%); or
- its ABC class changed (the company-wide ranking by revenue, kam.sales.abc: a filter
  never changes which accounts are marked, it only picks which are listed).
It stays listed as "change needs a reason" until a reason is recorded for that
period (the change_reasons table keeps it with the figures that triggered it).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.filters import Filters
from kam.readside.database import Database
from kam.sales import abc
from kam.store import settings
from kam.store.batches import Batch
from kam.store.work import Work
from kam.store.records import Problem, refuse_unless_valid

SHARE_KEY = "accounts.marked_change_share"
DEFAULT_SHARE = 0.30
COLUMNS = ["customer_id", "customer_name", "account_manager", "value_before", "value_now", "change_share",
           "class_before", "class_now", "reason_recorded"]


def threshold(db: Database) -> float:
    return float(settings.load(db, SHARE_KEY, DEFAULT_SHARE))


def save_threshold(work: Work, share: float) -> str:
    if not 0 < share < 10:
        raise ValueError(f"the share must be above 0% and below 1000%, got {share:.0%}")
    return settings.save(work, SHARE_KEY, share)


def _judged(db: Database, filters: Filters, share: float | None, then: str) -> pd.DataFrame:
    """The judgement as one query over the two periods' class parts (kam.sales.abc, ranked among
    every customer), `then` choosing and ordering its rows from `judged`: the read side keeps
    the answer, so a rerun does no work."""
    share = threshold(db) if share is None else share
    where, picked = filters.customer_condition("c")
    return db.query(f"""
        WITH both_periods AS (
            SELECT customer_id, COALESCE(n.value, 0) AS value_now, b.value AS value_before,
                   b.abc_class AS class_before, n.abc_class AS class_now
            FROM now_classes n FULL OUTER JOIN before_classes b USING (customer_id)),
        reasons AS (
            SELECT customer_id, last(reason ORDER BY recorded_at) AS reason FROM change_reasons
            WHERE period_start = $start AND period_end = $end GROUP BY 1),
        judged AS (
            SELECT x.customer_id, c.name AS customer_name, c.account_manager, x.value_before, x.value_now,
                   CASE WHEN x.value_before > 0 THEN x.value_now / x.value_before - 1 END AS change_share,
                   x.class_before, x.class_now, r.reason AS reason_recorded,
                   COALESCE(x.value_before > 0 AND round(abs(x.value_now / x.value_before - 1), 9) > $share, FALSE)
                   OR COALESCE(x.class_now <> x.class_before, FALSE) AS marked
            FROM both_periods x LEFT JOIN customers c ON c.customer_id = x.customer_id
            LEFT JOIN reasons r ON r.customer_id = x.customer_id
            WHERE {where})
        {then}""",
        {**picked, "share": float(share), "start": filters.period.start, "end": filters.period.end},
        using={"now_classes": abc.classes_sql(filters.period), "before_classes": abc.classes_sql(filters.previous().period)})


def judged(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """Every account with sales in the period or the one before, its figures, whether it is
    marked and the reason recorded for the period (None if none): COLUMNS plus `marked`."""
    return _judged(db, filters, share, "SELECT * FROM judged ORDER BY value_before DESC NULLS LAST, customer_id")


def needing_reason(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """The marked accounts still without a reason for the period, the biggest change in money first."""
    return _judged(db, filters, share, """
        SELECT * EXCLUDE (marked) FROM judged WHERE marked AND reason_recorded IS NULL
        ORDER BY abs(value_now - COALESCE(value_before, 0)) DESC, customer_id""")


def marked(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """Every marked account of the period, with the reason when one is recorded (the CLI's report)."""
    return _judged(db, filters, share, """
        SELECT * EXCLUDE (marked) FROM judged WHERE marked ORDER BY value_before DESC NULLS LAST, customer_id""")


def record_reason(work: Work, customer_id: str, filters: Filters, reason: str) -> str:
    """Keep why the account's results moved in the period, with the figures that marked it;
    InvalidRecords when the account is not marked for the period or no reason is given."""
    work.check_accounts(customer_id)
    with work.batch("change_reasons", operation="change reason") as batch:
        return _record_reason(work.db, batch, customer_id, filters, reason, work.today)


def _record_reason(db: Database, batch: Batch, customer_id: str, filters: Filters, reason: str, today: dt.date) -> str:
    row = judged(db, Filters(filters.period, preset=filters.preset)).set_index("customer_id")  # any account
    problems = []
    if customer_id not in row.index or not row.at[customer_id, "marked"]:
        problems.append(Problem(1, "customer_id", customer_id, "not_marked"))
    values = {"reason_id": f"MC{today:%Y%m%d}-{customer_id}-{filters.period.start:%Y%m%d}",
              "customer_id": customer_id, "period_start": filters.period.start, "period_end": filters.period.end,
              "reason": (reason or "").strip() or None, "recorded_on": today}
    if not problems:
        figures = row.loc[customer_id]
        values |= {"value_before": _number(figures["value_before"]), "value_now": _number(figures["value_now"]),
                   "class_before": _text(figures["class_before"]), "class_now": _text(figures["class_now"])}
    refuse_unless_valid("change_reasons", values, problems)
    batch.upsert("change_reasons", [values])
    return values["reason_id"]


def _number(value):
    return None if pd.isna(value) else float(value)


def _text(value):
    return None if value is None or pd.isna(value) else str(value)
