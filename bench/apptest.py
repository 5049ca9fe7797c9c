"""Pages rendered server-side by Streamlit's AppTest, the way a running server renders them.

Each session runs in a fresh process (the read side's database file can be held by one
process at a time, and a cold render needs a process that has not queried yet). Cold: the
first render in that process. Warm: a rerun in the same session. A filter change: the
sidebar set to a filter no run has asked for before, then one rerun.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

TIMEOUT = 1800


def open_page(store: Path | str, page_file: str, params: dict[str, str] | None = None) -> AppTest:
    """An AppTest on the page, not yet run."""
    os.environ["KAM_DATA_DIR"] = str(store)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(page_file)
    return at


def timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return seconds


def set_filter(at: AppTest, period: str, regions: list[str]) -> None:
    at.selectbox(key="f_period").set_value(period)
    at.multiselect(key="f_region").set_value(regions)


def session(store: Path | str, page_file: str, params: dict | None, repeat: int, narrow: list[str],
            period: str) -> dict:
    """In a fresh process: the cold first render; then, unless repeat is 0, warm reruns, filter
    changes (a region no run asked for before, each time) and warm reruns of the last one."""
    at = open_page(store, page_file, params)
    out = {"cold": timed_run(at)}
    if repeat:
        out["warm"] = [timed_run(at) for _ in range(repeat)]
        out["change"] = []
        for region in narrow:
            set_filter(at, period, [region])
            out["change"].append(timed_run(at))
        out["warm_narrow"] = [timed_run(at) for _ in range(repeat)]
    return out


if __name__ == "__main__":  # python bench/apptest.py STORE PAGE_FILE JSON_OPTIONS: the session as JSON
    store_arg, page_arg, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    try:
        print(json.dumps(session(store_arg, page_arg, **options)))  # a folder, or s3://bucket/prefix
    except Exception as error:  # reported in the table, not a crash of the whole run
        print(json.dumps({"error": str(error)[:300]}))
