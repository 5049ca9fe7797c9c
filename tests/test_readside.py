"""The read side's invariants (kam/readside/__init__.py), one test or more each, by number.

Invariant 3 (one version, never part of a write) is also held by test_db.py's many threads
querying while a writer appends; the floor tests (test_db_floor.py) hold the copy to the
Parquet files themselves.
"""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from conftest import SALES
from kam.readside import answers as answer_cache
from kam.readside import duckfile, parts
from kam.readside.answers import Answers
from kam.readside.database import CACHE_FILE, Database, Part
from kam.readside.parts import Parts
from kam.readside import tables
from kam.readside.tables import TableCopy

COUNT = "SELECT COUNT(*) FROM sales"
PER_CUSTOMER = Part("SELECT customer_id, SUM(amount) AS revenue FROM sales GROUP BY 1")
TOTAL = "SELECT SUM(revenue) FROM per_customer"


def sale(order_id: str, amount: float = 1.0) -> dict:
    return dict(order_id=order_id, customer_id="00017", date=dt.date(2030, 1, 1), amount=amount)


# ---- 2. never an answer for versions older than the ones read at the start ------------------
def test_a_write_finished_before_a_question_is_in_its_answer_and_in_its_parts(book, db):
    total = db.scalar(TOTAL, using={"per_customer": PER_CUSTOMER})
    assert db.scalar(COUNT) == len(SALES)  # both answers kept now
    book.append("sales", [sale("V1", 250.0)])
    assert db.scalar(COUNT) == len(SALES) + 1
    assert db.scalar(TOTAL, using={"per_customer": PER_CUSTOMER}) == pytest.approx(total + 250)


def test_another_database_on_the_same_store_sees_the_write_too(book, db):
    db.scalar(COUNT)
    Database(book).scalar(COUNT)
    book.append("sales", [sale("V2")])
    assert Database(book).scalar(COUNT) == db.scalar(COUNT) == len(SALES) + 1



def test_what_is_read_from_the_store_itself_is_kept_until_a_table_it_names_moves(book, db):
    reads = []

    def orders() -> pd.DataFrame:  # read from the Delta table itself, not through SQL
        reads.append(1)
        return pd.DataFrame({"orders": [book.count("sales")]})

    assert db.kept(["sales"], "orders", orders)["orders"][0] == len(SALES)
    assert db.kept(["sales"], "orders", orders)["orders"][0] == len(SALES)
    assert len(reads) == 1  # the second asking was answered from what was kept
    book.append("sales", [sale("V3")])
    assert db.kept(["sales"], "orders", orders)["orders"][0] == len(SALES) + 1
    assert len(reads) == 2

# ---- 3. one version of each table, never part of a write -----------------------------------
def test_a_question_reads_a_batch_whole_or_not_at_all(book, db):
    counts, done = [], threading.Event()

    def reader():
        while not done.is_set():
            counts.append(int(db.scalar(COUNT)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for b in range(4):
            book.append("sales", [sale(f"B{b}-{i}") for i in range(7)])
    finally:
        done.set()
        thread.join()
    assert counts and all((c - len(SALES)) % 7 == 0 for c in counts)


# ---- 4. asked once; the waiters get the answer ----------------------------------------------
def test_threads_asking_the_same_question_at_once_share_one_answering(db, monkeypatch):
    answered, real = [], Answers.keep
    monkeypatch.setattr(Answers, "keep", lambda self, key, frame: answered.append(key[0]) or real(self, key, frame))
    slow = "SELECT COUNT(*) AS n FROM sales, range(2000000)"
    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda _: int(db.scalar(slow)), range(3))) == [len(SALES) * 2_000_000] * 3
    assert answered.count(slow) == 1


