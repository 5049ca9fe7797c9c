"""The account file (大客户档案卡): everything known about one customer."""
from __future__ import annotations

import pandas as pd

from kam.readside.database import Database


def search(db: Database, text: str = "", limit: int = 200) -> pd.DataFrame:
    """Accounts whose id or name contains the text, biggest customers first."""
    return db.query("""
        SELECT c.customer_id, c.name, c.tier, c.region, c.account_manager, c.status,
               COALESCE(s.revenue, 0) AS revenue_12m
        FROM customers c
        LEFT JOIN (SELECT customer_id, SUM(amount) AS revenue FROM sales
                   WHERE date > current_date - INTERVAL 12 MONTH GROUP BY 1) s USING (customer_id)
        WHERE $text = '' OR c.customer_id ILIKE '%' || $text || '%' OR c.name ILIKE '%' || $text || '%'
        ORDER BY revenue_12m DESC, c.customer_id
        LIMIT $limit
    """, {"text": text.strip(), "limit": limit})


def profile(db: Database, customer_id: str) -> dict | None:
    frame = db.query("SELECT * EXCLUDE (batch_id) FROM customers WHERE customer_id = $id", {"id": customer_id})
    return None if frame.empty else frame.iloc[0].to_dict()


def contacts(db: Database, customer_id: str) -> pd.DataFrame:
    return db.query("""SELECT name, role, title, phone, email, birthday, interests FROM contacts
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
