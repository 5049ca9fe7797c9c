"""The account file (大客户档案卡): everything known about one customer."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from kam.readside.database import Database, Part
from kam.store.records import Problem, given, problems_where
from kam.store.schema import TABLES


def revenue_12m(today: dt.date) -> Part:
    """customer_id, revenue: each customer's sales of the 12 months up to today (a part: every
    search, whoever asks and whatever they type, reads it made once)."""
    first = (pd.Timestamp(today) - pd.DateOffset(months=12)).date() + dt.timedelta(days=1)
    return Part("SELECT customer_id, SUM(amount) AS revenue FROM sales WHERE date >= $first GROUP BY 1",
                {"first": first}, windows={"sales": (first, None)})


def search(db: Database, text: str = "", limit: int = 200, among: tuple[str, dict] = ("TRUE", {}),
           today: dt.date | None = None) -> pd.DataFrame:
    """Accounts whose id or name contains the text, biggest customers first (by the 12 months up
    to today); `among` is a condition on customers c (kam.access.customer_condition: the accounts
    a person may see)."""
    where, params = among
    return db.query(f"""
        SELECT c.customer_id, c.name, c.tier, c.region, c.account_manager, c.status,
               COALESCE(s.revenue, 0) AS revenue_12m
        FROM customers c
        LEFT JOIN revenue s USING (customer_id)
        WHERE ($text = '' OR c.customer_id ILIKE '%' || $text || '%' OR c.name ILIKE '%' || $text || '%')
          AND {where}
        ORDER BY revenue_12m DESC, c.customer_id
        LIMIT $limit
    """, {**params, "text": text.strip(), "limit": limit}, using={"revenue": revenue_12m(today or dt.date.today())})


def profile(db: Database, customer_id: str) -> dict | None:
    frame = db.query("SELECT * EXCLUDE (batch_id) FROM customers WHERE customer_id = $id", {"id": customer_id})
    return None if frame.empty else frame.iloc[0].to_dict()


def contacts(db: Database, customer_id: str) -> pd.DataFrame:
    return db.query("""SELECT contact_id, name, role, title, phone, email, birthday, interests FROM contacts
                       WHERE customer_id = $id ORDER BY role, name""", {"id": customer_id})


def trade_by_month(db: Database, customer_id: str) -> pd.DataFrame:
    return db.query("""
        SELECT date_trunc('month', date)::DATE AS month, SUM(amount) AS amount,
               SUM(COALESCE(profit, amount - cost)) AS profit, COUNT(*) AS lines
        FROM sales WHERE customer_id = $id GROUP BY 1 ORDER BY 1""", {"id": customer_id})


def changes(db: Database, customer_id: str) -> pd.DataFrame:
    return db.query("""SELECT changed_on, field, old_value, new_value, reason, recorded_by FROM profile_changes
                       WHERE customer_id = $id ORDER BY changed_on DESC""", {"id": customer_id})


def visits(db: Database, customer_id: str) -> pd.DataFrame:
    return db.query("""SELECT date, method, occasion, received_by, visited_by, discussed, deal_stage,
                              satisfaction, next_visit_date FROM visits
                       WHERE customer_id = $id ORDER BY date DESC""", {"id": customer_id})


def known_customers(db: Database, ids) -> set[str]:
    """Which of these customer ids are in the customers table."""
    wanted = sorted({str(i) for i in ids if i is not None})
    if not wanted:
        return set()
    found = db.query("SELECT customer_id FROM customers WHERE customer_id IN (SELECT unnest($ids))",
                     {"ids": wanted})
    return set(found["customer_id"])


def unknown_customers(db: Database, customers: pd.Series) -> list[Problem]:
    """A problem for each row (numbered from 1) naming a customer not in the customers table."""
    customers = customers.reset_index(drop=True)
    named = given(customers)
    known = known_customers(db, customers[named])
    return problems_where(named & ~customers.isin(known).to_numpy(), "customer_id", "unknown_customer", customers)


def classes_over_periods(db: Database, customer_id: str, filters, periods: int = 5) -> pd.DataFrame:
    """The account's ABC class (company-wide ranking by revenue) and revenue in the filters'
    period and each of the periods before it, newest first: start, end, value, abc_class."""
    from kam.filters import Filters
    from kam.sales import abc

    rows, period = [], Filters(filters.period, preset=filters.preset)
    for _ in range(periods):
        ranked = abc.abc_table(db, period)
        mine = ranked[ranked["customer_id"] == customer_id]
        rows.append({"start": period.period.start, "end": period.period.end,
                     "value": float(mine["value"].iat[0]) if len(mine) else 0.0,
                     "abc_class": mine["abc_class"].iat[0] if len(mine) else None})
        period = period.previous()
    return pd.DataFrame(rows)


# One line per event of the account's life, newest first: kind, day, code (the method, category,
# reason or field the page names in the user's language), text (the record's own words), state, who.
_TIMELINE = """
    SELECT 'visit' AS kind, date AS day, method AS code, discussed AS text, deal_stage AS state,
           visited_by AS who FROM visits WHERE customer_id = $id
    UNION ALL SELECT 'plan', planned_date, method, purpose, status, owner FROM revisit_plans WHERE customer_id = $id
    UNION ALL SELECT 'complaint', received, category, description, status, owner FROM complaints WHERE customer_id = $id
    UNION ALL SELECT 'churn', churn_date, reason, note, NULL, recorded_by FROM churns WHERE customer_id = $id
    UNION ALL SELECT 'win_back', reactivated_date, NULL, note, NULL, recorded_by
           FROM churns WHERE customer_id = $id AND reactivated_date IS NOT NULL
    UNION ALL SELECT 'retention', due_date, NULL, action, status, owner FROM retention_actions WHERE customer_id = $id
    UNION ALL SELECT 'profile_change', changed_on, field,
           COALESCE(old_value, '–') || ' → ' || COALESCE(new_value, '–') || COALESCE(' (' || reason || ')', ''),
           NULL, recorded_by FROM profile_changes WHERE customer_id = $id
    UNION ALL SELECT 'change_reason', recorded_on, NULL, reason, NULL, recorded_by FROM change_reasons
           WHERE customer_id = $id
