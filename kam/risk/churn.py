"""Churn (客户流失): who left, why, and what it cost; and who has gone silent.

Rules, the same on the page, in the CLI and in the tests:
- lost revenue is the customer's sales in the 12 months up to and including
  the churn date (after the same day a year earlier); it is computed, never typed;
- a churn or a win-back changes the customer's status and writes the change,
  with its reason, to the profile change history;
- silent churn: an active customer whose last purchase was N or more days ago
  (N editable, default 90) is suspected, unless a person dismissed the suspicion
  since that last purchase;
- churn rate of a period: customers churned in it over the customers on the
  books and not churned when it began.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam.sales import abc
from kam.accounts import account_file
from kam.store import settings
from kam.readside.database import Database, Part
from kam.filters import Filters
from kam.store.records import InvalidRecords, Problem
from kam.store.records import refuse_unless_valid
from kam.store.batches import Batch
from kam.store.work import Work

REASONS_KEY = "churn.reasons"
DEFAULT_REASONS = ["product_quality", "service_level", "price", "competitor", "business_changed",
                   "contact_left", "other"]
SILENT_DAYS_KEY = "churn.silent_days"
DEFAULT_SILENT_DAYS = 90
DIMENSIONS = ("tier", "abc_class", "region", "account_manager")

# Churned on a day: a churn on or before it that was not won back by then; a customer filed as
# churned with no churn recorded (e.g. imported so) counts as churned all along.
CHURNED_ON = """(EXISTS (SELECT 1 FROM churns h WHERE h.customer_id = c.customer_id AND h.churn_date <= {day}
                         AND (h.reactivated_date IS NULL OR h.reactivated_date > {day}))
                 OR (c.status = 'churned'
                     AND NOT EXISTS (SELECT 1 FROM churns h WHERE h.customer_id = c.customer_id)))"""


def reasons(db: Database) -> list[str]:
    return settings.load(db, REASONS_KEY, DEFAULT_REASONS)


def silent_days(db: Database) -> int:
    return int(settings.load(db, SILENT_DAYS_KEY, DEFAULT_SILENT_DAYS))


def save_reasons(work: Work, value: list[str]) -> str:
    clean = list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
    if not clean:
        raise InvalidRecords("settings", [Problem(None, REASONS_KEY, None, "empty_list")])
    return settings.save(work, REASONS_KEY, clean)


def save_silent_days(work: Work, days: int) -> str:
    if not isinstance(days, int) or days < 1:
        raise InvalidRecords("settings", [Problem(None, SILENT_DAYS_KEY, days, "minimum", "below 1")])
    return settings.save(work, SILENT_DAYS_KEY, days)


# ---- the arithmetic ---------------------------------------------------------
# each customer's sales after the same day a year before $as_of, up to $as_of inclusive
REVENUE_12M = """SELECT customer_id, SUM(amount) AS revenue FROM sales
                 WHERE date > CAST($as_of AS DATE) - INTERVAL 12 MONTH AND date <= $as_of AND {wanted}
                 GROUP BY 1"""


def revenue_last_12_months(db: Database, as_of: dt.date, ids=None) -> dict[str, float]:
    """Each customer's sales after the same day a year before as_of, up to as_of inclusive."""
    wanted = "TRUE" if ids is None else "customer_id IN (SELECT unnest($ids))"
    frame = db.query(REVENUE_12M.format(wanted=wanted),
                     {"as_of": as_of, **({} if ids is None else {"ids": sorted(set(ids))})})
    return dict(zip(frame["customer_id"], frame["revenue"].astype(float)))


def lost_revenue(db: Database, customer_id: str, churn_date: dt.date) -> float:
    return revenue_last_12_months(db, churn_date, [customer_id]).get(customer_id, 0.0)


# ---- writing: churn, win-back, dismissal --------------------------------------
def _status_problems(db: Database, customer_id, wanted_status: str, code: str) -> list[Problem]:
    if not customer_id:
        return []
    found = account_file.profile(db, customer_id)
    if found is None:
        return [Problem(1, "customer_id", customer_id, "unknown_customer")]
    if found["status"] != wanted_status:
        return [Problem(1, "customer_id", customer_id, code)]
    return []


