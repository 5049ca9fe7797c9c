"""A manager saving complaint cards while others write: one record per save, until told to stop.

    python bench/form_writer.py STORE CUSTOMER_ID STOP_FILE

Prints the seconds each save took, as JSON, when STOP_FILE appears.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kam.risk import complaints  # noqa: E402
from kam.store.delta import Store  # noqa: E402
from kam.store.work import Work  # noqa: E402

store, customer, stop = Store(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
took = []
while not stop.exists():
    started = time.perf_counter()
    complaints.record_complaint(Work.on(store, "bench-form"), {
        "customer_id": customer, "received": dt.date.today(), "category": "product",
        "subcategory": "quality_defect", "severity": "low", "description": "bench"})
    took.append(time.perf_counter() - started)
    time.sleep(0.2)
print(json.dumps(took))
