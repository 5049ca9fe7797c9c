"""A team's load on the store: analysts importing at once, managers saving records, someone
undoing an import, a writer killed between commits. Real processes, started together."""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import writers
from kam.accounts import profile
from kam.cli.main import main
from kam.imports import files, import_log, importer
from kam.readside.database import Database
from kam.revisits import visit_records
from kam.risk import complaints
from kam.store import batches
from kam.store.delta import ORPHAN_SECONDS, STAGED, Store
from kam.store.work import Work

TODAY = dt.date.today()
OWN = 3_000  # rows of its own in each file beside the ones they share: a check long enough to overlap the others'


@pytest.fixture(scope="module")
def processes():
    """Real processes, forked from a server that imported kam once (Delta's runtime does not
    survive a plain fork), so that starting one costs a moment."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(writers.PRELOAD)
    return context


def run(processes, target, *args) -> int:
    process = processes.Process(target=target, args=args)
    process.start()
    process.join(180)
    return process.exitcode


def run_together(processes, where: Path, jobs: list[tuple]) -> list[int]:
    """Each job (target, args after `where` and its name) in a process of its own, all let go at
    the same moment; their exit codes."""
    started = [processes.Process(target=target, args=(where, str(i), *args)) for i, (target, *args) in enumerate(jobs)]
    for process in started:
        process.start()
    deadline = time.monotonic() + 120
    while len(list(where.glob("ready-*"))) < len(started):
        assert time.monotonic() < deadline and all(p.exitcode is None for p in started), "a process did not start"
        time.sleep(0.01)
    (where / "go").touch()
    for process in started:
        process.join(180)
    return [process.exitcode for process in started]


def imports(root: Path, *paths: Path, options=()) -> list[tuple]:
    return [(writers.command, ["--data", root, "import", "sales", path, *options]) for path in paths]


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

@pytest.mark.parametrize("earlier", [0, 1], ids=["first-sales", "sales-stored-before"])  # written in the turn, or staged
def test_eight_analysts_importing_files_that_share_order_ids_store_each_order_once(processes, store, tmp_path, earlier):
    customers(store, "C1")
    if earlier:
        sales_line(Work.on(store, "setup"), "EARLIER")
    shared = [f"O{i:03d}" for i in range(100)]
    paths = [sales_file(tmp_path / f"export-{n}.csv", shared + [f"X{n}-{i}" for i in range(OWN)], amount=1000 * n)
             for n in range(8)]
    codes = run_together(processes, tmp_path, imports(store.root, *paths))
    assert sorted(codes) == [0] + [1] * 7
    refused = [(tmp_path / f"err-{i}").read_text() for i, code in enumerate(codes) if code]
    assert all("100 of the file's keys" in err or "100 problem(s); nothing was written" in err for err in refused)
    stored = sales(store)
    assert len(stored) == earlier + 100 + OWN and stored["order_id"].is_unique
    assert stored["batch_id"].nunique() == earlier + 1  # one whole file, not a mix


def test_the_same_file_imported_three_times_at_once_goes_in_once(processes, store, tmp_path):
    customers(store, "C1")
    path = sales_file(tmp_path / "june.csv", [f"J{i:05d}" for i in range(OWN)])
    assert sorted(run_together(processes, tmp_path, imports(store.root, path, path, path))) == [0, 1, 1]
    assert len(sales(store)) == OWN and sales(store)["order_id"].is_unique
    assert import_log.history(store)["undone"].tolist() == [False]


def test_four_imports_naming_the_same_new_customer_create_it_once(processes, store, tmp_path):
    paths = [sales_file(tmp_path / f"shop-{n}.csv", [f"S{n}-{i}" for i in range(OWN)], customer="NEW1", name="新客户")
             for n in range(4)]
    assert run_together(processes, tmp_path, imports(store.root, *paths, options=["--create-customers"])) == [0] * 4
    stored = store.read("customers").to_pandas()
    assert stored["customer_id"].tolist() == ["NEW1"]
    assert len(sales(store)) == 4 * OWN
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

def test_undoing_imports_while_a_form_appends_loses_no_form_row(processes, store, tmp_path):
    customers(store, "C1")
    paths = [sales_file(tmp_path / f"day-{n}.csv", [f"D{n}-{i}" for i in range(20)]) for n in range(6)]
    jobs = [(writers.form_appends, store.root, 30), (writers.import_and_undo, store.root, paths)]
    assert run_together(processes, tmp_path, jobs) == [0, 0]
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


def test_an_undo_killed_half_way_leaves_the_import_whole_and_in_force(processes, store, tmp_path):
    work = Work.on(store, "ana")
    path = sales_file(tmp_path / "new.csv", ["N1", "N2"], customer="NEW", name="新")
    done = importer.commit(work, importer.check(store, "sales", files.open_file(path),
                                                importer.Options(create_customers=True)))
    argv = ["--data", store.root, "undo-import", "sales"]
    assert run(processes, writers.command, tmp_path, "undo", argv, "after:sales", False) == -signal.SIGKILL
    assert (store.count("sales"), store.count("customers")) == (0, 1)  # half undone (customers last), until the next start
    batches.on_start(Store(store.root))
    assert (store.count("sales"), store.count("customers")) == (2, 1)
    assert not import_log.history(store)["undone"].any()
    assert import_log.undo_last(work, "sales").import_id == done.import_id
    assert (store.count("sales"), store.count("customers")) == (0, 0)


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

def test_an_import_creating_customers_killed_at_any_point_leaves_none_of_it(processes, store, tmp_path):
    customers(store, "C1")
    work = Work.on(store, "ana")
    earlier = importer.commit(work, importer.check(store, "sales", files.open_file(
        sales_file(tmp_path / "earlier.csv", ["E1"]))))
    path = sales_file(tmp_path / "new.csv", [f"N{i}" for i in range(50)], customer="NEW", name="新客户")
    for point in ("before:sales", "after:sales", "before:customers", "after:customers"):
        argv = ["--data", store.root, "import", "sales", path, "--create-customers"]
        assert run(processes, writers.command, tmp_path, point, argv, point, False) == -signal.SIGKILL, point
        batches.on_start(Store(store.root))  # the next start
        assert (store.count("sales"), store.count("customers")) == (1, 1), point
        assert not list((store.root / batches.JOURNAL).glob("*.json"))
    log = import_log.history(store, "sales")
    assert log.loc[~log["undone"], "import_id"].tolist() == [earlier.import_id]
    assert import_log.undo_last(work, "sales").import_id == earlier.import_id  # never an interrupted one
    again = importer.commit(work, importer.check(store, "sales", files.open_file(path),
                                                 importer.Options(create_customers=True)))
    assert (again.rows, again.customers_created) == (50, 1)


@pytest.mark.parametrize("writer, point, tables", [
    (writers.visit, "after:visits", ("visits", "revisit_plans")),
    (writers.churned, "after:churns", ("churns", "customers", "profile_changes")),
    (writers.churned, "after:customers", ("churns", "customers", "profile_changes")),
    (writers.edited, "after:customers", ("customers", "profile_changes")),
], ids=["visit-and-its-plan", "churn-before-status", "churn-before-history", "profile-edit-before-its-record"])
def test_a_form_write_spanning_tables_killed_between_commits_leaves_none_of_it(processes, store, writer, point,
                                                                              tables):
    customers(store, "C1")
    before = {name: store.count(name) for name in tables}
    assert run(processes, writer, store.root, point) == -signal.SIGKILL
    batches.on_start(Store(store.root))  # the next start
    assert {name: store.count(name) for name in tables} == before
    assert store.read("customers").to_pylist()[0] | {"status": "active", "tier": "ordinary"} == \
        store.read("customers").to_pylist()[0]
    assert run(processes, writer, store.root) == 0  # and the same write goes through afterwards
    assert all(store.count(name) > before[name] for name in tables if name != "customers")


def test_an_interrupted_batch_is_rolled_back_by_the_next_write_to_its_tables(processes, store):
    customers(store, "C1")
    assert run(processes, writers.visit, store.root, "after:visits") == -signal.SIGKILL
    assert store.count("visits") == 1  # half of it, until the next write
    work = Work.on(store, "Li Na")
    visit_records.add_plan(work, {"customer_id": "C1", "planned_date": TODAY + dt.timedelta(days=3)})
    assert (store.count("visits"), store.count("revisit_plans")) == (0, 1)


# ---- a form waits only for the commits of its own tables ------------------------------

def finishes(write) -> bool:
    """Whether the write is done within two minutes (it must not be waiting for the import)."""
    thread = threading.Thread(target=write)
    thread.start()
    thread.join(120)
    return not thread.is_alive()


def paused_import(processes, store: Store, where: Path, path: Path, point: str):
    importing = processes.Process(target=writers.paused, args=(where, ["--data", store.root, "import", "sales", path],
                                                               point))
    importing.start()
    deadline = time.monotonic() + 120
    while not (where / batches.PAUSED).exists():
        assert time.monotonic() < deadline and importing.exitcode is None, "the import did not get there"
        time.sleep(0.01)
    return importing


def sales_line(work: Work, order: str) -> None:
    with work.batch("sales", operation="sales line") as batch:
        batch.append("sales", [dict(order_id=order, customer_id="C1", date=TODAY, amount=5)])


@pytest.mark.parametrize("point", ["staged:sales", "before:sales"], ids=["while-it-writes-its-files", "at-its-commit"])
def test_managers_save_forms_while_a_long_import_is_written(processes, store, tmp_path, point):
    customers(store, "C1")
    sales_line(Work.on(store, "setup"), "OLD")
    importing = paused_import(processes, store, tmp_path, sales_file(tmp_path / "long.csv", [
        f"L{i}" for i in range(OWN)]), point)
    work = Work.on(store, "Li Na")
    forms = [lambda: complaints.record_complaint(work, {"customer_id": "C1", "received": TODAY, "category": "product",
                                                        "subcategory": "quality_defect", "severity": "low"}),
             lambda: writers.visit(store.root),
             lambda: profile.edit_profile(work, "C1", {"credit_limit": 50_000}, "bigger orders")]
    if point == "staged:sales":  # its rows written to files of its own: the table's turn is free
        forms.append(lambda: sales_line(work, "BY-HAND"))
    try:
        assert [finishes(form) for form in forms] == [True] * len(forms)
        assert set(sales(store)["order_id"]) == {"OLD"} | ({"BY-HAND"} if point == "staged:sales" else set())
    finally:
        (tmp_path / batches.RESUME).touch()
        importing.join(180)
    assert importing.exitcode == 0
    assert len(sales(store)) == 1 + OWN + (point == "staged:sales")
    assert (store.count("complaints"), store.count("visits"), store.count("profile_changes")) == (1, 1, 1)


def test_a_command_starting_beside_a_profile_edit_in_progress_keeps_no_complaint_waiting(processes, store, tmp_path):
    customers(store, "C1")
    editing = processes.Process(target=writers.paused_edit, args=(tmp_path, store.root, "before:customers"))
    editing.start()
    deadline = time.monotonic() + 120
    while not (tmp_path / batches.PAUSED).exists():
        assert time.monotonic() < deadline and editing.exitcode is None, "the edit did not get there"
        time.sleep(0.01)
    # the start looks at the live edit's journal entry: it must not hold the complaints' turn waiting for it
    starting = threading.Thread(target=batches.on_start, args=(Store(store.root),))
    starting.start()
    starting.join(2)
    work = Work.on(store, "Li Na")
    try:
        assert finishes(lambda: complaints.record_complaint(work, {
            "customer_id": "C1", "received": TODAY, "category": "product", "subcategory": "quality_defect",
            "severity": "low"}))
    finally:
        (tmp_path / batches.RESUME).touch()
        editing.join(180)
        starting.join(180)
    assert editing.exitcode == 0 and (store.count("complaints"), store.count("profile_changes")) == (1, 2)


def test_an_import_killed_while_writing_its_files_leaves_none_after_the_next_start(processes, store, tmp_path):
    customers(store, "C1")
    sales_line(Work.on(store, "setup"), "OLD")
    path = sales_file(tmp_path / "long.csv", [f"L{i}" for i in range(OWN)])
    argv = ["--data", store.root, "import", "sales", path]
    assert run(processes, writers.command, tmp_path, "killed", argv, "staged:sales", False) == -signal.SIGKILL
    staged = [f for f in (store.root / "sales").iterdir() if f.name.startswith(STAGED)]
    assert staged and store.count("sales") == 1
    batches.on_start(Store(store.root))  # a moment later: kept, as a live write's would be
    assert all(f.exists() for f in staged)
    for f in staged:
        os.utime(f, (time.time() - 2 * ORPHAN_SECONDS,) * 2)
    batches.on_start(Store(store.root))
    assert not any(f.exists() for f in staged) and not list((store.root / ".locks").glob(f"{STAGED}*"))
    assert main(["--data", str(store.root), "import", "sales", str(path)]) == 0
    assert store.count("sales") == 1 + OWN


# ---- any order of imports, form writes and undos, against a model ----------------------

OPS = st.one_of(
    st.tuples(st.just("import"), st.sets(st.integers(0, 7), min_size=1, max_size=3)),
    st.tuples(st.just("form"), st.integers(0, 99)),
    st.tuples(st.just("undo_last"), st.none()),
    st.tuples(st.just("undo_any"), st.integers(0, 9)),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=2, max_size=6))
def test_any_order_of_imports_form_writes_and_undos_keeps_what_a_model_keeps(ops, tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    store = Store(root / "store")
    customers(store, "C1")
    work = Work.on(store, "ana")
    live: list[tuple[str, set[str]]] = []  # the imports in force, oldest first: (id, keys)
    forms: set[str] = set()
    for n, (op, arg) in enumerate(ops):
        stored = set().union(forms, *(keys for _, keys in live))
        if op == "import":
            keys = {f"K{k}" for k in arg}
            plan = importer.check(store, "sales", files.open_file(sales_file(root / f"f{n}.csv", sorted(keys))))
            assert plan.ready == (not keys & stored)
            if plan.ready:
                live.append((importer.commit(work, plan).import_id, keys))
        elif op == "form":
            with work.batch("sales", operation="form") as batch:
                batch.append("sales", [dict(order_id=f"F{n}-{arg}", customer_id="C1", date="2026-03-01", amount=1)])
            forms.add(f"F{n}-{arg}")
        elif not live:
            with pytest.raises(import_log.UndoRefused):
                import_log.undo_last(work, "sales")
        else:
            chosen = len(live) - 1 if op == "undo_last" else arg % len(live)
            undone = (import_log.undo_last(work, "sales") if op == "undo_last"
                      else import_log.undo(work, live[chosen][0]))
            assert undone.import_id == live.pop(chosen)[0]
        assert set(sales(store)["order_id"]) == set().union(forms, *(keys for _, keys in live)), (n, op)
