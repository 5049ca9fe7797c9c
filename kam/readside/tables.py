"""The table copy: each table's current Delta version, held in DuckDB and brought up to date
file by file.

The store's tables are held as native DuckDB tables in a database file beside them
(.cache/read.duckdb: compressed, columnar, paged in on demand, so the process keeps only
what its queries touch). Every held row carries the id of the Parquet file it came from.
When a table's version changes, the copy compares the version's data files with the ones it
holds and, in one DuckDB transaction, deletes the rows of the files the commit removed and
inserts the rows of the files it added. An append costs only its new rows; an upsert, a
delete or a restore (Delta rewrites or drops whole files) costs the files it touched; a query
sees one version or the next, never a mix. The file survives restarts: the next process
brings it up to date the same way, so nothing is read twice.

Only one process can hold the file. Another one (the command line while the app runs, say)
reads the tables' Parquet files directly through views instead (the Parquet fallback), as
does a store whose folder does not exist yet.

A store on object storage has its copy in a local cache folder, one per store URL
(KAM_CACHE_DIR, else kam-cache in the temporary folder): each app server keeps its own, and
brings it up to date from the Delta log the same way, reading the added files through
Arrow (DuckDB reads no s3:// here). A second process on the same machine takes a numbered
spare file beside it, or holds the tables in memory.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kam.readside.duckfile import DuckFile
from kam.store.damage import DamagedTable
from kam.store.delta import Store
from kam.store.place import listing
from kam.store.schema import DUCKDB_TYPES, TABLES

CACHE_FILE = Path(".cache") / "read.duckdb"
SPARE_FILES = 7  # on object storage: copies for further processes of one machine on one store
# on object storage a table's version, listed, is taken as current this long (a page's questions
# list each table once, not once per question), unless this process wrote or began a batch since
FRESH_SECONDS = 1.0


def cache_file(store: Store) -> Path:
    """Where this machine keeps its copy of the store's tables."""
    if not store.shared:
        return store.root / CACHE_FILE
    folder = Path(os.environ.get("KAM_CACHE_DIR") or Path(tempfile.gettempdir()) / "kam-cache")
    return folder / hashlib.sha1(str(store.root).encode()).hexdigest()[:16] / CACHE_FILE.name
# a table is rewritten compactly once its deleted rows outnumber its live ones and a minimum
# (an upsert rewrites whole files, and the old files' rows stay in the database file until then)
COMPACT_RATIO = 1.0
COMPACT_MIN_ROWS = 100_000
FREED_ROWS = 100_000  # rows deleted from the copies (files an edit replaced) before the file's free room is looked at
# Summaries held beside a table and kept with it file by file, read by queries like tables:
# name -> (table, grouping columns, measures). Sales by customer and month turn ten million
# lines into two and a half million rows, so a year's ranking sums a quarter as many.
SUMMARIES = {
    "sales_by_month": ("sales", "customer_id, date_trunc('month', date)::DATE AS month",
                       "SUM(amount) AS amount, SUM(COALESCE(profit, amount - cost)) AS profit, COUNT(*) AS lines"),
}
# Tables whose data files' first and last day (of this column) are kept: a part that declares it
# reads only some days of such a table (Part.windows) is keyed by the files holding those days,
# so it is made again only when a file with such days comes or goes. A visit recorded today
# leaves every past day's answers as they were.
WINDOWED = {"sales": "date", "visits": "date"}
_SOURCE = {**{name: name for name in TABLES}, **{name: spec[0] for name, spec in SUMMARIES.items()}}
_TABLE_WORDS = re.compile(r"\b(" + "|".join(_SOURCE) + r")\b")


def tables_read(sql: str) -> list[str]:
    """The store's tables the SQL names (a summary counts as its table)."""
    return sorted({_SOURCE[word] for word in _TABLE_WORDS.findall(sql)})


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(name: str) -> str:
    return ", ".join(c.name for c in TABLES[name].all_columns)


