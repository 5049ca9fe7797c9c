"""The usual approach: every table loaded into pandas once (what st.cache_data on a loader
gives a Streamlit dashboard), each question answered with pandas on those frames.

Written as a competent pandas user would: vectorised, no Python loops over rows. The
same rules and settings as bench/floor.py. The ABC cut is the product's own kam.sales.abc.classify,
which ranks the frame with DuckDB: a help pandas alone would not have, so the pandas
column errs on the fast side.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kam.sales.abc import classify
from kam.store.delta import Store

from floor import Ask, _year_before, month_ends

LOADED = ("customers", "sales", "visits", "revisit_plans", "complaints", "churns", "payments", "contacts",
          "profile_changes")
DATES = {"customers": ["created"], "sales": ["date"], "visits": ["date"], "revisit_plans": ["planned_date"],
         "complaints": ["received", "resolved_date"], "churns": ["churn_date", "reactivated_date"],
         "payments": ["invoice_date", "due_date", "paid_date"], "contacts": ["birthday"],
         "profile_changes": ["changed_on"]}


def load(store: Store) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in LOADED:
        frame = store.read(name).to_pandas()
        for column in DATES[name]:
            frame[column] = pd.to_datetime(frame[column])
        frames[name] = frame
    return frames


def ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _only(frames, a: Ask, frame: pd.DataFrame) -> pd.DataFrame:
    if not a.regions:
        return frame
    c = frames["customers"]
    return frame[frame["customer_id"].isin(c.loc[c["region"].isin(a.regions), "customer_id"])]


def _sales(frames, a: Ask, start, end, filtered=True) -> pd.DataFrame:
    s = frames["sales"]
    s = s[(s["date"] >= ts(start)) & (s["date"] <= ts(end))]
    return _only(frames, a, s) if filtered else s


def totals(frames, a: Ask, start, end) -> dict:
    s = _sales(frames, a, start, end)
    return {"revenue": s["amount"].sum(), "profit": s["profit"].fillna(s["amount"] - s["cost"]).sum(),
            "active": s["customer_id"].nunique()}


def abc_table(frames, a: Ask, start, end, filtered=True) -> pd.DataFrame:
    values = _sales(frames, a, start, end, filtered).groupby("customer_id", as_index=False)["amount"].sum()
    table = classify(values.rename(columns={"amount": "value"}))
    return table.merge(frames["customers"][["customer_id", "name", "account_manager", "region", "tier"]],
                       on="customer_id", how="left")


def a_accounts(frames, a: Ask, start, end):
    table = abc_table(frames, a, start, end)
    a_rows = table[table["abc_class"] == "A"]
    return len(a_rows), a_rows["share"].sum()


def accounts(frames, a: Ask, day: dt.date) -> pd.DataFrame:
    c = _only(frames, a, frames["customers"])
    c = c[(c["status"] == "active") & (c["created"].isna() | (c["created"] <= ts(day)))]
    v = frames["visits"]
    last = v[v["date"] <= ts(day)].groupby("customer_id")["date"].max().rename("last_visit")
    p = frames["revisit_plans"]
    nxt = p[(p["status"] == "planned") & (p["planned_date"] >= ts(day))].groupby("customer_id")["planned_date"].min()
    classes = abc_table(frames, a, _year_before(day) + dt.timedelta(days=1), day, filtered=False)
    out = c.join(last, on="customer_id").join(nxt.rename("next_plan"), on="customer_id")
    out = out.merge(classes[["customer_id", "abc_class", "value"]], on="customer_id", how="left")
    by_class = out["abc_class"].map({"A": 30, "B": 90, "C": 180})
    by_tier = out["tier"].map({"potential": 60})
    out["interval_days"] = np.fmin(by_class, by_tier).fillna(180)
    out["days_since"] = (ts(day) - out["last_visit"].fillna(out["created"])).dt.days
    out["covered"] = out["days_since"] <= out["interval_days"]
    out["revenue_12m"] = out["value"].fillna(0.0)
    return out


def coverage(frames, a: Ask, day) -> float:
    return accounts(frames, a, day)["covered"].mean()


def churn_totals(frames, a: Ask, start, end):
    h = frames["churns"]
    h = _only(frames, a, h[(h["churn_date"] >= ts(start)) & (h["churn_date"] <= ts(end))])
    return h["customer_id"].nunique(), h["lost_revenue"].sum()


def _open_complaints(frames, day) -> pd.DataFrame:
    k = frames["complaints"]
    still = np.where(k["resolved_date"].isna(), k["status"].isin(["open", "in_progress"]), k["resolved_date"] > ts(day))
    return k[(k["received"] <= ts(day)) & still]


def open_complaints(frames, a: Ask, day) -> int:
    return len(_only(frames, a, _open_complaints(frames, day)))


def health(frames, a: Ask, now, before, day) -> pd.DataFrame:
    acc = accounts(frames, a, day)
    s = frames["sales"]
    s = s[(s["date"] >= ts(before[0])) & (s["date"] <= ts(now[1]))]
    in_now = (s["date"] >= ts(now[0])) & (s["date"] <= ts(now[1]))
    in_before = (s["date"] >= ts(before[0])) & (s["date"] <= ts(before[1]))
    per = pd.DataFrame({"customer_id": s["customer_id"], "sales_now": s["amount"].where(in_now, 0.0),
                        "sales_before": s["amount"].where(in_before, 0.0)}).groupby("customer_id").sum()
    f = acc.join(per, on="customer_id", how="inner")
    f = f[(f["sales_now"] != 0) | (f["sales_before"] != 0)]
    complaints = _open_complaints(frames, day).groupby("customer_id").size().rename("open_complaints")
    pay = frames["payments"]
    pay = pay[(pay["due_date"] < ts(day)) & (pay["invoice_date"] <= ts(day))]
    paid = pay["paid_date"].notna() & (pay["paid_date"] <= ts(day))
    unpaid = pay["amount"] - np.where(paid, pay["paid_amount"].fillna(pay["amount"]), 0.0)
    late = pay.assign(unpaid=unpaid, days=(ts(day) - pay["due_date"]).dt.days)[unpaid > 0.005]
    overdue = late.groupby("customer_id")["days"].max().rename("overdue_days")
    f = f.join(complaints, on="customer_id").join(overdue, on="customer_id")
    f["open_complaints"] = f["open_complaints"].fillna(0)
    f["overdue_days"] = f["overdue_days"].fillna(0)
    change = (f["sales_now"] / f["sales_before"].where(f["sales_before"] > 0) - 1) * 100
    multiple = f["days_since"] / f["interval_days"]
    sales = np.select([change >= -10, change >= -30], [100, 50], 0)
    sales = np.where(change.isna() & (f["sales_now"] > 0), 100, sales)
    visits = np.select([multiple <= 1, multiple <= 2], [100, 50], 0)
    complaints_points = np.select([f["open_complaints"] <= 0, f["open_complaints"] <= 1], [100, 50], 0)
    receivables = np.select([f["overdue_days"] <= 0, f["overdue_days"] <= 30], [100, 50], 0)
    f["score"] = (sales * 40 + visits * 25 + complaints_points * 20 + receivables * 15) / 100
    return f


def trend(frames, a: Ask, start, end) -> pd.DataFrame:
    s = _sales(frames, a, start, end)
    s = s.assign(profit=s["profit"].fillna(s["amount"] - s["cost"]), month=s["date"].dt.to_period("M"))
    return s.groupby("month")[["amount", "profit"]].sum()


# ---- the pages ------------------------------------------------------------------------
def options(frames):
    c = frames["customers"]
    return c[["region", "account_manager", "tier"]].drop_duplicates(), frames["sales"]["date"].agg(["min", "max"])


def overview(frames, a: Ask) -> list:
    now, before, before2 = (a.start, a.end), (a.prev_start, a.prev_end), (a.prev2_start, a.prev2_end)
    return [options(frames), totals(frames, a, *now), totals(frames, a, *before),
            a_accounts(frames, a, *now), a_accounts(frames, a, *before),
            coverage(frames, a, a.as_of), coverage(frames, a, a.prev_as_of),
            churn_totals(frames, a, *now), churn_totals(frames, a, *before),
            open_complaints(frames, a, a.as_of), open_complaints(frames, a, a.prev_as_of),
            (health(frames, a, now, before, a.as_of)["score"] < 65).sum(),
            (health(frames, a, before, before2, a.prev_as_of)["score"] < 65).sum(),
            trend(frames, a, *now), trend(frames, a, *before)]


def abc(frames, a: Ask) -> list:
    now, before = abc_table(frames, a, a.start, a.end), abc_table(frames, a, a.prev_start, a.prev_end)
    summary = now.groupby("abc_class").agg(customers=("customer_id", "size"), value=("value", "sum"))
    moves = before[["customer_id", "abc_class", "value"]].merge(now[["customer_id", "abc_class", "value"]],
                                                                on="customer_id", how="outer",
                                                                suffixes=("_before", "_now"))
    moves["from"] = moves["abc_class_before"].fillna("new")
    moves["to"] = moves["abc_class_now"].fillna("lost")
    migration = moves.groupby(["from", "to"]).size()
    fell = moves[(moves["abc_class_before"] == "A") & (moves["abc_class_now"] != "A")]
    return [options(frames), now, before, summary, migration, fell]


def at_risk(frames, a: Ask) -> list:
    table = health(frames, a, (a.start, a.end), (a.prev_start, a.prev_end), a.as_of)
    return [options(frames), table.sort_values("revenue_12m", ascending=False)]


def revisits(frames, a: Ask) -> list:
    table = accounts(frames, a, a.as_of)
    out = [options(frames), table, coverage(frames, a, a.prev_as_of)]
    out += [coverage(frames, a, end) for end in month_ends(a.start, a.end, a.today)]
    v = frames["visits"]
    v = _only(frames, a, v[(v["date"] >= ts(a.start)) & (v["date"] <= ts(a.end))])
    out += [len(v), v["satisfaction"].mean(), v["method"].value_counts(), v["occasion"].value_counts(),
            v.merge(table[["customer_id", "abc_class"]], on="customer_id", how="left")
             .groupby("abc_class")["satisfaction"].mean(),
            v.groupby(v["date"].dt.to_period("M"))["satisfaction"].mean()]
    return out


def accounts_page(frames, a: Ask) -> list:
    s = frames["sales"]
    recent = s[s["date"] > ts(a.today) - pd.DateOffset(months=12)].groupby("customer_id")["amount"].sum()
    top = frames["customers"].join(recent.rename("revenue_12m"), on="customer_id")
    top = top.assign(revenue_12m=top["revenue_12m"].fillna(0.0)).sort_values(
        ["revenue_12m", "customer_id"], ascending=[False, True]).head(200)
    who = top["customer_id"].iat[0]
    one = {name: frames[name][frames[name]["customer_id"] == who]
           for name in ("customers", "contacts", "payments", "visits", "profile_changes")}
    trade = s[s["customer_id"] == who].groupby(s["date"].dt.to_period("M"))["amount"].sum()
    return [options(frames), top, one, trade]


PAGES = {"overview": overview, "abc": abc, "at_risk": at_risk, "revisits": revisits, "accounts": accounts_page}


def report_abc(frames, today: dt.date) -> pd.DataFrame:
    values = frames["sales"].groupby("customer_id", as_index=False)["amount"].sum()
    return classify(values.rename(columns={"amount": "value"}))


REPORTS = {"abc": report_abc}
