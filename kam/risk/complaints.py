"""The complaint card (抱怨管理卡): each complaint from arrival to resolution.

Categories and their sub-categories are an editable list, seeded from the
textbook's product and service complaints; a complaint is checked against the
list as it is stored when it is saved.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam.accounts import account_file
from kam.store import settings
from kam.readside.database import Database
from kam.filters import Filters
from kam.store.records import InvalidRecords, Problem, column_of, days_of, given, in_row_order, problems_where, to_frame
from kam.store.records import refuse_unless_valid
from kam.store.work import Work

CATEGORIES_KEY = "complaint.categories"
# The textbook names the product and service sub-categories; the others are common practice.
DEFAULT_CATEGORIES = {
    "product": ["quality_defect", "spec_mismatch", "out_of_tolerance", "product_failure"],
    "service": ["not_punctual", "poor_attitude", "insufficient_skill"],
    "delivery": ["late_delivery", "damaged_packaging", "wrong_shipment"],
    "billing": ["invoice_error", "price_dispute", "statement_mismatch"],
    "other": ["other"],
}
OPEN_STATUSES = ("open", "in_progress")
DONE_STATUSES = ("resolved", "closed")
AGE_BANDS = ((7, "0-7"), (30, "8-30"), (90, "31-90"), (None, "90+"))

# Open on a day: received by then and not resolved by then. A resolved or closed
# complaint without a resolved date (older data) counts as resolved.
OPEN_ON = """(k.received <= $day AND CASE WHEN k.resolved_date IS NULL
                  THEN k.status IN ('open', 'in_progress') ELSE k.resolved_date > $day END)"""


def categories(db: Database) -> dict[str, list[str]]:
    return settings.load(db, CATEGORIES_KEY, DEFAULT_CATEGORIES)


def save_categories(work: Work, value: dict[str, list[str]]) -> str:
    problems = [Problem(None, CATEGORIES_KEY, name, "required") for name in value if not str(name).strip()]
    if not value:
        problems.append(Problem(None, CATEGORIES_KEY, None, "empty_list"))
    if problems:
        raise InvalidRecords("settings", problems)
    clean = {str(k).strip(): list(dict.fromkeys(str(s).strip() for s in subs if str(s).strip()))
             for k, subs in value.items()}
    return settings.save(work, CATEGORIES_KEY, clean)


def rule_problems(db: Database, values: dict, today: dt.date) -> list[Problem]:
    """The domain's problems with one complaint (a form's)."""
    return rows_problems(db, to_frame(values), today)


def rows_problems(db: Database, rows: pd.DataFrame, today: dt.date) -> list[Problem]:
    """The domain's problems with these complaints (rows numbered from 1), each rule judged over
    all rows at once: an unknown customer, a category or sub-category not listed (a complaint may
    keep the ones it has stored, so that an old complaint can still be closed after its category
    left the list), a day after today, resolved before received, a resolved state without its
    day and an open one with it."""
    rows = rows.reset_index(drop=True)
    customer, category, sub = (column_of(rows, c) for c in ("customer_id", "category", "subcategory"))
    ids = column_of(rows, "complaint_id").astype(object).where(given(column_of(rows, "complaint_id")), None)
    found = account_file.unknown_customers(db, customer)
    found += _unlisted(db, ids, category, sub)
    received, resolved = days_of(column_of(rows, "received")), days_of(column_of(rows, "resolved_date"))
    for column, day in (("received", received), ("resolved_date", resolved)):
        found += problems_where(day > pd.Timestamp(today), column, "future_date", day.dt.date)
    found += problems_where(resolved < received, "resolved_date", "before_received", resolved.dt.date)
    status, has_resolved = column_of(rows, "status"), given(column_of(rows, "resolved_date"))
    found += problems_where(status.isin(DONE_STATUSES).to_numpy() & ~has_resolved, "resolved_date",
                            "resolved_needs_date")
    found += problems_where(status.isin(OPEN_STATUSES).to_numpy() & has_resolved, "status",
                            "open_with_resolved_date", status)
    return in_row_order(found)


def _unlisted(db: Database, ids: pd.Series, category: pd.Series, sub: pd.Series) -> list[Problem]:
    """A category not listed, or else a sub-category not listed under it; a complaint's stored
    category and sub-category count as listed for it."""
    listed = categories(db)
    stored = sorted(set(ids.dropna()))
    kept = db.query("SELECT complaint_id, category, subcategory FROM complaints WHERE complaint_id IN "
                    "(SELECT unnest($ids))", {"ids": stored}) if stored else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("complaint_id", "category", "subcategory")})
    has_category, has_sub = given(category), given(sub)
    own_category = pd.MultiIndex.from_arrays([ids, category]).isin(list(zip(kept["complaint_id"], kept["category"])))
    own_sub = pd.MultiIndex.from_arrays([ids, category, sub]).isin(
        list(kept[["complaint_id", "category", "subcategory"]].itertuples(index=False, name=None)))
    listed_sub = pd.MultiIndex.from_arrays([category, sub]).isin([(c, s) for c, subs in listed.items() for s in subs])
    bad_category = has_category & ~category.isin(list(listed)).to_numpy() & ~own_category
    extra = kept.groupby("complaint_id")["category"].agg(lambda c: [x for x in dict.fromkeys(c) if x not in listed])
    expected = ["expected one of " + ", ".join([*listed, *extra.get(i, [])]) for i in ids]
    bad_sub = has_category & ~bad_category & has_sub & ~listed_sub & ~own_sub
    return (problems_where(bad_category, "category", "allowed", category, expected)
            + problems_where(bad_sub, "subcategory", "subcategory_mismatch", sub,
                             [f"not listed under {c}" for c in category]))


def record_complaint(work: Work, values: dict) -> str:
    """Check the domain rules, then store a new complaint (or a new state of a known one)."""
    values = dict(values)
    new = not values.get("complaint_id")
    values["status"] = values.get("status") or "open"
    if new:
        values["complaint_id"] = "K-" + uuid.uuid4().hex[:8].upper()
    work.check_accounts(values.get("customer_id"))
    with work.batch("complaints", operation="complaint") as batch:
        refuse_unless_valid("complaints", values, rule_problems(work.db, values, work.today))
        (batch.append if new else batch.upsert)("complaints", [values])
    return values["complaint_id"]


def complaint(db: Database, complaint_id: str, today: dt.date) -> dict | None:
    """The full card of one complaint, with the customer's name and how long it took (or has taken)."""
    frame = db.query("""
        SELECT k.* EXCLUDE (batch_id), c.name AS customer_name, c.account_manager,
               date_diff('day', k.received, COALESCE(k.resolved_date, $today)) AS days_open
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE k.complaint_id = $id""", {"id": complaint_id, "today": today})
    return None if frame.empty else frame.iloc[0].to_dict()


