"""The read side's DuckDB database: the file beside the store (or memory), a cursor per thread,
and the moments when no question is running, in which the file may be swapped for a compact copy.

DuckDB reuses the space of dropped tables and deleted rows but never gives it back: a file
whose parts were let go stays as large as it ever was. When no question is running and the
free space is more than what the file holds and FILE_FREE_BYTES, the live tables are copied
into a fresh file that takes its place (the questions arriving meanwhile wait for it).

DuckDB reuses the space of dropped tables and deleted rows but never gives it back: a file
whose parts were let go stays as large as it ever was. When no question is running and the
free space passes the bound, the live tables are copied into a fresh file that replaces it.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb

# DuckDB's own memory (pages of the file it holds, hash tables of running queries): beyond it,
# it reads pages again and spills to the file's .tmp folder instead of growing the app
MEMORY_LIMIT = "1GB"
# the file is compacted once its free space is more than what it holds and than this
FILE_FREE_BYTES = 256 * 2 ** 20


class DuckFile:
    """One DuckDB database for one store in this process; `prepare(con)` readies a file just opened."""

    def __init__(self, path: Path | None, prepare, *, spares: int = 0):
        """With spares, a file held by another process is passed over for the next of `spares`
        numbered ones beside it (read-1.duckdb, ...), and if all are held the tables are held in
        memory: a process that cannot read the store's files directly (object storage) holds its own."""
        self.path = path
        self.con = self._open(prepare) if path is not None else None
        for n in range(1, spares + 1 if self.con is None and path is not None else 0):
            self.path = path.with_name(f"{path.stem}-{n}{path.suffix}")
            self.con = self._open(prepare)
            if self.con is not None:
                break
        if self.con is None and spares:
            self.path = None
            self.con = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT})
            prepare(self.con)
        self.holding = self.con is not None
        if self.con is None:  # no folder yet, or the file is another process's: nothing held
            self.con = duckdb.connect(":memory:")
        self.lock = threading.Lock()
        self.local = threading.local()
        self.cursors: list = []
        self.generation = 0
        self.writer = self.cursor()  # the one that brings tables up to date, under the caller's lock
        self.idle = threading.Condition()
        self.users = 0
        self.swapping = False
        self.freed = False  # something was let go or deleted since no question last ran
        self.gone_rows = 0  # rows deleted from table copies since freed was last set for them
        self.on_idle: list = []  # called with no question running (parts let go are dropped then)

    def _open(self, prepare) -> duckdb.DuckDBPyConnection | None:
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(self.path), config={"memory_limit": MEMORY_LIMIT})
                prepare(con)
                return con
            except duckdb.IOException:  # held by another process (or not writable): read Parquet
                return None
            except duckdb.Error:  # from another DuckDB, or damaged: it is only a copy, so start again
                if attempt:
                    return None
                for stale in (self.path, self.path.with_name(self.path.name + ".wal")):
                    stale.unlink(missing_ok=True)
        return None

    # ---- cursors ------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (a connection is not thread-safe; Streamlit runs each session in
        a thread of its own), made again after the file was swapped."""
        if getattr(self.local, "generation", None) != self.generation:
            with self.lock:
                cur = self.con.cursor()
                cur.execute("SET enable_progress_bar = false")  # it would draw on the server's terminal
                self.cursors.append(cur)
            self.local.cursor, self.local.generation = cur, self.generation
        return self.local.cursor

    # ---- questions running, and the moments between them --------------------------------
    @contextmanager
    def in_use(self):
        """Held while a question reads or writes the database: the file is swapped only when no
        question holds it. A thread already inside enters again without waiting."""
        depth = getattr(self.local, "depth", 0)
        if not depth:
            with self.idle:
                while self.swapping:
                    self.idle.wait()
                self.users += 1
        self.local.depth = depth + 1
        try:
            yield
        finally:
            self.local.depth = depth
            if not depth:
                self._leave()

    def _leave(self) -> None:
        with self.idle:
            self.users -= 1
            if self.users or not self.freed:
                return
            self.swapping, self.freed = True, False
        try:
            for work in self.on_idle:
                work()
            if self.holding and self.path is not None:
                self.compact_if_grown()
        finally:
            with self.idle:
                self.swapping = False
                self.idle.notify_all()

    # ---- the file's size ----------------------------------------------------------------
    def sizes(self) -> tuple[int, int]:
        """(bytes held, bytes free) in the file, once the log is written into it. (A question's
        answer is read to its end, here and everywhere: DuckDB refuses to register a table on a
        cursor whose last answer was left half read.)"""
        self.writer.execute("CHECKPOINT")
        block, used, free = self.writer.execute(
            "SELECT block_size, used_blocks, free_blocks FROM pragma_database_size()").fetchall()[0]
        return block * used, block * free

    def compact_if_grown(self) -> bool:
        """Copy the live tables into a fresh file and put it in place of this one, when the free
        space passes the bound. Called only when no question is running."""
        held, free = self.sizes()
        if free <= max(held, FILE_FREE_BYTES):
            return False
        fresh = self.path.with_name(self.path.name + ".compact")
        fresh.unlink(missing_ok=True)
        name = self.writer.execute("SELECT current_database()").fetchall()[0][0]
        try:
            self.writer.execute("ATTACH '" + str(fresh).replace("'", "''") + "' AS compacted")
            self.writer.execute(f'COPY FROM DATABASE "{name}" TO compacted')
            self.writer.execute("DETACH compacted")
        except duckdb.Error:  # the copy failed (disk full, say): the file stays as it was
            self.writer.execute("DETACH DATABASE IF EXISTS compacted")
            fresh.unlink(missing_ok=True)
            return False
        self._reopen(fresh)
        return True

    def _reopen(self, fresh: Path) -> None:
        for cur in self.cursors:
            cur.close()
        self.con.close()
        try:
            os.replace(fresh, self.path)
        except OSError:  # the old file stays, as it was
            fresh.unlink(missing_ok=True)
        self.con = duckdb.connect(str(self.path), config={"memory_limit": MEMORY_LIMIT})
        self.cursors, self.generation = [], self.generation + 1
        self.writer = self.cursor()
