"""The data folder: one Delta Lake table per declared table.

Every write is one Delta commit, so readers see all of it or none of it. Writes
are serialised inside the process (a lock) and between processes on this
machine (a lock file); a commit that still conflicts (another writer on shared
storage) is retried.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import os
import random
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
from deltalake import CommitProperties, DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from kam.store.records import to_arrow
from kam.store.schema import TABLES, table as table_def

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
COMMIT_RETRIES = 20
# Parquet row groups of at most this many rows: the writer holds one in memory while it fills, so a
# write of millions of rows holds a fraction of them
WRITER = WriterProperties(max_row_group_size=128 * 1024)
FILE_BYTES = 32 * 2 ** 20  # and starts a new file beyond this size


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get("KAM_DATA_DIR") or DEFAULT_DATA_DIR)


def default_user() -> str:
    try:
        return os.environ.get("KAM_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def new_batch_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


class Store:
    _process_lock = threading.RLock()

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = data_dir(root)
        self._counts: dict[str, tuple[int, int]] = {}

    def path(self, name: str) -> Path:
        table_def(name)
        return self.root / name

    # ---- reading -------------------------------------------------------
    def version(self, name: str) -> int:
        """The table's current version, or -1 when it does not exist yet.

        Read from the log folder's listing, not by loading the table, because
        every page asks on every rerun.
        """
        log = self.path(name) / "_delta_log"
        try:
            return max((int(e.name[:20]) for e in os.scandir(log)
                        if e.name.endswith(".json") and e.name[:20].isdigit()), default=-1)
        except FileNotFoundError:
            return -1

    def versions(self) -> dict[str, int]:
        return {name: self.version(name) for name in TABLES}

    def delta(self, name: str, version: int | None = None) -> DeltaTable | None:
        try:
            return DeltaTable(str(self.path(name)), version=version)
        except TableNotFoundError:
            return None

    def files(self, name: str) -> list[str]:
        dt_ = self.delta(name)
        return [] if dt_ is None else [u.removeprefix("file://") for u in dt_.file_uris()]

    def read(self, name: str, version: int | None = None) -> pa.Table:
        dt_ = self.delta(name, version)
        if dt_ is None:
            return table_def(name).arrow_schema().empty_table()
        return dt_.to_pyarrow_table()

    def is_empty(self) -> bool:
        """No customers and no sales: what the app offers demo data or an import for.

        Settings saved, or an import undone back to nothing, still leave the store empty.
        """
        return all(self.count(name) == 0 for name in ("customers", "sales"))

    def history(self, name: str) -> list[dict]:
        dt_ = self.delta(name)
        return [] if dt_ is None else dt_.history()

    # ---- writing -------------------------------------------------------
    @contextlib.contextmanager
    def _write_lock(self, name: str):
        lock_dir = self.root / ".locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with self._process_lock, open(lock_dir / f"{name}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _commit(self, name: str, write, metadata: dict[str, str]):
        for attempt in range(COMMIT_RETRIES):
            try:
                return write(CommitProperties(custom_metadata=metadata))
            except CommitFailedError:
                if attempt == COMMIT_RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))

    def append(self, name: str, rows, *, user: str | None = None, batch_id: str | None = None,
               operation: str = "append", metadata: dict[str, str] | None = None) -> str:
        """Validate and append rows in one commit; returns the batch id.

        Raises InvalidRecords, and writes nothing, if any value does not fit.
        """
        return self._write(name, *self._typed(name, rows, user, batch_id), operation, metadata, upsert=False)

    def upsert(self, name: str, rows, *, user: str | None = None, batch_id: str | None = None,
               operation: str = "update", metadata: dict[str, str] | None = None) -> str:
        """Insert rows, replacing the stored records with the same key, in one commit.

        Used for edits (a plan marked done, a customer's new tier); the old
        version stays readable in the table's history.
        """
        return self._write(name, *self._typed(name, rows, user, batch_id), operation, metadata, upsert=True)

    def write_parts(self, name: str, parts, rows: int, *, upsert: bool = False, user: str | None = None,
                    batch_id: str | None = None, operation: str = "append",
                    metadata: dict[str, str] | None = None) -> str:
        """append() (or upsert()) of rows that come in parts, in one commit: parts() gives frames
        of rows one at a time (and is called again if the commit is retried), so a file of any
        size is written holding one part. `rows` says how many there are; if a part does not fit,
        or they are not that many, nothing is written."""
        spec, user, batch_id = table_def(name), user or default_user(), batch_id or new_batch_id()
        stamp = dt.datetime.now(dt.timezone.utc)
        tables = lambda: (to_arrow(spec, part, recorded_by=user, batch_id=batch_id, recorded_at=stamp)  # noqa: E731
                          for part in parts())
        return self._write(name, tables, rows, user, batch_id, operation, metadata, upsert=upsert)

    def _typed(self, name: str, rows, user: str | None, batch_id: str | None):
        user, batch_id = user or default_user(), batch_id or new_batch_id()
        data = to_arrow(table_def(name), rows, recorded_by=user, batch_id=batch_id)
        return (lambda: iter([data])), data.num_rows, user, batch_id

    def _write(self, name: str, tables, rows: int, user: str, batch_id: str, operation: str,
               metadata: dict[str, str] | None, *, upsert: bool) -> str:
        spec = table_def(name)
        schema = spec.arrow_schema()
        meta = {**(metadata or {}), "kam.operation": operation, "kam.user": user, "kam.batch_id": batch_id,
                "kam.rows": str(rows)}
        failed: list[BaseException] = []

        def batches():
            count = 0
            try:
                for table in tables():
                    count += table.num_rows
                    yield from table.to_batches()
                if count != rows:
                    raise ValueError(f"{name}: {count} rows came to be written, {rows} were announced")
            except BaseException as error:  # the writer sees only its own wrapping of it
                failed.append(error)
                raise

        def write(props):
            data = pa.RecordBatchReader.from_batches(schema, batches())
            target = self.delta(name) if upsert else None
            if target is None:
                return write_deltalake(str(self.path(name)), data, mode="append", commit_properties=props,
                                       writer_properties=WRITER, target_file_size=FILE_BYTES)
            return (target.merge(data, predicate=f"t.{spec.key} = s.{spec.key}", source_alias="s",
                                 target_alias="t", commit_properties=props, writer_properties=WRITER)
                    .when_matched_update_all().when_not_matched_insert_all().execute())

        with self._write_lock(name):
            try:
                self._commit(name, write, meta)
            except Exception:
                if failed:
                    raise failed[0] from None
                raise
        return batch_id

    @contextlib.contextmanager
    def together(self, *names: str, user: str | None = None):
        """Writes to several tables that stand or fall together.

        Delta commits one table at a time; if a later write fails, the tables
        already written are restored to where they were, so nothing is left half-done.
        """
        before = {name: self.version(name) for name in names}
        try:
            yield
        except BaseException:
            for name, version in before.items():
                if self.version(name) != version:
                    self.restore(name, version, user=user)
            raise

    def restore(self, name: str, version: int, *, user: str | None = None) -> None:
        """Bring the table back to an earlier version as a new commit (undo).

        Version -1 is the table before its first commit: every row is removed.
        """
        with self._write_lock(name):
            target = self.delta(name)
            if target is None:
                raise ValueError(f"{name} has no data to restore")
            props = CommitProperties(custom_metadata={
                "kam.operation": "restore", "kam.user": user or default_user(),
                "kam.restored_to": str(version)})
            if version < 0:
                target.delete(commit_properties=props)
            else:
                target.restore(version, commit_properties=props)

    def count(self, name: str) -> int:
        """Rows in the table's current version (remembered per version: the app asks on every rerun)."""
        version = self.version(name)
        if version < 0:
            return 0
        known = self._counts.get(name)
        if known is None or known[0] != version:
            dt_ = self.delta(name, version)
            actions = pa.table(dt_.get_add_actions(flatten=True))
            known = self._counts[name] = (version, int(pa.compute.sum(actions["num_records"]).as_py() or 0))
        return known[1]

