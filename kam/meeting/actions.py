"""What the weekly meeting decides (例会行动): an action on an account, its owner and due date,
recorded on the spot and reviewed at the next meeting.

A meeting is known by its day. The meeting before a day is the latest day before it on which
actions were decided; an action is done when it says so, late when still open past its due
date on the meeting's day, else open.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from kam.readside.database import Database
from kam.filters import Filters
from kam.store.delta import Store
from kam.store.records import refuse_unless_valid
from kam.risk import retention


def record(store: Store, db: Database, values: dict, user: str, today: dt.date) -> str:
    """Store an action decided at the meeting of values["meeting_date"] (today if not given); or,
    with its action_id, the new state of a known one."""
    values = dict(values)
    new = not values.get("action_id")
    if new:
        values["action_id"] = "M-" + uuid.uuid4().hex[:8].upper()
    values["meeting_date"] = values.get("meeting_date") or today
    values["status"] = values.get("status") or "open"
    # the retention plan's rules: a known customer, a done action has its day and not a future one
    refuse_unless_valid("meeting_actions", values, retention.rule_problems(db, values, today))
    (store.append if new else store.upsert)("meeting_actions", [values], user=user, operation="meeting")
    return values["action_id"]


def mark_done(store: Store, db: Database, action_id: str, user: str, today: dt.date) -> None:
    row = db.query("SELECT * EXCLUDE (recorded_at, recorded_by, batch_id) FROM meeting_actions "
                   "WHERE action_id = $id", {"id": action_id})
    if row.empty:
        raise KeyError(f"no meeting action {action_id!r}")
    values = {k: (None if pd.isna(v) else v) for k, v in row.iloc[0].to_dict().items()}
    values = {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in values.items()}
    record(store, db, {**values, "status": "done", "done_date": today}, user, today)


def previous_meeting(db: Database, day: dt.date) -> dt.date | None:
    """The latest day before `day` on which the meeting decided something."""
    last = db.scalar("SELECT MAX(meeting_date) FROM meeting_actions WHERE meeting_date < $day", {"day": day})
    return None if last is None or pd.isna(last) else pd.Timestamp(last).date()


def decided_at(db: Database, filters: Filters, meeting: dt.date, day: dt.date) -> pd.DataFrame:
    """The actions decided at one meeting on the filtered accounts, with their state on `day`
    (done, late or open), the late ones first."""
    where, params = filters.customer_condition()
    frame = db.query(f"""
        SELECT a.action_id, a.customer_id, c.name AS customer_name, a.action, a.owner, a.due_date, a.status,
               a.done_date,
               CASE WHEN a.status = 'done' THEN 'done' WHEN a.status = 'cancelled' THEN 'cancelled'
                    WHEN a.due_date < $day THEN 'late' ELSE 'open' END AS state
        FROM meeting_actions a LEFT JOIN customers c USING (customer_id)
        WHERE a.meeting_date = $meeting AND {where}
        ORDER BY CASE state WHEN 'late' THEN 0 WHEN 'open' THEN 1 ELSE 2 END, a.due_date, a.action_id""",
                     {**params, "meeting": meeting, "day": day})
    return frame
