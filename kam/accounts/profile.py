"""Keeping the account file current: new customers and contacts, and edits with their reasons.

The textbook's rules (大客户档案卡): a newly targeted key account gets at least the basic
items; what has changed is updated at any time; when credit, management or payment terms
change, the file is corrected at once and the reason kept. So every edit of a customer
keeps, per field, the old value, the new value, the reason, who and when
(profile_changes), and the edits of credit limit, payment terms, account manager and tier
need a reason. A customer's status changes with its churn or win-back (kam.risk.churn),
which keeps the churn reason and the revenue lost with it.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam import access
from kam.accounts import account_file
from kam.store.batches import Batch
from kam.store.work import Work
from kam.store.records import InvalidRecords, Problem, refuse_unless_valid
from kam.store.schema import TABLES

BASIC_ITEMS = ("name", "region", "industry", "account_manager", "tier")
NEEDS_REASON = ("credit_limit", "payment_terms_days", "account_manager", "tier")
EDITABLE = ("name", "industry", "region", "size", "tier", "account_manager", "credit_limit",
            "payment_terms_days", "profile")
CONTACT_FIELDS = tuple(c.name for c in TABLES["contacts"].columns if c.name not in ("contact_id", "customer_id"))
PROFILE_TABLES = ("customers", "profile_changes")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        not isinstance(value, (str, list, dict)) and pd.isna(value))


def _missing(values: dict, columns) -> list[Problem]:
    return [Problem(1, c, None, "required") for c in columns if _blank(values.get(c))]


def new_customer_id(today: dt.date) -> str:
    return f"C{today:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def add_customer(work: Work, values: dict) -> str:
    """File a new customer with at least the basic items; its id is made unless given. Returns the id."""
    values = {k: v for k, v in values.items() if not _blank(v)}
    values.setdefault("customer_id", new_customer_id(work.today))
    values.setdefault("status", "active")
    values.setdefault("created", work.today)
    work.check(access.RECORD, values.get("account_manager"))  # a manager files customers for themselves
    with work.batch("customers", operation="add customer") as batch:
        problems = _missing(values, BASIC_ITEMS)
        if account_file.profile(work.db, values["customer_id"]) is not None:
            problems.append(Problem(1, "customer_id", values["customer_id"], "already_stored"))
        refuse_unless_valid("customers", values, problems)
        batch.append("customers", [values])
    return values["customer_id"]


def _changed(before: dict, after: dict) -> dict[str, tuple]:
    """field -> (old, new) for the editable fields whose value differs."""
    def same(a, b):
        if _blank(a) and _blank(b):
            return True
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return str(a).strip() == str(b).strip()
    return {f: (before.get(f), after[f]) for f in EDITABLE if f in after and not same(before.get(f), after[f])}


def _shown(value) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def edit_profile(work: Work, customer_id: str, changes: dict, reason: str) -> list[str]:
    """Change a customer's fields; each changed field is kept with its old and new value and the
    reason (required for credit limit, payment terms, account manager and tier). Returns the
    fields changed; InvalidRecords, writing nothing, when a rule is broken. The edit and its
    change records are one batch. An account manager edits only their own accounts, and hands
    none to another manager (kam.access)."""
    work.check_accounts(customer_id)
    with work.batch(*PROFILE_TABLES, operation="edit profile") as batch:
        return _edit_profile(work, batch, customer_id, changes, reason)


def _edit_profile(work: Work, batch: Batch, customer_id: str, changes: dict, reason: str) -> list[str]:
    before = account_file.profile(work.db, customer_id)
    if before is None:
        raise InvalidRecords("customers", [Problem(1, "customer_id", customer_id, "unknown_customer")])
    unknown = [Problem(1, f, changes[f], "not_editable") for f in changes if f not in EDITABLE]
    changed = _changed(before, changes)
    if "account_manager" in changed:
        work.check(access.RECORD, changed["account_manager"][1])
    reason = (reason or "").strip()
    problems = unknown + [Problem(1, "reason", None, "reason_required", f) for f in changed
                          if f in NEEDS_REASON and not reason][:1]
    after = {k: v for k, v in before.items() if k not in ("recorded_at", "recorded_by")} | {
        f: new for f, (_, new) in changed.items()}
    problems += _missing(after, ("name",))
    refuse_unless_valid("customers", after, problems)
    if not changed:
        return []
    history = [{"change_id": f"H-{uuid.uuid4().hex[:8].upper()}", "customer_id": customer_id,
                "changed_on": work.today, "field": field, "old_value": _shown(old), "new_value": _shown(new),
                "reason": reason or None} for field, (old, new) in changed.items()]
    batch.upsert("customers", [after])
    batch.append("profile_changes", history)
    return list(changed)


def add_contact(work: Work, customer_id: str, values: dict) -> str:
    """A new contact person of the customer; returns the contact's id."""
    values = {k: v for k, v in values.items() if not _blank(v)} | {
        "customer_id": customer_id, "contact_id": f"CT-{uuid.uuid4().hex[:8].upper()}"}
    work.check_accounts(customer_id)
    with work.batch("contacts", operation="add contact") as batch:
        problems = [] if account_file.profile(work.db, customer_id) else [
            Problem(1, "customer_id", customer_id, "unknown_customer")]
        refuse_unless_valid("contacts", values, problems)
        batch.append("contacts", [values])
    return values["contact_id"]


def edit_contact(work: Work, contact_id: str, values: dict) -> None:
    """Replace a contact's details (its earlier details stay readable in the table's history)."""
    with work.batch("contacts", operation="edit contact") as batch:
        found = work.db.query("""SELECT * EXCLUDE (recorded_at, recorded_by, batch_id) FROM contacts
                                 WHERE contact_id = $id""", {"id": contact_id})
        if found.empty:
            raise InvalidRecords("contacts", [Problem(1, "contact_id", contact_id, "unknown_contact")])
        work.check_accounts(found.at[0, "customer_id"])
        row = found.iloc[0].to_dict() | {f: (None if _blank(values.get(f)) else values[f])
                                         for f in CONTACT_FIELDS if f in values}
        refuse_unless_valid("contacts", row, [])
        batch.upsert("contacts", [row])
