"""Warming the read side while the server starts.

`python -m kam serve` starts the app in this process after starting warm_up() in a thread:
the store's tables are brought into DuckDB and the questions of the first page (the
overview, default filters) are answered and kept, so the first person to open the app
does not wait for them. A page asking a question the warm-up is still answering waits
for that answer (kam.db) rather than asking it again.
"""
from __future__ import annotations

import datetime as dt
import sys
import threading
import time

from kam import overview
from kam.db import Database
from kam.filters import Filters
from kam.store import Store


def warm_up(store: Store, today: dt.date | None = None) -> float:
    """Answer the first page's questions; returns the seconds it took."""
    started = time.perf_counter()
    today = today or dt.date.today()
    db = Database(store)
    db.refresh()
    filters = Filters.from_params({}, today)
    if overview.period_has_data(db, filters):
        overview.kpis(db, filters, today=today)
        overview.monthly_trend(db, filters)
    else:
        overview.data_range(db)
    return time.perf_counter() - started


def start(store: Store) -> threading.Thread:
    """warm_up() in a daemon thread; a failure is printed, never fatal (the pages ask again)."""
    def run() -> None:
        try:
            seconds = warm_up(store)
            print(f"kam: read side warm in {seconds:.1f} s", file=sys.stderr)
        except Exception as error:  # noqa: BLE001 - a cold start is slower, not broken
            print(f"kam: warm-up skipped: {error}", file=sys.stderr)

    thread = threading.Thread(target=run, name="kam-warm-up", daemon=True)
    thread.start()
    return thread
