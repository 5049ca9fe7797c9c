"""A store that cannot be used as it is, said in one sentence: which table, which file, what to do.

A table is damaged when its log cannot be read (a commit file cut short by a full disk or a
crash) or a data file its current version lists is gone. Such a table is never written to
(a new commit on top would bury the damage) and never read from the read side's copy (which
would go on showing rows the table no longer has).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from kam.store.place import on_objects, storage_options
from kam.store.schema import TABLES


class NoStore(Exception):
    def __init__(self, root: Path, why: str):
        self.root = root
        super().__init__(f"no store here: {root} {why}; give --data the data folder "
                         f"(or set KAM_DATA_DIR), or run `python -m kam demo` to make one")


class DamagedTable(Exception):
    def __init__(self, table: str, path: Path | str, missing: bool, root: Path):
        self.table, self.path = table, str(path)
        what = (f"its data file {path} is missing: bring it back from a backup, or undo the write that "
                f"added it (`python -m kam undo-import {table}`)" if missing else
                f"its log file {path} cannot be read: move that file out of the log to go back to the "
                f"version before it, or restore the folder {Path(path).parent.parent} from a backup")
        super().__init__(f"the table {table} is damaged: {what}; then delete {root / '.cache'} so the "
                         f"reports are made again from the table")


class ReadOnlyStore(Exception):
    def __init__(self, root: Path, reason: str):
        super().__init__(f"the store {root} cannot be written ({reason}): nothing was read or written; "
                         f"make the folder writable (or give --data a writable copy) and try again")


def refuse_unwritable(root: Path, name: str) -> None:
    """Before a long check of a file: the write at its end must be possible (its lock file first;
    object storage has none, and says whether it takes the write when it is made)."""
    if on_objects(root):
        return
    try:
        (root / ".locks").mkdir(parents=True, exist_ok=True)
        (root / ".locks" / f"{name}.lock").open("a").close()
    except OSError as error:
        raise ReadOnlyStore(root, error.strerror or type(error).__name__) from None


def refuse_missing_store(root: Path) -> None:
    """For a command that reads: the folder must exist, be a folder, and hold at least one table."""
    if not root.exists():
        raise NoStore(root, "does not exist")
    if not root.is_dir():
        raise NoStore(root, "is a file, not a folder")
    if not any((root / name / "_delta_log").is_dir() for name in TABLES):
        raise NoStore(root, "holds no tables")


def _unreadable_log_file(log: Path) -> Path:
    for path in sorted(log.glob("*.json"), reverse=True):
        try:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    json.loads(line)
        except (ValueError, OSError):
            return path
    return log


def refuse_damaged(root: Path, name: str) -> DeltaTable | None:
    """Raise DamagedTable if the table's log cannot be read or its current version lacks a data file
    (looked for in a folder; on object storage a request per file would cost every write too much).
    Returns the table as loaded (None: there is none yet), for a write to go on from."""
    folder = root / name
    if not (folder / "_delta_log").is_dir():
        return None
    try:
        table = DeltaTable(str(folder), storage_options=storage_options(root))
    except TableNotFoundError:
        return None
    except Exception:  # the log itself: deltalake says only "Json error"
        raise DamagedTable(name, _unreadable_log_file(folder / "_delta_log"), False, root) from None
    for uri in [] if on_objects(root) else table.file_uris():
        path = uri.removeprefix("file://")
        if not os.path.exists(path):
            raise DamagedTable(name, path, True, root)
    return table


class Unreachable(Exception):
    def __init__(self, root, error: OSError):
        super().__init__(f"the store {root} cannot be reached ({error}); check AWS_ENDPOINT_URL, "
                         f"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION, and that the bucket exists")


def first_damage(root: Path) -> DamagedTable | Unreachable | None:
    """The first damaged table of the store (or, on object storage, that it cannot be reached), to
    name after an error whose message does not."""
    try:
        if not root.is_dir():
            return None
        for name in TABLES:
            try:
                refuse_damaged(root, name)
            except DamagedTable as damaged:
                return damaged
    except OSError as error:
        return Unreachable(root, error) if on_objects(root) else None
    return None
