"""Who imported which file into which table, and undoing the last import.

Each import is one commit whose metadata carry the import id (kam.batch_id),
the user, the row count, the file's name and the hash of its content. The
history is read from the tables' own Delta logs, so there is nothing else to
keep in step: an import is undone by restoring its table to the version before
it, and an import counts as undone once a restore goes back past it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kam.store.schema import TABLES
from kam.store.delta import Store

COLUMNS = ["import_id", "table", "when", "user", "rows", "file", "version", "undone"]


class UndoRefused(ValueError):
    def __init__(self, code: str, **detail):
        self.code, self.detail = code, detail
        super().__init__(f"{code}: " + ", ".join(f"{k}={v}" for k, v in detail.items()))


def _commits(store: Store, name: str) -> list[dict]:
    return sorted(store.history(name), key=lambda c: c["version"])


def _when(commit: dict) -> dt.datetime:
    return dt.datetime.fromtimestamp(commit["timestamp"] / 1000, dt.timezone.utc)


def _imports(store: Store, name: str) -> list[tuple[dict, bool]]:
    """Each import commit of the table and whether a later restore undid it."""
    found = []
    for commit in _commits(store, name):
        if commit.get("kam.operation") == "import":
            found.append([commit, False])
        elif commit.get("kam.operation") == "restore":
            back_to = int(commit.get("kam.restored_to", -1))
            for entry in found:
                entry[1] = entry[1] or entry[0]["version"] > back_to
    return [(c, undone) for c, undone in found]


def history(store: Store, table: str | None = None) -> pd.DataFrame:
    rows = []
    for name in [table] if table else TABLES:
        for commit, undone in _imports(store, name):
            rows.append({"import_id": commit.get("kam.batch_id", ""), "table": name, "when": _when(commit),
                         "user": commit.get("kam.user", ""), "rows": int(commit.get("kam.rows", 0)),
                         "file": commit.get("kam.file", ""), "version": commit["version"], "undone": undone})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values("when", ascending=False, kind="stable").reset_index(drop=True)


def same_file(store: Store, table: str, sha256: str) -> dict | None:
    """The import that brought exactly this file into the table and is still in force."""
    live = [c for c, undone in _imports(store, table) if not undone and c.get("kam.file_sha256") == sha256]
    if not live:
        return None
    last = live[-1]
    return {"import_id": last.get("kam.batch_id"), "when": _when(last), "file": last.get("kam.file", "")}


@dataclass
class Undone:
    import_id: str
    table: str
    rows: int
    file: str
    customers_removed: int  # customers the import had created, removed with it
    customers_kept: int  # ... kept, because the customers table changed since


def undo_last(store: Store, table: str, *, user: str | None = None) -> Undone:
    """Restore the table to the version before its last import, if nothing came after it."""
    commits = _commits(store, table)
    if not commits:
        raise UndoRefused("nothing", table=table)
    head = commits[-1]
    if head.get("kam.operation") != "import":
        raise UndoRefused("not_last", table=table, operation=head.get("kam.operation") or head.get("operation"),
                          user=head.get("kam.user", ""), when=f"{_when(head):%Y-%m-%d %H:%M}")
    import_id = head.get("kam.batch_id", "")
    store.restore(table, head["version"] - 1, user=user)
    removed = kept = 0
    created = [c for c in _commits(store, "customers")
               if c.get("kam.batch_id") == import_id and c.get("kam.created_for") == table]
    if created:
        customers = _commits(store, "customers")
        if customers[-1]["version"] == created[-1]["version"]:
            store.restore("customers", created[-1]["version"] - 1, user=user)
            removed = int(created[-1].get("kam.rows", 0))
        else:
            kept = int(created[-1].get("kam.rows", 0))
    return Undone(import_id, table, int(head.get("kam.rows", 0)), head.get("kam.file", ""), removed, kept)
