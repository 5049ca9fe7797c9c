"""The read side's front: questions over a store's current tables, as pandas frames.

One read side per store and process (its table copy, answer cache and parts), shared by
every Database on that store.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from kam.filters import Filters
from kam.readside.answers import Answers
from kam.readside.frames import on_frames
from kam.readside.part import Part
from kam.readside.parts import Parts
from kam.readside.tables import CACHE_FILE, TableCopy, tables_read
from kam.store.delta import Store
from kam.store.schema import TABLES

__all__ = ["CACHE_FILE", "Database", "Part", "on_frames"]


@dataclass
class _ReadSide:
    tables: TableCopy
    answers: Answers
    parts: Parts

    @classmethod
    def open(cls, store: Store) -> "_ReadSide":
        tables, answers = TableCopy(store), Answers()
        return cls(tables, answers, Parts(tables.duck, answers))


_SIDES: dict[str, _ReadSide] = {}
_SIDES_LOCK = threading.Lock()


def _side(store: Store) -> _ReadSide:
    key = str(store.root.resolve())
    with _SIDES_LOCK:
        side = _SIDES.get(key)
        if side is None or (side.tables.missing and store.root.is_dir()):  # new, or its folder appeared since
            side = _SIDES[key] = _ReadSide.open(store)
        return side


class Database:
    """Queries over a store's current tables, as pandas frames."""

    def __init__(self, store: Store):
        self.store = store
        self._shared = _side(store)

    @property
    def _side(self) -> _ReadSide:
        if self._shared.tables.missing and self.store.root.is_dir():  # the store's first write happened since
            self._shared = _side(self.store)
        return self._shared

    @property
    def holding(self) -> bool:
        """True when the tables are held in DuckDB, False when read from Parquet through views."""
        return self._side.tables.holding

    @property
    def copy_file(self):
        """The DuckDB file holding the tables (None: in memory, or not held)."""
        return self._side.tables.duck.path if self.holding else None

    def refresh(self, names=None) -> dict[str, int]:
        """Bring each table to its current version; returns the versions seen."""
        side = self._side
        with side.tables.duck.in_use():
            seen = side.tables.bring_up_to_date(names or TABLES)
        return {name: identity[0] for name, identity in seen.items()}

    def query(self, sql: str, params: dict | list | None = None, *,
              using: dict[str, Part] | None = None) -> pd.DataFrame:
        """The result of the SQL over the current tables, reading each Part of `using` under its name."""
        side = self._side
        question = Part(sql, params, using or {})
        with side.tables.duck.in_use():
            key = self._key(side, question)

            def work() -> pd.DataFrame:
                cursor = side.tables.duck.cursor()
                self._name_parts(side, cursor, question.parts)
                return cursor.execute(sql, params or {}).df()

            found = side.answers.answer(key, work)
        return found.copy(deep=False)  # copy-on-write: a caller's change stays its own

    def scalar(self, sql: str, params: dict | list | None = None, *, using: dict[str, Part] | None = None):
        frame = self.query(sql, params, using=using)
        return None if frame.empty else frame.iat[0, 0]

    def kept(self, tables, question: str, work) -> pd.DataFrame:
        """work()'s frame, kept with the answers until one of these tables moves: for what is read
        from the store itself rather than asked in SQL (an import history from the Delta logs)."""
        side = self._side
        with side.tables.duck.in_use():
            seen = side.tables.bring_up_to_date(tables)
        key = ("kept", question, tuple((t, seen[t]) for t in tables))
        return side.answers.answer(key, work).copy(deep=False)

    def chosen(self, part: Part, filters: Filters, name: str, sql: str, params: dict | None = None, *,
               columns: str = "*") -> pd.DataFrame:
        """The SQL's answer over `name`: the rows of the part (carrying region, account_manager and
        tier) that the filters' customer condition picks. Parts are made for every customer, so a
        filter change reads rows of what is already made."""
        where, picked = filters.customer_condition("p")
        return self.query(f"WITH {name} AS (SELECT {columns} FROM part p WHERE {where}) {sql}",
                          {**picked, **(params or {})}, using={"part": part})

    def _key(self, side: _ReadSide, part: Part) -> tuple:
        """What an answer depends on: the SQL, its parameters, what the tables its SQL names hold
        (brought up to date first; of a windowed table, only the files holding its days) and its
        parts' own keys."""
        tables = tables_read(part.sql)
        seen = side.tables.bring_up_to_date(tables)
        read = tuple((t, side.tables.within(t, *part.windows[t]) if t in part.windows else seen[t]) for t in tables)
        parts = tuple(sorted((name, self._key(side, inner)) for name, inner in part.parts.items()))
        return (part.sql, repr(part.params), parts, read)

    def _name_parts(self, side: _ReadSide, cursor, parts: dict[str, Part]) -> None:
        """Each part made into a held table, and named on this cursor."""
        for name, part in parts.items():
            table = self._part(side, part)
            cursor.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM {table}')

    def _part(self, side: _ReadSide, part: Part) -> str:
        def build(cursor, table: str) -> None:
            self._name_parts(side, cursor, part.parts)
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} AS {part.sql}", part.params or {})

        return side.parts.table(self._key(side, part), build)

    def stored(self, table: str, column: str, values: pa.Array) -> np.ndarray:
        """For each value, whether the table's column holds it now: an import's keys against the
        millions stored, joined by DuckDB rather than gathered into a set in this process."""
        side = self._side
        given = pa.table({"value": pa.array(values, pa.string()), "at": pa.array(np.arange(len(values)))})
        with side.tables.duck.in_use():
            side.tables.bring_up_to_date([table])
            cursor = side.tables.duck.cursor()
            cursor.register("_given", given)
            try:
                hits = cursor.execute(f"SELECT g.at FROM _given g SEMI JOIN {table} t ON t.{column} = g.value"
                                      ).fetchnumpy()["at"]
            finally:
                cursor.unregister("_given")
        found = np.zeros(len(given), dtype=bool)
        found[np.asarray(hits, dtype=np.int64)] = True
        return found

    def part_tables(self) -> dict[str, int]:
        """The parts of answers held now, their tables' names with their bytes, read afresh."""
        side = self._side
        with side.tables.duck.in_use():
            return side.parts.sizes()
