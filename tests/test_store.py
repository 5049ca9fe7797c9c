"""The Delta store: every write is whole or absent, stamped, and can be undone; on real processes."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from conftest import CUSTOMERS, ROOT, SALES
from kam.readside.database import Database
from kam.store.records import InvalidRecords
from kam.store import batches
from kam.store.delta import ORPHAN_SECONDS, Changed, Pin, Store, StoredMeanwhile

WRITER = """
import sys, time
from pathlib import Path
from kam.store.delta import Store
root, writer, gate = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
rows = [dict(order_id=f"W{writer}-{i:03d}", customer_id="00017", date="2026-01-05", amount=i + 1)
        for i in range(50)]
store = Store(root)
(gate.parent / f"ready-{writer}").touch()
while not gate.exists():
    time.sleep(0.002)
store.append("sales", rows, user=f"writer-{writer}")
"""

BIG_WRITER = """
import sys
import numpy as np, pandas as pd
from kam.store.delta import Store
n = int(sys.argv[2])
frame = pd.DataFrame({"order_id": [f"K{i:08d}" for i in range(n)], "customer_id": "00017",
                      "date": pd.Timestamp("2026-01-05"), "amount": np.arange(n, dtype="float64") + 1})
Store(sys.argv[1]).append("sales", frame, user="killed")
print("committed", flush=True)
"""


def python(code: str, *args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_eight_processes_appending_at_once_leave_every_record_exactly_once(book, tmp_path):
    before = book.count("sales")
    first_version = book.version("sales")
    gate = tmp_path / "go"
    writers = [python(WRITER, book.root, i, gate) for i in range(8)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 8:  # all imported and waiting at the gate
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers), "a writer did not start"
        time.sleep(0.01)
    gate.touch()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    sales = book.read("sales").to_pandas()
    new = sales[sales["recorded_by"].str.startswith("writer-")]
    assert len(sales) == before + 400
    assert new["order_id"].nunique() == 400
    assert set(new["order_id"]) == {f"W{w}-{i:03d}" for w in range(8) for i in range(50)}
    assert new.groupby("recorded_by")["batch_id"].nunique().tolist() == [1] * 8
    assert book.version("sales") == first_version + 8  # one commit per append


def new_data_files(table: Path, known: set[str]) -> set[str]:
    return {e.name for e in os.scandir(table) if e.is_file() and e.name not in known}


def test_a_writer_killed_half_way_through_a_large_append_leaves_the_table_as_it_was(book):
    rows_before = book.count("sales")
    version_before = book.version("sales")
    table = book.path("sales")
    known = {e.name for e in os.scandir(table)}
    writer = python(BIG_WRITER, book.root, 2_000_000)
    deadline = time.monotonic() + 240
    # Kill when the new data file is being written but no commit has landed yet.
    while not new_data_files(table, known):
        assert writer.poll() is None, f"the writer ended before writing any file: {writer.communicate()}"
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.002)
    writer.send_signal(signal.SIGKILL)
    out, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert "committed" not in out
    assert book.version("sales") == version_before, "the commit landed before the kill: make the append bigger"

    assert book.count("sales") == rows_before
    sales = book.read("sales").to_pandas()
    assert len(sales) == rows_before and "killed" not in set(sales["recorded_by"])
    assert Database(book).scalar("SELECT COUNT(*) FROM sales") == rows_before
    # what the killed write left is swept at the next start, once older than a minute; the table and
    # every version of its log still read
    litter = new_data_files(table, known)
    assert litter
    batches.on_start(book)
    assert new_data_files(table, known) == litter  # a minute not yet gone: it may be a running write's
    for name in litter:
        os.utime(table / name, (time.time() - 2 * ORPHAN_SECONDS,) * 2)
    batches.on_start(book)
    assert not new_data_files(table, known)
    assert [book.read("sales", v).num_rows for v in (0, version_before)] == [len(SALES), rows_before]
    # the lock died with the writer: the next append goes through
    book.append("sales", [dict(order_id="after", customer_id="00017", date="2026-01-06", amount=1)])
    assert book.count("sales") == rows_before + 1


def test_ids_stay_text_with_their_leading_zeros(store):
    frame = pd.DataFrame({"customer_id": ["00017", "017", "17"], "name": ["a", "b", "c"],
                          "tier": "ordinary", "status": "active"}, dtype=object)
    store.append("customers", frame)
    assert sorted(store.read("customers").column("customer_id").to_pylist()) == ["00017", "017", "17"]
    got = Database(store).query("SELECT customer_id FROM customers WHERE customer_id = '00017'")
    assert got["customer_id"].tolist() == ["00017"]


def test_invalid_rows_write_nothing_and_name_each_row_and_column(book):
    version, count = book.version("customers"), book.count("customers")
    rows = [dict(customer_id="00900", name="good", tier="ordinary", status="active"),
            dict(customer_id="00901", name="vip?", tier="vip", status="active"),
            dict(customer_id="00902", name="  ", tier="ordinary", status="active", credit_limit=-1),
            dict(customer_id="00903", name="typo", tier="ordinary", status="active", payment_terms_days="thirty")]
    with pytest.raises(InvalidRecords) as error:
        book.append("customers", rows)
    found = {(p.row, p.column, p.code) for p in error.value.problems}
    assert found == {(2, "tier", "allowed"), (3, "name", "required"), (3, "credit_limit", "minimum"),
                     (4, "payment_terms_days", "type")}
    message = str(error.value)
    assert "row 2, column tier" in message and "row 4, column payment_terms_days" in message
    assert (book.version("customers"), book.count("customers")) == (version, count)


def test_an_unknown_column_is_refused_for_the_whole_batch(store):
    with pytest.raises(InvalidRecords) as error:
        store.append("visits", [dict(visit_id="V1", customer_id="1", date="2026-01-01", method="phone",
                                     mood="happy")])
    assert [(p.row, p.column, p.code) for p in error.value.problems] == [(None, "mood", "unknown_column")]
    assert store.version("visits") == -1 and store.is_empty()


def test_every_record_keeps_when_who_and_which_batch_wrote_it(store):
    started = dt.datetime.now(dt.timezone.utc)
    batch = store.append("customers", CUSTOMERS, user="王芳")
    finished = dt.datetime.now(dt.timezone.utc)
    stored = store.read("customers").to_pandas()
    assert set(stored["recorded_by"]) == {"王芳"}
    assert set(stored["batch_id"]) == {batch}
    assert stored["recorded_at"].between(started, finished).all()
    last = store.history("customers")[0]
    assert (last["kam.user"], last["kam.batch_id"], last["kam.rows"]) == ("王芳", batch, str(len(CUSTOMERS)))


def test_profit_is_worked_out_from_cost_when_not_given(store):
    store.append("sales", SALES)
    stored = store.read("sales").to_pandas().set_index("order_id")
    for sale in SALES:
        expected = sale["profit"] if sale["profit"] is not None else sale["amount"] - sale["cost"]
        assert stored.loc[sale["order_id"], "profit"] == expected


def test_upsert_replaces_records_by_key_in_one_commit_and_keeps_the_old_version(book):
    version, count = book.version("customers"), book.count("customers")
    book.upsert("customers", [dict(CUSTOMERS[1], tier="important", account_manager="Li Na"),
                              dict(customer_id="00999", name="新客户", tier="potential", status="active")],
                user="manager")
    assert book.version("customers") == version + 1
    now = book.read("customers").to_pandas().set_index("customer_id")
    assert len(now) == count + 1 and now.index.is_unique
    assert (now.loc["00023", "tier"], now.loc["00023", "account_manager"]) == ("important", "Li Na")
    assert now.loc["00023", "recorded_by"] == "manager"
    untouched = now.loc["00017"]
    assert (untouched["tier"], untouched["recorded_by"]) == ("important", "tester")
    old = book.read("customers", version=version).to_pandas().set_index("customer_id")
    assert old.loc["00023", "tier"] == "ordinary" and "00999" not in old.index
    assert book.history("customers")[0]["kam.operation"] == "update"


def test_an_upsert_of_a_few_rows_reads_only_the_files_that_may_hold_their_keys(store):
    """A form's upsert names its keys to the merge, quotes in them included; a long one does not
    need to: both replace exactly their keys' records."""
    from kam.store import delta
    plans = [dict(plan_id=f"P{i:05d}", customer_id="00017", planned_date="2026-02-01", status="planned")
             for i in range(delta.LISTED_KEYS + 5)]
    for start in range(0, len(plans), 250):  # files of their own, each with a narrow range of keys
        store.append("revisit_plans", plans[start:start + 250])
    odd = dict(plans[0], plan_id="P'quoted", status="planned")
    store.upsert("revisit_plans", [dict(plans[3], status="cancelled", cancel_reason="moved"), odd])
    assert store.delta("revisit_plans").history(1)[0]["operationMetrics"]["num_target_files_skipped_during_scan"] > 0
    store.upsert("revisit_plans", [dict(p, status="done", done_date="2026-02-01") for p in plans[5:]])
    now = store.read("revisit_plans").to_pandas().set_index("plan_id")
    assert len(now) == len(plans) + 1 and now.index.is_unique
    assert now.loc["P00003", "status"] == "cancelled" and now.loc["P'quoted", "status"] == "planned"
    assert (now.loc["P00004", "status"], now.loc[plans[-1]["plan_id"], "status"]) == ("planned", "done")


