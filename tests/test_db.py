"""The read side: what was written is seen at the next query, from any thread, never half of it."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, SALES
from kam.accounts import account_file
from kam.sales import overview
from kam.readside.database import Database, Part
from kam.filters import Filters
from kam.periods import Period
from kam.store.delta import Store

YEAR_2025 = Filters(Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), preset="custom")
COUNT = "SELECT COUNT(*) FROM sales"


def sale(order_id: str, day=dt.date(2030, 1, 1), amount=1.0) -> dict:
    return dict(order_id=order_id, customer_id="00017", date=day, amount=amount)


def test_an_append_is_seen_at_the_next_query(book, db):
    assert db.scalar(COUNT) == len(SALES)
    book.append("sales", [sale("N1"), sale("N2")])
    assert db.scalar(COUNT) == len(SALES) + 2


def test_an_append_by_another_process_is_seen_at_the_next_query(book, db):
    revenue = overview.sales_totals(db, YEAR_2025)["revenue"]
    code = ("import sys, datetime as dt; from kam.store.delta import Store; Store(sys.argv[1]).append('sales', "
            "[dict(order_id='X1', customer_id='00017', date=dt.date(2025, 6, 6), amount=777)])")
    subprocess.run([sys.executable, "-c", code, str(book.root)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert overview.sales_totals(db, YEAR_2025)["revenue"] == revenue + 777


def test_a_table_written_after_the_first_query_appears(store):
    db = Database(store)
    assert db.scalar(COUNT) == 0
    store.append("sales", [sale("F1")])
    assert db.scalar(COUNT) == 1


def test_many_threads_query_while_a_writer_appends_and_each_sees_whole_batches(book, db):
    expected_2025 = overview.sales_totals(db, YEAR_2025)
    expected_search = account_file.search(db)["customer_id"].tolist()
    base, batches, batch_size = len(SALES), 10, 10
    done = threading.Event()

    def writer():
        try:
            for b in range(batches):  # in 2030, so the 2025 numbers must not move
                book.append("sales", [sale(f"T{b}-{i}") for i in range(batch_size)])
        finally:
            done.set()

    def reader(n: int) -> list[int]:
        seen = []
        while not done.is_set() or len(seen) < 5:
            seen.append(int(db.scalar(COUNT)))
            assert overview.sales_totals(db, YEAR_2025) == expected_2025
            if n % 2:
                assert account_file.search(db)["customer_id"].tolist() == expected_search
        return seen

    with ThreadPoolExecutor(max_workers=9) as pool:
        readers = [pool.submit(reader, n) for n in range(8)]
        pool.submit(writer).result(timeout=120)
        counts = [f.result(timeout=120) for f in readers]
    for seen in counts:
        assert all((c - base) % batch_size == 0 for c in seen), "a query saw part of a batch"
        assert seen == sorted(seen), "a query went back in time"
    assert db.scalar(COUNT) == base + batches * batch_size


def test_two_stores_on_the_same_folder_read_the_same_data(book):
    other = Database(Store(book.root))
    assert other.scalar("SELECT SUM(amount) FROM sales") == pytest.approx(sum(s["amount"] for s in SALES))


def test_a_shared_part_of_a_question_gives_the_answer_written_out_and_follows_every_write(book, db):
    part = Part("SELECT customer_id, SUM(amount) AS revenue FROM sales GROUP BY 1")
    question = "SELECT COUNT(*) AS customers, SUM(revenue) AS revenue FROM per_customer WHERE revenue > $least"
    inline = f"SELECT COUNT(*) AS customers, SUM(revenue) AS revenue FROM ({part.sql}) WHERE revenue > $least"
    for least in (0, 100, 1000):
        shared = db.query(question, {"least": least}, using={"per_customer": part})
        assert shared.to_dict() == db.query(inline, {"least": least}).to_dict()
    before = db.query(question, {"least": 0}, using={"per_customer": part})
    book.append("sales", [sale("N1", amount=5000.0)])
    after = db.query(question, {"least": 0}, using={"per_customer": part})
    assert after["revenue"].iat[0] == pytest.approx(before["revenue"].iat[0] + 5000)
    assert after.to_dict() == db.query(inline, {"least": 0}).to_dict()
