"""ABC (Pareto) analysis: rank customers by revenue or profit and cut the ranking.

The rule, the same everywhere (page, CLI, tests): rank by value, highest first,
ties by customer id; a customer's cumulative share includes itself; the
customer whose cumulative share crosses a cut belongs to the higher class, so
the top customer is always A; customers with a value of 0 or below are C and do
not enter the total. Only customers with sales in the period are ranked.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kam.db import Database
from kam.filters import Filters

MEASURES = ("revenue", "profit")
DEFAULT_CUTS = (0.80, 0.95)
CLASSES = ("A", "B", "C")
# Shares are compared with the cuts after rounding away float noise, so that a
# customer landing exactly on 80% is not pushed across it by 0.7999999999.
_SHARE_DECIMALS = 9

MEASURE_SQL = {
    "revenue": "s.amount",
    "profit": "COALESCE(s.profit, s.amount - s.cost)",
}


def check_cuts(cuts) -> tuple[float, float]:
    a, b = (float(x) for x in cuts)
    if not 0 < a < b <= 1:
        raise ValueError(f"cuts must satisfy 0 < A cut < B cut <= 100%, got {a:.0%} and {b:.0%}")
    return a, b


def classify(values: pd.DataFrame, cuts=DEFAULT_CUTS) -> pd.DataFrame:
    """The ABC table for columns customer_id and value (other columns pass through)."""
    a_cut, b_cut = check_cuts(cuts)
    table = values.sort_values(["value", "customer_id"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    value = table["value"].astype("float64").to_numpy()
    counted = np.where(value > 0, value, 0.0)
    total = counted.sum()
    share = counted / total if total > 0 else np.zeros(len(table))
    cumulative = np.round(np.cumsum(share), _SHARE_DECIMALS)
    before = np.round(cumulative - share, _SHARE_DECIMALS)
    abc = np.where(before < a_cut, "A", np.where(before < b_cut, "B", "C"))
    abc = np.where(value > 0, abc, "C")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["share"] = share
    table["cumulative_share"] = cumulative
    table["abc_class"] = abc
    return table


def customer_values(db: Database, filters: Filters, measure: str = "revenue") -> pd.DataFrame:
    """Each customer's measure over the filtered period (customers with sales only)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    where, params = filters.condition("s.date")
    return db.query(f"""
        SELECT s.customer_id,
               any_value(c.name) AS customer_name,
               SUM({MEASURE_SQL[measure]}) AS value,
               any_value(c.account_manager) AS account_manager,
               any_value(c.region) AS region,
               any_value(c.tier) AS tier
        FROM sales s LEFT JOIN customers c ON c.customer_id = s.customer_id
        WHERE {where}
        GROUP BY s.customer_id
    """, params)


def abc_table(db: Database, filters: Filters, measure: str = "revenue", cuts=DEFAULT_CUTS) -> pd.DataFrame:
    return classify(customer_values(db, filters, measure), cuts)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per class: customers and their share of customers, value and its share."""
    counted = table["value"].clip(lower=0)
    total_value = counted.sum()
    rows = []
    for cls in CLASSES:
        mask = table["abc_class"] == cls
        value = counted[mask].sum()
        rows.append({
            "abc_class": cls,
            "customers": int(mask.sum()),
            "customer_share": mask.mean() if len(table) else 0.0,
            "value": float(table.loc[mask, "value"].sum()),
            "value_share": value / total_value if total_value > 0 else 0.0,
        })
    return pd.DataFrame(rows)


def headline(table: pd.DataFrame) -> tuple[float, float]:
    """(share of customers in class A, share of the value they bring)."""
    row = summary(table).set_index("abc_class").loc["A"]
    return float(row["customer_share"]), float(row["value_share"])


MIGRATION_FROM = ("A", "B", "C", "new")
MIGRATION_TO = ("A", "B", "C", "lost")


def migration(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """How customers moved between the previous period's classes and this one's.

    One row per (from, to) pair with the number of customers and their value:
    this period's value, or for lost customers what they brought before.
    """
    before = previous.set_index("customer_id")[["abc_class", "value"]]
    now = current.set_index("customer_id")[["abc_class", "value"]]
    joined = before.join(now, how="outer", suffixes=("_before", "_now"))
    joined["from"] = joined["abc_class_before"].fillna("new")
    joined["to"] = joined["abc_class_now"].fillna("lost")
    joined["moved_value"] = joined["value_now"].fillna(joined["value_before"])
    grouped = joined.groupby(["from", "to"]).agg(customers=("to", "size"), value=("moved_value", "sum"))
    full = pd.MultiIndex.from_product([MIGRATION_FROM, MIGRATION_TO], names=["from", "to"])
    grouped = grouped.reindex(full, fill_value=0).reset_index()
    grouped = grouped[~((grouped["from"] == "new") & (grouped["to"] == "lost"))]
    return grouped.reset_index(drop=True)


def fell_from_a(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Accounts that were A and are no longer: each needs a recorded reason."""
    was_a = previous[previous["abc_class"] == "A"]
    now = current.set_index("customer_id")[["abc_class", "value"]]
    out = was_a.join(now, on="customer_id", suffixes=("", "_now"))
    out = out[out["abc_class_now"].ne("A") | out["abc_class_now"].isna()].copy()
    out["abc_class_now"] = out["abc_class_now"].fillna("lost")
    out["value_now"] = out["value_now"].fillna(0.0)
    out["change"] = np.where(out["value"] != 0, out["value_now"] / out["value"] - 1, np.nan)
    columns = ["customer_id", "customer_name", "account_manager", "region", "value", "value_now",
               "change", "abc_class_now"]
    return out[columns].rename(columns={"value": "value_before"}).sort_values(
        "value_before", ascending=False).reset_index(drop=True)
