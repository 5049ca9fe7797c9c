"""The store: one Delta Lake table per declared table, in a folder or on object storage
(kam.store.place).

Every write is one Delta commit, so readers see all of it or none of it. Each write holds
its table's turn (kam.store.turns). A write given a Pin (the version its writer checked)
commits only right after that version, with no retry: if another writer committed
meanwhile it raises Changed, and the writer re-checks what changed (kam.store.batches).
A write without one is retried on a conflict. Writes that span tables, and the checks they
rest on, go through a batch.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import datetime as dt
import getpass
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq
from deltalake import ColumnProperties, CommitProperties, DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction

from kam.store.damage import refuse_damaged
from kam.store.place import filesystem, listing, names, on_objects, place, storage_options
from kam.store.records import to_arrow
from kam.store.schema import TABLES, table as table_def
from kam.store.turns import CommitTurns, LockFiles

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
COMMIT_RETRIES = 20
# Parquet row groups of at most this many rows: the writer holds one in memory while it fills, so a
# write of millions of rows holds a fraction of them
WRITER = WriterProperties(max_row_group_size=128 * 1024)
FILE_BYTES = 32 * 2 ** 20  # and starts a new file beyond this size
# a data file no version of the log names is a killed write's once it is this old (a running
# write's files are named by its commit within moments of being written... or it is still writing)
ORPHAN_SECONDS = 60
# on object storage no turn keeps another server's import from its files while it writes them:
# there a file is a killed write's only once no import could still be writing it
SHARED_ORPHAN_SECONDS = 6 * 3600
# Data files written outside the table's turn, committed inside it (Store.stage; in a folder
# only): named STAGED + batch id, each batch's kept from the sweep while its writer holds its lock file
STAGED = "staged-"
STAGED_FILE_ROWS = 1_000_000  # a staged file's rows at most (about FILE_BYTES of sales lines)
EDITED_FILE_BYTES = 2 ** 19  # the files of a table whose records forms edit (schema.Table.edited)
EDITED_FILE_ROWS = 2_500  # and a staged one's rows at most (about EDITED_FILE_BYTES of customers)


def _repeating(name: str) -> list[str]:
    """The columns whose values repeat (all but the key and the amounts), the only ones worth a
    dictionary in a data file: trying one for a million order ids or amounts costs a second."""
    spec = table_def(name)
    return [c.name for c in spec.all_columns if c.name != spec.key and c.type != "float"]


@functools.cache
def writer(name: str) -> WriterProperties:
    """How the table's data files are written: WRITER, with dictionaries only where values repeat."""
    return WriterProperties(max_row_group_size=WRITER.max_row_group_size,
                            default_column_properties=ColumnProperties(dictionary_enabled=False),
                            column_properties={c: ColumnProperties(dictionary_enabled=True) for c in _repeating(name)})


def file_bytes(name: str) -> int:
    """How large the table's data files grow before a new one starts."""
    return EDITED_FILE_BYTES if table_def(name).edited else FILE_BYTES


def data_dir(explicit: str | os.PathLike | None = None):
    """The store's location: a folder (Path) or s3://bucket/prefix (kam.store.place.ObjectPath)."""
    return place(explicit or os.environ.get("KAM_DATA_DIR") or DEFAULT_DATA_DIR)


class Changed(Exception):
    """Another writer committed to the table since the version the write was pinned to: nothing
    of this write was committed."""

    def __init__(self, name: str, version: int):
        self.name, self.version = name, version
        super().__init__(f"{name} changed after version {version}")


class StoredMeanwhile(Exception):
    """Rows about to be written have keys another writer stored since the check: nothing written."""

    def __init__(self, name: str, first: str, count: int):
        self.name, self.first, self.count = name, first, count
        super().__init__(f"{name}: {count} key(s) stored meanwhile, the first {first}")


@dataclass
class Pin:
    """The table version a writer checked: its next commit lands right after it (and the pin
    moves on to it), or raises Changed."""
    version: int


