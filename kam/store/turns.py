"""Each table's write turn: who may check and write a table now.

Here a lock file per table (fcntl: every process on this machine) and a re-entrant
lock per table (every thread of this process; a batch's own writes re-enter its
turn). On object storage shared by several machines lock files serialise nothing:
there the turn becomes Delta's commit protocol (a commit only at version N+1 of the
version N re-checked, and a re-check and retry on conflict), behind this same
interface.

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