"""
TIMELINE_COLUMNS = ["kind", "day", "code", "text", "state", "who"]
# the tables an import may have brought rows of this account into
_IMPORTED = ("sales", "payments", "visits", "complaints", "revisit_plans", "contacts", "retention_actions")


def _imports(db: Database, customer_id: str) -> pd.DataFrame:
    """The imports that brought this account's rows: one line per import and table, from the batch
    ids its rows carry (an import's batch id is its import id)."""
    from kam.imports import import_log

    batches = db.query(" UNION ALL ".join(
        f"SELECT '{name}' AS tbl, batch_id, COUNT(*) AS n FROM {name} WHERE customer_id = $id GROUP BY 2"
        for name in _IMPORTED + ("customers",)), {"id": customer_id})
    if batches.empty:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    log = db.kept(TABLES, "import history", lambda: import_log.history(db.store))
    found = batches.merge(log, left_on=["tbl", "batch_id"], right_on=["table", "import_id"])
    return pd.DataFrame({"kind": "import", "day": pd.to_datetime(found["when"]).dt.tz_localize(None).dt.normalize(),
                         "code": found["table"], "text": found["file"] + " (" + found["n"].astype(str) + ")",
                         "state": found["undone"].map({True: "undone", False: None}), "who": found["user"]})


def timeline(db: Database, customer_id: str) -> pd.DataFrame:
    """Everything that happened with the account, newest first: visits, plans, complaints with their
    state, churn and win-back, retention actions, profile changes and reasons, imports."""
    events = db.query(f"SELECT * FROM ({_TIMELINE}) WHERE day IS NOT NULL", {"id": customer_id})
    events["day"] = pd.to_datetime(events["day"])
    imports = _imports(db, customer_id)
    frames = [f for f in (events, imports) if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else events
    return out.sort_values("day", ascending=False, kind="stable").reset_index(drop=True)


def find(db: Database, text: str, *, among: tuple[str, dict], limit: int = 20) -> pd.DataFrame:
    """Accounts found by name, id or one of their contacts (name, phone, e-mail): the sidebar's search,
    among the accounts the person may see (kam.access.customer_condition on customers c)."""
    where, params = among
    return db.query(f"""
        SELECT DISTINCT c.customer_id, c.name FROM customers c
        LEFT JOIN contacts p ON p.customer_id = c.customer_id
        WHERE (c.customer_id ILIKE '%' || $text || '%' OR c.name ILIKE '%' || $text || '%'
               OR p.name ILIKE '%' || $text || '%' OR p.phone ILIKE '%' || $text || '%'
               OR p.email ILIKE '%' || $text || '%')
          AND {where}
        ORDER BY c.name LIMIT $limit""", {**params, "text": text.strip(), "limit": limit})
