"""The parts: parts of questions (Part) answered into tables of the schema `parts`.

A part that many questions share, such as the classes of one day that every filter shares, is
worked out once for what it reads, and never leaves DuckDB. Held in the database file, a part
outlives the process: the next start on the same data finds it made. The parts are kept
within PARTS_BYTES, the least recently used let go beyond it, and dropped once no question
is running (one might be reading it).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from kam.readside.answers import Answers
from kam.readside.duckfile import DuckFile

PARTS_BYTES = 2 * 2 ** 30
# a part's size: its rows times its columns' widths in memory (a text value takes 16 bytes, and
# longer ones their length on top: estimated as that)
_WIDTH = """SUM(CASE WHEN {type} IN ('BOOLEAN', 'TINYINT', 'UTINYINT') THEN 1
                    WHEN {type} IN ('SMALLINT', 'USMALLINT') THEN 2
                    WHEN {type} IN ('INTEGER', 'UINTEGER', 'DATE', 'FLOAT') THEN 4
                    WHEN {type} IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'TIMESTAMP', 'TIME') THEN 8
                    ELSE 16 END)"""
# every part's, in one look at the catalogue (DuckDB's estimate of the rows is exact for a
# table never changed), each side narrowed to the parts before they are joined
_SIZES = f"""
    WITH t AS (SELECT table_name, estimated_size FROM duckdb_tables()
               WHERE database_name = current_database() AND schema_name = 'parts'),
    c AS (SELECT table_name, {_WIDTH.format(type="data_type")} AS width FROM duckdb_columns()
          WHERE database_name = current_database() AND schema_name = 'parts' GROUP BY 1)
    SELECT 'parts.' || table_name, (estimated_size * width)::BIGINT FROM t JOIN c USING (table_name)"""


class Parts:
    def __init__(self, duck: DuckFile, answers: Answers):
        self.duck, self.answers = duck, answers
        self.lock = threading.Lock()
        duck.writer.execute("CREATE SCHEMA IF NOT EXISTS parts")
        self.held: OrderedDict = OrderedDict(self.sizes())  # table -> bytes, least recently used first
        self.held_bytes = sum(self.held.values())
        self.let_go: set[str] = set()  # dropped the next time no question is running
        duck.on_idle.append(self.drop_let_go)

    def sizes(self) -> dict[str, int]:
        """The part tables in the file now, read afresh, with their bytes."""
        return dict(self.duck.cursor().execute(_SIZES).fetchall())

    def size(self, table: str) -> int:
        """One part's bytes, looked up directly (a tenth of the time of a look at the catalogue)."""
        return self.duck.cursor().execute(f"""SELECT (SELECT COUNT(*) FROM {table}) *
            (SELECT {_WIDTH.format(type="type")} FROM pragma_table_info('{table}'))""").fetchall()[0][0]

    def table(self, key, build) -> str:
        """The name of the table holding the part with this key (its SQL, parameters, own parts
        and what they read), made by build(cursor, table) if it is not held yet."""
        table = "parts.p" + hashlib.sha1(repr(key).encode()).hexdigest()[:24]

        def held() -> str | None:
            with self.lock:
                if table not in self.held:
                    return None
                self.held.move_to_end(table)
                return table

        def make() -> str:
            build(self.duck.cursor(), table)
            self._note(table, self.size(table))
            return table

        return held() or self.answers.once(("part", table), make, ready=held)

    def _note(self, table: str, size: int) -> None:
        """The part held; the least recently used let go while the parts pass their bytes."""
        with self.lock:
            self.held[table] = size
            self.held_bytes += size
            while self.held_bytes > PARTS_BYTES and len(self.held) > 1:
                old, freed = self.held.popitem(last=False)
                self.held_bytes -= freed
                self.let_go.add(old)
            if self.let_go:
                self.duck.freed = True

    def drop_let_go(self) -> None:
        with self.lock:
            gone, self.let_go = self.let_go - set(self.held), set()
        for old in gone:
            self.duck.writer.execute(f"DROP TABLE IF EXISTS {old}")
