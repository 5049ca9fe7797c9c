"""The retention plan (挽留计划): actions that fix what drove an account away, reviewed periodically.

An action is overdue when it is neither done nor cancelled and its due date has
passed; it is due for review when its review date has come.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam.accounts import account_file
from kam.readside.database import Database
from kam.filters import Filters
from kam.store.records import Problem, column_of, days_of, given, in_row_order, problems_where, to_frame
from kam.store.records import refuse_unless_valid
from kam.store.work import Work

FINISHED = ("done", "cancelled")


def rule_problems(db: Database, values: dict, today: dt.date) -> list[Problem]:
    """The domain's problems with one action (a form's)."""
    return rows_problems(db, to_frame(values), today)


def rows_problems(db: Database, rows: pd.DataFrame, today: dt.date) -> list[Problem]:
    """The domain's problems with these actions (rows numbered from 1), each rule judged over all
    rows at once: an unknown customer, done after today, done without its day."""
    rows = rows.reset_index(drop=True)
    found = account_file.unknown_customers(db, column_of(rows, "customer_id"))
    done = days_of(column_of(rows, "done_date"))
    found += problems_where(done > pd.Timestamp(today), "done_date", "future_date", done.dt.date)
    found += problems_where((column_of(rows, "status") == "done").to_numpy() & ~given(column_of(rows, "done_date")),
                            "done_date", "done_needs_date")
    return in_row_order(found)


def record_action(work: Work, values: dict) -> str:
    """Store a new retention action, or the new state of a known one (its action_id given)."""
    values = dict(values)
    new = not values.get("action_id")
    if new:
        values["action_id"] = "R-" + uuid.uuid4().hex[:8].upper()
    values["status"] = values.get("status") or "planned"
    work.check_accounts(values.get("customer_id"))
    with work.batch("retention_actions", operation="retention") as batch:
        refuse_unless_valid("retention_actions", values, rule_problems(work.db, values, work.today))
        (batch.append if new else batch.upsert)("retention_actions", [values])
    return values["action_id"]


def plan(db: Database, filters: Filters | None = None, customer_id: str | None = None) -> pd.DataFrame:
    """Retention actions of the filtered accounts (all without filters) or of one account, by due date."""
    where, params = filters.customer_condition() if filters else ("TRUE", {})
    one = "TRUE" if customer_id is None else "r.customer_id = $id"
    return db.query(f"""
        SELECT r.action_id, r.customer_id, c.name AS customer_name, c.status AS customer_status, r.action,
               r.owner, r.due_date, r.status, r.review_date, r.done_date, r.evaluation
        FROM retention_actions r LEFT JOIN customers c USING (customer_id)
        WHERE {where} AND {one} ORDER BY r.due_date, r.action_id""",
                    {**params, **({} if customer_id is None else {"id": customer_id})})


def action(db: Database, action_id: str) -> dict | None:
    frame = db.query("SELECT * EXCLUDE (recorded_at, recorded_by, batch_id) FROM retention_actions "
                     "WHERE action_id = $id", {"id": action_id})
    return None if frame.empty else frame.iloc[0].to_dict()


def overdue(db: Database, filters: Filters, today: dt.date) -> pd.DataFrame:
    """Open actions past their due date, the longest overdue first."""
    frame = plan(db, filters)
    late = frame[~frame["status"].isin(FINISHED) & (pd.to_datetime(frame["due_date"]) < pd.Timestamp(today))].copy()
    late["days_overdue"] = (pd.Timestamp(today) - pd.to_datetime(late["due_date"])).dt.days
    return late.sort_values("days_overdue", ascending=False).reset_index(drop=True)


def due_for_review(db: Database, filters: Filters, today: dt.date) -> pd.DataFrame:
    """Actions whose review date has come and that carry no evaluation yet."""
    frame = plan(db, filters)
    return frame[frame["review_date"].notna() & (pd.to_datetime(frame["review_date"]) <= pd.Timestamp(today))
                 & frame["evaluation"].isna()].reset_index(drop=True)
