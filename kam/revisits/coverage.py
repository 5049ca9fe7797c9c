"""Revisits (大客户回访), the read side: who is covered, who is overdue, how the plans went.

The rules, the same on every page, in the CLI and in the tests:
- The accounts counted are the customers whose status is active and who were
  filed (created) on or before the as-of day.
- An account's class is its ABC class by revenue over the 12 months up to the
  as-of day (kam.abc's rule and default cuts, ranked among all customers); an
  account with no sales then has no class. Its interval follows the policy
  (kam.revisits.revisit_policy.assign).
- An account is covered when the days from its last visit on or before the
  as-of day to the as-of day are at most its interval. The clock of an account
  never visited starts on the day it was filed; with no filing date either, it
  is overdue by an unknown number of days.
- Its due day is that last visit (or filing) plus the interval; days overdue
  count from the day after, and are 0 while it is covered.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kam.sales import abc
from kam.revisits import ics
from kam.revisits import revisit_policy
from kam.readside.database import Database, Part
from kam.filters import Filters
from kam.periods import Period
from kam.revisits.revisit_policy import Policy

CLASS_ORDER = {"A": 0, "B": 1, "C": 2}
NO_CLASS = "none"
OUTCOMES = ("on_time", "late", "missed", "open", "cancelled")


def as_of(filters: Filters, today: dt.date) -> dt.date:
    """Coverage is read at the end of the chosen period, or today if the period runs on."""
    return min(filters.period.end, today)


def class_window(day: dt.date) -> Period:
    """The 12 months up to and including the day."""
    year_before = (pd.Timestamp(day) - pd.DateOffset(years=1)).date()
    return Period(year_before + dt.timedelta(days=1), day)


def _days(series: pd.Series) -> pd.Series:
    return series.dt.days.astype("Int64")


def classes_sql(day: dt.date) -> Part:
    """The accounts' classes on the day, as a part: kam.abc's rule over the 12 months up to it,
    ranked among all customers (customer_id, value, abc_class)."""
    return abc.classes_sql(class_window(day))


def _last_visits_sql(day: dt.date) -> Part:
    """customer_id, last_visit: each account's last visit on or before the day."""
    return Part("SELECT customer_id, MAX(date) AS last_visit FROM visits WHERE date <= $as_of GROUP BY 1",
                {"as_of": day}, windows={"visits": (None, day)})


def _next_plans_sql(day: dt.date) -> Part:
    """customer_id, next_plan: each account's first open plan from the day on."""
    return Part("""SELECT customer_id, MIN(planned_date) AS next_plan FROM revisit_plans
                   WHERE status = 'planned' AND planned_date >= $as_of GROUP BY 1""", {"as_of": day})


def _judged_sql(day: dt.date, policy: Policy) -> Part:
    """The rule on the day for every account counted (customer_id, last_visit, abc_class,
    revenue_12m, the policy's interval_days, method and rule, days_since, due_date, covered,
    days_overdue), as a part built from the day's classes and last visits: as those read only
    the days up to it, a sale or visit recorded later leaves it as it was."""
    joins, items = revisit_policy.chosen_sql(policy, "k.abc_class", "c.tier")
    return Part(f"""
        WITH {revisit_policy.rules_sql(policy)},
        counted AS (
            SELECT c.customer_id, c.created, s.last_visit::DATE AS last_visit, k.abc_class,
                   COALESCE(k.value, 0) AS revenue_12m, {items}
            FROM customers c
            LEFT JOIN day_visits s ON s.customer_id = c.customer_id
            LEFT JOIN day_classes k ON k.customer_id = c.customer_id
            {joins}
            WHERE c.status = 'active' AND (c.created IS NULL OR c.created <= $as_of))
        SELECT * EXCLUDE (created), date_diff('day', COALESCE(last_visit, created), $as_of) AS days_since,
               COALESCE(last_visit, created) + interval_days AS due_date,
               COALESCE(date_diff('day', COALESCE(last_visit, created), $as_of) <= interval_days, FALSE) AS covered,
               CASE WHEN COALESCE(last_visit, created) IS NOT NULL  -- GREATEST would turn unknown into 0
                    THEN GREATEST(date_diff('day', COALESCE(last_visit, created), $as_of) - interval_days, 0)
                    END AS days_overdue
        FROM counted
    """, {"as_of": day}, {"day_classes": classes_sql(day), "day_visits": _last_visits_sql(day)})


