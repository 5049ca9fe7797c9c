"""The read side holds copies of the tables in DuckDB; these tests hold it to the floor.

The floor is a hand-written DuckDB query straight on the Parquet files of the Delta
table's current version. Our query functions must give the same answers, and every
table (and the monthly sales summary held beside them) the same rows, on the first query, after an append, an upsert, a restore, a
delete of everything, a restart on the file the last process left behind, and a store
written again from scratch under the same folder.
"""
from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

import kam.readside.database
import kam.readside.parts
import kam.readside.tables
from conftest import BOOK, pareto_classes
from kam.sales import abc
from kam.accounts import account_file
from kam.sales import overview
from kam.readside.database import CACHE_FILE, Database, Part
from kam.filters import Filters
from kam.periods import Period
from kam.store.schema import DUCKDB_TYPES, TABLES
from kam.store.delta import Store

YEAR_2025 = Filters(Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), preset="custom")
VIEWS = [YEAR_2025, Filters(YEAR_2025.period, "custom", regions=("East",)),
         Filters(YEAR_2025.period, "custom", regions=("West", "North"), tiers=("ordinary",)),
         Filters(Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31)), "custom", managers=("Li Na",)),
         # whole months inside, and days around them (S2507 on 31 January is one of those days)
         Filters(Period(dt.date(2025, 1, 20), dt.date(2025, 11, 30)), "custom"),
         Filters(Period(dt.date(2024, 12, 15), dt.date(2026, 1, 10)), "custom", regions=("East", "West")),
         Filters(Period(dt.date(2025, 2, 3), dt.date(2025, 2, 20)), "custom")]  # no whole month at all
ALL_DATES = Filters(Period(dt.date(1900, 1, 1), dt.date(9999, 12, 31)), "custom")  # the CLI's, with no period before
MEASURE = {"revenue": "amount", "profit": "COALESCE(profit, amount - cost)"}


def floor(store: Store) -> duckdb.DuckDBPyConnection:
    """Views straight on the Parquet files of each table's current version."""
    con = duckdb.connect()
    for name, spec in TABLES.items():
        files = store.files(name)
        if files:
            listing = ", ".join(f"'{f}'" for f in files)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        else:
            cols = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.all_columns)
            con.execute(f"CREATE VIEW {name} AS SELECT {cols} WHERE false")
    return con


def chosen(f: Filters) -> str:
    """The filter as SQL on sales (alias s), written out by hand."""
    parts = [f"s.date BETWEEN DATE '{f.period.start}' AND DATE '{f.period.end}'"]
    for column, values in (("region", f.regions), ("account_manager", f.managers), ("tier", f.tiers)):
        if values:
            listed = ", ".join(f"'{v}'" for v in values)
            parts.append(f"s.customer_id IN (SELECT customer_id FROM customers WHERE {column} IN ({listed}))")
    return " AND ".join(parts)


def same_rows(ours: pd.DataFrame, theirs: pd.DataFrame, key: list[str]) -> None:
    ours = ours.sort_values(key).reset_index(drop=True)
    theirs = theirs.sort_values(key).reset_index(drop=True)[list(ours.columns)]
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=False, rtol=1e-9)


def assert_same_answers(db: Database, store: Store) -> None:
    con = floor(store)
    for name, spec in TABLES.items():  # every table, row for row
        ours = db.query(f"SELECT * FROM {name}")
        theirs = con.execute(f"SELECT * FROM {name}").df()
        assert len(ours) == len(theirs), name
        if len(ours):
            same_rows(ours, theirs, [c.name for c in spec.all_columns if c.type != "timestamp"][:3])
    theirs = con.execute(f"""SELECT customer_id, date_trunc('month', date)::DATE AS month, SUM(amount) AS amount,
                                    SUM({MEASURE['profit']}) AS profit, COUNT(*) AS lines FROM sales GROUP BY 1, 2""").df()
    ours = db.query("""SELECT customer_id, month, SUM(amount) AS amount, SUM(profit) AS profit, SUM(lines) AS lines
                       FROM sales_by_month GROUP BY 1, 2""")
    if len(theirs):
        same_rows(ours, theirs, ["customer_id", "month"])  # the monthly summary, held or computed
    for f in [*VIEWS, ALL_DATES]:
        for measure, sql in MEASURE.items():
            theirs = con.execute(f"SELECT s.customer_id, SUM({sql}) AS value FROM sales s WHERE {chosen(f)} "
                                 "GROUP BY 1").df()
            table = abc.abc_table(db, f, measure)
            same_rows(table[["customer_id", "value"]], theirs, ["customer_id"])
            assert dict(zip(table["customer_id"], table["abc_class"])) == pareto_classes(
                dict(zip(theirs["customer_id"], theirs["value"])))
        revenue, profit, active = con.execute(
            f"SELECT COALESCE(SUM(amount), 0), COALESCE(SUM({MEASURE['profit']}), 0), COUNT(DISTINCT customer_id) "
            f"FROM sales s WHERE {chosen(f)}").fetchone()
        assert overview.sales_totals(db, f) == pytest.approx(
            {"revenue": revenue, "profit": profit, "active_customers": active})
        if f is ALL_DATES:
            continue
        trend, _ = overview.monthly_trend(db, f)
        theirs = con.execute(f"SELECT date_trunc('month', date)::DATE AS month, SUM(amount) AS revenue, "
                             f"SUM({MEASURE['profit']}) AS profit FROM sales s WHERE {chosen(f)} GROUP BY 1").df()
        same_rows(trend, theirs, ["month"])
    theirs = con.execute("""SELECT c.customer_id, COALESCE(SUM(s.amount), 0) AS revenue_12m FROM customers c
                            LEFT JOIN sales s ON s.customer_id = c.customer_id
                                 AND s.date > current_date - INTERVAL 12 MONTH GROUP BY 1""").df()
    same_rows(account_file.search(db)[["customer_id", "revenue_12m"]], theirs, ["customer_id"])