def _date_problems(column: str, day, today: dt.date, not_before: dt.date | None = None) -> list[Problem]:
    if not isinstance(day, dt.date):
        return []
    if day > today:
        return [Problem(1, column, day, "future_date")]
    if not_before and day < not_before:
        return [Problem(1, column, day, "before_churn")]
    return []


# A churn or a win-back writes these three tables; they stand or fall together.
STATUS_TABLES = ("churns", "customers", "profile_changes")


def _change_status(batch: Batch, db: Database, customer_id: str, new: str, day: dt.date, reason: str) -> None:
    row = db.query("""SELECT * EXCLUDE (recorded_at, recorded_by, batch_id) FROM customers
                      WHERE customer_id = $id""", {"id": customer_id}).iloc[0].to_dict()
    old, row["status"] = row["status"], new
    batch.upsert("customers", [row], operation="status")
    batch.append("profile_changes", [{
        "change_id": "H-" + uuid.uuid4().hex[:8].upper(), "customer_id": customer_id, "changed_on": day,
        "field": "status", "old_value": old, "new_value": new, "reason": reason}], operation="status")


def record_churn(work: Work, values: dict) -> str:
    """Store a churn with its computed lost revenue and mark the customer churned."""
    db = work.db
    values = {k: v for k, v in values.items() if k != "churn_id"}
    work.check_accounts(values.get("customer_id"))
    with work.batch(*STATUS_TABLES, operation="churn") as batch:
        problems = _status_problems(db, values.get("customer_id"), "active", "already_churned")
        problems += _date_problems("churn_date", values.get("churn_date"), work.today)
        listed = reasons(db)
        if values.get("reason") and values["reason"] not in listed:
            problems.append(Problem(1, "reason", values["reason"], "allowed", "expected one of " + ", ".join(listed)))
        if values.get("lost_revenue") not in (None, ""):
            problems.append(Problem(1, "lost_revenue", values["lost_revenue"], "computed"))
        if values.get("reactivated_date") not in (None, ""):
            problems.append(Problem(1, "reactivated_date", values["reactivated_date"], "computed"))
        values["churn_id"] = "L-" + uuid.uuid4().hex[:8].upper()
        refuse_unless_valid("churns", values, problems)
        values["lost_revenue"] = lost_revenue(db, values["customer_id"], values["churn_date"])
        why = values["reason"] + (f": {values['note']}" if values.get("note") else "")
        batch.append("churns", [values])
        _change_status(batch, db, values["customer_id"], "churned", values["churn_date"], why)
    return values["churn_id"]


def reactivate(work: Work, customer_id: str, values: dict) -> str:
    """Win a churned customer back: date the churn's end and mark the customer active again."""
    db = work.db
    day, note = values.get("reactivated_date"), (values.get("note") or "").strip()
    work.check_accounts(customer_id)
    with work.batch(*STATUS_TABLES, operation="win_back") as batch:
        problems = _status_problems(db, customer_id, "churned", "not_churned")
        last = db.query("""SELECT * EXCLUDE (recorded_at, recorded_by, batch_id) FROM churns
                           WHERE customer_id = $id AND reactivated_date IS NULL
                           ORDER BY churn_date DESC LIMIT 1""", {"id": customer_id})
        churn_date = None if last.empty else pd.Timestamp(last.iat[0, last.columns.get_loc("churn_date")]).date()
        if day is None:
            problems.append(Problem(1, "reactivated_date", None, "required"))
        problems += _date_problems("reactivated_date", day, work.today, churn_date)
        if problems:
            raise InvalidRecords("churns", problems)
        if not last.empty:
            batch.upsert("churns", [last.iloc[0].to_dict() | {"reactivated_date": day}])
        _change_status(batch, db, customer_id, "active", day, "win_back" + (f": {note}" if note else ""))
    return batch.id


