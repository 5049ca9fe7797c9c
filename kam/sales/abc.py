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

from kam.readside.database import Database, Part, on_frames
from kam.filters import Filters
from kam.periods import Period

MEASURES = ("revenue", "profit")
DEFAULT_CUTS = (0.80, 0.95)
CLASSES = ("A", "B", "C")
# Shares are compared with the cuts after rounding away float noise, so that a
# customer landing exactly on 80% is not pushed across it by 0.7999999999.
_SHARE_DECIMALS = 9

# each measure on a sales line (s), and in the held monthly summary (m, kam.readside.database.SUMMARIES)
MEASURE_SQL = {
    "revenue": "s.amount",
    "profit": "COALESCE(s.profit, s.amount - s.cost)",
}
MONTH_SQL = {"revenue": "m.amount", "profit": "m.profit"}


def check_cuts(cuts) -> tuple[float, float]:
    a, b = (float(x) for x in cuts)
    if not 0 < a < b <= 1:
        raise ValueError(f"cuts must satisfy 0 < A cut < B cut <= 100%, got {a:.0%} and {b:.0%}")
    return a, b


# The rule in SQL after a relation `v` (customer_id, value, other columns), ranked in DuckDB so
# the ranking and its cuts are computed with the query and kept with its result.
_RANKED = f"""
    ranked AS (
        SELECT row_number() OVER (ORDER BY value DESC NULLS LAST, customer_id) AS rank, *,
               CASE WHEN value > 0 THEN value ELSE 0 END AS _counted
        FROM v),
    shared AS (
        SELECT * EXCLUDE (_total), CASE WHEN _total > 0 THEN _counted / _total ELSE 0 END AS share
        FROM (SELECT *, SUM(_counted) OVER () AS _total FROM ranked)),
    cumulated AS (
        SELECT *, round(SUM(share) OVER (ORDER BY rank ROWS UNBOUNDED PRECEDING), {_SHARE_DECIMALS})
                  AS cumulative_share
        FROM shared)
    SELECT * EXCLUDE (_counted),
           CASE WHEN NOT value > 0 THEN 'C'
                WHEN round(cumulative_share - share, {_SHARE_DECIMALS}) < $a_cut THEN 'A'
                WHEN round(cumulative_share - share, {_SHARE_DECIMALS}) < $b_cut THEN 'B'
                ELSE 'C' END AS abc_class
    FROM cumulated ORDER BY rank"""


def classify(values: pd.DataFrame, cuts=DEFAULT_CUTS) -> pd.DataFrame:
    """The ABC table for columns customer_id and value (other columns pass through)."""
    a_cut, b_cut = check_cuts(cuts)
    return on_frames(f"WITH v AS (SELECT * FROM given), {_RANKED}", {"a_cut": a_cut, "b_cut": b_cut},
                     given=values.assign(value=values["value"].astype("float64")))


def per_customer_sql(period: Period) -> tuple[str, dict]:
    """SQL for every customer's revenue and profit lines over the period (customers with sales only):
    the whole calendar months of the period from the monthly summary, the days around them from
    the lines."""
    params = {"start": period.start, "end": period.end}
    line_values = ", ".join(f"{sql} AS {m}" for m, sql in MEASURE_SQL.items())
    lines = "s.date BETWEEN $start AND $end"
    whole = period.whole_months()
    if whole is None:
        return f"SELECT s.customer_id, {line_values} FROM sales s WHERE {lines}", params
    month_values = ", ".join(MONTH_SQL.values())
    return f"""
        SELECT s.customer_id, {line_values} FROM sales s
        WHERE {lines} AND s.date NOT BETWEEN $whole_start AND $whole_end
        UNION ALL
        SELECT m.customer_id, {month_values} FROM sales_by_month m
        WHERE m.month BETWEEN $whole_start AND $whole_end""", {
        **params, "whole_start": whole.start, "whole_end": whole.end}


