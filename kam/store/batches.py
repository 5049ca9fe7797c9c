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
"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from kam.store.delta import Staged, Store, new_batch_id
from kam.store.schema import TABLES
from kam.store.turns import rank

JOURNAL = ".journal"
CRASH_AT = "KAM_TEST_CRASH_AT"  # before:TABLE, after:TABLE or staged:TABLE: the tests' kill -9 at that point of a batch
# the same points: the tests' pause there, saying so by the file PAUSED in the folder KAM_TEST_PAUSE_IN,
# until the file RESUME appears there
PAUSE_AT, PAUSE_IN, PAUSED, RESUME = "KAM_TEST_PAUSE_AT", "KAM_TEST_PAUSE_IN", "paused", "resume"
ROLLED_BACK = ("roll back", "recover")  # the operations that take an unfinished batch out again
_live: set[str] = set()  # the batches running in this process (a nested batch must not recover them)


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
    def __init__(self, store: Store, user: str, operation: str, tables=()):
        self.store, self.user, self.operation, self.tables = store, user, operation, tuple(tables)
        self.id = new_batch_id()
        self.before: dict[str, int] = {}  # the tables whose turn it holds -> their version before it
        self.entry = store.root / JOURNAL / f"{self.id}.json"

    def __enter__(self) -> "Batch":
        recover(self.store, wait=False)
        _live.add(self.id)
        try:
            self.take(*self.tables)
            if recover(self.store, wait=False):  # batches whose turns were busy, and now are this one's
                self.before = {name: self.store.version(name) for name in self.before}
                self._note()
            return self
        except BaseException as error:
            self.__exit__(type(error), error, error.__traceback__)
            raise

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is not None:
                for name, version in self.before.items():
                    roll_back(self.store, name, version, self.id, self.user, ROLLED_BACK[0])
            self.entry.unlink(missing_ok=True)
        finally:
            _live.discard(self.id)
            for name in sorted(self.before, key=rank, reverse=True):
                self.store.turns.give_back(name)

    def take(self, *names: str) -> "Batch":
        """Hold these tables' turns too (in RANK order after the ones held), and say so in the journal."""
        for name in sorted(set(names) - set(self.before), key=rank):
            if self.before and rank(name) < max(map(rank, self.before)):
                raise RuntimeError(f"the turn of {name} is taken after a later one's")
            self.store.turns.take(name)
            self.before[name] = self.store.version(name)
        self._note()
        return self

    def _note(self) -> None:
        self.entry.parent.mkdir(parents=True, exist_ok=True)
        draft = self.entry.with_suffix(".tmp")
        with open(draft, "w", encoding="utf-8") as f:
            json.dump({"batch_id": self.id, "user": self.user, "operation": self.operation,
                       "tables": self.before}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(draft, self.entry)

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
        options = {"user": self.user, "operation": self.operation, **options}
        return self._commit(staged.name, lambda: self.store.commit_staged(staged, **options))

    def remove(self, name: str, batch_id: str) -> int:
        """Remove another batch's rows from the table (an undo), in one commit of this batch."""
        meta = {"kam.operation": self.operation, "kam.user": self.user, "kam.batch_id": self.id, "kam.undid": batch_id}
        return self._commit(name, lambda: self.store.remove_batch(name, batch_id, metadata=meta))

    def _write(self, write, name: str, *args, **options):
        options = {"user": self.user, "batch_id": self.id, "operation": self.operation, **options}
        return self._commit(name, lambda: write(name, *args, **options))

    def _commit(self, name: str, write):
        if name not in self.before:
            raise RuntimeError(f"{name} written without its turn")
        _crash_point("before", name)
        out = write()
        _crash_point("after", name)
        return out


def roll_back(store: Store, name: str, before: int, batch_id: str, user: str, operation: str) -> None:
    """Take a batch's commits out of the table: back to the version before it when they are the
    last ones (they are, while the batch's turn is held), else its rows removed."""
    if store.version(name) == before:
        return
    later = store.history(name, since=before)
    if not any(c.get("kam.batch_id") == batch_id for c in later) or any(
            c.get("kam.undid") == batch_id for c in later):
        return
    meta = {"kam.operation": operation, "kam.user": user, "kam.undid": batch_id}
    if all(c.get("kam.batch_id") == batch_id for c in later):
        store.restore(name, before, user=user, metadata=meta)
    else:
        store.remove_batch(name, batch_id, metadata=meta)


def interrupted(store: Store) -> list[dict]:
    """The journal's entries of batches not running in this process."""
    found = []
    for path in sorted((store.root / JOURNAL).glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # its batch finished meanwhile
            continue
        if entry["batch_id"] not in _live:
            found.append(entry | {"path": path})
    return found


def _let_go(store: Store, tables) -> bool:
    """Whether no writer holds any of these turns now (each taken and given back at once)."""
    for name in sorted(tables, key=rank):
        if not store.turns.take(name, wait=False):
            return False
        store.turns.give_back(name)
    return True


def recover(store: Store, *, wait: bool) -> list[str]:
    """Roll back every interrupted batch whose turns are free now (with wait: every one, waiting
    for the turns of the tables its rollback must hold). A batch whose entry is still there once
    its turns are held has no writer: a live one holds them until its entry is gone. A batch
    whose own turns are held is passed by at once, without holding the turns of every table
    naming a customer while it waits (a form would wait behind an import's commit)."""
    done = []
    for entry in interrupted(store):
        if not _let_go(store, entry["tables"]):
            continue
        taken = []
        try:
            for name in referring(entry["tables"]):
                if not store.turns.take(name, wait):
                    break
                taken.append(name)
            else:
                if entry["path"].exists():
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
    for name in TABLES:
        if store.turns.take(name, wait=False):
            try:
                store.sweep(name)
            finally:
                store.turns.give_back(name)
