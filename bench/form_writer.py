"""A manager saving one kind of form again and again while others write, until told to stop.

    python bench/form_writer.py STORE KIND CUSTOMER_ID READY_FILE STOP_FILE

KIND is one of FORMS: a complaint card, a visit with its next visit (two tables), a profile
edit with its change record (two tables), or a sales line. One save first, to warm the
process (imports, the read side), then READY_FILE appears; from then on a save every PACE
seconds, each timed. Prints, as JSON, [wall clock at its start, seconds it took, seconds of
them spent waiting for tables' write turns] of each timed save when STOP_FILE appears.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kam.accounts import profile  # noqa: E402
from kam.revisits import visit_records  # noqa: E402
from kam.risk import complaints  # noqa: E402
from kam.store.delta import Store  # noqa: E402
from kam.store.turns import LockFiles  # noqa: E402
from kam.store.work import Work  # noqa: E402

PACE = 1.0  # a busy manager: a form saved every second
waited = [0.0]  # seconds spent waiting for turns, so far


def _timed(take):
    def timed_take(self, name: str, wait: bool = True) -> bool:
        started = time.perf_counter()
        try:
            return take(self, name, wait)
        finally:
            waited[0] += time.perf_counter() - started
    return timed_take


LockFiles.take = _timed(LockFiles.take)  # measured, not changed


def complaint(work: Work, customer: str, n: int) -> None:
    complaints.record_complaint(work, {
        "customer_id": customer, "received": work.today, "category": "product",
        "subcategory": "quality_defect", "severity": "low", "description": f"bench {n}"})


def visit(work: Work, customer: str, n: int) -> None:
    visit_records.record_visit(work, {
        "customer_id": customer, "date": work.today, "method": "phone", "visited_by": "bench-form",
        "next_visit_date": work.today + dt.timedelta(days=30), "next_visit_purpose": f"bench {n}"})


def profile_edit(work: Work, customer: str, n: int) -> None:
    profile.edit_profile(work, customer, {"credit_limit": 100_000 + n}, "bench")


def sales_line(work: Work, customer: str, n: int) -> None:
    """One line keyed in by hand: the sales table an import may be writing at the same time."""
    with work.batch("sales", operation="sales line") as batch:
        batch.append("sales", [{"order_id": f"FORM-{uuid.uuid4().hex[:12]}", "customer_id": customer,
                                "date": work.today, "amount": 100.0 + n}])


FORMS = {"complaint": complaint, "visit": visit, "profile_edit": profile_edit, "sales_line": sales_line}


def main(root: str, kind: str, customer: str, ready: Path, stop: Path) -> None:
    store, save = Store(root), FORMS[kind]
    save(Work.on(store, "bench-form"), customer, 0)
    ready.touch()
    took = []
    while not stop.exists():
        started, clock, waited[0] = time.perf_counter(), time.time(), 0.0
        save(Work.on(store, "bench-form"), customer, len(took) + 1)
        took.append([clock, time.perf_counter() - started, waited[0]])
        time.sleep(PACE)
    print(json.dumps(took))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
