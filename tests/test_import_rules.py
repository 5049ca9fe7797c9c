"""The domain's rules of complaints, retention actions, revisit plans and visits, judged over a
whole file at once (issue 19: no row-by-row checks): every broken rule is named at its line, the
same whether the file is checked whole or a few records at a time, and the lines that break none
pass."""
from __future__ import annotations

import datetime as dt

import pytest

import import_corpus
from kam.imports import files
from kam.imports import importer
from kam.store.delta import Store

# table -> (file, the problems expected: line, column, code). Dates in 2099 lie after today.
FILES = {
    "complaints": (
        "complaint_id,customer_id,received,category,subcategory,severity,status,resolved_date\n"
        "J1,00017,2026-02-01,product,quality_defect,high,open,\n"
        "J2,X999,2026-02-01,product,quality_defect,high,open,\n"
        "J3,00017,2099-01-01,product,quality_defect,high,open,\n"
        "J4,00017,2026-02-01,weather,,high,open,\n"
        "J5,00017,2026-02-01,service,quality_defect,high,open,\n"
        "J6,00017,2026-02-01,product,quality_defect,high,resolved,\n"
        "J7,00017,2026-02-05,product,quality_defect,high,resolved,2026-02-01\n"
        "J8,00017,2026-02-01,product,quality_defect,high,open,2026-02-03\n"
        "K-OLD,00023,2026-02-01,old_category,old_sub,high,resolved,2026-02-10\n"  # its stored category
        "J9,00023,2026-02-01,old_category,old_sub,high,open,\n",  # another's: not listed
        [(3, "customer_id", "unknown_customer"), (4, "received", "future_date"), (5, "category", "allowed"),
         (6, "subcategory", "subcategory_mismatch"), (7, "resolved_date", "resolved_needs_date"),
         (8, "resolved_date", "before_received"), (9, "status", "open_with_resolved_date"),
         (11, "category", "allowed")]),
    "retention_actions": (
        "action_id,customer_id,action,owner,due_date,status,done_date\n"
        "M1,00017,call,王,2030-02-01,planned,\n"
        "M2,00017,call,王,2030-02-01,done,\n"
        "M3,00017,call,王,2030-02-01,done,2099-01-01\n"
        "M4,X999,call,王,2030-02-01,planned,\n",
        [(3, "done_date", "done_needs_date"), (4, "done_date", "future_date"), (5, "customer_id", "unknown_customer")]),
    "revisit_plans": (
        "plan_id,customer_id,planned_date,method,status,cancel_reason,done_date\n"
        "Q1,00017,2099-01-10,phone,planned,,\n"
        "Q2,00017,2026-01-10,phone,planned,,\n"
        "Q3,00023,2099-01-10,phone,cancelled,,\n"
        "Q4,00023,2099-01-10,phone,done,,\n"
        "Q5,X999,2099-01-10,phone,planned,,\n",
        [(3, "planned_date", "past_date"), (4, "cancel_reason", "required"), (5, "done_date", "required"),
         (6, "customer_id", "unknown_customer")]),
    "visits": (
        "visit_id,customer_id,date,method,plan_id,next_visit_date\n"
        "V1,00017,2026-03-01,phone,P-1,\n"
        "V2,00017,2026-03-02,phone,P-1,\n"  # a plan fulfilled twice: both lines
        "V3,00023,2026-03-03,phone,P-2,\n"  # another customer's plan
        "V4,00017,2099-03-03,phone,,\n"
        "V5,00017,2026-03-05,phone,,2026-03-04\n"
        "V6,00017,2026-03-06,phone,P-3,\n"  # a cancelled plan
        "V7,00023,2026-03-07,phone,,2026-03-01\n"  # a next visit before the visit: said once
        "V8,00023,2026-03-08,phone,,2026-03-20\n",  # history: a next visit since passed is kept
        [(2, "plan_id", "plan_not_open"), (3, "plan_id", "plan_not_open"), (4, "plan_id", "unknown_plan"),
         (5, "date", "future_date"), (6, "next_visit_date", "not_after_visit"), (7, "plan_id", "plan_not_open"),
         (8, "next_visit_date", "not_after_visit")]),
}


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("rules") / "store")
    store.append("customers", import_corpus.CUSTOMERS, user="setup")
    store.append("complaints", [{"complaint_id": "K-OLD", "customer_id": "00023", "received": dt.date(2026, 2, 1),
                                 "category": "old_category", "subcategory": "old_sub", "severity": "high",
                                 "status": "open"}], user="setup")
    store.append("revisit_plans", [
        {"plan_id": f"P-{n}", "customer_id": "00017", "planned_date": dt.date(2026, 3, 1), "method": "phone",
         "status": status, "cancel_reason": "moved" if status == "cancelled" else None}
        for n, status in ((1, "planned"), (2, "planned"), (3, "cancelled"))], user="setup")
    return store


def said(plan: importer.Plan) -> list[tuple]:
    lines = plan.errors[plan.errors["row"] >= 0]
    return sorted(zip(lines["line"].astype(int), lines["column"], lines["code"]))


@pytest.mark.parametrize("table", list(FILES))
def test_each_broken_rule_of_a_file_is_named_at_its_line_and_only_there(office, tmp_path, table):
    text, expected = FILES[table]
    path = tmp_path / f"{table}.csv"
    path.write_text(text, encoding="utf-8")
    update = importer.Options(on_duplicate="update")  # K-OLD: a stored complaint's new state
    whole = importer.check(office, table, files.read(path.name, path.read_bytes()), update)
    assert said(whole) == expected
    assert whole.file_errors.empty
    for chunk_rows in (1, 3):
        chunked = importer.check(office, table, files.open_file(path, chunk_rows=chunk_rows), update)
        assert said(chunked) == expected
