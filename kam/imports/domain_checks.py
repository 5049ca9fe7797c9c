"""The domain's rules beyond the schema, for records that arrive in bulk.

The forms apply these same functions to one record; the importer applies them to
all the typed rows of a chunk at once (each rule judged over the rows together,
not row by row) and reports each problem at its file line, so a file can never
store what a form would refuse. Unknown customers are left to the
importer, which can create them on request.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.risk import churn
from kam.risk import complaints
from kam.risk import retention
from kam.revisits import visit_records
from kam.readside.database import Database
from kam.store.records import Problem

# Recording these changes more than one table (a churn sets the customer's
# status and keeps the change with its reason), so they are recorded one by one
# in the app; the others are settings and working lists.
RECORDED_IN_APP = ("churns", "churn_dismissals", "settings", "profile_changes", "change_reasons")
# The tables other than its own and the customers that a table's rules read: an import checks
# them again, under their turns, before it writes.
READS = {"visits": ("revisit_plans",)}


# A value that may appear once in a file, and the problem of each row sharing it: a visit fulfils
# its plan, so two visits of a file fulfilling the same plan are refused (visit_problems says so
# within the rows it is given; the importer across a file read a chunk at a time).
ONCE_IN_FILE = {"visits": (("plan_id", "plan_not_open"),)}

CHECKS = {
    # an import of past visits keeps a next-visit day that has already passed
    "visits": lambda db, rows, today: visit_records.visit_problems(db, rows, today, history=True),
    "revisit_plans": visit_records.plan_problems,
    "complaints": complaints.rows_problems,
    "retention_actions": retention.rows_problems,
}


# Columns whose values come from a list people edit in the app (its codes are stored in the settings).
LISTED = {
    ("complaints", "category"): lambda db: list(complaints.categories(db)),
    ("complaints", "subcategory"): lambda db: [s for subs in complaints.categories(db).values() for s in subs],
    ("churns", "reason"): churn.reasons,
}


def listed(db: Database, table: str, column: str) -> list[str]:
    """The codes of an editable list the column takes its values from (none for other columns)."""
    read = LISTED.get((table, column))
    return list(read(db)) if read else []


def problems(db: Database, table: str, rows: pd.DataFrame, today: dt.date) -> list[Problem]:
    """Every domain problem of the typed rows (numbered from 1), unknown customers aside."""
    check = CHECKS.get(table)
    if check is None:
        return []
    return [p for p in check(db, rows, today) if p.code != "unknown_customer"]
