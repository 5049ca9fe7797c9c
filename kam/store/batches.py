"""A batch: the writes of one use-case, to one table or several, standing or falling together.

A batch holds the write turn of each table it writes (kam.store.turns) from before the
checks its writes rest on until after its last commit, so no other writer changes what
it checked. Every row it writes carries its id. Before its first commit it writes a
journal entry (.journal/ID.json: its tables and their versions before it); after its
last commit it removes it. An entry without a live writer is an interrupted batch
(killed between its commits): each of its tables goes back to where it was before it,
in a commit that says so (kam.undid), so none of it stays visible and an undo never
takes it for a live import. Every batch first does this for the interrupted batches
whose turns are free; the app and the command line do it for all when they start.

Every commit of a batch is pinned (kam.store.delta.Pin): it lands right after the version
the batch checked, or not at all. In a folder the turns make sure it does. On object
storage, where several servers write and the turns keep apart only one process's threads,
a commit that finds another writer's commit in its place re-checks what changed since the
version it checked (kam.store.place): a removal or restore, a commit of a writer not of
this app, or (for an undo) any change at all make the batch give up with ChangedMeanwhile,
writing nothing; other writers' appends and upserts only make the keys they wrote refused
to this batch's rows, and the commit is tried again after them. A batch also gives up when
a table it only reads (the customers its rows name) lost records since it began. There an
entry carries the time its batch last said it was alive (renewed by a thread while it
runs): only an entry older than that is an interrupted batch, and a batch that could not
renew it in time stops before its next commit.

Between servers, a batch that removes records (an undo: declared so when it begins) and a
batch that writes records naming them in another table could each check the other's table
before the other commits, and both commit: a record naming a removed customer. So each
writes before it reads: the removing batch's journal entry says that it removes, and is
written before its checks; a batch whose rows name customers looks, after its last commit,
for a removal from the customers since it checked and for a live entry of a removing batch
holding them, and takes its writes out again when it finds one (ChangedMeanwhile). Of two
such batches at least one sees the other (each reads after its own write landed), so the
two never both stay. It gives up too when it names a customer created by a batch not yet
finished (whose entry is still there): killed, that batch would be rolled back under it.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kam.store.delta import Changed, Pin, Staged, Store, StoredMeanwhile, new_batch_id
from kam.store.place import write_whole
from kam.store.records import InvalidRecords, Problem
from kam.store.schema import TABLES, table as table_def
from kam.store.turns import rank

JOURNAL = ".journal"
FILE_SHA = "kam.file_sha256"  # an import's commits name its file: the same file imported meanwhile is a change
# before:TABLE, checked:TABLE (its last look at the other tables done, its commit next), after:TABLE or
# staged:TABLE: the tests' kill -9 at that point of a batch
CRASH_AT = "KAM_TEST_CRASH_AT"
# the same points: the tests' pause there, saying so by the file PAUSED in the folder KAM_TEST_PAUSE_IN,
# until the file RESUME appears there
PAUSE_AT, PAUSE_IN, PAUSED, RESUME = "KAM_TEST_PAUSE_AT", "KAM_TEST_PAUSE_IN", "paused", "resume"
ROLLED_BACK = ("roll back", "recover")  # the operations that take an unfinished batch out again
_live: set[str] = set()  # the batches running in this process (a nested batch must not recover them)
COMMIT_ATTEMPTS = 100  # commits of one batch to one table, each after other writers' that came first
LEASE = "KAM_BATCH_LEASE_SECONDS"  # on object storage: how long an entry says its batch is alive (60)


def lease_seconds() -> float:
    """How long a journal entry on object storage says its batch is alive; renewed every quarter of it."""
    return float(os.environ.get(LEASE) or 60)


class ChangedMeanwhile(InvalidRecords):
    """Another server changed what this batch checked (object storage): nothing of it stays
    written; checked again, it may be written (or refused with the reason)."""

    def __init__(self, table: str, column: str = "batch_id", value=None, count: int = 0):
        self.count = count  # keys another writer stored meanwhile (value: the first), or 0: records removed
        super().__init__(table, [Problem(None, column, value, "changed_meanwhile")])


def _destructive(commit: dict) -> bool:
    """A commit that may have taken away what a check found: a removal, a restore, an undo, or
    any commit of a writer other than this app (its rows carry no batch of ours)."""
    return (commit.get("operation") in ("DELETE", "RESTORE") or "kam.undid" in commit
            or "kam.batch_id" not in commit)


def _crash_point(when: str, name: str) -> None:
    if os.environ.get(CRASH_AT) == f"{when}:{name}":
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(PAUSE_AT) == f"{when}:{name}":
        folder = Path(os.environ[PAUSE_IN])
        (folder / PAUSED).touch()
        while not (folder / RESUME).exists():
            time.sleep(0.01)


def referring(names) -> list[str]:
    """The tables a batch touching these must hold: these, and when customers are among them every
    table that names a customer (a customer removed under a record naming it would leave it dangling)."""
    names = set(names)
    if "customers" in names:
        names |= {name for name, spec in TABLES.items() if "customer_id" in spec.names}
    return sorted(names, key=rank)


class Batch:
    def __init__(self, store: Store, user: str, operation: str, tables=(), *, removes: bool = False):
        self.store, self.user, self.operation, self.tables = store, user, operation, tuple(tables)
        self.removes = removes  # it removes records (an undo): its entry says so before its checks
        self.id = new_batch_id()
        self.before: dict[str, int] = {}  # the tables whose turn it holds -> their version before it
        self.pins: dict[str, Pin] = {}  # and the version its next commit to each must follow
        self.watched: dict[str, int] = {}  # tables its rows name but it does not write -> version seen
        self.refused: dict[str, pa.Array] = {}  # keys other writers stored since its check (object storage)
        self.strict = removes  # an undo: any change by another writer since its check stops it
        self.committed = False  # whether any of its commits landed
        self.entry = store.root / JOURNAL / f"{self.id}.json"
        self.alive_until = float("inf")
        self.done = threading.Event()
        self.noting = threading.Lock()  # a renewal never writes the entry back after it was removed

    def __enter__(self) -> "Batch":
        recover(self.store, wait=False)
        _live.add(self.id)
        try:
            if not self.store.turns.exclusive:
                self.alive_until = time.time() + lease_seconds()
                threading.Thread(target=self._stay_alive, daemon=True).start()
            self.take(*self.tables)
            if recover(self.store, wait=False):  # batches whose turns were busy, and now are this one's
                with self.noting:
                    self.before = {name: self.store.version(name) for name in self.before}
                    self.pins = {name: Pin(version) for name, version in self.before.items()}
                    self._note()
            return self
        except BaseException as error:
            self.__exit__(type(error), error, error.__traceback__)
            raise

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            try:
                self._confirm()
            except BaseException as failed:  # taken out again (the store unreachable a moment: not confirmed)
                self.__exit__(type(failed), failed, failed.__traceback__)
                raise
        self.done.set()
        try:
            if kind is not None:
                for name, version in self.before.items():
                    roll_back(self.store, name, version, self.id, self.user, ROLLED_BACK[0])
            with self.noting:
                self.entry.unlink(missing_ok=True)
        finally:
            _live.discard(self.id)
            for name in sorted(self.before, key=rank, reverse=True):
                self.store.turns.give_back(name)

    def _stay_alive(self) -> None:
        """Renew the journal entry's lease while the batch runs (object storage)."""
        while not self.done.wait(lease_seconds() / 4):
            with self.noting:
                if self.before and not self.done.is_set():
                    try:
                        self._note()
                    except OSError:  # the store unreachable a moment: the next renewal may succeed
                        continue

    def take(self, *names: str) -> "Batch":
        """Hold these tables' turns too (in RANK order after the ones held), and say so in the journal."""
        for name in sorted(set(names) - set(self.before), key=rank):
            if self.before and rank(name) < max(map(rank, self.before)):
                raise RuntimeError(f"the turn of {name} is taken after a later one's")
            self.store.turns.take(name)
            Store.bump()  # its checks read at least the version it pins (kam.readside.tables)
            version = self.store.version(name)
            with self.noting:
                self.before[name], self.pins[name] = version, Pin(version)
            if "customer_id" in TABLES[name].names and "customers" not in self.watched:
                self.watched["customers"] = self.store.version("customers")
        with self.noting:
            self._note()
        return self

    def _note(self) -> None:
        """The journal entry written (or renewed), under self.noting."""
        until = time.time() + lease_seconds()
        write_whole(self.entry, json.dumps({"batch_id": self.id, "user": self.user, "operation": self.operation,
                                            "tables": self.before, "removes": self.removes,
                                            "alive_until": until}), forced=False)  # see README
        if not self.store.turns.exclusive:
            self.alive_until = until

    def append(self, name: str, rows, **options) -> str:
        return self._write(self.store.append, name, rows, **options)

    def upsert(self, name: str, rows, **options) -> str:
        return self._write(self.store.upsert, name, rows, **options)

    def write_parts(self, name: str, parts, rows: int, **options) -> str:
        return self._write(self.store.write_parts, name, parts, rows, **options)

    def stage(self, name: str, parts, rows: int) -> Staged:
        """Write the rows of a long append as data files of this batch, before taking any turn
        (Store.stage); commit_staged() makes them the table's, holding its turn only for that."""
        staged = self.store.stage(name, parts, rows, user=self.user, batch_id=self.id)
        _crash_point("staged", name)
        return staged

    def commit_staged(self, staged: Staged, **options) -> str:
        """Make staged files the table's, pinned like every commit of the batch (right after the
        version checked; keys stored meanwhile refused)."""
        options = {"user": self.user, "operation": self.operation, **options}
        return self._commit(staged.name,
                            lambda pin, refused: self.store.commit_staged(staged, pin=pin, refused=refused, **options),
                            (options.get("metadata") or {}).get(FILE_SHA))

    def remove(self, name: str, batch_id: str) -> int:
        """Remove another batch's rows from the table (an undo), in one commit of this batch."""
        meta = {"kam.operation": self.operation, "kam.user": self.user, "kam.batch_id": self.id, "kam.undid": batch_id}
        self.strict = True  # what it removes was checked to have no dependents: any change may add one
        return self._commit(name, lambda pin, _: self.store.remove_batch(name, batch_id, metadata=meta, pin=pin))

    def _write(self, write, name: str, *args, **options):
        options = {"user": self.user, "batch_id": self.id, "operation": self.operation, **options}
        return self._commit(name, lambda pin, refused: write(name, *args, pin=pin, refused=refused, **options),
                            (options.get("metadata") or {}).get(FILE_SHA))

    def _commit(self, name: str, write, file_sha: str | None = None):
        """write(pin, refused keys), committed right after the version checked; when another
        writer committed there first, what it changed is re-checked and the commit tried after it."""
        if name not in self.before:
            raise RuntimeError(f"{name} written without its turn")
        _crash_point("before", name)
        for attempt in range(COMMIT_ATTEMPTS):
            if attempt == COMMIT_ATTEMPTS - 1:
                raise ChangedMeanwhile(name)  # other writers keep coming first: said, rather than waited on
            self._recheck_others(name)
            if time.time() > self.alive_until - lease_seconds() / 2:  # renewals late: recovery may be near
                raise RuntimeError(f"batch {self.id} could not renew its journal entry in time; not written")
            _crash_point("checked", name)
            try:
                out = write(self.pins[name], self.refused.get(name))
                self.committed = True
                break
            except Changed:
                self._recheck(name, file_sha)
            except StoredMeanwhile as clash:
                raise ChangedMeanwhile(name, table_def(name).key, clash.first, clash.count) from None
        _crash_point("after", name)
        return out

    def _others_since(self, name: str, version: int) -> list[dict]:
        return [c for c in self.store.history(name, since=version) if c.get("kam.batch_id") != self.id]

    def _recheck(self, name: str, file_sha: str | None) -> None:
        """Another writer committed to the table: give up if what it did may undo this batch's
        check (or imported the same file), else refuse the keys it wrote and follow it."""
        pin = self.pins[name]
        later = self.store.history(name, since=pin.version)
        others = [c for c in later if c.get("kam.batch_id") != self.id]
        if self.strict or any(map(_destructive, others)) or (
                file_sha and any(c.get(FILE_SHA) == file_sha for c in others)):
            raise ChangedMeanwhile(name)
        key = table_def(name).key
        added = self.store.added_since(name, pin.version) if key and others else []
        if added:
            rows = self.store.read_files(added, [key, "batch_id"])
            ids = pa.array(sorted({c["kam.batch_id"] for c in others}), pa.string())
            theirs = pc.is_in(rows.column("batch_id").cast(pa.string()), value_set=ids)
            keys = pc.unique(pc.filter(rows.column(key).cast(pa.string()), theirs).combine_chunks())
            self.refused[name] = pc.unique(pa.concat_arrays([self.refused[name], keys])) if name in self.refused \
                else keys
        pin.version = max((c["version"] for c in later), default=pin.version)

    def _recheck_others(self, name: str) -> None:
        """The other tables it holds or reads, before a commit: an undo gives up on any change by
        another writer; every batch on a removal from a table it read (the customers its rows name)."""
        looked = {t: p.version for t, p in self.pins.items() if t != name} | {
            t: v for t, v in self.watched.items() if t not in self.pins}  # a held table's pin follows its own commits
        for table, version in looked.items():
            if self.store.version(table) == version:
                continue
            others = self._others_since(table, version)
            if (self.strict and others) or any(map(_destructive, others)):
                raise ChangedMeanwhile(table)
            if table in self.watched:
                self.watched[table] = max((c["version"] for c in others), default=version)

    def _confirm(self) -> None:
        """After its last commit, on object storage: a batch whose rows name customers it does not
        hold gives up (its writes taken out again) when, since it checked, customers were removed,
        or a batch holding them is live and removes records (it may not have seen these rows), or
        a batch not finished (live, or killed and to be rolled back) created a customer they name."""
        read = {table: version for table, version in self.watched.items() if table not in self.before}
        if self.store.turns.exclusive or not self.committed or not read:
            return
        entries = interrupted(self.store)
        for table, version in read.items():
            if any(map(_destructive, self._others_since(table, version))):
                raise ChangedMeanwhile(table)
            for entry in entries:
                if table in entry["tables"] and (_alive(self.store, entry) if entry.get("removes")
                                                 else self._names_created_by(entry["batch_id"])):
                    raise ChangedMeanwhile(table)

    def _names_created_by(self, other: str) -> bool:
        """Whether this batch's rows name a customer that batch created."""
        created = self.store.batch_rows("customers", other, ["customer_id"]).column("customer_id")
        if not len(created):
            return False
        created = pc.unique(created.cast(pa.string()).combine_chunks())
        return any(pc.any(pc.is_in(self.store.batch_rows(name, self.id, ["customer_id"]).column("customer_id")
                                   .cast(pa.string()), value_set=created)).as_py()
                   for name in self.before if "customer_id" in TABLES[name].names)


