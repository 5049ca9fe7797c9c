"""The SQL console's sandbox: an analyst's own SELECT over the product's tables, read-only.

Hardened as DuckDB's "Securing DuckDB" guide describes, in two layers:
- The text is parsed (sqlglot) before DuckDB sees it: exactly one SELECT (or WITH ... SELECT,
  or a UNION of them); tables only the product's (kam.store.schema) and the query's own WITH
  names; no reader, file or settings function. The refusal says what and where.
- It then runs on a connection of its own: an in-memory DuckDB in which each table is the
  store's current Delta version seen through a pyarrow dataset (read by pyarrow; DuckDB is given
  no path), with external access off (no file, no network, no extension), replacement scans of
  Python objects off (the app's variables are not tables), no temporary files, a memory limit,
  one thread, and the configuration locked before the query runs. A timer interrupts the query
  after a time limit; only the first rows (ROW_CAP) come back.

Who may use it: analysts and directors (CONSOLE_ROLES). The console reads every row of every
table, which an account manager's role is not meant to see; until sign-in gives roles
(kam.access) there are none and anyone who opens the app may use it, as the app's every other
page shows all rows. `allowed(role)` is the one check the page and the command line make.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa
import sqlglot
from sqlglot import exp

from kam.i18n import translator
from kam.store.delta import Store
from kam.store.schema import TABLES

# sqlglot says on stderr when it reads a statement it does not know (LOAD, RESET) as a bare
# command; the console refuses those with its own sentence
logging.getLogger("sqlglot").setLevel(logging.ERROR)

CONSOLE_ROLES = ("analyst", "director")
TIME_LIMIT = 10.0  # seconds
ROW_CAP = 10_000
MEMORY_LIMIT = "256MB"
CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "temp_directory": "",
    "memory_limit": MEMORY_LIMIT,
    "threads": 1,
}
# table functions a query may read from (they make rows, they read nothing)
TABLE_FUNCTIONS = ("generate_series", "range", "unnest")
# functions refused by name: readers of files and of other queries, settings, variables
FORBIDDEN_PREFIXES = ("read_", "glob", "parquet_", "sniff_", "query", "iceberg_", "delta_", "pragma_",
                      "json_execute", "getenv", "getvariable", "current_setting", "load_", "which_secret")
# statements that change something or reach outside, named in the refusal if found anywhere
FORBIDDEN_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter, exp.Copy, exp.Command,
                   exp.Set, exp.Pragma, exp.Merge, exp.TruncateTable)


def allowed(role: str | None) -> bool:
    """Whether someone of this role may use the console (None: no sign-in, no roles yet)."""
    return role is None or role in CONSOLE_ROLES


class Refused(ValueError):
    """A query the console does not run: `reason` names the rule (a catalogue key's last part),
    `detail` what in the query broke it."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(translator("en")(f"sql.refused.{reason}") + (f": {detail}" if detail else ""))




@dataclass(frozen=True)
class Answer:
    frame: pd.DataFrame
    cut: bool  # more rows than ROW_CAP: only the first are here


def _function_name(node: exp.Expression) -> str:
    return (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()


def check(sql: str) -> exp.Expression:
    """The one SELECT the text holds, or Refused saying why not."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as error:
        raise Refused("unreadable", str(error).splitlines()[0]) from None
    if len(statements) != 1:
        raise Refused("one_statement", f"found {len(statements)}")
    query = statements[0]
    bad = next((node for node in query.walk() if isinstance(node, FORBIDDEN_NODES)), None)
    if bad is not None or not isinstance(query, (exp.Select, exp.SetOperation)):
        shown = (bad or query).sql("duckdb")
        raise Refused("select_only", shown.split()[0].upper() if shown else type(bad or query).__name__)
    for node in query.walk():
        if isinstance(node, exp.Func) and _function_name(node).startswith(FORBIDDEN_PREFIXES):
            raise Refused("function", _function_name(node))
    _check_tables(query)
    return query


def _check_tables(query: exp.Expression) -> None:
    own = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if isinstance(table.this, exp.Func):
            name = _function_name(table.this)
            if name not in TABLE_FUNCTIONS:
                raise Refused("function", name)
            continue
        name = table.name.lower()
        if table.db or table.catalog or (name not in TABLES and name not in own):
            raise Refused("unknown_table", f"{table.sql('duckdb')} (tables: {', '.join(TABLES)})")


def _sandbox(store: Store) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding nothing but the store's tables, read through pyarrow, locked."""
    con = duckdb.connect(":memory:", config=CONFIG)
    for name, table in TABLES.items():
        delta = store.delta(name)
        con.register(name, delta.to_pyarrow_dataset() if delta is not None else table.arrow_schema().empty_table())
    con.execute("SET lock_configuration = true")
    return con


def run(store: Store, sql: str, *, seconds: float = TIME_LIMIT, rows: int = ROW_CAP) -> Answer:
    """The query's first rows, or Refused."""
    check(sql)
    con = _sandbox(store)
    timer = threading.Timer(seconds, con.interrupt)
    timer.start()
    try:
        return _first_rows(con.sql(sql).to_arrow_reader(1024), rows)
    except duckdb.InterruptException:
        raise Refused("time", f"after {seconds:g} s") from None
    except duckdb.OutOfMemoryException:
        raise Refused("memory", f"limit {MEMORY_LIMIT}") from None
    except duckdb.PermissionException as error:
        raise Refused("access", _first_line(error)) from None
    except duckdb.Error as error:
        raise Refused("error", _first_line(error)) from None
    finally:
        timer.cancel()
        con.close()


def _first_rows(reader: pa.RecordBatchReader, rows: int) -> Answer:
    batches, held = [], 0
    for batch in reader:
        batches.append(batch)
        held += batch.num_rows
        if held > rows:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, rows)
    return Answer(table.to_pandas(), held > rows)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]
