"""Recording revisits: visit records (回访记录表) and revisit plans (回访计划表).

Forms, the importer and the CLI all write through these functions, so a record
is checked the same way wherever it comes from. Each checks the declared
schema and then the domain's rules, reports every problem by row and column
(InvalidRecords), and writes nothing unless all rows pass. The checks run in the
write's batch (kam.store.work), so what they read cannot change before the write.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam.accounts import account_file
from kam.readside.database import Database
from kam.store.records import InvalidRecords, Problem, to_frame, validate
from kam.store.schema import table as table_def
from kam.store.work import Work

VISITS, PLANS = table_def("visits"), table_def("revisit_plans")


def new_id(prefix: str, day) -> str:
    """A readable id: the prefix, the day and a random tail, e.g. V20251127-3fa9c1."""
    stamp = pd.Timestamp(day).strftime("%Y%m%d") if day is not None and not pd.isna(day) else "00000000"
    return f"{prefix}{stamp}-{uuid.uuid4().hex[:6]}"


def _with_ids(frame: pd.DataFrame, id_column: str, prefix: str, date_column: str) -> pd.DataFrame:
    frame = frame.copy()
    if id_column not in frame:
        frame[id_column] = None
    blank = frame[id_column].isna() | frame[id_column].astype("string").str.strip().eq("").fillna(True)
    frame[id_column] = frame[id_column].astype(object)
    for i in frame.index[blank]:
        day = pd.to_datetime(frame.at[i, date_column], errors="coerce") if date_column in frame else None
        frame.at[i, id_column] = new_id(prefix, day)
    return frame


def _day(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _raise_if(table: str, problems: list[Problem], order: list[str]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else len(order)))
        raise InvalidRecords(table, problems)


def _unknown_customers(db: Database, typed: pd.DataFrame) -> list[Problem]:
    known = account_file.known_customers(db, typed["customer_id"].dropna())
    return [Problem(i + 1, "customer_id", cid, "unknown_customer")
            for i, cid in enumerate(typed["customer_id"]) if not pd.isna(cid) and cid not in known]


def _plan_rows(db: Database, plan_ids) -> pd.DataFrame:
    ids = sorted({p for p in plan_ids if not pd.isna(p)})
    if not ids:
        return pd.DataFrame(columns=PLANS.names)
    return db.query(f"SELECT {', '.join(PLANS.names)} FROM revisit_plans WHERE plan_id IN (SELECT unnest($ids))",
                    {"ids": ids}).set_index("plan_id", drop=False)


def visit_problems(db: Database, visits: pd.DataFrame, today: dt.date, history: bool = False) -> list[Problem]:
    """The domain's problems with typed visits (rows numbered from 1): a visit after today, an
    unknown customer, a next visit not after the visit or (unless importing history) before
    today, a plan that is not this customer's or no longer open. The importer reports these
    beside the schema's."""
    problems = _unknown_customers(db, visits)
    plans = _plan_rows(db, visits["plan_id"])
    for i, row in visits.reset_index(drop=True).iterrows():
        n, day, nxt = i + 1, _day(row["date"]), _day(row["next_visit_date"])
        if day is not None and day > today:
            problems.append(Problem(n, "date", day.isoformat(), "future_date"))
        if nxt is not None and nxt < today and not history:
            problems.append(Problem(n, "next_visit_date", nxt.isoformat(), "past_date"))
        elif nxt is not None and day is not None and nxt <= day:
            problems.append(Problem(n, "next_visit_date", nxt.isoformat(), "not_after_visit"))
        plan_id = row["plan_id"]
        if pd.isna(plan_id):
            continue
        if plan_id not in plans.index or plans.at[plan_id, "customer_id"] != row["customer_id"]:
            problems.append(Problem(n, "plan_id", plan_id, "unknown_plan"))
        elif plans.at[plan_id, "status"] != "planned" or (visits["plan_id"] == plan_id).sum() > 1:
            problems.append(Problem(n, "plan_id", plan_id, "plan_not_open"))
    return problems


def check_visits(db: Database, rows, today: dt.date, history: bool = False) -> pd.DataFrame:
    """The visits typed and with ids, or InvalidRecords with the schema's and the domain's problems."""
    frame = _with_ids(to_frame(rows), "visit_id", "V", "date")
    typed, problems = validate(VISITS, frame)
    _raise_if("visits", problems + visit_problems(db, typed, today, history), VISITS.names)
    return typed


def _fulfilled(db: Database, visits: pd.DataFrame) -> pd.DataFrame:
    """The plans these visits fulfil, marked done on the visit's day."""
    linked = visits[visits["plan_id"].notna()]
    plans = _plan_rows(db, linked["plan_id"])
    if plans.empty:
        return plans
    plans = plans.loc[linked["plan_id"]].reset_index(drop=True)
    plans["status"] = "done"
    plans["done_date"] = linked["date"].to_numpy()
    plans["visit_id"] = linked["visit_id"].to_numpy()
    return plans


