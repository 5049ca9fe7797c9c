"""The parts: parts of questions (Part) answered into tables of the schema `parts`.

A part that many questions share, such as the classes of one day that every filter shares, is
worked out once for what it reads, and never leaves DuckDB. Held in the database file, a part
outlives the process: the next start on the same data finds it made.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from kam.readside.answers import Answers
from kam.readside.duckfile import DuckFile

# this many parts are kept, the least recently used dropped beyond it
PARTS_KEPT = 400


class Parts:
    def __init__(self, duck: DuckFile, answers: Answers):
        self.duck, self.answers = duck, answers
        self.lock = threading.Lock()
        duck.writer.execute("CREATE SCHEMA IF NOT EXISTS parts")
        self.held: OrderedDict = OrderedDict((f"parts.{name}", None) for name in self.names())

    def names(self) -> list[str]:
        """The part tables in the file now, read afresh."""
        return [name for (name,) in self.duck.cursor().execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'parts'").fetchall()]

    def table(self, key, build) -> str:
        """The name of the table holding the part with this key (its SQL, parameters, own parts
        and what they read), made by build(cursor, table) if it is not held yet."""
        table = "parts.p" + hashlib.sha1(repr(key).encode()).hexdigest()[:24]
        with self.lock:
            if table in self.held:
                self.held.move_to_end(table)
                return table

        def make() -> str:
            with self.lock:
                known = table in self.held
            if not known:
                build(self.duck.cursor(), table)
            self._note(table)
            return table

        self.answers.once(("part", table), make)
        return table

    def _note(self, table: str) -> None:
        with self.lock:
            self.held[table] = None
            self.held.move_to_end(table)
            dropped = [self.held.popitem(last=False)[0] for _ in range(len(self.held) - PARTS_KEPT)]
        for old in dropped:  # the least recently used: no question is reading them now
            self.duck.cursor().execute(f"DROP TABLE IF EXISTS {old}")
