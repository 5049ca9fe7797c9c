"""What is in the store: each table's size, version and write history."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.store.schema import TABLES
from kam.store.delta import Store


def status(store: Store) -> pd.DataFrame:
    return pd.DataFrame([{"table": name, "rows": store.count(name), "version": store.version(name)}
                         for name in TABLES])


def history(store: Store, name: str) -> pd.DataFrame:
    rows = []
    for entry in store.history(name):
        rows.append({
            "version": entry.get("version"),
            "when": dt.datetime.fromtimestamp(entry["timestamp"] / 1000, dt.timezone.utc),
            "operation": entry.get("kam.operation") or entry.get("operation"),
            "user": entry.get("kam.user", ""),
            "rows": entry.get("kam.rows", ""),
            "batch_id": entry.get("kam.batch_id", ""),
        })
    return pd.DataFrame(rows, columns=["version", "when", "operation", "user", "rows", "batch_id"])