def editable(db: Database, text: str = "", limit: int = 200, among: tuple[str, dict] = ("TRUE", {})) -> pd.DataFrame:
    """Complaints not yet closed whose id or customer matches the text, newest first; `among` is a
    condition on customers c (kam.access.customer_condition)."""
    where, params = among
    return db.query(f"""
        SELECT k.complaint_id, k.received, k.customer_id, c.name AS customer_name, k.category, k.status
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE k.status <> 'closed' AND ($text = '' OR k.complaint_id ILIKE '%' || $text || '%'
              OR k.customer_id ILIKE '%' || $text || '%' OR c.name ILIKE '%' || $text || '%') AND {where}
        ORDER BY k.received DESC, k.complaint_id LIMIT $limit""", {**params, "text": text.strip(), "limit": limit})


def listing(db: Database, filters: Filters) -> pd.DataFrame:
    """Complaints received in the period, newest first."""
    where, params = filters.condition("k.received")
    return db.query(f"""
        SELECT k.complaint_id, k.received, k.customer_id, c.name AS customer_name, k.category,
               k.subcategory, k.severity, k.status, k.owner, k.resolved_date, k.satisfied
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE {where} ORDER BY k.received DESC, k.complaint_id""", params)


def open_by_age(db: Database, filters: Filters, day: dt.date) -> pd.DataFrame:
    """Complaints open on the day, oldest first, with their age in days and age band."""
    where, params = filters.customer_condition()
    frame = db.query(f"""
        SELECT k.complaint_id, k.customer_id, c.name AS customer_name, k.received, k.category,
               k.subcategory, k.severity, k.status, k.owner, date_diff('day', k.received, $day) AS age_days
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE {OPEN_ON} AND {where} ORDER BY k.received, k.complaint_id""", {**params, "day": day})
    frame["age_band"] = [age_band(a) for a in frame["age_days"]]
    return frame