def _follow_ups(visits: pd.DataFrame, user: str, today: dt.date) -> pd.DataFrame:
    """The plan each visit's "next visit" asks for, when that day is still to come."""
    ahead = visits[visits["next_visit_date"] >= pd.Timestamp(today)]
    return pd.DataFrame({
        "plan_id": [new_id("P", d) for d in ahead["next_visit_date"]],
        "customer_id": ahead["customer_id"].to_numpy(),
        "planned_date": ahead["next_visit_date"].to_numpy(),
        "method": ahead["method"].to_numpy(),
        "purpose": ahead["next_visit_purpose"].to_numpy(),
        "owner": ahead["visited_by"].fillna(user).to_numpy(),
        "status": "planned",
    })


def plan_changes(db: Database, visits: pd.DataFrame, *, user: str, today: dt.date) -> pd.DataFrame:
    """What typed visits do to the revisit plans, wherever they come from (a form, an import): the
    plans they fulfil become done, and each next visit still to come becomes a plan."""
    return pd.concat([df for df in (_fulfilled(db, visits), _follow_ups(visits, user, today)) if len(df)] or
                     [pd.DataFrame(columns=PLANS.names)], ignore_index=True)


def record_visits(work: Work, rows, *, history: bool = False) -> list[str]:
    """Append visit records; the plans they fulfil become done, and each next visit becomes a plan.

    Returns the visit ids. The visits and the plan changes are one batch. With history (an
    import of past visits), a next visit day that has already passed is kept on the visit as a
    record and becomes no plan.
    """
    with work.batch("visits", "revisit_plans", operation="record visits") as batch:
        visits = check_visits(work.db, rows, work.today, history)
        work.check_accounts(*visits["customer_id"])
        plans = plan_changes(work.db, visits, user=work.user, today=work.today)
        batch.append("visits", visits)
        if len(plans):
            batch.upsert("revisit_plans", plans, operation="visit plans")
    return visits["visit_id"].tolist()


def record_visit(work: Work, values: dict) -> str:
    return record_visits(work, [values])[0]


def plan_problems(db: Database, plans: pd.DataFrame, today: dt.date) -> list[Problem]:
    """The domain's problems with typed plans (rows numbered from 1): an unknown customer, an
    open plan dated before today, a cancelled plan with no reason, a done plan with no day."""
    problems = _unknown_customers(db, plans)
    for i, row in plans.reset_index(drop=True).iterrows():
        n, planned = i + 1, _day(row["planned_date"])
        if row["status"] == "planned" and planned is not None and planned < today:
            problems.append(Problem(n, "planned_date", planned.isoformat(), "past_date"))
        if row["status"] == "cancelled" and pd.isna(row["cancel_reason"]):
            problems.append(Problem(n, "cancel_reason", None, "required"))
        if row["status"] == "done" and pd.isna(row["done_date"]):
            problems.append(Problem(n, "done_date", None, "required"))
    return problems


def check_plans(db: Database, rows, today: dt.date) -> pd.DataFrame:
    """The plans typed, with ids and status (planned unless given), or InvalidRecords."""
    frame = _with_ids(to_frame(rows), "plan_id", "P", "planned_date")
    if "status" not in frame:
        frame["status"] = None
    given = frame["status"].astype("string").str.strip()
    frame["status"] = given.astype(object).where(given.notna() & given.ne(""), "planned")
    typed, problems = validate(PLANS, frame)
    _raise_if("revisit_plans", problems + plan_problems(db, typed, today), PLANS.names)
    return typed


def add_plans(work: Work, rows) -> list[str]:
    """Append revisit plans (a form's one, or the reviewed proposals) in one commit; returns their ids."""
    with work.batch("revisit_plans", operation="add plans") as batch:
        plans = check_plans(work.db, rows, work.today)
        work.check_accounts(*plans["customer_id"])
        batch.append("revisit_plans", plans)
    return plans["plan_id"].tolist()


def add_plan(work: Work, values: dict) -> str:
    return add_plans(work, [values])[0]


def cancel_plan(work: Work, plan_id: str, reason: str) -> None:
    """Mark an open plan cancelled, with the reason; InvalidRecords when it is not open or no reason is given."""
    with work.batch("revisit_plans", operation="cancel plan") as batch:
        plans = _plan_rows(work.db, [plan_id])
        problems = []
        if plan_id not in plans.index:
            problems.append(Problem(1, "plan_id", plan_id, "unknown_plan"))
        elif plans.at[plan_id, "status"] != "planned":
            problems.append(Problem(1, "plan_id", plan_id, "plan_not_open"))
        if not (reason or "").strip():
            problems.append(Problem(1, "cancel_reason", None, "required"))
        _raise_if("revisit_plans", problems, PLANS.names)
        work.check_accounts(plans.at[plan_id, "customer_id"])
        row = plans.loc[[plan_id]].reset_index(drop=True)
        row["status"], row["cancel_reason"] = "cancelled", reason.strip()
        batch.upsert("revisit_plans", row)