# ---- 5. the answers kept stay within their bound -------------------------------------------
def test_the_answers_kept_never_pass_their_bytes(monkeypatch):
    monkeypatch.setattr(answer_cache, "CACHE_BYTES", 40_000)
    cache = Answers()
    for n in range(40):
        cache.answer(("q", n), lambda: pd.DataFrame({"x": range(n * 20)}))
        assert cache.kept_bytes <= 40_000
    assert ("q", 39) in cache.kept and ("q", 0) not in cache.kept  # the least recently used went first


# ---- 6. an answer given is the caller's own ----------------------------------------------------
def test_changing_an_answer_changes_nothing_the_next_caller_gets(db):
    first = db.query("SELECT order_id, amount FROM sales ORDER BY order_id")
    first["amount"] = -1.0
    assert (db.query("SELECT order_id, amount FROM sales ORDER BY order_id")["amount"] != -1.0).all()


# ---- 1. a held version only moves forward ----------------------------------------------------
def test_a_thread_that_read_an_older_version_never_rolls_the_copy_back(book, db, monkeypatch):
    """A question reads sales at version N and is held up there; meanwhile a sale is written
    and another question brings the copy to N+1. When the first goes on, the copy stays at N+1."""
    assert db.scalar(COUNT) == len(SALES)
    tables = db._side.tables
    read_old, go_on, real = threading.Event(), threading.Event(), TableCopy.identity

    def identity(self, name):
        found = real(self, name)
        if threading.current_thread().name == "late" and name == "sales" and not read_old.is_set():
            read_old.set()
            go_on.wait(timeout=30)
        return found

    monkeypatch.setattr(TableCopy, "identity", identity)
    late = {}
    thread = threading.Thread(target=lambda: late.update(count=db.scalar(COUNT)), name="late")
    thread.start()
    assert read_old.wait(timeout=30)
    book.append("sales", [sale("F1")])
    assert db.scalar(COUNT) == len(SALES) + 1
    newest = tables.current("sales")
    go_on.set()
    thread.join(timeout=30)
    assert tables.current("sales") == newest, "the copy went back to the version the late thread read"
    assert late["count"] == len(SALES) + 1


# ---- 4. a waiter gets the builder's error ----------------------------------------------------
def test_a_question_waiting_for_a_part_whose_making_failed_gets_that_error(db, monkeypatch):
    """Two questions share a part; the second waits while the first makes it, and the making
    fails: both say why, neither says the part's table does not exist."""
    failing = Part("SELECT customer_id, error('the part could not be made') AS x FROM sales")
    making, fail_now, waiting = threading.Event(), threading.Event(), threading.Event()
    real_table, real_wait = Parts.table, Answers.wait

    def table(self, key, build):
        def held_up(cursor, name):
            making.set()
            fail_now.wait(timeout=30)
            build(cursor, name)
        return real_table(self, key, held_up)

    def wait(self, flight):
        waiting.set()
        return real_wait(self, flight)

    monkeypatch.setattr(Parts, "table", table)
    monkeypatch.setattr(Answers, "wait", wait)
    errors = {}

    def ask(sql):
        try:
            db.query(sql, using={"p": failing})
        except Exception as error:  # noqa: BLE001 - the error is what the test reads
            errors[sql] = str(error)

    first = threading.Thread(target=ask, args=("SELECT COUNT(*) FROM p",))
    first.start()
    assert making.wait(timeout=30)
    second = threading.Thread(target=ask, args=("SELECT * FROM p",))
    second.start()
    assert waiting.wait(timeout=30)
    fail_now.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert len(errors) == 2 and all("the part could not be made" in e for e in errors.values()), errors


# ---- 5. the parts and the file stay within their bounds --------------------------------------
def test_a_process_that_only_asks_leaves_the_file_as_it_was(book):
    """An import's checks ask the copy whether keys are stored: opening the file to ask writes
    nothing to it, so closing it costs no checkpoint that writes and syncs a file of the whole store."""
    wal = (book.root / CACHE_FILE).with_name(CACHE_FILE.name + ".wal")
    first = TableCopy(book)  # the file made and brought up to date, by a process now gone
    first.bring_up_to_date(["sales", "customers"])
    first.duck.con.close()
    asking = TableCopy(book)
    asking.bring_up_to_date(["sales", "customers"])
    assert asking.holding and not wal.exists()


