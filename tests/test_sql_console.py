"""An analyst's own SQL runs read-only in a sandbox: each way of reaching past the product's tables
is refused with a sentence saying why, while the store stays as it was and no file is written."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ROOT, SALES
from kam.explore import sql_console
from kam.explore.sql_console import Refused
from kam.store.delta import Store

HOME_DUCKDB = Path.home() / ".duckdb"


def tree(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under the folders, with its size and modification time."""
    found = {}
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                path = Path(folder, name)
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture
def watched(filed_book, tmp_path, monkeypatch):
    """The book's store, with the store, the working folder and DuckDB's home checked afterwards."""
    monkeypatch.chdir(tmp_path)
    store = Store(filed_book)
    before = tree(filed_book, tmp_path), sorted(os.listdir(ROOT)), HOME_DUCKDB.exists() and tree(HOME_DUCKDB)
    versions = store.versions()
    yield store
    assert (tree(filed_book, tmp_path), sorted(os.listdir(ROOT)),
            HOME_DUCKDB.exists() and tree(HOME_DUCKDB)) == before, "something was written"
    assert store.versions() == versions


def refusal(store: Store, sql: str, **limits) -> Refused:
    with pytest.raises(Refused) as caught:
        sql_console.run(store, sql, **limits)
    return caught.value


def test_a_select_over_the_products_tables_answers_as_pandas_does(watched):
    answer = sql_console.run(watched, """
        WITH y AS (SELECT customer_id, amount FROM sales WHERE year(date) = 2024)
        SELECT c.region, SUM(y.amount) AS revenue FROM y JOIN customers c USING (customer_id)
        GROUP BY 1 ORDER BY 1""")
    assert not answer.cut
    regions = {"00017": "East", "00404": "North", "00023": "East", "00105": "West", "00301": "West"}
    expected = {}
    for sale in SALES:
        if sale["date"].year == 2024:
            expected[regions[sale["customer_id"]]] = expected.get(regions[sale["customer_id"]], 0) + sale["amount"]
    assert dict(zip(answer.frame["region"], answer.frame["revenue"])) == expected


def test_only_the_first_rows_come_back(watched):
    answer = sql_console.run(watched, "SELECT * FROM range(100)", rows=10)
    assert answer.cut and answer.frame["range"].tolist() == list(range(10))


@pytest.mark.parametrize("sql, reason, detail", [
    ("SELECT * FROM read_csv('/etc/passwd')", "function", "read_csv"),
    ("SELECT * FROM read_csv_auto('/etc/passwd')", "function", "read_csv_auto"),
    ("SELECT * FROM read_parquet('/etc/*.parquet')", "function", "read_parquet"),
    ("SELECT * FROM read_json('/etc/passwd')", "function", "read_json"),
    ("SELECT * FROM read_text('/etc/passwd')", "function", "read_text"),
    ("SELECT * FROM read_blob('/root/.ssh/id_rsa')", "function", "read_blob"),
    ("SELECT * FROM glob('/etc/*')", "function", "glob"),
    ("SELECT * FROM '/etc/passwd'", "unknown_table", "/etc/passwd"),
    ("SELECT * FROM sales WHERE customer_id IN (SELECT content FROM read_text('/etc/hostname'))", "function",
     "read_text"),
    ("SELECT * FROM query('SELECT 1')", "function", "query"),
    ("SELECT current_setting('memory_limit')", "function", "current_setting"),
    ("SELECT * FROM duckdb_settings()", "function", "duckdb_settings"),
])
def test_reading_a_file_or_anything_but_the_tables_is_refused(watched, sql, reason, detail):
    refused = refusal(watched, sql)
    assert refused.reason == reason and detail in refused.detail


def test_a_python_variables_name_is_no_table(watched):
    payroll = pd.DataFrame({"salary": [1_000_000]})  # noqa: F841  (what a replacement scan would find)
    refused = refusal(watched, "SELECT * FROM payroll")
    assert refused.reason == "unknown_table" and "payroll" in refused.detail
    assert "only the product's tables can be read" in str(refused)


@pytest.mark.parametrize("sql, word", [
    ("COPY sales TO '{store}/sales/leak.csv'", "COPY"),
    ("COPY (SELECT * FROM customers) TO '{store}/customers/x.parquet' (FORMAT parquet)", "COPY"),
    ("ATTACH '{store}/evil.duckdb' AS evil", "ATTACH"),
    ("INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET memory_limit", "RESET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("DROP TABLE sales", "DROP"),
    ("CREATE TABLE leak AS SELECT * FROM sales", "CREATE"),
    ("INSERT INTO sales (order_id, customer_id, date, amount) VALUES ('X', '00017', DATE '2025-01-01', 1)", "INSERT"),
    ("UPDATE customers SET tier = 'important'", "UPDATE"),
    ("DELETE FROM sales", "DELETE"),
])
def test_every_statement_but_a_select_is_refused(watched, sql, word):
    refused = refusal(watched, sql.format(store=watched.root))
    assert refused.reason == "select_only" and refused.detail == word
    assert "only a SELECT (or WITH ... SELECT) is run" in str(refused)


@pytest.mark.parametrize("sql", ["EXPORT DATABASE '{store}/dump'", "IMPORT DATABASE '{store}/dump'"])
def test_export_and_import_are_not_even_read(watched, sql):
    assert refusal(watched, sql.format(store=watched.root)).reason == "unreadable"


def test_two_statements_at_once_are_refused(watched):
    refused = refusal(watched, "SELECT 1; DROP TABLE sales")
    assert refused.reason == "one_statement" and refused.detail == "found 2"


def test_a_query_that_runs_forever_is_stopped_at_the_time_limit(watched):
    refused = refusal(watched, "SELECT COUNT(*) FROM range(1000000000000) a, range(1000) b", seconds=1)
    assert refused.reason == "time" and "stopped" in str(refused)


def test_a_cross_join_that_would_exhaust_memory_is_stopped_at_the_memory_limit(watched):
    refused = refusal(watched, "SELECT list(a.range) FROM range(100000) a, range(1000) b", seconds=30)
    assert refused.reason == "memory"


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "COPY (SELECT 1) TO 'leak.csv'",
    "ATTACH 'evil.duckdb'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET threads",
    "SELECT * FROM payroll",
])
def test_the_sandbox_refuses_on_its_own_what_the_parser_lets_through(watched, sql):
    """The second layer: were the parse check fooled, the connection itself holds."""
    payroll = pd.DataFrame({"salary": [1]})  # noqa: F841
    con = sql_console._sandbox(watched)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    finally:
        con.close()


def test_the_console_is_for_analysts_and_directors_once_there_are_roles():
    assert sql_console.allowed(None)  # no sign-in yet: no roles
    assert sql_console.allowed("analyst") and sql_console.allowed("director")
    assert not sql_console.allowed("account_manager")
