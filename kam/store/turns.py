"""Each table's write turn: who may check and write a table now.

In a folder: a lock file per table (fcntl: every process on this machine) and a
re-entrant lock per table (every thread of this process; a batch's own writes re-enter
its turn). On object storage shared by several servers lock files serialise nothing:
there (CommitTurns) the turn serialises only this process's threads, and between
servers Delta's commit protocol does: a batch commits only right after the version it
checked, and on a conflict re-checks what changed since and tries again
(kam.store.batches). The batches pin their commits in both cases; in a folder the pins
always hold, as no one else commits while a turn is held.

Turns are taken in one order (RANK), so two writers never wait on each other:
customers come last, as an import takes their turn only for the moment it creates
them, after its long write.
"""
from __future__ import annotations

import fcntl
import threading
from pathlib import Path


def rank(name: str) -> tuple[bool, str]:
    return name == "customers", name


class _Turn:
    def __init__(self, path: Path):
        self.path = path
        self.threads = threading.RLock()
        self.depth = 0
        self.handle = None

    def take(self, wait: bool) -> bool:
        if not self.threads.acquire(blocking=wait):
            return False
        if self.depth == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                handle.close()
                self.threads.release()
                return False
            self.handle = handle
        self.depth += 1
        return True

    def give_back(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
        self.threads.release()


class LockFiles:
    """The turns of one data folder's tables, shared by every Store of the process on it."""

    _all: dict[Path, _Turn] = {}
    _guard = threading.Lock()
    exclusive = True  # while a turn is held no other writer, anywhere, commits to its table

    def __init__(self, root: Path):
        self.folder = root / ".locks"

    def _turn(self, name: str) -> _Turn:
        path = (self.folder / f"{name}.lock").absolute()
        with self._guard:
            return self._all.setdefault(path, _Turn(path))

    def take(self, name: str, wait: bool = True) -> bool:
        """Wait for the table's turn (or, without wait, take it only if it is free now)."""
        return self._turn(name).take(wait)

    def give_back(self, name: str) -> None:
        self._turn(name).give_back()


class _ThreadTurn(_Turn):
    """A turn among this process's threads only."""

    def take(self, wait: bool) -> bool:
        if not self.threads.acquire(blocking=wait):
            return False
        self.depth += 1
        return True

    def give_back(self) -> None:
        self.depth -= 1
        self.threads.release()


class CommitTurns(LockFiles):
    """The turns of a store on object storage: this process's threads take them in turn; other
    servers' writers are kept apart by the batches' pinned commits, not by the turn."""

    _all: dict[str, _ThreadTurn] = {}
    exclusive = False

    def __init__(self, root):
        self.root = str(root)

    def _turn(self, name: str) -> _ThreadTurn:
        with self._guard:
            return self._all.setdefault(f"{self.root}/{name}", _ThreadTurn(None))