def dismiss(work: Work, customer_id: str, note: str = "") -> str:
    """Keep a silent customer off the suspected list until it buys again."""
    db, today = work.db, work.today
    work.check_accounts(customer_id)
    with work.batch("churn_dismissals", operation="dismiss") as batch:
        last = db.scalar("SELECT MAX(date) FROM sales WHERE customer_id = $id AND date <= $today",
                         {"id": customer_id, "today": today})
        row = {"dismissal_id": "D-" + uuid.uuid4().hex[:8].upper(), "customer_id": customer_id,
               "dismissed_on": today, "last_purchase": None if pd.isna(last) else pd.Timestamp(last).date(),
               "note": note or None}
        refuse_unless_valid("churn_dismissals", row,
                            _status_problems(db, customer_id, "active", "already_churned"))
        return batch.append("churn_dismissals", [row])


# ---- reading ----------------------------------------------------------------
def suspected(db: Database, filters: Filters, today: dt.date, days: int | None = None) -> pd.DataFrame:
    """Active customers silent for `days` or more (the stored setting when None), biggest first.

    Every customer's last purchase and revenue over the last 12 months are parts every filter
    shares (Database.query's `using`): a filter change only picks the filtered accounts."""
    days = silent_days(db) if days is None else days
    where, params = filters.customer_condition()
    return db.query(f"""
        SELECT c.customer_id, c.name AS customer_name, c.tier, c.region, c.account_manager,
               l.last_purchase::DATE AS last_purchase, date_diff('day', l.last_purchase::DATE, $today) AS days_silent,
               COALESCE(r.revenue, 0.0) AS revenue_12m
        FROM customers c JOIN last_purchases l USING (customer_id)
        LEFT JOIN revenues_12m r USING (customer_id)
        WHERE c.status = 'active' AND date_diff('day', l.last_purchase::DATE, $today) >= $days AND {where}
          AND NOT EXISTS (SELECT 1 FROM churn_dismissals d
                          WHERE d.customer_id = c.customer_id AND d.last_purchase >= l.last_purchase::DATE)
        ORDER BY revenue_12m DESC, c.customer_id
    """, {**params, "today": today, "days": days}, using={
        "last_purchases": Part("SELECT customer_id, MAX(date) AS last_purchase FROM sales WHERE date <= $today "
                               "GROUP BY 1", {"today": today}),
        "revenues_12m": Part(REVENUE_12M.format(wanted="TRUE"), {"as_of": today})})


def churned_now(db: Database, among: tuple[str, dict] = ("TRUE", {})) -> pd.DataFrame:
    """Customers whose status is churned, with their latest churn, most recent first; `among` is a
    condition on customers c (kam.access.customer_condition)."""
    where, params = among
    return db.query(f"""
        SELECT c.customer_id, c.name AS customer_name, h.churn_date, h.reason, h.lost_revenue
        FROM customers c
        LEFT JOIN (SELECT * FROM churns QUALIFY row_number() OVER (
                       PARTITION BY customer_id ORDER BY churn_date DESC, churn_id DESC) = 1) h USING (customer_id)
        WHERE c.status = 'churned' AND {where} ORDER BY h.churn_date DESC NULLS LAST, c.customer_id""", params)


def churned(db: Database, filters: Filters) -> pd.DataFrame:
    """Churns dated in the period, with the customer and whether it was won back."""
    where, params = filters.condition("h.churn_date")
    return db.query(f"""
        SELECT h.churn_id, h.churn_date, h.customer_id, c.name AS customer_name, c.tier, c.region,
               c.account_manager, h.reason, h.note, h.lost_revenue, h.reactivated_date
        FROM churns h LEFT JOIN customers c USING (customer_id)
        WHERE {where} ORDER BY h.churn_date DESC, h.churn_id""", params)


def totals(db: Database, filters: Filters) -> dict[str, float]:
    """Customers churned in the period and the revenue they brought in their last 12 months."""
    frame = churned(db, filters)
    return {"customers": float(frame["customer_id"].nunique()), "lost_revenue": float(frame["lost_revenue"].sum())}


