"""A team's store on S3-compatible object storage, and the same guarantees on a local folder.

A real S3 server (moto's, installed from PyPI by tests/run.sh) runs for the session. Each test
runs on both locations: `s3://` on that server and a folder. Two app servers, each a process
with its own store and read side, share one store: eight writers at once lose nothing and
store no key twice, and what one server writes the other reads at its next question."""
from __future__ import annotations

import csv
import datetime as dt
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest

import app_servers
from kam.cli.main import main
from kam.readside.database import Database
from kam.readside.tables import FRESH_SECONDS
from kam.revisits import visit_records
from kam.store import batches
from kam.store.delta import Store
from kam.store.work import Work

BUCKET = "kam-tests"
CUSTOMERS = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server in a process of its own, for the session; its variables."""
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1)
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "the S3 server did not start"
            time.sleep(0.1)
    yield {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "kam", "AWS_SECRET_ACCESS_KEY": "kam-secret",
           "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}
    server.terminate()
    server.wait(10)
    log.close()


@pytest.fixture(scope="module", params=["s3", "folder"])
def root(request, s3_server, tmp_path_factory) -> str:
    """The store's location, on the S3 server or in a folder, holding a small demo."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in s3_server.items():
            patch.setenv(name, value)
        patch.setenv("KAM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        if request.param == "s3":
            pafs.S3FileSystem(access_key="kam", secret_key="kam-secret", region="us-east-1", scheme="http",
                              endpoint_override=s3_server["AWS_ENDPOINT_URL"].removeprefix("http://"),
                              allow_bucket_creation=True).create_dir(BUCKET)
            where = f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}/store"
        else:
            where = str(tmp_path_factory.mktemp("team") / "store")
        assert main(["--data", where, "demo", "--customers", str(CUSTOMERS), "--sales-lines", "600"]) == 0
        yield where