def sale(order_id: str, customer_id: str, day: dt.date, amount: float) -> dict:
    return dict(order_id=order_id, customer_id=customer_id, date=day, amount=amount, cost=amount / 2)


@pytest.fixture
def fresh(book) -> Database:
    """The book read by a database that holds its tables (the first query fills the file)."""
    return Database(book)


def test_the_tables_are_held_in_duckdb_and_answer_as_the_parquet_files_do(book, fresh):
    assert fresh.holding
    assert_same_answers(fresh, book)
    assert (book.root / CACHE_FILE).exists()


def test_after_an_append_the_new_lines_are_in_every_answer(book, fresh):
    assert_same_answers(fresh, book)
    book.append("sales", [sale("A1", "00023", dt.date(2025, 5, 5), 50_000), sale("A2", "00200", dt.date(2025, 8, 8), 7)])
    assert_same_answers(fresh, book)


def test_after_an_upsert_the_replaced_rows_are_gone(book, fresh):
    assert_same_answers(fresh, book)
    moved = dict(BOOK["customers"][1], region="West")  # 00023 moves: the region filters follow it
    book.upsert("customers", [moved])
    book.upsert("sales", [sale("S2501", "00017", dt.date(2025, 1, 15), 1.0)])  # an order corrected
    assert_same_answers(fresh, book)
    assert fresh.scalar("SELECT amount FROM sales WHERE order_id = 'S2501'") == 1.0


def test_after_a_restore_the_earlier_version_is_what_is_read(book, fresh):
    before = book.version("sales")
    book.append("sales", [sale("R1", "00017", dt.date(2025, 3, 3), 999_999)])
    assert_same_answers(fresh, book)
    book.restore("sales", before)
    assert_same_answers(fresh, book)
    assert fresh.scalar("SELECT COUNT(*) FROM sales WHERE order_id = 'R1'") == 0
    book.restore("sales", -1)  # everything undone
    assert_same_answers(fresh, book)
    assert fresh.scalar("SELECT COUNT(*) FROM sales") == 0


def test_a_restart_reuses_the_file_and_catches_up_with_what_was_written_meanwhile(book, fresh):
    assert_same_answers(fresh, book)
    kam.readside.database._SIDES.clear()  # as if the process ended: the next one finds the file left behind
    book.append("sales", [sale("M1", "00105", dt.date(2025, 9, 9), 1234.5)])
    book.upsert("customers", [dict(BOOK["customers"][0], tier="ordinary")])
    again = Database(book)
    assert again.holding
    assert_same_answers(again, book)


def test_a_store_written_again_from_scratch_is_read_afresh(book, fresh, tmp_path):
    assert_same_answers(fresh, book)
    kam.readside.database._SIDES.clear()
    held = (book.root / CACHE_FILE).read_bytes()
    shutil.rmtree(book.root)
    book.root.mkdir()
    (book.root / CACHE_FILE).parent.mkdir()
    (book.root / CACHE_FILE).write_bytes(held)  # the old copy survives; the tables do not
    for name, rows in BOOK.items():
        book.append(name, rows[:2], user="again")  # the same version numbers, other rows
    again = Database(book)
    assert_same_answers(again, book)
    assert again.scalar("SELECT COUNT(*) FROM customers") == 2


