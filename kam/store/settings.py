"""Settings people edit in the app (revisit policy, editable lists, weights).

Stored as JSON values in the `settings` table, so each change is a commit with
who and when, and an earlier setting can be read back from the history.
"""
from __future__ import annotations

import json

from kam import access
from kam.readside.database import Database
from kam.store.work import Work


def load(db: Database, key: str, default):
    """The stored value for key, or the default when it was never saved."""
    frame = db.query("SELECT value FROM settings WHERE key = $key", {"key": key})
    return default if frame.empty else json.loads(frame.iat[0, 0])


def save(work: Work, key: str, value) -> str:
    work.check(access.SETTINGS)
    with work.batch("settings", operation="settings") as batch:
        return batch.upsert("settings", [{"key": key, "value": json.dumps(value, ensure_ascii=False, default=str)}])