def accounts_sql(day: dt.date, policy: Policy) -> Part:
    """Every account counted on the day, as a part (Database.query's `using`): the rule's
    judgement (_judged_sql) with the account's name, the filters' columns (region,
    account_manager, tier), its filing day and its next open plan. Every filter reads its
    accounts from this one part."""
    return Part("""
        SELECT c.customer_id, c.name AS customer_name, c.tier, c.region, c.account_manager, c.created,
               j.last_visit, p.next_plan::DATE AS next_plan, j.* EXCLUDE (customer_id, last_visit)
        FROM day_judged j JOIN customers c ON c.customer_id = j.customer_id
        LEFT JOIN day_plans p ON p.customer_id = j.customer_id""", {}, {
        "day_judged": _judged_sql(day, policy), "day_plans": _next_plans_sql(day)})


def with_account_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole days that may be unknown as nullable integers, the rule's columns as text."""
    for column in ("days_since", "days_overdue"):
        frame[column] = frame[column].astype("Int64")
    return revisit_policy.with_rule_types(frame)


def accounts(db: Database, filters: Filters, day: dt.date, policy: Policy) -> pd.DataFrame:
    """One row per counted account with its class, interval, last visit, due day and whether it is covered."""
    return with_account_types(db.chosen(accounts_sql(day, policy), filters, "a",
                                        "SELECT * FROM a ORDER BY customer_id"))


def coverage_share(db: Database, filters: Filters, day: dt.date, policy: Policy) -> float | None:
    """coverage() of accounts(), counted in SQL."""
    share = db.chosen(accounts_sql(day, policy), filters, "a",
                      "SELECT AVG(covered::INTEGER) FROM a").iat[0, 0]
    return None if share is None or pd.isna(share) else float(share)


def coverage(table: pd.DataFrame) -> float | None:
    """The share of accounts covered; None when there are no accounts."""
    return float(table["covered"].mean()) if len(table) else None


