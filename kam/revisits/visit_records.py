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
from kam.store.records import InvalidRecords, Problem, in_row_order, problems_where, to_frame, validate
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


def _raise_if(table: str, problems: list[Problem], order: list[str]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else len(order)))
        raise InvalidRecords(table, problems)


def _plan_rows(db: Database, plan_ids) -> pd.DataFrame:
    ids = sorted({p for p in plan_ids if not pd.isna(p)})
    if not ids:
        return pd.DataFrame(columns=PLANS.names)
    return db.query(f"SELECT {', '.join(PLANS.names)} FROM revisit_plans WHERE plan_id IN (SELECT unnest($ids))",
                    {"ids": ids}).set_index("plan_id", drop=False)


def visit_problems(db: Database, visits: pd.DataFrame, today: dt.date, history: bool = False) -> list[Problem]:
    """The domain's problems with typed visits (rows numbered from 1), each rule judged over all
    rows at once: a visit after today, an unknown customer, a next visit not after the visit or
    (unless importing history) before today, a plan that is not this customer's or no longer
    open (or fulfilled by another of these visits). The importer reports these beside the schema's."""
    visits = visits.reset_index(drop=True)
    problems = account_file.unknown_customers(db, visits["customer_id"])
    day, nxt, today = visits["date"], visits["next_visit_date"], pd.Timestamp(today)
    problems += problems_where(day > today, "date", "future_date", _iso(day))
    past = (nxt < today).to_numpy() & (not history)
    problems += problems_where(past, "next_visit_date", "past_date", _iso(nxt))
    problems += problems_where(~past & (nxt <= day).to_numpy(), "next_visit_date", "not_after_visit", _iso(nxt))
    plan_id = visits["plan_id"]
    linked = plan_id.notna().to_numpy()
    plans = _plan_rows(db, plan_id)
    owner, status = plan_id.map(plans["customer_id"]), plan_id.map(plans["status"])
    theirs = (owner == visits["customer_id"]).fillna(False).to_numpy(dtype=bool)
    problems += problems_where(linked & ~theirs, "plan_id", "unknown_plan", plan_id)
    taken = (status != "planned").to_numpy() | plan_id.duplicated(keep=False).to_numpy()
    problems += problems_where(linked & theirs & taken, "plan_id", "plan_not_open", plan_id)
    return in_row_order(problems)


def _iso(days: pd.Series) -> pd.Series:
    return days.dt.strftime("%Y-%m-%d")


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
    """The domain's problems with typed plans (rows numbered from 1), each rule judged over all
    rows at once: an unknown customer, an open plan dated before today, a cancelled plan with no
    reason, a done plan with no day."""
    plans = plans.reset_index(drop=True)
    problems = account_file.unknown_customers(db, plans["customer_id"])
    status, planned = plans["status"], plans["planned_date"]
    problems += problems_where((status == "planned").to_numpy() & (planned < pd.Timestamp(today)).to_numpy(),
                               "planned_date", "past_date", _iso(planned))
    problems += problems_where((status == "cancelled").to_numpy() & plans["cancel_reason"].isna().to_numpy(),
                               "cancel_reason", "required")
    problems += problems_where((status == "done").to_numpy() & plans["done_date"].isna().to_numpy(),
                               "done_date", "required")
    return in_row_order(problems)


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