def default_user() -> str:
    try:
        return os.environ.get("KAM_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def new_batch_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(column: str) -> pa.compute.Expression:
    """A text column in a filter (a table a merge wrote may hold it as string_view)."""
    return pa.compute.field(column).cast(pa.string())


class Staged:
    """Data files written for a batch and not yet committed: the table's Parquet files named
    STAGED + batch id, and the lock its writer holds on .locks/STAGED+id.lock meanwhile (so no
    sweep takes them for a killed write's)."""

    def __init__(self, store: "Store", name: str, batch_id: str):
        self.store, self.name, self.batch_id = store, name, batch_id
        self.actions: list[AddAction] = []
        self.writing: Path | None = None  # the file being written
        self.committed = False
        self.lock = _staging_lock(store.root, batch_id)
        self.handle = open(self.lock, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def next_path(self) -> Path:
        self.writing = self.store.path(self.name) / f"{STAGED}{self.batch_id}-{len(self.actions):05d}.parquet"
        return self.writing

    def written(self, writer: pq.ParquetWriter, rows: int) -> None:
        """The file being written is complete: noted for the commit."""
        writer.close()
        done = self.writing.stat()
        self.actions.append(AddAction(self.writing.name, done.st_size, {}, int(done.st_mtime * 1000), True,
                                      json.dumps({"numRecords": rows})))
        self.writing = None

    def close(self) -> None:
        """Let the files go: removed unless committed; the lock given back."""
        if not self.committed:
            for path in [*(a.path for a in self.actions), *([self.writing.name] if self.writing else [])]:
                (self.store.path(self.name) / path).unlink(missing_ok=True)
        self.lock.unlink(missing_ok=True)
        self.handle.close()


def _staging_lock(root: Path, batch_id: str) -> Path:
    folder = root / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{STAGED}{batch_id}.lock"


def _staged_batch(file_name: str) -> str:
    """The batch id in a staged file's name (STAGED + batch id + -NNNNN.parquet)."""
    return file_name[len(STAGED):].rsplit("-", 1)[0]


def _staging_alive(root: Path, file_name: str) -> bool:
    """True while the writer of a staged file holds its batch's lock (flock: any process, this one too)."""
    lock = root / ".locks" / f"{STAGED}{_staged_batch(file_name)}.lock"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


class Store:
    # bumped by every commit and every batch of this process: what the read side remembers of
    # a table's version on object storage is not used across one (kam.readside.tables)
    generation = 0

    @classmethod
    def bump(cls) -> None:
        cls.generation += 1

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = data_dir(root)
        self.shared = on_objects(self.root)  # on object storage, maybe shared by several servers
        self.options = storage_options(self.root)
        self.turns = (CommitTurns if self.shared else LockFiles)(self.root)
        self._counts: dict[str, tuple[int, int]] = {}

    def path(self, name: str):
        table_def(name)
        return self.root / name

    # ---- reading -------------------------------------------------------
    def version(self, name: str) -> int:
        """The table's current version, or -1 when it does not exist yet.

        Read from the log folder's listing, not by loading the table, because
        every page asks on every rerun.
        """
        return max((int(n[:20]) for n in names(self.path(name) / "_delta_log")
                    if n.endswith(".json") and n[:20].isdigit()), default=-1)

    def versions(self) -> dict[str, int]:
        return {name: self.version(name) for name in TABLES}

    def delta(self, name: str, version: int | None = None) -> DeltaTable | None:
        try:
            return DeltaTable(str(self.path(name)), version=version, storage_options=self.options)
        except TableNotFoundError:
            return None

    def files(self, name: str) -> list[str]:
        """The current version's data files: local paths, or s3:// URLs (read them with read_files)."""
        dt_ = self.delta(name)
        return [] if dt_ is None else [u.removeprefix("file://") for u in dt_.file_uris()]

    def read_files(self, files: list[str], columns: list[str] | None = None) -> pa.Table:
        """Data files (as files() names them) read into one table."""
        if self.shared:
            return pq.read_table([f.removeprefix("s3://") for f in files], columns=columns, filesystem=filesystem())
        return pq.read_table(files, columns=columns)

    def read(self, name: str, version: int | None = None) -> pa.Table:
        dt_ = self.delta(name, version)
        if dt_ is None:
            return table_def(name).arrow_schema().empty_table()
        return dt_.to_pyarrow_table()

    def batch_rows(self, name: str, batch_id: str, columns: list[str]) -> pa.Table:
        """The columns of the rows a batch wrote that the table's current version holds."""
        dt_ = self.delta(name)
        if dt_ is None:
            return table_def(name).arrow_schema().empty_table().select(columns)
        return _rows_of_batch(dt_, batch_id, columns)

    def is_empty(self) -> bool:
        """No customers and no sales: what the app offers demo data or an import for.

        Settings saved, or an import undone back to nothing, still leave the store empty.
        """
        return all(self.count(name) == 0 for name in ("customers", "sales"))

    def history(self, name: str, since: int = -1) -> list[dict]:
        """The table's commits, newest first; with since, only those after that version."""
        dt_ = self.delta(name)
        if dt_ is None or dt_.version() <= since:
            return []
        return dt_.history(None if since < 0 else dt_.version() - since)

    def added_since(self, name: str, version: int) -> list[str]:
        """The data files (as files() names them) the table's current version has and that version had not."""
        checked = set(self.delta(name, version).file_uris()) if version >= 0 else set()
        now = self.delta(name)
        return [] if now is None else [u.removeprefix("file://") for u in now.file_uris() if u not in checked]

    # ---- writing -------------------------------------------------------
    @contextlib.contextmanager
    def turn(self, name: str):
        """Hold the table's write turn (re-entrant: a batch holding it writes through it)."""
        table_def(name)
        self.turns.take(name)
        try:
            yield
        finally:
            self.turns.give_back(name)

    def _commit(self, name: str, act, metadata: dict[str, str], pin: Pin | None, loaded: DeltaTable | None = None):
        """act(table, commit properties) on the table at the pin's version, committed right after it
        (else Changed), or without a pin on its newest version, retried on a conflict. loaded: the
        table as just loaded (by refuse_damaged), used when it is at that version."""
        if pin is None:
            for attempt in range(COMMIT_RETRIES):
                try:
                    target, loaded = loaded or self.delta(name), None
                    return act(target, CommitProperties(custom_metadata=metadata))
                except CommitFailedError:
                    if attempt == COMMIT_RETRIES - 1:
                        raise
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
                finally:
                    Store.bump()
        if pin.version < 0:
            target = None
        elif loaded is not None and loaded.version() == pin.version:
            target = loaded
        else:
            target = self.delta(name, pin.version)
        try:
            out = act(target, CommitProperties(custom_metadata=metadata, max_commit_retries=0))
        except CommitFailedError:
            raise Changed(name, pin.version) from None
        finally:
            Store.bump()
        pin.version = target.version() if target is not None else 0  # it made the table: version 0
        return out

    def append(self, name: str, rows, *, user: str | None = None, batch_id: str | None = None,
               operation: str = "append", metadata: dict[str, str] | None = None,
               pin: Pin | None = None, refused: pa.Array | None = None) -> str:
        """Validate and append rows in one commit; returns the batch id.

        Raises InvalidRecords, and writes nothing, if any value does not fit; StoredMeanwhile if a
        row's key is among `refused`.
        """
        return self._write(name, *self._typed(name, rows, user, batch_id), operation, metadata, upsert=False,
                           pin=pin, refused=refused)

    def upsert(self, name: str, rows, *, user: str | None = None, batch_id: str | None = None,
               operation: str = "update", metadata: dict[str, str] | None = None,
               pin: Pin | None = None, refused: pa.Array | None = None) -> str:
        """Insert rows, replacing the stored records with the same key, in one commit.

        Used for edits (a plan marked done, a customer's new tier); the old
        version stays readable in the table's history.
        """
        return self._write(name, *self._typed(name, rows, user, batch_id), operation, metadata, upsert=True,
                           pin=pin, refused=refused)

    def write_parts(self, name: str, parts, rows: int, *, upsert: bool = False, user: str | None = None,
                    batch_id: str | None = None, operation: str = "append",
                    metadata: dict[str, str] | None = None, pin: Pin | None = None,
                    refused: pa.Array | None = None) -> str:
        """append() (or upsert()) of rows that come in parts, in one commit: parts() gives frames
        of rows one at a time (and is called again if the commit is retried), so a file of any
        size is written holding one part. `rows` says how many there are; if a part does not fit,
        or they are not that many, nothing is written."""
        user, batch_id = user or default_user(), batch_id or new_batch_id()
        tables = self._typed_parts(name, parts, user, batch_id)
        return self._write(name, tables, rows, user, batch_id, operation, metadata, upsert=upsert, pin=pin,
                           refused=refused)

    def stage(self, name: str, parts, rows: int, *, user: str | None = None, batch_id: str) -> Staged:
        """The first half of write_parts() of an append, without the table's turn: the rows
        typed and written to data files no version names yet. commit_staged() makes them the
        table's in one commit, holding the turn only for that; Staged.close() removes them if
        they never are. The table must exist (a first commit makes it)."""
        staged, schema = Staged(self, name, batch_id), table_def(name).arrow_schema()
        writer, held, count = None, 0, 0
        per_file = EDITED_FILE_ROWS if table_def(name).edited else STAGED_FILE_ROWS
        try:
            for table in self._typed_parts(name, parts, user or default_user(), batch_id)():
                for piece in table.to_batches(min(WRITER.max_row_group_size, per_file)):
                    if writer is None:
                        writer = pq.ParquetWriter(staged.next_path(), schema, compression="snappy",
                                                  use_dictionary=_repeating(name))
                    writer.write_batch(piece, row_group_size=WRITER.max_row_group_size)
                    held, count = held + piece.num_rows, count + piece.num_rows
                    if held >= per_file:
                        staged.written(writer, held)
                        writer, held = None, 0
            if writer is not None:
                staged.written(writer, held)
            if count != rows:
                raise ValueError(f"{name}: {count} rows came to be written, {rows} were announced")
        except BaseException:
            if writer is not None:
                writer.close()
            staged.close()
            raise
        return staged

    def commit_staged(self, staged: Staged, *, user: str | None = None, operation: str = "append",
                      metadata: dict[str, str] | None = None, pin: Pin | None = None,
                      refused: pa.Array | None = None) -> str:
        """Make staged files the table's, in one commit under its turn (right after the pin's
        version, like _write); StoredMeanwhile if one of their keys is among `refused`."""
        name, user = staged.name, user or default_user()
        rows = sum(json.loads(a.stats)["numRecords"] for a in staged.actions)
        meta = self._meta(metadata, operation, user, staged.batch_id, rows)
        key = table_def(name).key
        if key and refused is not None and len(refused):
            files = [str(self.path(name) / a.path) for a in staged.actions]
            _refuse_keys(name, self.read_files(files, [key]).column(key), refused)

        def act(target, props):
            target.create_write_transaction(staged.actions, "append", target.schema(), commit_properties=props)
            target.load_as_version(target.version() + 1)  # the commit just made (a pin moves on to it)

        with self.turn(name):
            self._commit(name, act, meta, pin, refuse_damaged(self.root, name))
            staged.committed = True
        return staged.batch_id

    def _typed_parts(self, name: str, parts, user: str, batch_id: str):
        """parts() typed and stamped, as Arrow tables (one stamp for them all)."""
        spec, stamp = table_def(name), dt.datetime.now(dt.timezone.utc)
        return lambda: (to_arrow(spec, part, recorded_by=user, batch_id=batch_id, recorded_at=stamp)
                        for part in parts())

    @staticmethod
    def _meta(metadata: dict[str, str] | None, operation: str, user: str, batch_id: str, rows: int) -> dict:
        return {**(metadata or {}), "kam.operation": operation, "kam.user": user, "kam.batch_id": batch_id,
                "kam.rows": str(rows)}

    def _typed(self, name: str, rows, user: str | None, batch_id: str | None):
        user, batch_id = user or default_user(), batch_id or new_batch_id()
        data = to_arrow(table_def(name), rows, recorded_by=user, batch_id=batch_id)
        return (lambda: iter([data])), data.num_rows, user, batch_id

    def _write(self, name: str, tables, rows: int, user: str, batch_id: str, operation: str,
               metadata: dict[str, str] | None, *, upsert: bool, pin: Pin | None,
               refused: pa.Array | None) -> str:
        spec = table_def(name)
        schema = spec.arrow_schema()
        meta = self._meta(metadata, operation, user, batch_id, rows)
        failed: list[BaseException] = []

        def batches():
            count = 0
            try:
                for table in tables():
                    count += table.num_rows
                    if refused is not None and len(refused):
                        _refuse_keys(name, table.column(spec.key), refused)
                    yield from table.to_batches()
                if count != rows:
                    raise ValueError(f"{name}: {count} rows came to be written, {rows} were announced")
            except BaseException as error:  # the writer sees only its own wrapping of it
                failed.append(error)
                raise

        def write(target, props):
            data = pa.RecordBatchReader.from_batches(schema, batches())
            if target is None or not upsert:
                size = file_bytes(name)  # (a new table keeps it for its merges too)
                return write_deltalake(str(self.path(name)) if target is None else target, data, mode="append",
                                       commit_properties=props, writer_properties=writer(name), target_file_size=size,
                                       configuration=None if target else {"delta.targetFileSize": str(size)},
                                       storage_options=self.options)
            return (target.merge(data, predicate=_matching(spec.key, tables, rows), source_alias="s",
                                 target_alias="t", commit_properties=props, writer_properties=writer(name))
                    .when_matched_update_all().when_not_matched_insert_all().execute())

        with self.turn(name):
            # a commit on top would bury the damage (on object storage the commit's own load stops at a damaged log)
            loaded = None if self.shared else refuse_damaged(self.root, name)
            try:
                self._commit(name, write, meta, pin, loaded)
            except Exception:
                if failed:
                    raise failed[0] from None
                raise
        return batch_id

    def restore(self, name: str, version: int, *, user: str | None = None,
                metadata: dict[str, str] | None = None, pin: Pin | None = None) -> None:
        """Bring the table back to an earlier version as a new commit (undo).

        Version -1 is the table before its first commit: every row is removed.
        """
        meta = {"kam.operation": "restore", "kam.user": user or default_user(),
                "kam.restored_to": str(version), **(metadata or {})}

        def act(target, props):
            if target is None:
                raise ValueError(f"{name} has no data to restore")
            if version < 0:
                target.delete(commit_properties=props)
            else:
                target.restore(version, commit_properties=props)

        with self.turn(name):
            self._commit(name, act, meta, pin)

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

    def remove_batch(self, name: str, batch_id: str, *, metadata: dict[str, str], pin: Pin | None = None) -> int:
        """Remove the rows a batch wrote, in one commit; the rows it replaced (an upsert's) come
        back as they were before it. Returns how many rows of the batch there were."""
        spec = table_def(name)
        removed = [0]

        def act(target, props):
            if target is None:
                return
            mine = _rows_of_batch(target, batch_id)
            removed[0] = mine.num_rows
            if not mine.num_rows:
                return
            replaced = self._replaced(name, batch_id, mine, target.version())
            if not replaced.num_rows:
                target.delete(f"batch_id = {_literal(batch_id)}", commit_properties=props)
                return
            columns = {c.name: f"s.{c.name}" for c in spec.all_columns}
            (target.merge(replaced, predicate=f"t.{spec.key} = s.{spec.key} AND t.batch_id = {_literal(batch_id)}",
                          source_alias="s", target_alias="t", commit_properties=props, writer_properties=writer(name))
             .when_matched_update(columns)
             .when_not_matched_by_source_delete(f"t.batch_id = {_literal(batch_id)}").execute())

        with self.turn(name):
            self._commit(name, act, metadata, pin)
        return removed[0]

    def _replaced(self, name: str, batch_id: str, mine: pa.Table, version: int) -> pa.Table:
        """The rows a batch's upserts replaced: those of the version before its first commit that
        have the key of one of its rows."""
        key = table_def(name).key
        first = min((c["version"] for c in self.history(name) if c.get("kam.batch_id") == batch_id
                     and c["version"] <= version), default=0)
        if first == 0 or key is None:
            return table_def(name).arrow_schema().empty_table()
        before = self.delta(name, first - 1).to_pyarrow_dataset()
        return before.to_table(filter=_text(key).isin(pa.compute.drop_null(mine.column(key)).cast(pa.string())))

    def sweep(self, name: str, now: float | None = None) -> list[str]:
        """Remove the table's data files that no version of its log names and that are older than
        ORPHAN_SECONDS (SHARED_ORPHAN_SECONDS on object storage): those a killed write left.
        Returns their names."""
        folder = self.path(name)
        log = folder / "_delta_log"
        found = listing(log)
        if not found:
            return []
        named = self._named_files(log, [n for n, _ in found])
        limit = (now or time.time()) - (SHARED_ORPHAN_SECONDS if self.shared else ORPHAN_SECONDS)
        # a file being written is NAME.parquet#N until it is complete; staged files (a folder's
        # only) are kept while their writer holds their lock, and that lock goes with them
        gone = [folder / n for n, mtime in listing(folder)
                if ".parquet" in n and n not in named and mtime < limit
                and not (n.startswith(STAGED) and _staging_alive(self.root, n))]
        # a commit file a killed writer was still writing
        gone += [log / n for n, mtime in found if n.startswith("_") and n.endswith(".tmp") and mtime < limit]
        for path in gone:
            path.unlink(missing_ok=True)
            if path.name.startswith(STAGED):
                _staging_lock(self.root, _staged_batch(path.name)).unlink(missing_ok=True)
        return [path.name for path in gone]

    def _named_files(self, log, entries: list[str]) -> set[str]:
        """Every data file a commit or checkpoint in the log names (added or removed)."""
        named = set()
        for entry in entries:
            if entry.endswith(".json"):
                for line in (log / entry).read_text(encoding="utf-8").splitlines():
                    action = json.loads(line) if line.strip() else {}
                    for kind in ("add", "remove"):
                        if kind in action:
                            named.add(unquote(action[kind]["path"]))
            elif entry.endswith(".checkpoint.parquet"):
                where = log / entry
                read = (pq.read_table(where.key, columns=["add"], filesystem=filesystem()) if self.shared
                        else pq.read_table(where, columns=["add"]))
                adds = read.column("add").combine_chunks()
                named.update(unquote(p) for p in adds.field("path").to_pylist() if p)
        return named


LISTED_KEYS = 1000  # an upsert of up to this many rows names its keys to the merge


def _matching(key: str, tables, rows: int) -> str:
    """A merge's predicate: the same key; for a few rows (a form's) their keys listed as well, so
    that the data files whose key statistics miss them all are not read (a plan marked done
    rewrites one file of half a million plans, not all of them)."""
    same = f"t.{key} = s.{key}"
    if rows > LISTED_KEYS:
        return same
    keys = {k for table in tables() for k in table.column(key).to_pylist() if k is not None}
    listed = ", ".join("'" + str(k).replace("'", "''") + "'" for k in sorted(keys))
    return f"{same} AND t.{key} IN ({listed})" if listed else same


def _rows_of_batch(table: DeltaTable, batch_id: str, columns: list[str] | None = None) -> pa.Table:
    """The rows (these columns of them) that batch wrote, in that version of the table."""
    return table.to_pyarrow_dataset().to_table(columns=columns, filter=_text("batch_id") == batch_id)


def _refuse_keys(name: str, keys: pa.ChunkedArray, refused: pa.Array) -> None:
    keys = keys.cast(pa.string())  # a merge may have made it string_view
    clash = pa.compute.filter(keys, pa.compute.is_in(keys, value_set=refused.cast(pa.string())))
    if len(clash):
        raise StoredMeanwhile(name, clash[0].as_py(), len(clash))
