"""What the store holds, whatever the filters: the sidebar's choices and the data's range."""
from __future__ import annotations

import pandas as pd

from kam.filters import Filters
from kam.periods import Period
from kam.readside.database import Database


def filter_options(db: Database) -> dict[str, list[str]]:
    """The regions, managers and tiers present, for the sidebar's choices."""
    frame = db.query("SELECT DISTINCT region, account_manager, tier FROM customers")
    return {col: sorted(v for v in frame[col].dropna().unique()) for col in ("region", "account_manager", "tier")}


def data_range(db: Database) -> Period | None:
    """First and last sales date in the store, whatever the filters."""
    row = db.query("SELECT MIN(date) AS first, MAX(date) AS last FROM sales").iloc[0]
    if pd.isna(row["first"]):
        return None
    return Period(pd.Timestamp(row["first"]).date(), pd.Timestamp(row["last"]).date())


def period_has_data(db: Database, filters: Filters) -> bool:
    params = {"start": filters.period.start, "end": filters.period.end}
    return bool(db.scalar("SELECT COUNT(*) > 0 FROM sales WHERE date BETWEEN $start AND $end", params))
