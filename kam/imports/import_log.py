"""Who imported which file into which table, and undoing an import.

Each import is one batch (kam.store.batches) whose commits' metadata carry its id
(kam.batch_id), the user, the row count, the file's name and the hash of its content.
The history is read from the tables' own Delta logs, so there is nothing else to keep
in step. An import is undone by removing its batch's rows from every table it wrote
(a commit that names it, kam.undid), holding every table's turn; the rows it replaced
come back. Any import can be undone, not only the last, unless later records name
customers it created.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kam import access
from kam.store import batches
from kam.store.schema import TABLES
from kam.store.turns import rank
from kam.store.delta import Store
from kam.store.work import Work

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
    """Each import commit of the table and whether it was undone since: by a commit that names it
    (kam.undid) and was not itself rolled back (an undo killed half-way), or by a restore to a
    version before it (as undo did before batches)."""
    commits = _commits(store, name)
    rolled_back = {c.get("kam.undid") for c in commits if c.get("kam.operation") in batches.ROLLED_BACK}
    undid = {c.get("kam.undid") for c in commits if c.get("kam.batch_id") not in rolled_back}
    found = []
    for commit in commits:
        if commit.get("kam.operation") == "import":
            found.append([commit, commit.get("kam.batch_id") in undid])
        elif commit.get("kam.operation") == "restore":
            for entry in found:
                entry[1] = entry[1] or entry[0]["version"] > int(commit.get("kam.restored_to", -1))
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


def undo_last(work: Work, table: str) -> Undone:
    """Undo the table's last import still in force (chosen holding every table's turn)."""
    def last() -> dict:
        live = [c for c, undone in _imports(work.store, table) if not undone]
        if not live:
            raise UndoRefused("nothing", table=table)
        return live[-1] | {"table": table}
    return _undo(work, last)


def undo(work: Work, import_id: str) -> Undone:
    """Undo one import, named by its id, if it is in force."""
    def named() -> dict:
        for name in TABLES:
            for commit, undone in _imports(work.store, name):
                if commit.get("kam.batch_id") == import_id and not undone and not commit.get("kam.created_for"):
                    return commit | {"table": name}
        raise UndoRefused("unknown", import_id=import_id)
    return _undo(work, named)


def _undo(work: Work, choose) -> Undone:
    work.check(access.UNDO)
    with work.batch(*TABLES, operation="undo", removes=True) as batch:
        commit = choose()
        import_id = commit["kam.batch_id"]
        table = commit["table"]
        wrote = sorted((name for name in TABLES if _wrote(work.store, name, import_id)), key=rank)  # customers last
        _refuse_if_named(work, import_id, wrote)
        removed = {name: batch.remove(name, import_id) for name in wrote}
    return Undone(import_id, table, removed.get(table, 0), commit.get("kam.file", ""),
                  removed.get("customers", 0) if table != "customers" else 0)


def _wrote(store: Store, name: str, import_id: str) -> bool:
    return any(c.get("kam.batch_id") == import_id and not undone for c, undone in _imports(store, name))


def _refuse_if_named(work: Work, import_id: str, wrote: list[str]) -> None:
    """Refuse to remove customers an import created while later records of another batch name them."""
    if "customers" not in wrote:
        return
    for name, spec in TABLES.items():
        if name == "customers" or "customer_id" not in spec.names:
            continue
        found = work.db.query(f"""
            SELECT COUNT(*) AS n, string_agg(DISTINCT r.batch_id, ', ') AS batches FROM {name} r
            WHERE r.batch_id <> $id AND r.customer_id IN (SELECT customer_id FROM customers WHERE batch_id = $id)""",
                              {"id": import_id})
        if found.at[0, "n"]:
            raise UndoRefused("named", import_id=import_id, table=name, rows=int(found.at[0, "n"]),
                              batches=found.at[0, "batches"])