def filler(n: int) -> Part:
    """A part of 12000 rows of some 300 KB, hardly compressible, reading sales (its writes make it again)."""
    return Part("SELECT range + $n AS k, md5((range + $n)::VARCHAR) AS s FROM range(12000), "
                "(SELECT COUNT(*) FROM sales)", {"n": n})


def test_the_parts_held_never_pass_their_bytes_and_the_newest_stay(db, monkeypatch):
    others = db.part_tables()  # the parts other tests left in the book's file
    db.scalar("SELECT COUNT(*) FROM f", using={"f": filler(0)})
    (one,) = [size for name, size in db.part_tables().items() if name not in others]
    monkeypatch.setattr(parts, "PARTS_BYTES", 3 * one)
    for n in range(1, 7):
        assert db.scalar("SELECT COUNT(*) FROM f", using={"f": filler(n)}) == 12000
        assert sum(db.part_tables().values()) <= 3 * one
    assert len(db.part_tables()) == 3
    assert db.scalar("SELECT MIN(k) FROM f", using={"f": filler(6)}) == 6  # the newest held, and right


def test_the_file_gives_back_the_room_of_parts_let_go_once_no_question_runs(book, db, monkeypatch):
    path = book.root / CACHE_FILE
    monkeypatch.setattr(parts, "PARTS_BYTES", 10 ** 12)
    duck = db._side.tables.duck
    for n in range(12):
        db.scalar("SELECT COUNT(*) FROM f", using={"f": filler(n)})
    duck.sizes()  # written from DuckDB's log into the file
    grown = path.stat().st_size
    assert grown > 3 * 2 ** 20
    monkeypatch.setattr(duckfile, "FILE_FREE_BYTES", 10 ** 12)  # no bound: DuckDB keeps the room
    monkeypatch.setattr(parts, "PARTS_BYTES", 1)
    db.scalar("SELECT COUNT(*) FROM f", using={"f": filler(100)})  # the others let go, and dropped
    assert len(db.part_tables()) == 1 and path.stat().st_size >= grown
    monkeypatch.setattr(duckfile, "FILE_FREE_BYTES", 0)
    db.scalar("SELECT COUNT(*) FROM f", using={"f": filler(101)})  # the one before let go: the file compacted
    held, free = duck.sizes()
    assert free <= held and path.stat().st_size < grown / 2
    assert db.scalar(COUNT) == len(SALES) and db.scalar("SELECT MIN(k) FROM f", using={"f": filler(101)}) == 101
    book.append("sales", [sale("C1")])  # the copy goes on from the compacted file
    assert db.scalar(COUNT) == len(SALES) + 1


def test_an_edit_that_replaces_a_few_rows_does_not_make_every_question_look_at_the_files_room(book, db, monkeypatch):
    """Looking at the file's free room writes DuckDB's log into it (50 ms on the benchmark store):
    done once many rows were deleted from the copies, not after every form's edit."""
    looked = []
    duck = db._side.tables.duck
    monkeypatch.setattr(duck, "compact_if_grown", lambda: looked.append(1) or False)
    db.scalar(COUNT)
    book.upsert("sales", [sale(SALES[0]["order_id"], 2.0)])  # a file of the copy replaced: its rows deleted
    db.scalar(COUNT)
    db.scalar(COUNT)
    assert looked == []
    monkeypatch.setattr(tables, "FREED_ROWS", 1)
    book.upsert("sales", [sale(SALES[0]["order_id"], 3.0)])
    db.scalar(COUNT)
    db.scalar(COUNT)
    assert looked == [1]  # once, not at every question after