def test_compaction_keeps_the_answers(book, fresh, monkeypatch):
    monkeypatch.setattr(kam.readside.tables, "COMPACT_MIN_ROWS", 0)
    for tier in ("ordinary", "potential", "important"):  # each upsert rewrites the customers' file
        book.upsert("customers", [dict(BOOK["customers"][2], tier=tier)])
        assert_same_answers(fresh, book)


def test_a_store_without_a_folder_is_read_through_views_until_its_first_write(store):
    db = Database(store)
    assert not db.holding and db.scalar("SELECT COUNT(*) FROM sales") == 0
    for name, rows in BOOK.items():
        store.append(name, rows)
    assert db.holding
    assert_same_answers(db, store)


def test_a_second_process_reads_through_views_while_the_first_holds_the_file(book, fresh):
    import subprocess
    import sys

    from conftest import ROOT
    assert_same_answers(fresh, book)
    code = ("import sys; from kam.readside.database import Database; from kam.store.delta import Store; "
            "db = Database(Store(sys.argv[1])); print(db.holding, db.scalar('SELECT SUM(amount) FROM sales'))")
    out = subprocess.run([sys.executable, "-c", code, str(book.root)], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True).stdout.split()
    assert out[0] == "False"
    assert float(out[1]) == pytest.approx(fresh.scalar("SELECT SUM(amount) FROM sales"))


@pytest.mark.parametrize(("start", "end", "whole"), [
    ((2025, 1, 1), (2025, 12, 31), ((2025, 1, 1), (2025, 12, 31))),
    ((2025, 1, 20), (2025, 11, 30), ((2025, 2, 1), (2025, 11, 30))),
    ((2025, 12, 1), (2026, 11, 28), ((2025, 12, 1), (2026, 10, 31))),
    ((2024, 2, 1), (2024, 2, 29), ((2024, 2, 1), (2024, 2, 29))),
    ((2025, 1, 2), (2025, 1, 30), None),
    ((1900, 1, 1), (9999, 12, 31), ((1900, 1, 1), (9999, 12, 31))),
    ((9999, 12, 5), (9999, 12, 31), None),
])
def test_the_whole_months_of_a_period_are_read_from_the_monthly_summary(start, end, whole):
    got = Period(dt.date(*start), dt.date(*end)).whole_months()
    assert (got.start, got.end) == (dt.date(*whole[0]), dt.date(*whole[1])) if whole else got is None


PER_CUSTOMER = Part("SELECT customer_id, SUM(amount) AS revenue FROM sales WHERE date >= $since GROUP BY 1",
                    {"since": dt.date(2025, 1, 1)})
BIGGEST = "SELECT customer_id, revenue FROM per_customer ORDER BY revenue DESC, customer_id LIMIT 3"


def test_a_part_is_held_in_the_file_and_found_by_the_next_process_on_the_same_data(book, fresh, monkeypatch):
    made, real = [], kam.readside.parts.Parts.table

    def part(self, key, build):
        return real(self, key, lambda cursor, table: made.append(table) or build(cursor, table))

    monkeypatch.setattr(kam.readside.parts.Parts, "table", part)
    first = fresh.query(BIGGEST, using={"per_customer": PER_CUSTOMER})
    assert len(made) == 1 and made[0] in fresh.part_tables()
    kam.readside.database._SIDES.clear()  # a restart: nothing kept in memory
    made.clear()
    again = Database(book)
    assert again.query(BIGGEST, using={"per_customer": PER_CUSTOMER}).equals(first)
    assert made == []  # read from the part the first process left in the file


def test_after_a_write_a_part_is_made_again_for_the_new_version_and_old_ones_are_let_go(book, fresh, monkeypatch):
    others = fresh.part_tables()  # the file opened, with the parts other tests made on the book
    before = fresh.query(BIGGEST, using={"per_customer": PER_CUSTOMER})
    (one,) = [size for name, size in fresh.part_tables().items() if name not in others]  # the next: a customer more at most
    monkeypatch.setattr(kam.readside.parts, "PARTS_BYTES", int(2.5 * one))
    book.append("sales", [sale("P1", "00200", dt.date(2025, 6, 1), 10_000_000)])
    after = fresh.query(BIGGEST, using={"per_customer": PER_CUSTOMER})
    assert after["customer_id"].iat[0] == "00200" and before["customer_id"].iat[0] != "00200"
    book.append("sales", [sale("P2", "00105", dt.date(2025, 6, 2), 20_000_000)])
    assert fresh.query(BIGGEST, using={"per_customer": PER_CUSTOMER})["customer_id"].iat[0] == "00105"
    held = fresh.part_tables()
    assert len(held) == 2 and sum(held.values()) <= 2.5 * one  # three versions asked, the oldest part dropped
