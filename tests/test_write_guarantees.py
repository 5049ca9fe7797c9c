"""A team's load on the store: analysts importing at once, managers saving records, someone
undoing an import, a writer killed between commits. Real processes, started together."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from kam.imports import files, import_log, importer
from kam.readside.database import Database
from kam.revisits import visit_records
from kam.store import batches
from kam.store.delta import Store
from kam.store.work import Work

TODAY = dt.date.today()
GATED = """
import sys, time
from pathlib import Path
gate, name = Path(sys.argv[1]), sys.argv[2]
from kam.cli.main import main
(gate.parent / f"ready-{name}").touch()
while not gate.exists():
    time.sleep(0.002)
sys.exit(main(sys.argv[3:]))
"""


def spawn(code: str, *args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_together(tmp_path: Path, commands: list[list[str]], code: str = GATED) -> list[tuple[int, str]]:
    """Each command in a process of its own, all let go at the same moment; (exit code, stderr) each."""
    gate = tmp_path / "go"
    started = [spawn(code, gate, i, *command) for i, command in enumerate(commands)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(started):
        assert time.monotonic() < deadline and all(p.poll() is None for p in started), [
            p.communicate() for p in started if p.poll() is not None]
        time.sleep(0.01)
    gate.touch()
    return [(p.wait(timeout=180), p.communicate()[1]) for p in started]


def customers(store: Store, *ids: str) -> None:
    store.append("customers", [dict(customer_id=c, name=f"客户{c}", tier="ordinary", status="active") for c in ids],
                 user="setup")


def sales_file(path: Path, orders, customer: str = "C1", amount: float = 1.0, name: str | None = None) -> Path:
    head = "order_id,customer_id,customer_name,date,amount" if name else "order_id,customer_id,date,amount"
    rows = [f"{o},{customer},{name + ',' if name else ''}2026-01-05,{amount + i}" for i, o in enumerate(orders)]
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def sales(store: Store):
    return store.read("sales").to_pandas()


# ---- checks and writes are one critical section ------------------------------------

def test_eight_analysts_importing_files_that_share_order_ids_store_each_order_once(store, tmp_path):
    customers(store, "C1")
    shared = [f"O{i:03d}" for i in range(100)]
    paths = [sales_file(tmp_path / f"export-{n}.csv", shared, amount=1000 * (n + 1)) for n in range(8)]
    results = run_together(tmp_path, [["--data", store.root, "import", "sales", p] for p in paths])
    assert sorted(code for code, _ in results) == [0] + [1] * 7, results
    refused = [err for code, err in results if code == 1]
    assert all("stored 100 of the file's keys" in err or "nothing was written" in err for err in refused)
    stored = sales(store)
    assert len(stored) == 100 and stored["order_id"].is_unique
    assert stored["batch_id"].nunique() == 1  # one whole file, not a mix


def test_the_same_file_imported_three_times_at_once_goes_in_once(store, tmp_path):
    customers(store, "C1")
    path = sales_file(tmp_path / "june.csv", [f"J{i:03d}" for i in range(100)])
    results = run_together(tmp_path, [["--data", store.root, "import", "sales", path]] * 3)
    assert sorted(code for code, _ in results) == [0, 1, 1], results
    assert len(sales(store)) == 100 and sales(store)["order_id"].is_unique
    assert import_log.history(store)["undone"].tolist() == [False]


def test_four_imports_naming_the_same_new_customer_create_it_once(store, tmp_path):
    paths = [sales_file(tmp_path / f"shop-{n}.csv", [f"S{n}-{i}" for i in range(10)], customer="NEW1", name="新客户")
             for n in range(4)]
    results = run_together(tmp_path, [["--data", store.root, "import", "sales", p, "--create-customers"]
                                      for p in paths])
    assert [code for code, _ in results] == [0] * 4, results
    stored = store.read("customers").to_pandas()
    assert stored["customer_id"].tolist() == ["NEW1"]
    assert len(sales(store)) == 40
    abc = Database(store).query("SELECT customer_id, COUNT(*) AS n FROM customers GROUP BY 1")
    assert abc["n"].tolist() == [1]


# ---- what is written is what was checked -------------------------------------------

def test_a_file_replaced_between_its_check_and_its_write_writes_nothing(store, tmp_path):
    customers(store, "C1")
    path = sales_file(tmp_path / "checked.csv", ["A1", "A2", "A3", "A4", "A5"])
    plan = importer.check(store, "sales", files.open_file(path, chunk_rows=2))
    assert plan.ready
    sales_file(path, ["A1", "A1", "A1", "X9", "X9"], customer="NOBODY")  # same length, unchecked rows
    with pytest.raises(importer.Conflict) as conflict:
        importer.commit(Work.on(store, "ana"), plan)
    assert conflict.value.code == "file_changed"
    assert store.count("sales") == 0 and not list((store.root / batches.JOURNAL).glob("*.json"))


# ---- undo removes exactly one batch -----------------------------------------------

FORM_WRITER = """
import sys, time
from pathlib import Path
from kam.store.delta import Store
gate, name, root = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = Store(root)
(gate.parent / f"ready-{name}").touch()
while not gate.exists():
    time.sleep(0.002)
