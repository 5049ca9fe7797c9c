"""Read side: DuckDB queries over the tables' current Parquet files.

One DuckDB database per store; each thread gets its own cursor (a connection is
not thread-safe, and Streamlit runs each session in its own thread). Views are
re-pointed at a table's files only when its Delta version changes, and query
results are cached under the versions of the tables they read, so an append is
visible at the next query and nothing stale is ever served.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

import duckdb
import pandas as pd

from kam.schema import DUCKDB_TYPES, TABLES
from kam.store import Store

CACHE_ENTRIES = 256
_TABLE_WORDS = re.compile(r"\b(" + "|".join(TABLES) + r")\b")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(name: str, files: list[str]) -> str:
    spec = TABLES[name]
    if not files:
        cols = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.all_columns)
        return f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false"
    listing = ", ".join(_sql_literal(f) for f in files)
    return f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)"


class Database:
    def __init__(self, store: Store):
        self.store = store
        self._con = duckdb.connect(":memory:")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._view_versions: dict[str, int] = {}
        self._cache: OrderedDict = OrderedDict()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._local.cursor = self._con.cursor()
        return cur

    def refresh(self, names=None) -> dict[str, int]:
        """Point each view at its table's current files; returns the versions seen."""
        seen = {}
        for name in names or TABLES:
            version = self.store.version(name)
            if self._view_versions.get(name) != version:
                with self._lock:
                    if self._view_versions.get(name) != version:
                        self._con.execute(view_sql(name, self.store.files(name)))
                        self._view_versions[name] = version
            seen[name] = version
        return seen

    def query(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        tables = tuple(sorted(set(_TABLE_WORDS.findall(sql))))
        versions = self.refresh(tables)
        key = (sql, repr(params), tuple(versions.items()))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key].copy()
        result = self._cursor().execute(sql, params or {}).df()
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return result.copy()

    def scalar(self, sql: str, params: dict | list | None = None):
        frame = self.query(sql, params)
        return None if frame.empty else frame.iat[0, 0]
