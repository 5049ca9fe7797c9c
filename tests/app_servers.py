"""An app server for the object-storage tests, in a process of its own (forked from a server that
imported kam once): one Store and one read side, like `python -m kam serve`, taking orders over
a pipe: answer a question through its read side, or run writers in threads at once."""
from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import traceback

from kam.cli.main import main
from kam.readside.database import Database
from kam.revisits import visit_records
from kam.store import batches
from kam.store.delta import Store
from kam.store.records import InvalidRecords
from kam.store.work import Work

PRELOAD = ["kam.cli.main", "kam.revisits.visit_records", "app_servers"]


def _visits(work: Work, customer: str, tag: str, count: int) -> list[str]:
    """A manager's form, saved `count` times: each visit with a next visit (a plan). The ids acknowledged."""
    saved = []
    for i in range(count):
        try:
            saved.append(visit_records.record_visit(work, {
                "customer_id": customer, "date": work.today, "method": "phone", "visited_by": tag,
                "next_visit_date": work.today + dt.timedelta(days=30), "next_visit_purpose": f"{tag}-{i}"}))
        except InvalidRecords as refused:  # said to the person: nothing saved, try again
            assert refused.problems[0].code == "changed_meanwhile", refused
    return saved


def _import(root: str, path: str, *options: str) -> int:
    return main(["--data", root, "import", "sales", path, "--user", "analyst", *options])


def serve(root: str, env: dict, orders) -> None:
    os.environ.update(env)  # the forkserver may have started before the store's variables were set
    store = Store(root)
    db = Database(store)
    while True:
        order, *args = orders.recv()
        try:
            if order == "stop":
                return
            if order == "ask":
                answer = db.query(*args).to_dict("records")
            elif order == "write":
                answer = _write_at_once(store, db, root, *args)
            orders.send(("ok", answer))
        except Exception:
            orders.send(("failed", traceback.format_exc()))


def _write_at_once(store: Store, db: Database, root: str, jobs: list[tuple]) -> list:
    """Each job in a thread of its own, all started together: ("visits", customer, tag, count) or
    ("import", path, *options). What each acknowledged: the visits' ids, or the import's exit code."""
    results: list = [None] * len(jobs)
    gate = threading.Barrier(len(jobs))

    def run(i: int, kind: str, *args) -> None:
        gate.wait()
        try:
            if kind == "visits":
                results[i] = _visits(Work.on(store, args[1], dt.date.today(), db=db), *args)
            else:
                results[i] = _import(root, *args)
        except Exception:
            results[i] = traceback.format_exc()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def killed_visit(root: str, env: dict, customer: str, crash_at: str) -> None:
    """A manager's visit with its next visit, the process killed at `crash_at` (kam.store.batches.CRASH_AT)."""
    os.environ.update(env | {batches.CRASH_AT: crash_at})
    work = Work.on(Store(root), "killed", dt.date.today())
    _visits(work, customer, "killed", 1)


def _pausing(env: dict, point: str | None, where: str) -> None:
    os.environ.update(env)
    if point:
        os.environ[batches.PAUSE_AT], os.environ[batches.PAUSE_IN] = point, where


def visit_pausing(root: str, env: dict, customer: str, point: str | None, where: str) -> None:
    """A manager's visit on the customer (no next visit: one commit), pausing at that point of
    its batch until the test lets it go on. Exit 0 saved, 3 refused (the reason in where/refused)."""
    _pausing(env, point, where)
    today = dt.date.today()
    try:
        visit_records.record_visit(Work.on(Store(root), "crossing", today), {
            "customer_id": customer, "date": today, "method": "phone", "visited_by": "crossing"})
    except InvalidRecords as refused:
        with open(os.path.join(where, "refused"), "w") as f:
            f.write(refused.problems[0].code)
        os._exit(3)
    os._exit(0)


def undo_pausing(root: str, env: dict, import_id: str, point: str | None, where: str) -> None:
    """python -m kam undo-import --import ID, pausing at that point of its batch; its exit code."""
    _pausing(env, point, where)
    sys.stderr = open(os.path.join(where, "said"), "w", buffering=1)
    os._exit(main(["--data", root, "undo-import", "sales", "--import", import_id, "--user", "undoer"]))


def killed_import(root: str, env: dict, path: str, crash_at: str) -> None:
    """python -m kam import sales PATH --create-customers, killed at `crash_at`."""
    os.environ.update(env | {batches.CRASH_AT: crash_at})
    _import(root, path, "--create-customers")