def age_band(days: int) -> str:
    return next(name for limit, name in AGE_BANDS if limit is None or days <= limit)


def open_count(db: Database, filters: Filters, day: dt.date) -> int:
    where, params = filters.customer_condition()
    return int(db.scalar(f"""SELECT COUNT(*) FROM complaints k LEFT JOIN customers c USING (customer_id)
                             WHERE {OPEN_ON} AND {where}""", {**params, "day": day}))


def summary(db: Database, filters: Filters, day: dt.date) -> dict[str, float | None]:
    """Complaints received in the period, open on the day, resolved in the period with their
    mean days to resolve and the share of those asked who were satisfied."""
    where, params = filters.condition("k.resolved_date")
    row = db.query(f"""
        SELECT COUNT(*) AS resolved, avg(date_diff('day', k.received, k.resolved_date)) AS mean_days,
               avg(CASE WHEN k.satisfied THEN 1.0 WHEN NOT k.satisfied THEN 0.0 END) AS satisfied_share
        FROM complaints k LEFT JOIN customers c USING (customer_id) WHERE {where}""", params).iloc[0]
    return {"received": float(len(listing(db, filters))), "open": float(open_count(db, filters, day)),
            "resolved": float(row["resolved"]),
            "mean_days": None if pd.isna(row["mean_days"]) else float(row["mean_days"]),
            "satisfied_share": None if pd.isna(row["satisfied_share"]) else float(row["satisfied_share"])}


def time_to_resolve(db: Database, filters: Filters, by: str) -> pd.DataFrame:
    """Complaints resolved in the period, per category or owner: how many, median and mean days."""
    if by not in ("category", "owner"):
        raise ValueError(f"time to resolve is grouped by category or owner, not {by!r}")
    where, params = filters.condition("k.resolved_date")
    return db.query(f"""
        SELECT COALESCE(k.{by}, '') AS {by}, COUNT(*) AS resolved,
               median(date_diff('day', k.received, k.resolved_date)) AS median_days,
               avg(date_diff('day', k.received, k.resolved_date)) AS mean_days,
               avg(CASE WHEN k.satisfied THEN 1.0 WHEN NOT k.satisfied THEN 0.0 END) AS satisfied_share
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE {where} GROUP BY 1 ORDER BY median_days DESC""", params)


def trend(db: Database, filters: Filters) -> pd.DataFrame:
    """Complaints received per month and category."""
    where, params = filters.condition("k.received")
    return db.query(f"""
        SELECT date_trunc('month', k.received)::DATE AS month, k.category, COUNT(*) AS complaints
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2""", params)


def top_accounts(db: Database, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """The accounts with the most complaints received in the period."""
    where, params = filters.condition("k.received")
    return db.query(f"""
        SELECT k.customer_id, any_value(c.name) AS customer_name, COUNT(*) AS complaints,
               COUNT(*) FILTER (WHERE k.status IN ('open', 'in_progress')) AS still_open,
               COUNT(*) FILTER (WHERE k.severity IN ('high', 'critical')) AS serious
        FROM complaints k LEFT JOIN customers c USING (customer_id)
        WHERE {where} GROUP BY 1 ORDER BY complaints DESC, serious DESC, k.customer_id LIMIT $limit""",
                    {**params, "limit": limit})
