"""Accounts at risk: a health score a person can check by hand.

The score is the weighted average of four parts, each worth 0 to 100 points by
its bands (weights and bands are editable settings):
- sales: this period's sales against the period before, in percent of change;
  a band gives its points when the change is at least its limit;
- visits: days since the last visit as a multiple of the account's revisit
  interval (kam.revisits' rule: the clock of an account never visited starts on
  its filing day); a band gives its points when the multiple is at most its limit;
- complaints: complaints open on the as-of day; at most the limit;
- receivables: days the oldest unpaid invoice is past due on the as-of day; at most the limit.
A figure past every band scores 0; an account with no sales before the period
(new business) scores full sales points. Accounts scored: the active accounts
of kam.revisits with sales in the period or the period before. Below the
at-risk line an account is at risk, below the watch line it is watched.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kam.sales import abc
from kam.risk import complaints
from kam.sales import receivables
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.store import settings
from kam.readside.database import Database, Part
from kam.filters import Filters
from kam.formatting import money
from kam.periods import Period
from kam.store.records import InvalidRecords, Problem
from kam.store.work import Work

KEY = "health.scoring"
PARTS = ("sales", "visits", "complaints", "receivables")
# sales bands are floors (at least), the others ceilings (at most)
AT_LEAST = {"sales"}


@dataclass(frozen=True)
class Scoring:
    weights: dict = field(default_factory=lambda: {"sales": 40, "visits": 25, "complaints": 20, "receivables": 15})
    bands: dict = field(default_factory=lambda: {
        "sales": [[-10, 100], [-30, 50]],       # change in %
        "visits": [[1, 100], [2, 50]],          # days since last visit / interval
        "complaints": [[0, 100], [1, 50]],      # open complaints
        "receivables": [[0, 100], [30, 50]],    # days the oldest unpaid invoice is overdue
    })
    at_risk_below: float = 65
    watch_below: float = 85

    def to_json(self) -> dict:
        return {"weights": self.weights, "bands": self.bands, "at_risk_below": self.at_risk_below,
                "watch_below": self.watch_below}


DEFAULT = Scoring()


def build(weights: dict, bands: dict, at_risk_below, watch_below) -> Scoring:
    """A checked scoring; raises InvalidRecords naming each problem (column = the part or line)."""
    problems = []
    for part in PARTS:
        weight = weights.get(part)
        if not isinstance(weight, (int, float)) or weight < 0:
            problems.append(Problem(None, f"weight.{part}", weight, "minimum", "a weight of 0 or more"))
        rows = bands.get(part) or []
        limits = [r[0] for r in rows]
        if any(not 0 <= r[1] <= 100 for r in rows):
            problems.append(Problem(None, f"bands.{part}", rows, "points_range"))
        if limits != sorted(limits, reverse=part in AT_LEAST):
            problems.append(Problem(None, f"bands.{part}", rows, "bands_order"))
    if not problems and sum(weights[p] for p in PARTS) <= 0:
        problems.append(Problem(None, "weight.sales", 0, "weights_zero"))
    if not 0 <= at_risk_below <= watch_below <= 100:
        problems.append(Problem(None, "at_risk_below", (at_risk_below, watch_below), "lines_order"))
    if problems:
        raise InvalidRecords(KEY, problems)
    return Scoring({p: float(weights[p]) for p in PARTS},
                   {p: [[float(a), float(b)] for a, b in bands.get(p) or []] for p in PARTS},
                   float(at_risk_below), float(watch_below))


def load(db: Database) -> Scoring:
    stored = settings.load(db, KEY, None)
    return DEFAULT if stored is None else build(**stored)


def save(work: Work, scoring: Scoring) -> str:
    return settings.save(work, KEY, scoring.to_json())


def points(part: str, figure, bands) -> float:
    """The points a figure earns: the first band it meets; 0 past every band or with no figure."""
    if figure is None or pd.isna(figure):
        return 0.0
    for limit, earned in bands:
        if (figure >= limit) if part in AT_LEAST else (figure <= limit):
            return float(earned)
    return 0.0


def band_points(part: str, figures: pd.Series, bands) -> np.ndarray:
    """points() for a whole column at once: the first band met, 0 past every band or with no figure."""
    values = pd.to_numeric(figures, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):  # a missing figure (NaN) meets no band
        met = [(values >= limit) if part in AT_LEAST else (values <= limit) for limit, _ in bands]
    return np.select(met, [float(earned) for _, earned in bands], 0.0) if bands else np.zeros(len(values))


# ---- the figures ----------------------------------------------------------------
def _complained_sql(day: dt.date) -> Part:
    """customer_id, open_complaints: complaints open on the day (every customer, any filter)."""
    return Part(f"""SELECT k.customer_id, COUNT(*) AS open_complaints FROM complaints k
                    WHERE {complaints.OPEN_ON} GROUP BY 1""", {"day": day})


def figures_sql(db: Database, period: Period, day: dt.date) -> Part:
    """Every scored account's figures on the day, sales compared over the period and the one
    before, as a part every filter shares (it carries the filters' columns). It is one query
    over parts other pages share too: the revisit accounts of the day, each period's sales per
    customer, and every customer's open complaints and overdue invoices on the day."""
    return Part("""
        WITH sold AS (SELECT a.customer_id, COALESCE(n.revenue, 0) AS sales_now, COALESCE(b.revenue, 0) AS sales_before
                      FROM health_accounts a LEFT JOIN sold_now n ON n.customer_id = a.customer_id
                      LEFT JOIN sold_before b ON b.customer_id = a.customer_id)
        SELECT a.*, s.sales_now, s.sales_before,
               COALESCE(k.open_complaints, 0) AS open_complaints,
               COALESCE(o.overdue_amount, 0) AS overdue_amount, COALESCE(o.overdue_days, 0) AS overdue_days,
               (s.sales_now / CASE WHEN s.sales_before > 0 THEN s.sales_before END - 1) * 100 AS sales_change,
               a.days_since::DOUBLE / a.interval_days AS visit_multiple
        FROM health_accounts a JOIN sold s ON s.customer_id = a.customer_id
        LEFT JOIN complained k ON k.customer_id = a.customer_id
        LEFT JOIN overdue o ON o.customer_id = a.customer_id
        WHERE s.sales_now <> 0 OR s.sales_before <> 0""", {}, {
        "health_accounts": coverage.accounts_sql(day, revisit_policy.load(db)),
        "sold_now": abc.period_values_sql(period),
        "sold_before": abc.period_values_sql(period.previous()),
        "complained": _complained_sql(day), "overdue": receivables.overdue_sql(day)})


def _chosen_figures(db: Database, filters: Filters, today: dt.date, sql: str, params: dict | None = None):
    """Database.query of SQL over `f`, the figures of the filtered accounts."""
    return db.chosen(figures_sql(db, filters.period, coverage.as_of(filters, today)), filters, "f", sql, params)


def figures(db: Database, filters: Filters, today: dt.date, customer_id: str | None = None) -> pd.DataFrame:
    """Each scored account with the figure behind every part (only this customer's, if given:
    the account file shows one)."""
    one = "" if customer_id is None else "WHERE customer_id = $customer_id"
    frame = coverage.with_account_types(_chosen_figures(db, filters, today, f"SELECT * FROM f {one} ORDER BY customer_id",
                                                        None if customer_id is None else {"customer_id": customer_id}))
    frame["as_of"] = coverage.as_of(filters, today)
    return frame


def _points_sql(part: str, bands) -> str:
    """band_points() in SQL over the part's figure column."""
    figure = FIGURE[part]
    sign = ">=" if part in AT_LEAST else "<="
    steps = " ".join(f"WHEN {figure} {sign} {float(limit)!r} THEN {float(earned)!r}" for limit, earned in bands)
    return f"(CASE WHEN {figure} IS NULL THEN 0.0 {steps} ELSE 0.0 END)"


def score_sql(scoring: Scoring) -> str:
    """score()'s score in SQL over a row of figures (new business earns full sales points)."""
    points = {part: _points_sql(part, scoring.bands[part]) for part in PARTS}
    points["sales"] = f"(CASE WHEN sales_change IS NULL AND sales_now > 0 THEN 100.0 ELSE {points['sales']} END)"
    total = sum(scoring.weights[p] for p in PARTS)
    return "((" + " + ".join(f"{points[p]} * {float(scoring.weights[p])!r}" for p in PARTS) + f") / {float(total)!r})"


FIGURE = {"sales": "sales_change", "visits": "visit_multiple", "complaints": "open_complaints",
          "receivables": "overdue_days"}


def score(frame: pd.DataFrame, scoring: Scoring) -> pd.DataFrame:
    """Points per part, the weighted score and the status of each account."""
    out = frame.copy()
    for part in PARTS:
        out[f"points_{part}"] = band_points(part, out[FIGURE[part]], scoring.bands[part])
    # new business: nothing sold before the period, so nothing has fallen
    out.loc[out["sales_change"].isna() & (out["sales_now"] > 0), "points_sales"] = 100.0
    total = sum(scoring.weights[p] for p in PARTS)
    out["score"] = sum(out[f"points_{p}"] * scoring.weights[p] for p in PARTS) / total
    out["status"] = np.select([out["score"] < scoring.at_risk_below, out["score"] < scoring.watch_below],
                              ["at_risk", "watch"], "healthy")
    return out


def why(row, t, lang: str, scoring: Scoring = DEFAULT) -> str:
    """One sentence naming every part that cost the account points."""
    parts = []
    costs = {p: row[f"points_{p}"] < 100 and scoring.weights[p] > 0 for p in PARTS}
    if costs["sales"]:
        if pd.isna(row["sales_change"]):
            parts.append(t("health.why.no_sales"))
        else:
            parts.append(t("health.why.sales", change=-row["sales_change"] / 100,
                           before=money(row["sales_before"], lang)))
    if costs["visits"]:
        if pd.isna(row["days_since"]):
            parts.append(t("health.why.never_visited"))
        else:
            parts.append(t("health.why.visits", days=int(row["days_since"]), policy=int(row["interval_days"])))
    if costs["complaints"]:
        parts.append(t("health.why.complaints", count=int(row["open_complaints"])))
    if costs["receivables"]:
        parts.append(t("health.why.receivables", amount=money(row["overdue_amount"], lang),
                       days=int(row["overdue_days"])))
    return t("health.why.joiner").join(parts)


def scores(db: Database, filters: Filters, today: dt.date, scoring: Scoring | None = None, *,
           customer_id: str | None = None) -> pd.DataFrame:
    return score(figures(db, filters, today, customer_id), scoring or load(db))


def with_reasons(table: pd.DataFrame, t, lang: str, scoring: Scoring = DEFAULT) -> pd.DataFrame:
    """The scored accounts with a column `reasons`: why() for each."""
    needed = ["sales_change", "sales_before", "days_since", "interval_days", "open_complaints", "overdue_amount",
              "overdue_days", *(f"points_{p}" for p in PARTS)]
    out = table.copy()
    # plain dicts, not pandas rows: tens of thousands of accounts take a tenth of a second, not seconds
    out["reasons"] = [why(row, t, lang, scoring) for row in table[needed].to_dict("records")]
    return out


def at_risk(db: Database, filters: Filters, today: dt.date, t=None, lang: str = "en", *,
            include_watch: bool = False, scoring: Scoring | None = None,
            table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The accounts at risk (and watched, if asked), biggest revenue at stake first, each with its
    reason when a catalogue function t is given. `table`: the scores, if already computed."""
    scoring = scoring or load(db)
    table = scores(db, filters, today, scoring) if table is None else table
    wanted = ("at_risk", "watch") if include_watch else ("at_risk",)
    table = table[table["status"].isin(wanted)]
    table = table.sort_values(["revenue_12m", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    return table if t is None else with_reasons(table, t, lang, scoring)


def at_risk_count(db: Database, filters: Filters, today: dt.date, scoring: Scoring | None = None) -> int:
    """The accounts at risk, counted in SQL (score_sql) over the figures the at-risk page reads."""
    scoring = scoring or load(db)
    return int(_chosen_figures(db, filters, today, f"SELECT COUNT(*) FROM f WHERE {score_sql(scoring)} < $line",
                               {"line": float(scoring.at_risk_below)}).iat[0, 0])


def explain(row, scoring: Scoring) -> pd.DataFrame:
    """The score of one account, part by part: figure, points, weight and what it adds to the score."""
    total = sum(scoring.weights[p] for p in PARTS)
    return pd.DataFrame([{
        "part": part, "figure": row[FIGURE[part]], "points": row[f"points_{part}"],
        "weight": scoring.weights[part], "contribution": row[f"points_{part}"] * scoring.weights[part] / total,
    } for part in PARTS])


# ---- the same in words ------------------------------------------------------------
def figure_text(t, lang: str, part: str, row) -> str:
    """An account's own figure for one part, as a person checks it."""
    if part == "sales":
        change = "–" if pd.isna(row["sales_change"]) else f"{row['sales_change'] / 100:+.0%}"
        return t("health.figure.sales", now=money(row["sales_now"], lang), before=money(row["sales_before"], lang),
                 change=change)
    if part == "visits":
        if pd.isna(row["days_since"]):
            return t("health.figure.never_visited", policy=int(row["interval_days"]))
        return t("health.figure.visits", days=int(row["days_since"]), policy=int(row["interval_days"]))
    if part == "complaints":
        return t("health.figure.complaints", count=int(row["open_complaints"]))
    return t("health.figure.receivables", amount=money(row["overdue_amount"], lang), days=int(row["overdue_days"]))


def band_text(t, part: str, bands) -> str:
    """The bands of one part in words, e.g. "≥ -10%: 100 · ≥ -30%: 50 · otherwise 0"."""
    sign = "≥" if part in AT_LEAST else "≤"
    steps = [f"{sign} {t(f'health.unit.{part}', limit=limit)}: {earned:g}" for limit, earned in bands]
    return " · ".join(steps + [t("health.otherwise")])


def rules(t, scoring: Scoring) -> pd.DataFrame:
    """Each part with its weight and bands: the whole score on one screen."""
    return pd.DataFrame([{"part": t(f"health.part.{p}"), "weight": scoring.weights[p],
                          "rule": band_text(t, p, scoring.bands[p])} for p in PARTS])