def test_editing_one_customer_of_a_large_book_rewrites_one_small_file_not_the_whole_table(store):
    """Customers are edited one by one (a credit limit, a tier): their table keeps small files,
    appended or staged, so an edit (and the read side after it) handles a few thousand rows."""
    book = [dict(customer_id=f"C{i:06d}", name=f"客户{i}", tier="ordinary", status="active",
                 profile=os.urandom(96).hex()) for i in range(40_000)]  # a profile of its own each
    store.append("customers", book[:30_000])
    staged = store.stage("customers", lambda: iter([pd.DataFrame(book[30_000:])]), 10_000, batch_id="staged-c")
    store.commit_staged(staged)
    assert len(store.files("customers")) >= 4
    store.upsert("customers", [dict(book[12_345], credit_limit=500_000.0)])
    metrics = store.delta("customers").history(1)[0]["operationMetrics"]
    assert metrics["num_target_rows_updated"] == 1 and metrics["num_target_rows_copied"] < 5_000
    now = store.read("customers").to_pandas().set_index("customer_id")
    assert len(now) == 40_000 and now.loc["C012345", "credit_limit"] == 500_000.0


def test_upsert_into_a_new_table_creates_it(store):
    store.upsert("customers", CUSTOMERS[:2])
    assert store.count("customers") == 2


