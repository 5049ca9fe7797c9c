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
# a part's size: DuckDB's estimate of its rows times its columns' widths in memory (a text
# value takes 16 bytes, and longer ones their length on top: estimated as that)
_SIZES = """
    SELECT 'parts.' || t.table_name, ANY_VALUE(t.estimated_size) * SUM(CASE
           WHEN c.data_type IN ('BOOLEAN', 'TINYINT', 'UTINYINT') THEN 1
           WHEN c.data_type IN ('SMALLINT', 'USMALLINT') THEN 2
           WHEN c.data_type IN ('INTEGER', 'UINTEGER', 'DATE', 'FLOAT') THEN 4
           WHEN c.data_type IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'TIMESTAMP', 'TIME') THEN 8
           ELSE 16 END)::BIGINT
    FROM duckdb_tables() t JOIN duckdb_columns() c USING (database_name, schema_name, table_name)
    WHERE t.schema_name = 'parts' AND t.table_name LIKE $name AND t.database_name = current_database()
    GROUP BY t.table_name"""


class Parts:
    def __init__(self, duck: DuckFile, answers: Answers):
        self.duck, self.answers = duck, answers
        self.lock = threading.Lock()
        duck.writer.execute("CREATE SCHEMA IF NOT EXISTS parts")
        self.held: OrderedDict = OrderedDict(self.sizes())  # table -> bytes, least recently used first
        self.held_bytes = sum(self.held.values())
        self.let_go: set[str] = set()  # dropped the next time no question is running
        duck.on_idle.append(self.drop_let_go)

    def sizes(self, table: str = "%") -> dict[str, int]:
        """The part tables in the file now (or the one named), read afresh, with their bytes."""
        return dict(self.duck.cursor().execute(_SIZES, {"name": table.removeprefix("parts.")}).fetchall())

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
            self._note(table, sum(self.sizes(table).values()))
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