def period_values_sql(period: Period) -> Part:
    """customer_id, customer_name, revenue, profit, account_manager, region and tier of every
    customer with sales in the period: a part (Database.query's `using`) that every filter on
    the period shares, since the filter's columns come with it. A filter change then ranks or
    sums the chosen rows of a table of customers, never the sales lines again; and a sale
    recorded on a day outside the period leaves it as it was."""
    lines, params = per_customer_sql(period)
    # summed before the customers are joined: the join then meets one row per customer, not per line
    return Part(f"""
        SELECT s.customer_id, c.name AS customer_name, s.revenue, s.profit, c.account_manager, c.region, c.tier
        FROM (SELECT customer_id, SUM(revenue) AS revenue, SUM(profit) AS profit FROM ({lines}) GROUP BY customer_id) s
        LEFT JOIN customers c ON c.customer_id = s.customer_id""", params, windows={"sales": (period.start, period.end)})


def _with_values(db: Database, filters: Filters, measure: str, sql: str, params: dict | None = None):
    """Database.query of SQL over `v`: the filtered customers' values over the period, the
    measure as `value`."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    return db.chosen(period_values_sql(filters.period), filters, "v", sql, params,
                     columns=f"customer_id, customer_name, {measure} AS value, account_manager, region, tier")


def _cut_params(cuts) -> dict:
    a_cut, b_cut = check_cuts(cuts)
    return {"a_cut": a_cut, "b_cut": b_cut}


def abc_table(db: Database, filters: Filters, measure: str = "revenue", cuts=DEFAULT_CUTS) -> pd.DataFrame:
    """The ABC table of the filtered customers: ranked among themselves, so a region's A
    accounts are the ones that bring 80% of that region's value."""
    return _with_values(db, filters, measure, f"SELECT * FROM (WITH {_RANKED}) ORDER BY rank", _cut_params(cuts))


def classes_sql(period: Period, cuts=DEFAULT_CUTS) -> Part:
    """customer_id, value and abc_class of every customer with sales in the period, by revenue,
    as a part (Database.query's `using`): the classes the revisit policy reads."""
    return Part(f"SELECT customer_id, value, abc_class FROM (WITH v AS (SELECT customer_id, revenue AS value "
                f"FROM period_values), {_RANKED})", _cut_params(cuts), {"period_values": period_values_sql(period)})


def class_a(db: Database, filters: Filters, cuts=DEFAULT_CUTS) -> tuple[int, float]:
    """(customers in class A, their share of the revenue counted): summary()'s row A, in SQL."""
    row = _with_values(db, filters, "revenue", f"""
        SELECT COUNT(*) FILTER (WHERE abc_class = 'A') AS customers,
               COALESCE(SUM(GREATEST(value, 0)) FILTER (WHERE abc_class = 'A')
                        / NULLIF(SUM(GREATEST(value, 0)), 0), 0) AS value_share
        FROM (WITH {_RANKED})""", _cut_params(cuts)).iloc[0]
    return int(row["customers"]), float(row["value_share"])


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
    grouped = on_frames("""
        SELECT COALESCE(b.abc_class, 'new') AS "from", COALESCE(n.abc_class, 'lost') AS "to",
               COUNT(*) AS customers, SUM(COALESCE(n.value, b.value)) AS value
        FROM before_ b FULL JOIN now_ n USING (customer_id) GROUP BY 1, 2""",
                        before_=previous[["customer_id", "abc_class", "value"]],
                        now_=current[["customer_id", "abc_class", "value"]]).set_index(["from", "to"])
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


def class_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The accounts whose class is not what it was in the previous period (new and lost ones too),
    the most value either side first: the names behind migration()'s counts."""
    keep = ["customer_id", "customer_name", "account_manager", "abc_class", "value"]
    both = previous[keep].merge(current[keep], on="customer_id", how="outer", suffixes=("_before", "_now"))
    both["class_before"] = both["abc_class_before"].fillna("new")
    both["class_now"] = both["abc_class_now"].fillna("lost")
    for column in ("customer_name", "account_manager"):
        both[column] = both[f"{column}_now"].fillna(both[f"{column}_before"])
    both[["value_before", "value_now"]] = both[["value_before", "value_now"]].fillna(0.0)
    moved = both[both["class_before"] != both["class_now"]].copy()
    moved["_most"] = moved[["value_before", "value_now"]].max(axis=1)
    return moved.sort_values(["_most", "customer_id"], ascending=[False, True])[
        ["customer_id", "customer_name", "account_manager", "class_before", "class_now", "value_before",
         "value_now"]].reset_index(drop=True)
