"""The overview's numbers: this period against the one before."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kam.accounts import marked_changes
from kam.sales import abc, receivables
from kam.risk import churn
from kam.risk import complaints
from kam.risk import health
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.readside.database import Database
from kam.filters import Filters


@dataclass(frozen=True)
class Kpi:
    key: str  # catalogue key of its label
    value: float
    previous: float
    kind: str = "money"  # money | count | share
    lower_is_better: bool = False  # churn, complaints, risk: a rise is bad news

    @property
    def change(self) -> float | None:
        """Relative change for money and counts, point change for shares; None when not comparable."""
        if self.kind == "share":
            return self.value - self.previous
        if not self.previous:
            return None
        return self.value / self.previous - 1


def sales_totals(db: Database, filters: Filters) -> dict[str, float]:
    row = db.chosen(abc.period_values_sql(filters.period), filters, "c", """
        SELECT COALESCE(SUM(revenue), 0) AS revenue, COALESCE(SUM(profit), 0) AS profit,
               COUNT(*) AS active_customers
        FROM c""").iloc[0]
    return {k: float(row[k]) for k in ("revenue", "profit", "active_customers")}


def revisit_coverage(db: Database, filters: Filters, today: dt.date) -> float:
    """Revisit coverage at the period's end (today if it runs on); NaN when no account is counted."""
    share = coverage.coverage_share(db, filters, coverage.as_of(filters, today), revisit_policy.load(db))
    return float("nan") if share is None else share


def risk_kpis(db: Database, filters: Filters, today: dt.date) -> list[Kpi]:
    """Churned customers and their lost revenue in the period, complaints open and accounts
    at risk at its end; each against the period before."""
    before = filters.previous()
    lost, lost_before = churn.totals(db, filters), churn.totals(db, before)
    return [
        Kpi("kpi.churned_customers", lost["customers"], lost_before["customers"], "count", lower_is_better=True),
        Kpi("kpi.lost_revenue", lost["lost_revenue"], lost_before["lost_revenue"], "money", lower_is_better=True),
        Kpi("kpi.open_complaints", complaints.open_count(db, filters, coverage.as_of(filters, today)),
            complaints.open_count(db, before, coverage.as_of(before, today)), "count", lower_is_better=True),
        Kpi("kpi.at_risk_accounts", health.at_risk_count(db, filters, today),
            health.at_risk_count(db, before, today), "count", lower_is_better=True),
        Kpi("kpi.overdue_receivables", receivables.balance(db, filters, coverage.as_of(filters, today))["overdue"],
            receivables.balance(db, before, coverage.as_of(before, today))["overdue"], "money", lower_is_better=True),
        Kpi("kpi.marked_changes", len(marked_changes.needing_reason(db, filters)),
            len(marked_changes.needing_reason(db, before)), "count", lower_is_better=True),
    ]


def kpis(db: Database, filters: Filters, cuts=abc.DEFAULT_CUTS, today: dt.date | None = None) -> list[Kpi]:
    now, before = sales_totals(db, filters), sales_totals(db, filters.previous())
    a_now, a_before = abc.class_a(db, filters, cuts), abc.class_a(db, filters.previous(), cuts)
    return [
        Kpi("kpi.revenue", now["revenue"], before["revenue"]),
        Kpi("kpi.profit", now["profit"], before["profit"]),
        Kpi("kpi.active_customers", now["active_customers"], before["active_customers"], "count"),
        Kpi("kpi.a_accounts", a_now[0], a_before[0], "count"),
        Kpi("kpi.a_share", a_now[1], a_before[1], "share"),
        Kpi("kpi.revisit_coverage", revisit_coverage(db, filters, today or dt.date.today()),
            revisit_coverage(db, filters.previous(), today or dt.date.today()), "share"),
    ] + risk_kpis(db, filters, today or dt.date.today())


def monthly_trend(db: Database, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Revenue and profit per month of the period, with the same month of the period before."""
    def per_month(f: Filters) -> pd.DataFrame:
        where, params = f.lines_condition("s.date", "s.customer_id")
        return db.query(f"""
            SELECT date_trunc('month', s.date)::DATE AS month,
                   SUM(s.amount) AS revenue,
                   SUM(COALESCE(s.profit, s.amount - s.cost)) AS profit
            FROM sales s WHERE {where}
            GROUP BY 1 ORDER BY 1
        """, params)
    return per_month(filters), per_month(filters.previous())
