"""The people who may sign in, their roles, and who changed that when.

Users are a table of the store (kam.store.schema: users), so every change is a
commit carrying who made it, when, and what changed. The first administrator is
named by configuration (the app passes it in), so a new deployment can sign in
and add everyone else.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam import access
from kam.access import Person
from kam.readside.database import Database
from kam.store import settings
from kam.store.delta import Store
from kam.store.records import InvalidRecords, Problem
from kam.store.work import Work


def user_id(identity: str | None) -> str:
    # email addresses are case-insensitive, and an identity provider may change the case it sends
    return (identity or "").strip().lower()


def person(db: Database, identity: str, *, first_administrator: str | None = None) -> Person | None:
    """The signed-in person with their role, or None when they are not (or no longer) in the table."""
    if user_id(identity) and user_id(identity) == user_id(first_administrator):
        return Person(identity, "administrator")
    found = db.query("SELECT role, manager_name FROM users WHERE user_id = $id AND active", {"id": user_id(identity)})
    if found.empty:
        return None
    role, manager = found.iat[0, 0], found.iat[0, 1]
    sees_all = role == "account_manager" and bool(settings.load(db, access.MANAGERS_SEE_ALL, False))
    return Person(identity, role, manager_name=None if pd.isna(manager) else manager, sees_all=sees_all)


def listing(db: Database) -> pd.DataFrame:
    return db.query("""SELECT user_id, role, manager_name, active, recorded_by, recorded_at
                       FROM users ORDER BY role, user_id""")


def save(work: Work, values: dict) -> str:
    """Add a person or change their role, manager name or whether they may sign in (an
    administrator's work: kam.access); the change is kept with who and when."""
    work.check(access.MANAGE_USERS)
    row = {**values, "user_id": user_id(values.get("user_id"))}
    if row.get("role") == "account_manager" and not (row.get("manager_name") or "").strip():
        # without it they could record for no account, and would wonder why
        raise InvalidRecords("users", [Problem(1, "manager_name", None, "required")])
    change = f"{row['user_id']}: {row.get('role')}, {row.get('manager_name') or '–'}, " \
             f"{'active' if row.get('active') else 'inactive'}"
    with work.batch("users", operation="users") as batch:
        return batch.upsert("users", [row], metadata={"kam.change": change})


def changes(store: Store) -> pd.DataFrame:
    """Every change to the users, newest first: when, by whom, and what it made of the person."""
    rows = [{"when": dt.datetime.fromtimestamp(entry["timestamp"] / 1000, dt.timezone.utc),
             "by": entry.get("kam.user", ""), "change": entry["kam.change"]}
            for entry in store.history("users") if "kam.change" in entry]
    return pd.DataFrame(rows, columns=["when", "by", "change"])


def widen_lists(work: Work, managers_see_all: bool) -> str:
    """The setting that lets account managers see every account in lists and dashboards."""
    return settings.save(work, access.MANAGERS_SEE_ALL, bool(managers_see_all))