def rate_by_month(db: Database, filters: Filters) -> pd.DataFrame:
    """Per month of the period: customers at its start, churned, won back, lost revenue and churn rate."""
    where, params = filters.customer_condition()
    frame = db.query(f"""
        WITH months AS (
            SELECT GREATEST(m::DATE, $start) AS first_day,
                   LEAST((m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE, $end) AS last_day
            FROM generate_series(date_trunc('month', CAST($start AS DATE)), CAST($end AS DATE),
                                 INTERVAL 1 MONTH) g(m))
        SELECT m.first_day AS month,
               (SELECT COUNT(*) FROM customers c WHERE {where}
                  AND (c.created IS NULL OR c.created < m.first_day)
                  AND NOT {CHURNED_ON.format(day="m.first_day - 1")}) AS customers_at_start,
               (SELECT COUNT(DISTINCT h.customer_id) FROM churns h JOIN customers c USING (customer_id)
                WHERE h.churn_date BETWEEN m.first_day AND m.last_day AND {where}) AS churned,
               (SELECT COALESCE(SUM(h.lost_revenue), 0) FROM churns h JOIN customers c USING (customer_id)
                WHERE h.churn_date BETWEEN m.first_day AND m.last_day AND {where}) AS lost_revenue,
               (SELECT COUNT(DISTINCT h.customer_id) FROM churns h JOIN customers c USING (customer_id)
                WHERE h.reactivated_date BETWEEN m.first_day AND m.last_day AND {where}) AS won_back
        FROM months m ORDER BY 1""", {**params, "start": filters.period.start, "end": filters.period.end})
    frame["churn_rate"] = frame["churned"] / frame["customers_at_start"].where(frame["customers_at_start"] > 0)
    return frame


def rate(db: Database, filters: Filters) -> float | None:
    """Churn rate of the whole period."""
    where, params = filters.customer_condition()
    base = db.scalar(f"""SELECT COUNT(*) FROM customers c WHERE {where}
                         AND (c.created IS NULL OR c.created < $start)
                         AND NOT {CHURNED_ON.format(day="CAST($start AS DATE) - 1")}""",
                     {**params, "start": filters.period.start})
    return float(totals(db, filters)["customers"] / base) if base else None


def _with_abc_class(db: Database, filters: Filters, frame: pd.DataFrame) -> pd.DataFrame:
    """Each churned account's ABC class (revenue) in the period before, 'none' without sales then."""
    classes = abc.abc_table(db, filters.previous()).set_index("customer_id")["abc_class"]
    frame["abc_class"] = frame["customer_id"].map(classes).fillna("none")
    return frame


def reasons_breakdown(db: Database, filters: Filters, by: str | None = None) -> pd.DataFrame:
    """Churns in the period per reason (and per tier, ABC class, region or manager): count and lost revenue."""
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"churn reasons are broken down by {', '.join(DIMENSIONS)}, not {by!r}")
    frame = churned(db, filters)
    if by == "abc_class":
        frame = _with_abc_class(db, filters, frame)
    keys = ["reason"] + ([by] if by else [])
    if by:
        frame[by] = frame[by].fillna("")
    out = (frame.groupby(keys, dropna=False)
           .agg(customers=("customer_id", "nunique"), lost_revenue=("lost_revenue", "sum"))
           .reset_index())
    return out.sort_values(["lost_revenue", "customers"], ascending=False).reset_index(drop=True)


def reason_trend(db: Database, filters: Filters) -> pd.DataFrame:
    """Churns per month and reason."""
    where, params = filters.condition("h.churn_date")
    return db.query(f"""
        SELECT date_trunc('month', h.churn_date)::DATE AS month, h.reason,
               COUNT(DISTINCT h.customer_id) AS customers, SUM(h.lost_revenue) AS lost_revenue
        FROM churns h LEFT JOIN customers c USING (customer_id)
        WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2""", params)


def won_back(db: Database, filters: Filters) -> pd.DataFrame:
    """Customers won back in the period (whenever they had churned)."""
    where, params = filters.condition("h.reactivated_date")
    return db.query(f"""
        SELECT h.customer_id, c.name AS customer_name, h.churn_date, h.reason, h.reactivated_date,
               h.lost_revenue, date_diff('day', h.churn_date, h.reactivated_date) AS days_away
        FROM churns h LEFT JOIN customers c USING (customer_id)
        WHERE {where} ORDER BY h.reactivated_date DESC""", params)
