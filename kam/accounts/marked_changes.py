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

import numpy as np
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


def _everyone(filters: Filters) -> Filters:
    return Filters(filters.period, preset=filters.preset)


def _chosen(frame: pd.DataFrame, filters: Filters) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for column, values in (("region", filters.regions), ("account_manager", filters.managers),
                           ("tier", filters.tiers)):
        if values:
            keep &= frame[column].isin(values)
    return keep


def _reasons(db: Database, filters: Filters) -> pd.DataFrame:
    return db.query("""SELECT customer_id, last(reason ORDER BY recorded_at) AS reason FROM change_reasons
                       WHERE period_start = $start AND period_end = $end GROUP BY 1""",
                    {"start": filters.period.start, "end": filters.period.end})


def judged(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """Every account with sales in the period or the one before, its figures, whether it is
    marked and the reason recorded for the period (None if none): COLUMNS plus `marked`."""
    share = threshold(db) if share is None else share
    everyone = _everyone(filters)
    now = abc.abc_table(db, everyone)[["customer_id", "customer_name", "account_manager", "region", "tier",
                                       "value", "abc_class"]]
    before = abc.abc_table(db, everyone.previous())[["customer_id", "customer_name", "account_manager", "region",
                                                     "tier", "value", "abc_class"]]
    both = now.merge(before, on="customer_id", how="outer", suffixes=("_now", "_before"))
    for column in ("customer_name", "account_manager", "region", "tier"):
        both[column] = both[f"{column}_now"].combine_first(both[f"{column}_before"])
    both["value_now"] = both["value_now"].fillna(0.0)
    had_sales = both["value_before"].fillna(0) > 0
    both["change_share"] = np.where(had_sales, both["value_now"] / both["value_before"].where(had_sales) - 1, np.nan)
    both = both.rename(columns={"abc_class_now": "class_now", "abc_class_before": "class_before"})
    moved = had_sales & (both["change_share"].abs().round(9) > share)
    reclassed = both["class_now"].notna() & both["class_before"].notna() & (both["class_now"] != both["class_before"])
    both["marked"] = moved | reclassed
    reasons = _reasons(db, filters).set_index("customer_id")["reason"]
    both["reason_recorded"] = both["customer_id"].map(reasons)
    both = both[_chosen(both, filters)]
    return both[COLUMNS + ["marked"]].sort_values(["value_before", "customer_id"], ascending=[False, True],
                                                  na_position="last").reset_index(drop=True)


def needing_reason(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """The marked accounts still without a reason for the period, the biggest change in money first."""
    table = judged(db, filters, share)
    table = table[table["marked"] & table["reason_recorded"].isna()].drop(columns="marked")
    money = (table["value_now"] - table["value_before"].fillna(0)).abs()
    return table.assign(_m=money).sort_values(["_m", "customer_id"], ascending=[False, True]).drop(
        columns="_m").reset_index(drop=True)


def marked(db: Database, filters: Filters, share: float | None = None) -> pd.DataFrame:
    """Every marked account of the period, with the reason when one is recorded (the CLI's report)."""
    table = judged(db, filters, share)
    return table[table["marked"]].drop(columns="marked").reset_index(drop=True)


def record_reason(work: Work, customer_id: str, filters: Filters, reason: str) -> str:
    """Keep why the account's results moved in the period, with the figures that marked it;
    InvalidRecords when the account is not marked for the period or no reason is given."""
    with work.batch("change_reasons", operation="change reason") as batch:
        return _record_reason(work.db, batch, customer_id, filters, reason, work.today)


def _record_reason(db: Database, batch: Batch, customer_id: str, filters: Filters, reason: str, today: dt.date) -> str:
    row = judged(db, _everyone(filters)).set_index("customer_id")
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