def _layout(name: str) -> str:
    """The held table's columns and types: a held table laid out otherwise is built again."""
    return ", ".join(f"{c.name} {DUCKDB_TYPES[c.type]}" for c in TABLES[name].all_columns)


def _make_views(con, views: dict[str, str]) -> None:
    """The views (name -> select) made, but those the file holds as they would be made: a process
    that only reads (an import's checks) then leaves the file as it was, and closes it without a
    checkpoint that writes and syncs it. Compared as DuckDB writes a view back, through temporary
    views of the same selects (a temporary view is never written to the file)."""
    probes = {f"_kam_probe_{name}": name for name in views}
    con.execute("".join(f"CREATE OR REPLACE TEMP VIEW {probe} AS {views[name]};" for probe, name in probes.items()))
    made = {(temporary, view): sql.partition(" AS ")[2] for view, temporary, sql in con.execute(
        "SELECT view_name, temporary, sql FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}
    con.execute("".join(f"DROP VIEW temp.{probe};" for probe in probes))
    for probe, name in probes.items():
        if made.get((False, name)) != made[(True, probe)]:
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {views[name]}")


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


class TableCopy:
    """One store's tables in its DuckFile: held (the file) or read through views (the fallback)."""

    def __init__(self, store: Store):
        self.store = store
        self.writing = threading.Lock()  # one table brought up to date at a time
        self.held: dict[str, _Held] = {}
        self.view_versions: dict[str, tuple[int, int]] = {}
        self.listed: dict[str, tuple[float, int, tuple[int, int]]] = {}  # object storage: when, generation, identity
        self.missing = not store.root.is_dir()
        self.duck = DuckFile(None if self.missing else cache_file(store), self._load_state,
                             spares=SPARE_FILES if store.shared else 0)

    @property
    def holding(self) -> bool:
        return self.duck.holding

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
        views = {}
        for name in TABLES:
            row = known.get(name)
            if row is None or row[1] != _fingerprint(name):  # new, or the schema changed: hold it afresh
                self._hold_afresh(con, name)
            else:
                self.held[name] = _Held((row[2], row[3]), files.get(name, {}), row[4], row[5], row[6],
                                        days.get(name, {}))
            views[name] = f"SELECT {_columns(name)} FROM held.{name}"
            for summary in _summaries(name):
                views[summary] = f"SELECT * EXCLUDE (_file) FROM held.{summary}"
        _make_views(con, views)

    def _hold_afresh(self, con, name: str) -> None:
        con.execute("DROP SCHEMA IF EXISTS parts CASCADE")  # parts made from what it was
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE OR REPLACE TABLE held.{name} ({_layout(name)}, _file INTEGER)")
        for summary, spec in _summaries(name).items():
            con.execute(f"CREATE OR REPLACE TABLE held.{summary} AS "
                        f"{_summary_sql(spec, f'held.{name}', ', _file')} LIMIT 0")
        con.execute("DELETE FROM held._tables WHERE name = $n", {"n": name})
        con.execute("DELETE FROM held._files WHERE name = $n", {"n": name})
        con.execute("INSERT INTO held._tables VALUES ($n, $l, -1, 0, 0, 0, 0)", {"n": name, "l": _fingerprint(name)})
        con.execute("COMMIT")
        self.held[name] = _Held()

    # ---- keeping up with the store ---------------------------------------------------
    def identity(self, name: str) -> tuple[int, int]:
        """The table's version with its commit file's mtime: a store deleted and written
        again from scratch reuses version numbers, never both."""
        if self.store.shared:
            return self._listed(name)
        version = self.store.version(name)
        if version < 0:
            return (-1, 0)
        try:
            stamp = os.stat(self.store.path(name) / "_delta_log" / f"{version:020d}.json").st_mtime_ns
        except FileNotFoundError:  # replaced under us: the next query looks again
            stamp = -1
        return (version, stamp)

    def _listed(self, name: str) -> tuple[int, int]:
        """identity() on object storage: one listing of the log gives both, and is used again for
        FRESH_SECONDS while this process neither writes nor begins a batch."""
        now, seen = time.monotonic(), self.listed.get(name)
        if seen and seen[0] > now - FRESH_SECONDS and seen[1] == Store.generation:
            return seen[2]
        generation = Store.generation
        found = [(int(n[:20]), mtime) for n, mtime in listing(self.store.path(name) / "_delta_log")
                 if n.endswith(".json") and n[:20].isdigit()]
        identity = max(((v, int(mtime * 1e9)) for v, mtime in found), default=(-1, 0))
        self.listed[name] = (now, generation, identity)
        return identity

    def current(self, name: str) -> tuple[int, int]:
        return self.held[name].version if self.holding else self.view_versions.get(name, (-2, 0))

    def files(self, name: str, version: int) -> list[str]:
        table = self.store.delta(name, version) if version >= 0 else None
        if table is None:
            return []
        if self.store.shared:
            return [u.removeprefix(f"{self.store.root}/") for u in table.file_uris()]
        root = str(self.store.root.resolve())
        return [os.path.relpath(u.removeprefix("file://"), root) for u in table.file_uris()]

    def bring_up_to_date(self, names) -> dict[str, tuple[int, int]]:
        """Each table brought to its current version; the versions it holds now, each at least as
        new as the one read when this began. Under the lock the version is read again: one read
        before it may be older than what another thread brought the table to meanwhile, and
        going to it would take the table back."""
        seen = {}
        for name in names:
            identity = self.identity(name)
            if self.current(name) == identity:  # a new version is read from its own log instead
                self._refuse_lost_files(name)
            if self.current(name) != identity:
                with self.writing:
                    identity = self.identity(name)
                    if self.current(name) != identity:
                        (self._update if self.holding else self._repoint)(name, identity)
            seen[name] = identity
        return seen

    def _refuse_lost_files(self, name: str) -> None:
        """A data file deleted from a table leaves its version as it was: the copy held of its rows
        must not go on being shown (kam.store.damage)."""
        held = self.held.get(name) if self.holding and not self.store.shared else None
        for path in held.files if held else ():
            if not (self.store.root / path).exists():
                raise DamagedTable(name, self.store.root / path, True, self.store.root)

    def _repoint(self, name: str, identity: tuple[int, int]) -> None:
        files = [str(self.store.root / f) for f in self.files(name, identity[0])]
        if files:
            listing = ", ".join(_sql_literal(f) for f in files)
            source = f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"
        else:
            source = f"SELECT {', '.join(f'CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}' for c in TABLES[name].all_columns)} WHERE false"
        self.duck.writer.execute(f"CREATE OR REPLACE VIEW {name} AS {source}")
        for summary, spec in _summaries(name).items():  # computed on the fly: nothing is held here
            self.duck.writer.execute(f"CREATE OR REPLACE VIEW {summary} AS {_summary_sql(spec, name)}")
        self.view_versions[name] = identity

    def _update(self, name: str, identity: tuple[int, int]) -> None:
        """Delete the rows of the files this version no longer has, insert the rows of the
        files it added, and note the version, in one transaction."""
        held = self.held[name]
        files = self.files(name, identity[0])
        keep = set(files)
        removed = [fid for path, fid in held.files.items() if path not in keep]
        added = {path: held.next_id + i for i, path in enumerate(f for f in files if f not in held.files)}
        cur = self.duck.writer
        cur.execute("BEGIN TRANSACTION")
        try:
            gone = self._delete(name, removed, len(held.files)) if removed else 0
            inserted = self._insert(name, added) if added else 0
            days = {fid: span for fid, span in held.days.items() if fid not in removed}
            if added:
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
        self.duck.gone_rows += gone
        if self.duck.gone_rows >= FREED_ROWS:  # worth a look at the file's free room (a checkpoint: 50 ms)
            self.duck.freed, self.duck.gone_rows = True, 0
        if state.dead > max(COMPACT_RATIO * state.live, COMPACT_MIN_ROWS):
            self._rewrite(name)

    def _delete(self, name: str, removed: list[int], held_files: int) -> int:
        """The rows of the removed files gone from the table and its summaries; how many."""
        cur = self.duck.writer
        where = "" if len(removed) == held_files else " WHERE _file IN (SELECT unnest($ids))"
        gone = cur.execute(f"DELETE FROM held.{name}{where}", {"ids": removed} if where else {}).fetchone()[0]
        for summary in _summaries(name):
            cur.execute(f"DELETE FROM held.{summary}{where}", {"ids": removed} if where else {})
        cur.execute("DELETE FROM held._files WHERE name = $n AND id IN (SELECT unnest($ids))",
                    {"n": name, "ids": removed})
        return gone

    def _insert(self, name: str, added: dict[str, int]) -> int:
        """The rows of the added files into the table and its summaries, the files noted; how many."""
        cur, paths = self.duck.writer, list(added)
        first = added[paths[0]]
        if self.store.shared:
            inserted = sum(self._insert_read(name, path, fid) for path, fid in added.items())
        else:
            files = ", ".join(_sql_literal(str(self.store.root / p)) for p in paths)
            source = f"read_parquet([{files}], union_by_name = true)"
            cols = self._present(name, f"SELECT * FROM {source}")
            # file_index counts from 0 in the listing, whose files got consecutive ids
            inserted = cur.execute(f"INSERT INTO held.{name} ({cols}, _file) "
                                   f"SELECT {cols}, {first} + file_index FROM {source}").fetchone()[0]
        for summary, spec in _summaries(name).items():
            rows = f"held.{name} WHERE _file >= {first}"
            cur.execute(f"INSERT INTO held.{summary} {_summary_sql(spec, rows, ', _file')}")
        cur.execute("INSERT INTO held._files SELECT $n, unnest($paths), unnest($ids), NULL, NULL",
                    {"n": name, "paths": paths, "ids": list(added.values())})
        return inserted

    def _present(self, name: str, source: str) -> str:
        """The table's columns the source has (files written before a column was added lack it)."""
        present = {row[0] for row in self.duck.writer.execute(f"DESCRIBE {source}").fetchall()}
        return ", ".join(c.name for c in TABLES[name].all_columns if c.name in present)

    def _insert_read(self, name: str, path: str, fid: int) -> int:
        """One data file on object storage, read through Arrow, into the held table."""
        cur = self.duck.writer
        cur.register("_adding", self.store.read_files([f"{self.store.root}/{path}"]))
        try:
            cols = self._present(name, "SELECT * FROM _adding")
            return cur.execute(f"INSERT INTO held.{name} ({cols}, _file) SELECT {cols}, {fid} FROM _adding"
                               ).fetchone()[0]
        finally:
            cur.unregister("_adding")

    def _days(self, name: str, first_id: int) -> dict[int, tuple]:
        """The first and last day of the files from first_id on, noted beside them (WINDOWED)."""
        if name not in WINDOWED:
            return {}
        cur = self.duck.writer
        found = cur.execute(f"""SELECT _file, MIN({WINDOWED[name]}), MAX({WINDOWED[name]}) FROM held.{name}
                                WHERE _file >= $first GROUP BY 1""", {"first": first_id}).fetchall()
        for fid, first, last in found:
            cur.execute("UPDATE held._files SET first_day = $f, last_day = $l WHERE name = $n AND id = $i",
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

    def _rewrite(self, name: str) -> None:
        """The table and its summaries written again without their deleted rows."""
        cur = self.duck.writer
        cur.execute("BEGIN TRANSACTION")
        for table in (name, *_summaries(name)):
            cur.execute(f"CREATE OR REPLACE TABLE held.{table} AS SELECT * FROM held.{table}")
        cur.execute("UPDATE held._tables SET dead = 0 WHERE name = $n", {"n": name})
        cur.execute("COMMIT")
        self.held[name].dead = 0