for i in range(30):
    store.append("sales", [dict(order_id=f"F{i:02d}", customer_id="C1", date="2026-02-01", amount=i)], user="form")
    time.sleep(0.02)
"""

IMPORT_AND_UNDO = """
import sys, time
from pathlib import Path
gate, name, root, *paths = sys.argv[1:]
from kam.cli.main import main
(Path(gate).parent / f"ready-{name}").touch()
while not Path(gate).exists():
    time.sleep(0.002)
for path in paths:
    assert main(["--data", root, "import", "sales", path]) == 0
    assert main(["--data", root, "undo-import", "sales", "--user", "undoer"]) == 0
"""


def test_undoing_imports_while_a_form_appends_loses_no_form_row(store, tmp_path):
    customers(store, "C1")
    paths = [sales_file(tmp_path / f"day-{n}.csv", [f"D{n}-{i}" for i in range(20)]) for n in range(6)]
    gate = tmp_path / "go"
    procs = [spawn(FORM_WRITER, gate, "form", store.root), spawn(IMPORT_AND_UNDO, gate, "undo", store.root, *paths)]
    while len(list(tmp_path.glob("ready-*"))) < 2:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    gate.touch()
    for p in procs:
        assert p.wait(timeout=180) == 0, p.communicate()[1]
    stored = sales(store)
    assert sorted(stored["order_id"]) == [f"F{i:02d}" for i in range(30)]
    assert import_log.history(store)["undone"].all()


def test_import_a_import_b_undo_undo_undoes_both(store, tmp_path):
    customers(store, "C1")
    work = Work.on(store, "ana")
    for name, orders in (("a.csv", ["A1", "A2"]), ("b.csv", ["B1"])):
        importer.commit(work, importer.check(store, "sales", files.open_file(sales_file(tmp_path / name, orders))))
    assert import_log.undo_last(work, "sales").file == "b.csv"
    assert import_log.undo_last(work, "sales").file == "a.csv"
    assert store.count("sales") == 0 and store.count("customers") == 1
    with pytest.raises(import_log.UndoRefused):
        import_log.undo_last(work, "sales")


def test_an_import_whose_customers_later_sales_name_is_refused_with_those_named(store, tmp_path):
    work = Work.on(store, "ana")
    first = importer.commit(work, importer.check(store, "sales", files.open_file(
        sales_file(tmp_path / "new.csv", ["N1"], customer="NEW", name="新")), importer.Options(create_customers=True)))
    later = importer.commit(Work.on(store, "bo"), importer.check(store, "sales", files.open_file(
        sales_file(tmp_path / "more.csv", ["M1", "M2"], customer="NEW"))))
    with pytest.raises(import_log.UndoRefused) as refused:
        import_log.undo(work, first.import_id)
    assert refused.value.code == "named"
    assert (refused.value.detail["table"], refused.value.detail["rows"], refused.value.detail["batches"]) == (
        "sales", 2, later.import_id)
    assert store.count("sales") == 3 and store.count("customers") == 1
    import_log.undo(work, later.import_id)
    assert import_log.undo(work, first.import_id).customers_removed == 1
    assert store.count("sales") == 0 and store.count("customers") == 0


def test_an_import_that_replaced_rows_gives_them_back_when_undone(store, tmp_path):
    customers(store, "C1")
    work = Work.on(store, "ana")
    importer.commit(work, importer.check(store, "sales", files.open_file(sales_file(tmp_path / "a.csv", ["A1", "A2"]))))
    update = importer.check(store, "sales", files.open_file(sales_file(tmp_path / "fix.csv", ["A2", "A3"], amount=50)),
                            importer.Options(on_duplicate="update"))
    importer.commit(work, update)
    import_log.undo_last(work, "sales")
    assert sorted(zip(sales(store)["order_id"], sales(store)["amount"])) == [("A1", 1.0), ("A2", 2.0)]


# ---- whole across kill -9 ----------------------------------------------------------

def test_an_import_creating_customers_killed_at_any_point_leaves_none_of_it(store, tmp_path):
    customers(store, "C1")
    work = Work.on(store, "ana")
    earlier = importer.commit(work, importer.check(store, "sales", files.open_file(
        sales_file(tmp_path / "earlier.csv", ["E1"]))))
    path = sales_file(tmp_path / "new.csv", [f"N{i}" for i in range(50)], customer="NEW", name="新客户")
    for point in ("before:sales", "after:sales", "before:customers", "after:customers"):
        killed = subprocess.run([sys.executable, "-m", "kam", "--data", str(store.root), "import", "sales", str(path),
                                 "--create-customers"], cwd=ROOT, env={**os.environ, batches.CRASH_AT: point},
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        batches.on_start(Store(store.root))  # the next start
        assert (store.count("sales"), store.count("customers")) == (1, 1), point
        assert not list((store.root / batches.JOURNAL).glob("*.json"))
    log = import_log.history(store, "sales")
    assert log.loc[~log["undone"], "import_id"].tolist() == [earlier.import_id]
    assert import_log.undo_last(work, "sales").import_id == earlier.import_id  # never an interrupted one
    again = importer.commit(work, importer.check(store, "sales", files.open_file(path),
                                                 importer.Options(create_customers=True)))
    assert (again.rows, again.customers_created) == (50, 1)


VISIT_WRITER = """
import sys, datetime as dt
from kam.store.delta import Store
from kam.store.work import Work
from kam.revisits import visit_records
today = dt.date.today()
visit_records.record_visit(Work.on(Store(sys.argv[1]), "Li Na", today), {
    "customer_id": "C1", "date": today, "method": "in_person", "visited_by": "Li Na",
    "next_visit_date": today + dt.timedelta(days=30), "next_visit_purpose": "follow up"})
