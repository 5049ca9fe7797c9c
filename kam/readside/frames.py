"""Queries over pandas frames, in DuckDB."""
from __future__ import annotations

import threading

import duckdb
import pandas as pd

_FRAMES = threading.local()


def on_frames(sql: str, params: dict | None = None, **frames: pd.DataFrame) -> pd.DataFrame:
    """A query over pandas frames (named by the keywords) in this thread's own DuckDB: a join
    or a ranking of a hundred thousand customers takes DuckDB milliseconds, pandas a second."""
    con = getattr(_FRAMES, "con", None)
    if con is None:
        con = _FRAMES.con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        return con.execute(sql, params or {}).df()
    finally:
        for name in frames:
            con.unregister(name)