def roll_back(store: Store, name: str, before: int, batch_id: str, user: str, operation: str) -> None:
    """Take a batch's commits out of the table: back to the version before it when they are the
    last ones (they are, while the batch's turn is held), else its rows removed."""
    while store.version(name) != before:
        later = store.history(name, since=before)
        if not any(c.get("kam.batch_id") == batch_id for c in later) or any(
                c.get("kam.undid") == batch_id for c in later):
            return
        meta = {"kam.operation": operation, "kam.user": user, "kam.undid": batch_id}
        pin = Pin(max(c["version"] for c in later))  # another server may commit meanwhile: then look again
        try:
            if all(c.get("kam.batch_id") == batch_id for c in later):
                store.restore(name, before, user=user, metadata=meta, pin=pin)
            else:
                store.remove_batch(name, batch_id, metadata=meta, pin=pin)
            return
        except Changed:
            continue


def _read(path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:  # its batch finished meanwhile
        return None


def interrupted(store: Store) -> list[dict]:
    """The journal's entries of batches not running in this process."""
    found = []
    for path in sorted((store.root / JOURNAL).glob("*.json")):
        entry = _read(path)
        if entry is not None and entry["batch_id"] not in _live:
            found.append(entry | {"path": path})
    return found


def _let_go(store: Store, tables) -> bool:
    """Whether no writer holds any of these turns now (each taken and given back at once)."""
    for name in sorted(tables, key=rank):
        if not store.turns.take(name, wait=False):
            return False
        store.turns.give_back(name)
    return True


def _alive(store: Store, entry: dict) -> bool:
    """On object storage, whether the entry's batch said it is alive recently enough (in a folder
    its held turns say so instead)."""
    return not store.turns.exclusive and entry.get("alive_until", 0) > time.time()


def recover(store: Store, *, wait: bool) -> list[str]:
    """Roll back every interrupted batch whose turns are free now (with wait: every one, waiting
    for the turns of the tables its rollback must hold). A batch whose entry is still there once
    its turns are held has no writer: a live one holds them until its entry is gone. A batch
    whose own turns are held is passed by at once, without holding the turns of every table
    naming a customer while it waits (a form would wait behind an import's commit)."""
    done = []
    for entry in interrupted(store):
        if _alive(store, entry) or not _let_go(store, entry["tables"]):
            continue
        taken = []
        try:
            for name in referring(entry["tables"]):
                if not store.turns.take(name, wait):
                    break
                taken.append(name)
            else:
                if entry["path"].exists() and not _alive(store, _read(entry["path"]) or {}):
                    for name, before in entry["tables"].items():
                        roll_back(store, name, before, entry["batch_id"], entry["user"], ROLLED_BACK[1])
                    entry["path"].unlink()
                    done.append(entry["batch_id"])
        finally:
            for name in reversed(taken):
                store.turns.give_back(name)
    return done


def on_start(store: Store) -> None:
    """What a starting process does for the store: interrupted batches rolled back, and the data
    files killed writes left removed from the tables no one is writing now."""
    if not store.root.is_dir():
        return
    recover(store, wait=True)
    if not store.turns.exclusive:  # another server may be writing its files: imports sweep old ones
        return
    for name in TABLES:
        if store.turns.take(name, wait=False):
            try:
                store.sweep(name)
            finally:
                store.turns.give_back(name)