@pytest.fixture(scope="module")
def servers(root, s3_server):
    """Two app servers on the store, each a process with its own read side."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(app_servers.PRELOAD)
    env = {name: os.environ[name] for name in os.environ if name.startswith(("AWS_", "KAM_"))}
    pipes, started = [], []
    for _ in range(2):
        ours, theirs = context.Pipe()
        process = context.Process(target=app_servers.serve, args=(root, env, theirs))
        process.start()
        pipes.append(ours)
        started.append(process)
    yield pipes
    for pipe, process in zip(pipes, started):
        pipe.send(("stop",))
        process.join(30)


def order(pipe, *what):
    pipe.send(what)
    status, answer = pipe.recv()
    assert status == "ok", answer
    return answer


def customer_ids(store: Store) -> list[str]:
    return sorted(store.read("customers").column("customer_id").to_pylist())


def sales_file(path: Path, orders: list[str], customer: str) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["order_id", "customer_id", "date", "amount"])
        out.writerows([o, customer, "2026-06-01", 100 + i] for i, o in enumerate(orders))
    return path


def test_the_demo_fills_the_store_and_abc_ranks_every_customer_by_what_the_tables_hold(root, capsys):
    store = Store(root)
    assert store.shared == root.startswith("s3://")
    assert len(customer_ids(store)) == CUSTOMERS
    capsys.readouterr()
    assert main(["--data", root, "abc", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()[1:]
    rows = [line.split(",") for line in lines]
    sales = store.read("sales")
    assert len(rows) == len(set(sales.column("customer_id").to_pylist()))
    assert sum(float(r[2]) for r in rows) == pytest.approx(pc.sum(sales.column("amount")).as_py(), rel=1e-6)
    assert rows[0][-1] == "A" and float(rows[-1][4]) == pytest.approx(1.0)


def test_an_import_is_stored_once_and_its_undo_takes_out_exactly_it(root, tmp_path, capsys):
    store = Store(root)
    before = store.count("sales")
    path = sales_file(tmp_path / "june.csv", [f"JUNE-{i}" for i in range(40)], customer_ids(store)[0])
    assert main(["--data", root, "import", "sales", str(path)]) == 0
    assert store.count("sales") == before + 40
    assert main(["--data", root, "import", "sales", str(path)]) == 1  # the same file again: refused
    assert store.count("sales") == before + 40
    assert main(["--data", root, "undo-import", "sales"]) == 0
    assert store.count("sales") == before
    orders = set(store.read("sales").column("order_id").to_pylist())
    assert not any(o.startswith("JUNE-") for o in orders)
    assert "undid import" in capsys.readouterr().out


def test_a_saved_visit_is_stored_with_its_follow_up_plan_and_read_back(root):
    store = Store(root)
    work = Work.on(store, "Li Na", dt.date.today())
    visit = visit_records.record_visit(work, {
        "customer_id": customer_ids(store)[1], "date": work.today, "method": "in_person", "visited_by": "Li Na",
        "next_visit_date": work.today + dt.timedelta(days=14), "next_visit_purpose": "contract renewal"})
    found = Database(store).query("SELECT visit_id, recorded_by FROM visits WHERE visit_id = $v", {"v": visit})
    assert found.to_dict("records") == [{"visit_id": visit, "recorded_by": "Li Na"}]
    plans = store.read("revisit_plans").to_pandas()
    assert (plans["purpose"] == "contract renewal").sum() == 1


def test_two_servers_with_eight_writers_at_once_lose_nothing_and_store_no_key_twice(root, servers, tmp_path):
    store = Store(root)
    ids = customer_ids(store)
    shared = [f"RACE-S{i}" for i in range(10)]  # in every file: only one import may store them
    files = [sales_file(tmp_path / f"race-{n}.csv", shared + [f"RACE-{n}-{i}" for i in range(10)], ids[2])
             for n in range(4)]
    jobs = [[("visits", ids[3 + 2 * s + w], f"writer{s}{w}", 2) for w in range(2)]
            + [("import", str(files[2 * s + w])) for w in range(2)] for s in range(2)]
    for pipe, job in zip(servers, jobs):
        pipe.send(("write", job))
    results = []
    for pipe in servers:
        status, answer = pipe.recv()
        assert status == "ok", answer
        results += answer
    visits_saved = [v for r in results if isinstance(r, list) for v in r]
    imports_done = [r for r in results if not isinstance(r, list)]
    assert all(code in (0, 1) for code in imports_done), results  # stored, or refused saying why
    assert imports_done.count(0) >= 1

    sales = store.read("sales").to_pandas()
    race = sales[sales["order_id"].str.startswith("RACE-")]
    assert not race["order_id"].duplicated().any()
    assert set(shared) <= set(race["order_id"])
    stored_files = {o.split("-")[1] for o in race["order_id"] if not o.startswith("RACE-S")}
    assert len(stored_files) == imports_done.count(0)  # an import is stored whole or not at all
    assert len(race) == 10 + 10 * imports_done.count(0)

    visits = store.read("visits").to_pandas()
    assert set(visits_saved) <= set(visits["visit_id"]) and not visits["visit_id"].duplicated().any()
    assert len(visits_saved) >= 4  # most saves go through at once; a refused one says so
    mine = visits[visits["visited_by"].str.startswith("writer", na=False)]
    assert sorted(mine["visit_id"]) == sorted(visits_saved)
    plans = store.read("revisit_plans").to_pandas()
    assert plans["purpose"].str.startswith("writer", na=False).sum() == len(visits_saved)
    assert not plans["plan_id"].duplicated().any()


def test_imports_on_two_servers_creating_the_same_new_customer_create_it_once(root, servers, tmp_path):
    """Four analysts, two on each server, import at once files that name a customer not on file yet,
    asking for unknown customers to be created: the customer is created once, and every import
    stored is stored whole."""
    store = Store(root)
    newcomer = f"NEW-{uuid.uuid4().hex[:6]}"
    files = [sales_file(tmp_path / f"new-{n}.csv", [f"{newcomer}-{n}-{i}" for i in range(5)], newcomer)
             for n in range(4)]
    for s, pipe in enumerate(servers):
        pipe.send(("write", [("import", str(files[2 * s + w]), "--create-customers") for w in range(2)]))
    codes = []
    for pipe in servers:
        status, answer = pipe.recv()
        assert status == "ok", answer
        codes += answer
    assert all(code in (0, 1) for code in codes) and codes.count(0) >= 1, codes  # stored, or refused saying why
    assert customer_ids(store).count(newcomer) == 1
    sales = store.read("sales").to_pandas()
    theirs = sales[sales["customer_id"] == newcomer]
    assert len(theirs) == 5 * codes.count(0) and not theirs["order_id"].duplicated().any()


def test_a_visit_saved_through_one_server_is_read_by_the_other_at_its_next_question(root, servers):
    first, second = servers
    question = "SELECT COUNT(*) AS n FROM visits WHERE visited_by = 'across'"
    assert order(second, "ask", question) == [{"n": 0}]  # the second server holds its copy now
    asked = time.monotonic()
    saved = order(first, "write", [("visits", customer_ids(Store(root))[0], "across", 1)])
    assert len(saved[0]) == 1
    time.sleep(max(0.0, FRESH_SECONDS - (time.monotonic() - asked)))  # a page's questions share one listing
    assert order(second, "ask", question) == [{"n": 1}]


def test_a_visit_killed_between_its_two_commits_leaves_nothing_after_the_next_start(root, s3_server):
    store = Store(root)
    counts = {name: store.count(name) for name in ("visits", "revisit_plans")}
    env = {name: os.environ[name] for name in os.environ if name.startswith(("AWS_", "KAM_"))}
    context = mp.get_context("forkserver")
    killed = context.Process(target=app_servers.killed_visit, args=(root, env | {batches.LEASE: "1"},
                                                                     customer_ids(store)[0], "after:visits"))
    killed.start()
    killed.join(60)
    assert killed.exitcode == -9
    assert store.count("visits") == counts["visits"] + 1  # its first commit made, its second not
    time.sleep(1.5)  # on object storage its journal entry says it is alive this long
    batches.on_start(store)
    assert {name: store.count(name) for name in counts} == counts
    assert not list((store.root / batches.JOURNAL).glob("*.json"))


@pytest.mark.parametrize("first", ["visit", "undo"])
def test_an_undo_and_a_visit_on_two_servers_crossing_never_leave_a_visit_naming_a_removed_customer(
        root, s3_server, tmp_path, first):
    """An analyst on one server undoes an import that created a customer while a manager on the
    other records a visit on that customer. One of them stops right after its last look at the
    other's table, just before its commit, until the other has done all it does: the two never
    both stay (in a folder the turns keep them apart; on object storage each looks again after
    its commit)."""
    store = Store(root)
    newcomer = f"CROSS-{uuid.uuid4().hex[:6]}"
    assert main(["--data", root, "import", "sales", str(sales_file(tmp_path / "new.csv", [f"{newcomer}-1"], newcomer)),
                 "--create-customers", "--user", "analyst"]) == 0
    sales = store.read("sales")
    import_id = sales.filter(pc.equal(sales["customer_id"], newcomer))["batch_id"][0].as_py()
    env = {name: os.environ[name] for name in os.environ if name.startswith(("AWS_", "KAM_"))}
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(app_servers.PRELOAD)
    places = {kind: tmp_path / kind for kind in ("visit", "undo")}
    for place in places.values():
        place.mkdir()
    paused_at = {"visit": "checked:visits", "undo": "checked:customers"}
    runs = {"visit": (app_servers.visit_pausing, newcomer), "undo": (app_servers.undo_pausing, import_id)}

    def start(kind: str, point: str | None):
        target, what = runs[kind]
        process = context.Process(target=target, args=(root, env, what, point, str(places[kind])))
        process.start()
        return process

    second = "undo" if first == "visit" else "visit"
    held = start(first, paused_at[first])
    deadline = time.monotonic() + 60
    while not (places[first] / batches.PAUSED).exists():
        assert held.is_alive() and time.monotonic() < deadline, "it did not reach its pause"
        time.sleep(0.02)
    other = start(second, None)
    other.join(60 if store.shared else 2)  # in a folder it waits for the turns the paused one holds
    if store.shared:
        assert other.exitcode is not None, "on object storage nothing holds it up"
    (places[first] / batches.RESUME).touch()
    held.join(60)
    other.join(60)
    codes = {first: held.exitcode, second: other.exitcode}
    said = {kind: (place / "said").read_text() if (place / "said").exists() else "" for kind, place in places.items()}
    assert sorted(codes.values())[0] == 0 and list(codes.values()).count(0) == 1, (codes, said)  # one stays
    assert codes["visit"] in (0, 3), codes
    customers = set(customer_ids(store))
    visits = store.read("visits").to_pandas()
    assert set(visits["customer_id"]) <= customers
    assert (newcomer in customers) == (codes["undo"] != 0)
    assert (visits["customer_id"] == newcomer).sum() == (codes["visit"] == 0)
    assert not list((store.root / batches.JOURNAL).glob("*.json"))


def test_a_visit_on_a_customer_of_an_import_killed_before_it_finished_does_not_stay(root, s3_server, tmp_path):
    """An import creating a customer is killed right after it committed the customer, before it
    finished; a manager on another server records a visit on that customer before the import is
    rolled back. The visit is refused (on object storage: taken out again, the import being
    unfinished), and once the import is rolled back no visit names a customer not on file."""
    store = Store(root)
    newcomer = f"KILLED-{uuid.uuid4().hex[:6]}"
    env = {name: os.environ[name] for name in os.environ if name.startswith(("AWS_", "KAM_"))}
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(app_servers.PRELOAD)
    lease = 8
    killed = context.Process(target=app_servers.killed_import, args=(
        root, env | {batches.LEASE: str(lease)}, str(sales_file(tmp_path / "new.csv", [f"{newcomer}-1"], newcomer)),
        "after:customers"))
    killed.start()
    killed.join(60)
    assert killed.exitcode == -9
    died = time.monotonic()
    visiting = context.Process(target=app_servers.visit_pausing, args=(root, env, newcomer, None, str(tmp_path)))
    visiting.start()
    visiting.join(60)
    if store.shared:
        assert time.monotonic() - died < lease, "the visit came after the import's entry said it was dead"
    assert visiting.exitcode == 3, (tmp_path / "refused").read_text() if visiting.exitcode else "saved"
    time.sleep(max(0.0, lease - (time.monotonic() - died)) + 0.5)
    batches.on_start(store)
    assert newcomer not in customer_ids(store)
    assert newcomer not in set(store.read("visits").column("customer_id").to_pylist())
    assert not list((store.root / batches.JOURNAL).glob("*.json"))


def test_a_bucket_that_does_not_exist_is_said_in_one_sentence(s3_server, monkeypatch, capsys):
    for name, value in s3_server.items():
        monkeypatch.setenv(name, value)
    assert main(["--data", "s3://no-such-bucket/store", "demo", "--customers", "5"]) == 3
    said = capsys.readouterr().err
    assert "s3://no-such-bucket/store cannot be reached" in said and "the bucket exists" in said
    assert "Traceback" not in said