"""

CHURN_WRITER = """
import sys, datetime as dt
from kam.store.delta import Store
from kam.store.work import Work
from kam.risk import churn
today = dt.date.today()
churn.record_churn(Work.on(Store(sys.argv[1]), "anna", today),
                   {"customer_id": "C1", "churn_date": today, "reason": "price"})
"""


@pytest.mark.parametrize("writer, point, tables", [
    (VISIT_WRITER, "after:visits", ("visits", "revisit_plans")),
    (CHURN_WRITER, "after:churns", ("churns", "customers", "profile_changes")),
    (CHURN_WRITER, "after:customers", ("churns", "customers", "profile_changes")),
], ids=["visit-and-its-plan", "churn-before-status", "churn-before-history"])
def test_a_form_write_spanning_tables_killed_between_commits_leaves_none_of_it(store, writer, point, tables):
    customers(store, "C1")
    before = {name: store.count(name) for name in tables}
    killed = spawn(writer, store.root, env={batches.CRASH_AT: point})
    assert killed.wait(timeout=120) == -signal.SIGKILL, killed.communicate()
    batches.on_start(Store(store.root))
    assert {name: store.count(name) for name in tables} == before
    assert store.read("customers").to_pylist()[0]["status"] == "active"
    done = spawn(writer, store.root)  # and the same write goes through afterwards
    assert done.wait(timeout=120) == 0, done.communicate()
    assert all(store.count(name) > before[name] for name in tables if name != "customers")


def test_an_interrupted_batch_is_rolled_back_by_the_next_write_to_its_tables(store):
    customers(store, "C1")
    killed = spawn(VISIT_WRITER, store.root, env={batches.CRASH_AT: "after:visits"})
    assert killed.wait(timeout=120) == -signal.SIGKILL
    assert store.count("visits") == 1  # half of it, until the next write
    work = Work.on(store, "Li Na")
    visit_records.add_plan(work, {"customer_id": "C1", "planned_date": TODAY + dt.timedelta(days=3)})
    assert (store.count("visits"), store.count("revisit_plans")) == (0, 1)