def coverage_by(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Accounts, covered accounts and coverage for each value of a column (class, tier, manager, region)."""
    keys = table[column].astype("string").fillna(NO_CLASS if column == "abc_class" else "")
    grouped = table.groupby(keys.rename(column), sort=True).agg(
        accounts=("covered", "size"), covered=("covered", "sum")).reset_index()
    grouped["coverage"] = grouped["covered"] / grouped["accounts"]
    return grouped


def month_ends(period: Period, last: dt.date) -> list[dt.date]:
    """The last day of each month of the period, the final one cut at `last`."""
    days, month = [], period.start.replace(day=1)
    while month <= min(period.end, last):
        end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        days.append(min(end, period.end, last))
        month = end + dt.timedelta(days=1)
    return days


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def coverage_on(db: Database, filters: Filters, days, policy: Policy) -> pd.DataFrame:
    """as_of, accounts, covered and coverage on each of the days: the filtered accounts of each
    day's judgement (_judged_sql, the part accounts() is made from), counted in one query."""
    days = sorted(set(days))
    if not days:
        return pd.DataFrame(columns=["as_of", "accounts", "covered", "coverage"])
    where, params = filters.customer_condition("a")
    each = " UNION ALL ".join(f"SELECT {_date(day)} AS day, customer_id, covered FROM day_{i}"
                              for i, day in enumerate(days))
    table = db.query(f"""
        WITH days AS (SELECT unnest([{", ".join(_date(d) for d in days)}]) AS day),
        a AS (SELECT j.day, j.covered, c.region, c.account_manager, c.tier
              FROM ({each}) j JOIN customers c ON c.customer_id = j.customer_id)
        SELECT d.day AS as_of, COUNT(a.day) AS accounts, COUNT(*) FILTER (WHERE a.covered) AS covered
        FROM days d LEFT JOIN a ON a.day = d.day AND {where} GROUP BY 1 ORDER BY 1""",
                     params, using={f"day_{i}": _judged_sql(day, policy) for i, day in enumerate(days)})
    table["as_of"] = table["as_of"].dt.date
    table["coverage"] = (table["covered"] / table["accounts"].where(table["accounts"] > 0)).astype("float64")
    return table


def coverage_trend(db: Database, filters: Filters, policy: Policy, today: dt.date) -> pd.DataFrame:
    """Coverage at the end of each month of the period (today for the month running)."""
    table = coverage_on(db, filters, month_ends(filters.period, today), policy)
    table.insert(0, "month", [day.replace(day=1) for day in table["as_of"]])
    return table[["month", "as_of", "accounts", "covered", "coverage"]]


OVERDUE_COLUMNS = ["customer_id", "customer_name", "abc_class", "tier", "account_manager", "region",
                   "last_visit", "interval_days", "days_overdue", "revenue_12m", "next_plan"]


def overdue(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts not covered: class A first, then B, C and no class; within a class the most
    overdue first (unknown days before all), then the most revenue."""
    late = table[~table["covered"]].copy()
    late["_class"] = late["abc_class"].map(CLASS_ORDER).fillna(len(CLASS_ORDER))
    late["_days"] = late["days_overdue"].astype("float64").fillna(np.inf)
    late = late.sort_values(["_class", "_days", "revenue_12m", "customer_id"],
                            ascending=[True, False, False, True], kind="stable")
    return late[OVERDUE_COLUMNS].reset_index(drop=True)


def due_soon(table: pd.DataFrame, day: dt.date, days: int = 14) -> pd.DataFrame:
    """Covered accounts whose due day falls from the day to `days` days later, soonest first."""
    due, first = table["due_date"], pd.Timestamp(day)
    soon = table[table["covered"] & (due >= first) & (due <= first + pd.Timedelta(days=days))].copy()
    soon["days_left"] = _days(soon["due_date"] - pd.Timestamp(day))
    soon["_class"] = soon["abc_class"].map(CLASS_ORDER).fillna(len(CLASS_ORDER))
    soon = soon.sort_values(["due_date", "_class", "customer_id"], kind="stable")
    return soon[["customer_id", "customer_name", "abc_class", "account_manager", "last_visit", "due_date",
                 "days_left", "next_plan"]].reset_index(drop=True)


# A plan's outcome on the day $as_of: on_time when done at most $grace days after the planned day; late when
# done after that; missed when still open more than $grace days after it; open when not yet due; cancelled.
OUTCOME_SQL = """CASE WHEN p.status = 'cancelled' THEN 'cancelled'
                      WHEN p.status = 'done' AND p.done_date::DATE > p.planned_date::DATE + $grace::INTEGER THEN 'late'
                      WHEN p.status = 'done' THEN 'on_time'
                      WHEN $as_of::DATE > p.planned_date::DATE + $grace::INTEGER THEN 'missed'
                      ELSE 'open' END"""


def adherence(db: Database, filters: Filters, day: dt.date, grace: int) -> pd.DataFrame:
    """Per account manager: plans of the period due by the day, by outcome, and the share on time
    among those done or missed."""
    where, params = filters.condition("p.planned_date")
    counted = db.query(f"""
        SELECT COALESCE(c.account_manager, '') AS account_manager, {OUTCOME_SQL} AS outcome, COUNT(*) AS plans
        FROM revisit_plans p LEFT JOIN customers c ON c.customer_id = p.customer_id
        WHERE {where} AND p.planned_date <= $as_of GROUP BY 1, 2
    """, {**params, "as_of": day, "grace": grace})
    table = counted.pivot_table(index="account_manager", columns="outcome", values="plans", aggfunc="sum",
                                fill_value=0).reindex(columns=list(OUTCOMES), fill_value=0).astype(int)
    table.columns.name = None
    table = table.reset_index()
    table["plans"] = table[list(OUTCOMES)].sum(axis=1)
    judged = table["on_time"] + table["late"] + table["missed"]
    table["on_time_share"] = (table["on_time"] / judged.where(judged > 0)).astype("float64")
    return table[["account_manager", "plans", *OUTCOMES, "on_time_share"]]


VISIT_LOG_SEARCHED = ("customer_id", "customer_name", "received_by", "visited_by", "discussed", "progress")


def _visit_log_sql(filters: Filters, text: str = "", methods=(), occasions=()) -> tuple[str, dict]:
    """The period's visits with their account's name, manager, region and tier, narrowed by a
    search over the account and the notes (any word order, any case) and by method and occasion."""
    where, params = filters.condition("v.date")
    if text.strip():
        params["text"] = text.strip().lower()
        hay = {"customer_id": "v.customer_id", "customer_name": "c.name", "received_by": "v.received_by",
               "visited_by": "v.visited_by", "discussed": "v.discussed", "progress": "v.progress"}
        where += " AND (" + " OR ".join(f"contains(lower(COALESCE({hay[c]}, '')), $text)"
                                        for c in VISIT_LOG_SEARCHED) + ")"
    for column, chosen in (("method", methods), ("occasion", occasions)):
        if chosen:
            names = [f"${column}_{i}" for i in range(len(chosen))]
            params.update({name[1:]: value for name, value in zip(names, chosen)})
            where += f" AND v.{column} IN ({', '.join(names)})"
    return f"""
        SELECT v.visit_id, v.date, v.customer_id, c.name AS customer_name, c.account_manager, c.region, c.tier,
               v.method, v.occasion, v.received_by, v.visited_by, v.discussed, v.deal_stage, v.progress,
               v.satisfaction, v.next_visit_date, v.next_visit_purpose, v.plan_id, v.recorded_by
        FROM visits v LEFT JOIN customers c ON c.customer_id = v.customer_id
        WHERE {where}""", params


def _visits_sql(filters: Filters) -> tuple[str, dict]:
    """FROM and WHERE of the period's visits of the filtered accounts."""
    where, params = filters.lines_condition("v.date", "v.customer_id")
    return f"FROM visits v WHERE {where}", params


def visit_summary(db: Database, filters: Filters) -> dict:
    """The period's visits and their average satisfaction (None when none was scored)."""
    source, params = _visits_sql(filters)
    row = db.query(f"SELECT COUNT(*) AS visits, AVG(v.satisfaction) AS satisfaction {source}", params).iloc[0]
    return {"visits": int(row["visits"]),
            "satisfaction": None if pd.isna(row["satisfaction"]) else float(row["satisfaction"])}


def mix(db: Database, filters: Filters, column: str) -> pd.DataFrame:
    """Visits and their share for each method or occasion ("" where none was recorded), most first."""
    if column not in ("method", "occasion"):
        raise ValueError(column)
    source, params = _visits_sql(filters)
    out = db.query(f"""SELECT COALESCE(v.{column}, '') AS {column}, COUNT(*) AS visits {source}
                       GROUP BY 1 ORDER BY visits DESC, 1""", params)
    out["share"] = out["visits"] / out["visits"].sum() if len(out) else 0.0
    return out


def satisfaction_by_class(db: Database, filters: Filters, day: dt.date) -> pd.DataFrame:
    """Average satisfaction (1-5) of the period's scored visits, by the account's class at the day."""
    source, params = _visits_sql(filters)
    out = db.query(f"""
        SELECT * FROM (
            SELECT COALESCE(k.abc_class, '{NO_CLASS}') AS abc_class, COUNT(*) AS visits,
                   AVG(v.satisfaction) AS satisfaction
            {source.replace("FROM visits v", "FROM visits v LEFT JOIN day_classes k ON k.customer_id = v.customer_id")}
              AND v.satisfaction IS NOT NULL
            GROUP BY 1)
        ORDER BY CASE abc_class WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 ELSE 9 END""",
                   params, using={"day_classes": classes_sql(day)})
    return out


def satisfaction_by_month(db: Database, filters: Filters) -> pd.DataFrame:
    source, params = _visits_sql(filters)
    return db.query(f"""SELECT date_trunc('month', v.date) AS month, COUNT(*) AS visits,
                               AVG(v.satisfaction) AS satisfaction
                        {source} AND v.satisfaction IS NOT NULL GROUP BY 1 ORDER BY 1""", params)


def open_plans(db: Database, filters: Filters | None = None, customer_id: str | None = None) -> pd.DataFrame:
    """Plans still open, earliest first: the filtered accounts', or one account's."""
    where, params = filters.customer_condition("c") if filters else ("TRUE", {})
    if customer_id is not None:
        where, params = f"{where} AND p.customer_id = $customer_id", {**params, "customer_id": customer_id}
    return db.query(f"""
        SELECT p.plan_id, p.planned_date, p.customer_id, c.name AS customer_name, c.account_manager,
               p.method, p.purpose, p.content, p.owner
        FROM revisit_plans p LEFT JOIN customers c ON c.customer_id = p.customer_id
        WHERE p.status = 'planned' AND {where}
        ORDER BY p.planned_date, p.plan_id
    """, params)


def proposals(table: pd.DataFrame, day: dt.date, weeks: int) -> pd.DataFrame:
    """A plan for every account due under the policy within `weeks` weeks of the day (overdue
    ones included) that has no open plan from the day on; planned on its due day, or the day
    itself if that has passed, by the policy's method, owned by its account manager."""
    horizon = pd.Timestamp(day + dt.timedelta(weeks=weeks))
    due = table[(table["due_date"].isna() | (table["due_date"] <= horizon)) & table["next_plan"].isna()].copy()
    due["planned_date"] = due["due_date"].fillna(pd.Timestamp(day)).clip(lower=pd.Timestamp(day))
    due["owner"] = due["account_manager"]
    due["_class"] = due["abc_class"].map(CLASS_ORDER).fillna(len(CLASS_ORDER))
    due = due.sort_values(["planned_date", "_class", "customer_id"], kind="stable")
    return due[["customer_id", "customer_name", "abc_class", "tier", "last_visit", "due_date", "interval_days",
                "planned_date", "method", "owner", "rule"]].reset_index(drop=True)


def _birthday_in(column: str, year: str) -> str:
    """SQL: the birthday in the column on its day of the year (an expression), 29 February on
    the 28th in other years."""
    leap = f"(({year}) % 4 = 0 AND (({year}) % 100 <> 0 OR ({year}) % 400 = 0))"
    return (f"make_date({year}, month({column}), CASE WHEN month({column}) = 2 AND day({column}) = 29 "
            f"AND NOT {leap} THEN 28 ELSE day({column}) END)")


def next_birthday_sql(column: str) -> str:
    """SQL: the first birthday on or after $start; 29 February is kept on the 28th in other years."""
    this_year = _birthday_in(column, "year($start::DATE)")
    return f"CASE WHEN {this_year} >= $start::DATE THEN {this_year} ELSE {_birthday_in(column, 'year($start::DATE) + 1')} END"


def birthdays(db: Database, filters: Filters, start: dt.date, days: int) -> pd.DataFrame:
    """Key contacts of the filtered active accounts whose birthday falls from start to `days` days on."""
    where, params = filters.customer_condition("c")
    return db.query(f"""
        WITH people AS (
            SELECT {next_birthday_sql("p.birthday")} AS next_birthday, p.name AS contact, p.role, p.title,
                   p.phone, p.customer_id, c.name AS customer_name, c.account_manager
            FROM contacts p JOIN customers c ON c.customer_id = p.customer_id
            WHERE p.birthday IS NOT NULL AND c.status = 'active' AND {where})
        SELECT next_birthday, date_diff('day', $start::DATE, next_birthday) AS days_left, contact, role, title,
               phone, customer_id, customer_name, account_manager
        FROM people WHERE date_diff('day', $start::DATE, next_birthday) <= $days
        ORDER BY next_birthday, customer_id, contact""", {**params, "start": start, "days": days})


def holiday_visits(table: pd.DataFrame, holidays: pd.DataFrame, policy: Policy, start: dt.date,
                   days: int) -> pd.DataFrame:
    """For each holiday from start to `days` days on, the accounts the policy revisits for it
    (its holiday classes and tiers)."""
    coming = holidays[(holidays["date"] >= pd.Timestamp(start))
                      & (holidays["date"] <= pd.Timestamp(start + dt.timedelta(days=days)))]
    chosen = table[table["abc_class"].isin(policy.holiday_classes) | table["tier"].isin(policy.holiday_tiers)]
    pairs = coming.merge(chosen[["customer_id", "customer_name", "abc_class", "tier", "account_manager",
                                 "next_plan"]], how="cross")
    pairs["_class"] = pairs["abc_class"].map(CLASS_ORDER).fillna(len(CLASS_ORDER))
    pairs = pairs.sort_values(["date", "_class", "customer_id"], kind="stable")
    return pairs.drop(columns="_class").reset_index(drop=True)


def visit_log(db: Database, filters: Filters, text: str = "", methods=(), occasions=(),
              limit: int | None = None) -> pd.DataFrame:
    """The period's visit records, newest first, narrowed by a search over the account and the
    notes and by method and occasion; the first `limit` of them if given."""
    sql, params = _visit_log_sql(filters, text, methods, occasions)
    first = f" LIMIT {int(limit)}" if limit is not None else ""
    return db.query(f"{sql} ORDER BY v.date DESC, v.visit_id DESC{first}", params)


def visit_log_count(db: Database, filters: Filters, text: str = "", methods=(), occasions=()) -> int:
    sql, params = _visit_log_sql(filters, text, methods, occasions)
    return int(db.scalar(f"SELECT COUNT(*) FROM ({sql})", params))


def planned_for_calendar(db: Database, filters: Filters, start: dt.date) -> pd.DataFrame:
    """Open plans from start on, for the calendar file."""
    plans = open_plans(db, filters)
    return plans[plans["planned_date"] >= pd.Timestamp(start)].reset_index(drop=True)


def calendar_file(plans: pd.DataFrame, t) -> bytes:
    """The plans as an iCalendar file: one all-day event per plan, named in the catalogue's language."""
    events = []
    for plan in plans.itertuples(index=False):
        method = t(f"method.{plan.method}") if isinstance(plan.method, str) and plan.method else ""
        details = [(t("col.revisit_plans.purpose"), plan.purpose), (t("col.revisit_plans.content"), plan.content),
                   (t("col.revisit_plans.owner"), plan.owner), (t("col.customer_id"), plan.customer_id),
                   (t("col.revisit_plans.plan_id"), plan.plan_id)]
        events.append(ics.Event(
            uid=f"{plan.plan_id}@kam.revisits", day=plan.planned_date.date(),
            summary=t("revisit.ics_summary", customer=plan.customer_name or plan.customer_id, method=method).strip(),
            description="\n".join(f"{label}: {value}" for label, value in details if isinstance(value, str) and value),
            categories=t("revisit.ics_category")))
    return ics.calendar(events, name=t("revisit.ics_calendar"))