def test_a_staged_append_commits_right_after_the_version_checked_or_not_at_all(book):
    checked = book.version("sales")
    rows = [dict(order_id=f"ST-{i}", customer_id="00017", date="2026-01-05", amount=i + 1) for i in range(3)]
    staged = book.stage("sales", lambda: iter([pd.DataFrame(rows)]), 3, batch_id="staged-test")
    try:
        book.append("sales", [dict(order_id="BY-HAND", customer_id="00017", date="2026-01-05", amount=9)])
        with pytest.raises(Changed):  # another writer committed after the version checked
            book.commit_staged(staged, pin=Pin(checked))
        with pytest.raises(StoredMeanwhile) as refused:  # one of its keys was stored meanwhile
            book.commit_staged(staged, pin=Pin(checked + 1), refused=pa.array(["ST-1"]))
        assert book.version("sales") == checked + 1 and "ST-0" not in set(rows_of(book, "sales")["order_id"])
        pin = Pin(checked + 1)
        book.commit_staged(staged, pin=pin)
    finally:
        staged.close()
    assert (refused.value.first, refused.value.count) == ("ST-1", 1)
    assert book.version("sales") == pin.version == checked + 2  # the pin moved on to its commit
    assert {"ST-0", "ST-1", "ST-2", "BY-HAND"} <= set(rows_of(book, "sales")["order_id"])


def rows_of(store: Store, name: str, version: int | None = None) -> pd.DataFrame:
    frame = store.read(name, version).to_pandas()
    return frame.sort_values(frame.columns[0]).reset_index(drop=True)


def test_restore_brings_back_an_earlier_version_as_a_new_commit(book):
    good = book.version("sales")
    db = Database(book)
    book.append("sales", [dict(order_id="BAD1", customer_id="00017", date="2025-05-05", amount=1e9)])
    book.upsert("sales", [dict(SALES[0], amount=0)])
    assert db.scalar("SELECT COUNT(*) FROM sales WHERE order_id = 'BAD1'") == 1
    book.restore("sales", good, user="admin")
    assert book.version("sales") == good + 3
    pd.testing.assert_frame_equal(rows_of(book, "sales"), rows_of(book, "sales", good))
    assert db.scalar("SELECT COUNT(*) FROM sales WHERE order_id = 'BAD1'") == 0
    assert db.scalar("SELECT amount FROM sales WHERE order_id = $id", {"id": SALES[0]["order_id"]}) == (
        SALES[0]["amount"])
    last = book.history("sales")[0]
    assert (last["kam.operation"], last["kam.user"], last["kam.restored_to"]) == ("restore", "admin", str(good))


def test_undoing_the_first_import_leaves_an_empty_store_again(store):
    store.append("customers", CUSTOMERS)
    store.append("sales", SALES)
    assert not store.is_empty()
    store.restore("sales", -1)
    store.restore("customers", -1)
    assert store.count("sales") == store.read("sales").num_rows == 0
    assert store.count("customers") == 0 and store.is_empty()
    assert Database(store).scalar("SELECT COUNT(*) FROM customers") == 0


def test_restore_of_a_table_never_written_is_refused(store):
    with pytest.raises(ValueError):
        store.restore("sales", 0)


def test_an_empty_store_reads_as_empty_tables(store):
    assert store.is_empty()
    assert store.count("complaints") == 0
    assert store.read("complaints").num_rows == 0
    assert set(store.versions().values()) == {-1}
