"""Read side: each table's current Delta version, held in DuckDB.

The store's tables are held as native DuckDB tables in a database file beside
them (.cache/read.duckdb: compressed, columnar, paged in on demand, so the
process keeps only what its queries touch). Every held row carries the id of
the Parquet file it came from. When a table's version changes, the read side
compares the version's data files with the ones it holds and, in one DuckDB
transaction, deletes the rows of the files the commit removed and inserts the
rows of the files it added. An append costs only its new rows; an upsert, a
delete or a restore (Delta rewrites or drops whole files) costs the files it
touched; a query sees one version or the next, never a mix. The file survives
restarts: the next process brings it up to date the same way, so nothing is
read twice and nothing stale is ever served.

Only one process can hold the file. Another one (the command line while the
app runs, say) reads the tables' Parquet files directly through views instead,
as does a store whose folder does not exist yet.

One DuckDB database per store and process; each thread gets its own cursor (a
connection is not thread-safe, and Streamlit runs each session in its own
thread). Query results are cached under the versions of the tables they read.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from kam.store.damage import DamagedTable
from kam.store.schema import DUCKDB_TYPES, TABLES
from kam.store.delta import Store

CACHE_FILE = Path(".cache") / "read.duckdb"
CACHE_BYTES = 128 * 2 ** 20  # query results kept, by their size in memory
# DuckDB's own memory (pages of the file it holds, hash tables of running queries): beyond it,
# it reads pages again and spills to the file's .tmp folder instead of growing the app
MEMORY_LIMIT = "1GB"
# parts of questions (Database.query's `using`) answered into tables of the read side's database:
# this many are kept, the least recently used dropped beyond it
PARTS_KEPT = 400
# a table is rewritten compactly once its deleted rows outnumber its live ones and a minimum
# (an upsert rewrites whole files, and the old files' rows stay in the database file until then)
COMPACT_RATIO = 1.0
COMPACT_MIN_ROWS = 100_000
# Summaries held beside a table and kept with it file by file, read by queries like tables:
# name -> (table, grouping columns, measures). Sales by customer and month turn ten million
# lines into two and a half million rows, so a year's ranking sums a quarter as many.
SUMMARIES = {
    "sales_by_month": ("sales", "customer_id, date_trunc('month', date)::DATE AS month",
                       "SUM(amount) AS amount, SUM(COALESCE(profit, amount - cost)) AS profit, COUNT(*) AS lines"),
}
# Tables whose data files' first and last day (of this column) are kept: a part that declares it
# reads only some days of such a table (Database.query's windows) is keyed by the files holding
# those days, so it is made again only when a file with such days comes or goes. A visit recorded
# today leaves every past day's answers as they were.
WINDOWED = {"sales": "date", "visits": "date"}
_SOURCE = {**{name: name for name in TABLES}, **{name: spec[0] for name, spec in SUMMARIES.items()}}
_TABLE_WORDS = re.compile(r"\b(" + "|".join(_SOURCE) + r")\b")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(name: str) -> str:
    return ", ".join(c.name for c in TABLES[name].all_columns)


def _layout(name: str) -> str:
    """The held table's columns and types: a held table laid out otherwise is built again."""
    return ", ".join(f"{c.name} {DUCKDB_TYPES[c.type]}" for c in TABLES[name].all_columns)


def _summaries(name: str) -> dict[str, tuple[str, str, str]]:
    return {summary: spec for summary, spec in SUMMARIES.items() if spec[0] == name}


def _summary_sql(spec: tuple[str, str, str], rows: str, extra: str = "") -> str:
    _, keys, measures = spec
    return f"SELECT {keys}, {measures}{extra} FROM {rows} GROUP BY ALL"


def _fingerprint(name: str) -> str:
    """What a held table was made from: its layout, its summaries' definitions, its files' days."""
    return " | ".join([_layout(name)] + [f"{s}: {_summary_sql(spec, name)}" for s, spec in _summaries(name).items()]
                      + ([f"days of {WINDOWED[name]}"] if name in WINDOWED else []))


