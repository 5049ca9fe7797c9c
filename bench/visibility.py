"""An append through the store, then every page's next rerun, in one fresh process (JSON on stdout).

    python bench/visibility.py STORE REPEAT PAGE_FILE...

Every page is opened and rendered twice (warm), then REPEAT sales lines are appended one
commit at a time, then each page reruns once: that rerun must show them.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import apptest  # noqa: E402
from kam.sales import overview# noqa: E402
from kam.filters import Filters  # noqa: E402
from kam.store.delta import Store  # noqa: E402

AMOUNT = 987_654.32


def main(store_root: Path, repeat: int, page_files: list[str]) -> dict:
    sessions = {}
    for page_file in page_files:
        sessions[page_file] = apptest.open_page(store_root, page_file)
        apptest.timed_run(sessions[page_file])
        apptest.timed_run(sessions[page_file])
    import ui
    db = ui.database()  # the Database the sessions share
    today = dt.date.today()
    default = Filters.from_params({}, today)
    customer = db.query("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1").iat[0, 0]
    before = overview.sales_totals(db, default)["revenue"]
    store = Store(store_root)
    appends = []
    for i in range(repeat):
        started = time.perf_counter()
        store.append("sales", [{"order_id": f"BENCH-{i}", "customer_id": customer, "date": today, "amount": AMOUNT}])
        appends.append(time.perf_counter() - started)
    after = {page_file: apptest.timed_run(at) for page_file, at in sessions.items()}
    seen = overview.sales_totals(db, default)["revenue"]
    return {"append": appends, "after": after, "visible": abs(seen - before - AMOUNT * repeat) < 0.01}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])))