@dataclass
class _Held:
    version: tuple[int, int] = (-1, 0)  # Delta version, and its commit file's mtime
    files: dict[str, int] = field(default_factory=dict)  # data file (relative to the store) -> id
    next_id: int = 0
    live: int = 0
    dead: int = 0
    days: dict[int, tuple] = field(default_factory=dict)  # file id -> (first, last) day of WINDOWED's column


class _Reader:
    """One store's DuckDB database in this process, shared by every Database on that store."""

    def __init__(self, store: Store):
        self.store = store
        self.lock = threading.Lock()  # cursors and the result cache
        self.writing = threading.Lock()  # one table brought up to date at a time
        self.local = threading.local()
        self.cache: OrderedDict = OrderedDict()
        self.cache_bytes = 0
        self.answering: dict = {}  # key -> Event: a question being answered, which others wait for
        self.parts: OrderedDict = OrderedDict()  # part tables in the schema `parts`, least recently used first
        self.held: dict[str, _Held] = {}
        self.view_versions: dict[str, tuple[int, int]] = {}
        self.missing = not store.root.is_dir()
        self.con = self._open_file() or duckdb.connect(":memory:")
        self.holding = bool(self.held)
        self.writer = self.new_cursor()
        self.writer.execute("CREATE SCHEMA IF NOT EXISTS parts")
        self.parts.update((f"parts.{name}", None) for (name,) in self.writer.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'parts'").fetchall())

    # ---- the file ---------------------------------------------------------------------
    def _open_file(self) -> duckdb.DuckDBPyConnection | None:
        if self.missing:
            return None
        path = self.store.root / CACHE_FILE
        for attempt in range(2):
            try:
                path.parent.mkdir(exist_ok=True)
                con = duckdb.connect(str(path), config={"memory_limit": MEMORY_LIMIT})
                self._load_state(con)
                return con
            except duckdb.IOException:  # held by another process (or not writable): read Parquet
                return None
            except duckdb.Error:  # from another DuckDB, or damaged: it is only a copy, so start again
                if attempt:
                    return None
                for stale in (path, path.with_name(path.name + ".wal")):
                    stale.unlink(missing_ok=True)
        return None

    def _load_state(self, con) -> None:
        con.execute("CREATE SCHEMA IF NOT EXISTS held")
        con.execute("""CREATE TABLE IF NOT EXISTS held._tables (name VARCHAR PRIMARY KEY, layout VARCHAR,
                       version BIGINT, stamp BIGINT, next_id INTEGER, live BIGINT, dead BIGINT)""")
        con.execute("CREATE TABLE IF NOT EXISTS held._files (name VARCHAR, path VARCHAR, id INTEGER)")
        con.execute("ALTER TABLE held._files ADD COLUMN IF NOT EXISTS first_day DATE")
        con.execute("ALTER TABLE held._files ADD COLUMN IF NOT EXISTS last_day DATE")
        known = {row[0]: row for row in con.execute("SELECT * FROM held._tables").fetchall()}
        files: dict[str, dict[str, int]] = {}
        days: dict[str, dict[int, tuple]] = {}
        for name, path, fid, first, last in con.execute(
                "SELECT name, path, id, first_day, last_day FROM held._files").fetchall():
            files.setdefault(name, {})[path] = fid
            days.setdefault(name, {})[fid] = (first, last)
        for name in TABLES:
            row = known.get(name)
            if row is None or row[1] != _fingerprint(name):  # new, or the schema changed: hold it afresh
                con.execute("DROP SCHEMA IF EXISTS parts CASCADE")  # parts made from what it was
                con.execute("BEGIN TRANSACTION")
                con.execute(f"CREATE OR REPLACE TABLE held.{name} ({_layout(name)}, _file INTEGER)")
                for summary, spec in _summaries(name).items():
                    con.execute(f"CREATE OR REPLACE TABLE held.{summary} AS "
                                f"{_summary_sql(spec, f'held.{name}', ', _file')} LIMIT 0")
                con.execute("DELETE FROM held._tables WHERE name = $n", {"n": name})
                con.execute("DELETE FROM held._files WHERE name = $n", {"n": name})
                con.execute("INSERT INTO held._tables VALUES ($n, $l, -1, 0, 0, 0, 0)",
                            {"n": name, "l": _fingerprint(name)})
                con.execute("COMMIT")
                self.held[name] = _Held()
            else:
                self.held[name] = _Held((row[2], row[3]), files.get(name, {}), row[4], row[5], row[6],
                                        days.get(name, {}))
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {_columns(name)} FROM held.{name}")
            for summary in _summaries(name):
                con.execute(f"CREATE OR REPLACE VIEW {summary} AS SELECT * EXCLUDE (_file) FROM held.{summary}")

    # ---- keeping up with the store ---------------------------------------------------
    def identity(self, name: str) -> tuple[int, int]:
        """The table's version with its commit file's mtime: a store deleted and written
        again from scratch reuses version numbers, never both."""
        version = self.store.version(name)
        if version < 0:
            return (-1, 0)
        try:
            stamp = os.stat(self.store.path(name) / "_delta_log" / f"{version:020d}.json").st_mtime_ns
        except FileNotFoundError:  # replaced under us: the next query looks again
            stamp = -1
        return (version, stamp)

    def current(self, name: str) -> tuple[int, int]:
        return self.held[name].version if self.holding else self.view_versions.get(name, (-2, 0))

    def files(self, name: str, version: int) -> list[str]:
        table = self.store.delta(name, version) if version >= 0 else None
        if table is None:
            return []
        root = str(self.store.root.resolve())
        return [os.path.relpath(u.removeprefix("file://"), root) for u in table.file_uris()]

    def _refuse_lost_files(self, name: str) -> None:
        """A data file deleted from a table leaves its version as it was: the copy held of its rows
        must not go on being shown (kam.store.damage)."""
        held = self.held.get(name) if self.holding else None
        for path in held.files if held else ():
            if not (self.store.root / path).exists():
                raise DamagedTable(name, self.store.root / path, True, self.store.root)

    def bring_up_to_date(self, names) -> dict[str, tuple[int, int]]:
        seen = {}
        for name in names:
            identity = self.identity(name)
            self._refuse_lost_files(name)
            if self.current(name) != identity:
                with self.writing:
                    if self.current(name) != identity:
                        (self._update if self.holding else self._repoint)(name, identity)
            seen[name] = identity
        return seen

    def _repoint(self, name: str, identity: tuple[int, int]) -> None:
        files = [str(self.store.root / f) for f in self.files(name, identity[0])]
        if files:
            listing = ", ".join(_sql_literal(f) for f in files)
            source = f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"
        else:
            source = f"SELECT {', '.join(f'CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}' for c in TABLES[name].all_columns)} WHERE false"
        self.writer.execute(f"CREATE OR REPLACE VIEW {name} AS {source}")
        for summary, spec in _summaries(name).items():  # computed on the fly: nothing is held here
            self.writer.execute(f"CREATE OR REPLACE VIEW {summary} AS {_summary_sql(spec, name)}")
        self.view_versions[name] = identity

    def _update(self, name: str, identity: tuple[int, int]) -> None:
        """Delete the rows of the files this version no longer has, insert the rows of the
        files it added, and note the version, in one transaction."""
        held = self.held[name]
        files = self.files(name, identity[0])
        keep = set(files)
        removed = [fid for path, fid in held.files.items() if path not in keep]
        added = {path: held.next_id + i for i, path in enumerate(f for f in files if f not in held.files)}
        cur = self.writer
        cur.execute("BEGIN TRANSACTION")
        try:
            gone = 0
            if removed:
                where = "" if len(removed) == len(held.files) else " WHERE _file IN (SELECT unnest($ids))"
                gone = cur.execute(f"DELETE FROM held.{name}{where}", {"ids": removed} if where else {}).fetchone()[0]
                for summary in _summaries(name):
                    cur.execute(f"DELETE FROM held.{summary}{where}", {"ids": removed} if where else {})
                cur.execute("DELETE FROM held._files WHERE name = $n AND id IN (SELECT unnest($ids))",
                            {"n": name, "ids": removed})
            inserted = self._insert(name, added) if added else 0
            for summary, spec in _summaries(name).items():
                if added:
                    cur.execute(f"INSERT INTO held.{summary} "
                                f"{_summary_sql(spec, f'held.{name} WHERE _file >= {held.next_id}', ', _file')}")
            days = {fid: span for fid, span in held.days.items() if fid not in removed}
            if added:
                cur.execute("INSERT INTO held._files SELECT $n, unnest($paths), unnest($ids), NULL, NULL",
                            {"n": name, "paths": list(added), "ids": list(added.values())})
                days |= self._days(name, held.next_id)
            state = _Held(identity, {p: i for p, i in held.files.items() if p in keep} | added,
                          held.next_id + len(added), held.live + inserted - gone, held.dead + gone, days)
            cur.execute("""UPDATE held._tables SET version = $v, stamp = $s, next_id = $i, live = $l, dead = $d
                           WHERE name = $n""", {"v": identity[0], "s": identity[1], "i": state.next_id,
                                                "l": state.live, "d": state.dead, "n": name})
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        self.held[name] = state
        if state.dead > max(COMPACT_RATIO * state.live, COMPACT_MIN_ROWS):
            self._compact(name)

    def _insert(self, name: str, added: dict[str, int]) -> int:
        paths = list(added)
        listing = ", ".join(_sql_literal(str(self.store.root / p)) for p in paths)
        source = f"read_parquet([{listing}], union_by_name = true)"
        present = {row[0] for row in self.writer.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        cols = ", ".join(c.name for c in TABLES[name].all_columns if c.name in present)
        # file_index counts from 0 in the listing, whose files got consecutive ids
        return self.writer.execute(f"INSERT INTO held.{name} ({cols}, _file) "
                                   f"SELECT {cols}, {added[paths[0]]} + file_index FROM {source}").fetchone()[0]

    def _days(self, name: str, first_id: int) -> dict[int, tuple]:
        """The first and last day of the files from first_id on, noted beside them (WINDOWED)."""
        if name not in WINDOWED:
            return {}
        found = self.writer.execute(f"""SELECT _file, MIN({WINDOWED[name]}), MAX({WINDOWED[name]}) FROM held.{name}
                                        WHERE _file >= $first GROUP BY 1""", {"first": first_id}).fetchall()
        for fid, first, last in found:
            self.writer.execute("UPDATE held._files SET first_day = $f, last_day = $l WHERE name = $n AND id = $i",
                                {"f": first, "l": last, "n": name, "i": fid})
        return {fid: (first, last) for fid, first, last in found}

    def within(self, name: str, first, last) -> tuple:
        """What a part reading the table's days from first to last (either None: no end) depends
        on: the files holding such days. Held files never change, so the same files, the same rows."""
        if not self.holding or name not in WINDOWED:
            return self.current(name)
        held = self.held[name]
        ids = sorted(fid for fid, (lo, hi) in held.days.items() if lo is not None
                     and (first is None or hi >= first) and (last is None or lo <= last))
        return ("files", hashlib.sha1(repr(ids).encode()).hexdigest())

    def _compact(self, name: str) -> None:
        cur = self.writer
        cur.execute("BEGIN TRANSACTION")
        for table in (name, *_summaries(name)):
            cur.execute(f"CREATE OR REPLACE TABLE held.{table} AS SELECT * FROM held.{table}")
        cur.execute("UPDATE held._tables SET dead = 0 WHERE name = $n", {"n": name})
        cur.execute("COMMIT")
        self.held[name].dead = 0

    # ---- cursors and results ---------------------------------------------------------
    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute("SET enable_progress_bar = false")  # it would draw on the server's terminal
        return cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self.local, "cursor", None)
        if cur is None:
            with self.lock:
                cur = self.local.cursor = self.new_cursor()
        return cur

    def cached(self, key) -> pd.DataFrame | None:
        with self.lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                return found[0]
        return None

    def answer(self, key, work, keep: bool = True) -> pd.DataFrame:
        """The kept result for the key, or work()'s, kept. A question already being answered in
        another thread (two sessions opening the same page, the warm-up and the first page) is
        waited for, not asked twice: on two cores the second asking would only slow the first."""
        while True:
            found = self.cached(key)
            if found is not None:
                return found
            with self.lock:
                running = self.answering.get(key)
                if running is None:
                    running = self.answering[key] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                running.wait()
                if not keep:
                    return pd.DataFrame()  # done by the other thread (a part: its table is made)
                continue  # kept by the other thread now (or too big to keep, or failed: then ask it here)
            try:
                result = work()
                if keep:
                    self.keep(key, result)
                return result
            finally:
                with self.lock:
                    del self.answering[key]
                running.set()

    def part(self, key, build) -> str:
        """The name of the table holding the part with this key (SQL, parameters, its own parts,
        table versions), made by build(cursor, table) if it is not held yet. Held in the database
        file, a part outlives the process: the next start on the same data finds it made."""
        table = "parts.p" + hashlib.sha1(repr(key).encode()).hexdigest()[:24]

        def make() -> pd.DataFrame:
            with self.lock:
                known = table in self.parts
            if not known:
                build(self.cursor(), table)
            with self.lock:
                self.parts[table] = None
                self.parts.move_to_end(table)
                dropped = [self.parts.popitem(last=False)[0] for _ in range(len(self.parts) - PARTS_KEPT)]
            for old in dropped:  # the least recently used: no question is reading them now
                self.cursor().execute(f"DROP TABLE IF EXISTS {old}")
            return pd.DataFrame()

        with self.lock:
            if table in self.parts:
                self.parts.move_to_end(table)
                return table
        self.answer(("part", table), make, keep=False)
        return table

    def keep(self, key, frame: pd.DataFrame) -> None:
        size = int(frame.memory_usage(deep=True).sum())
        if size > CACHE_BYTES // 4:
            return
        with self.lock:
            if key not in self.cache:
                self.cache[key] = (frame, size)
                self.cache_bytes += size
            while self.cache_bytes > CACHE_BYTES:
                _, (_, dropped) = self.cache.popitem(last=False)
                self.cache_bytes -= dropped


_READERS: dict[str, _Reader] = {}
_READERS_LOCK = threading.Lock()


def _reader(store: Store) -> _Reader:
    key = str(store.root.resolve())
    with _READERS_LOCK:
        reader = _READERS.get(key)
        if reader is None or (reader.missing and store.root.is_dir()):  # new, or its folder appeared since
            reader = _READERS[key] = _Reader(store)
        return reader


_FRAMES = threading.local()


def on_frames(sql: str, params: dict | None = None, **frames: pd.DataFrame) -> pd.DataFrame:
    """A query over pandas frames (named by the keywords) in this thread's own DuckDB: a join
    or a ranking of a hundred thousand customers takes DuckDB milliseconds, pandas a second."""
    con = getattr(_FRAMES, "con", None)
    if con is None:
        con = _FRAMES.con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        return con.execute(sql, params or {}).df()
    finally:
        for name in frames:
            con.unregister(name)


class Database:
    """Queries over a store's current tables, as pandas frames."""

    def __init__(self, store: Store):
        self.store = store
        self._shared = _reader(store)

    @property
    def _reader(self) -> _Reader:
        if self._shared.missing and self.store.root.is_dir():  # the store's first write happened since
            self._shared = _reader(self.store)
        return self._shared

    @property
    def holding(self) -> bool:
        """True when the tables are held in DuckDB, False when read from Parquet through views."""
        return self._reader.holding

    def refresh(self, names=None) -> dict[str, int]:
        """Bring each table to its current version; returns the versions seen."""
        return {name: identity[0] for name, identity in self._reader.bring_up_to_date(names or TABLES).items()}

    def query(self, sql: str, params: dict | list | None = None, *, using: dict | None = None) -> pd.DataFrame:
        """The result of the SQL over the current tables. `using` names parts of it that are queries
        of their own, {name: (sql, params[, parts[, windows]])}: each is answered into a table of the
        read side's database, kept there under what it read, and read by the SQL under its name. A
        part that many questions share, such as the classes of one day that every filter shares, is
        worked out once for what it reads, and never leaves DuckDB. What it read: the versions of
        the tables in its SQL, or for a table given a window {table: (first day, last day)} (either
        None: no end) only the files holding those days (WINDOWED); and its own parts."""
        reader = self._reader
        using = using or {}
        key = self._key(reader, sql, params, using)

        def work() -> pd.DataFrame:
            cursor = reader.cursor()
            self._name_parts(reader, cursor, using)
            return cursor.execute(sql, params or {}).df()

        return reader.answer(key, work).copy(deep=False)  # copy-on-write: a caller's change stays its own

    def _key(self, reader: _Reader, sql: str, params=None, using: dict | None = None,
             windows: dict | None = None) -> tuple:
        """What an answer depends on: the SQL, its parameters, what the tables its SQL names hold
        (brought up to date first) and its parts' own keys."""
        tables = sorted({_SOURCE[word] for word in _TABLE_WORDS.findall(sql)})
        seen = reader.bring_up_to_date(tables)
        read = tuple((t, reader.within(t, *windows[t]) if t in (windows or {}) else seen[t]) for t in tables)
        parts = tuple(sorted((name, self._key(reader, *part)) for name, part in (using or {}).items()))
        return (sql, repr(params), parts, read)

    def _name_parts(self, reader: _Reader, cursor, using: dict) -> None:
        """Each part (sql, params[, its own parts]) made into a held table, and named on this cursor."""
        for name, part in using.items():
            table = self._part(reader, *part)
            cursor.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM {table}')

    def _part(self, reader: _Reader, sql: str, params=None, using: dict | None = None,
              windows: dict | None = None) -> str:
        using = using or {}

        def build(cursor, table: str) -> None:
            self._name_parts(reader, cursor, using)
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} AS {sql}", params or {})

        return reader.part(self._key(reader, sql, params, using, windows), build)

    def stored(self, table: str, column: str, values: pa.Array) -> np.ndarray:
        """For each value, whether the table's column holds it now: an import's keys against the
        millions stored, joined by DuckDB rather than gathered into a set in this process."""
        reader = self._reader
        reader.bring_up_to_date([table])
        given = pa.table({"value": pa.array(values, pa.string()), "at": pa.array(np.arange(len(values)))})
        cursor = reader.cursor()
        cursor.register("_given", given)
        try:
            hits = cursor.execute(f"SELECT g.at FROM _given g SEMI JOIN {table} t ON t.{column} = g.value"
                                  ).fetchnumpy()["at"]
        finally:
            cursor.unregister("_given")
        found = np.zeros(len(given), dtype=bool)
        found[np.asarray(hits, dtype=np.int64)] = True
        return found

    def part_tables(self) -> set[str]:
        """The parts of answers held now (their tables' names), read afresh, never from the cache."""
        return {name for (name,) in self._reader.cursor().execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'parts'").fetchall()}

    def scalar(self, sql: str, params: dict | list | None = None, *, using: dict | None = None):
        frame = self.query(sql, params, using=using)
        return None if frame.empty else frame.iat[0, 0]
