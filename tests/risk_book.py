"""A small book of business for the churn, complaint and at-risk pages, dated from today.

R slips (sales down, a stale visit, open complaints, an overdue invoice); S has
gone silent for 120 days; Q went silent too; H is healthy; G was lost last month.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kam.store.delta import Store

TODAY = dt.date.today()
APP = Path(__file__).resolve().parent.parent / "app.py"


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def build(root) -> Store:
    store = Store(root)
    store.append("customers", [
        dict(customer_id=cid, name=name, tier=tier, status=status, region=region, account_manager="李娜",
             created=dt.date(2020, 1, 1))
        for cid, name, tier, status, region in (
            ("R", "华东精密", "important", "active", "华东"), ("S", "申江物流", "ordinary", "active", "华东"),
            ("Q", "蜀都食品", "ordinary", "active", "西南"), ("H", "北辰新材", "important", "active", "华北"),
            ("G", "燕山化工", "ordinary", "churned", "华北"))])
    store.append("sales", [
        dict(order_id="1", customer_id="R", date=ago(200), amount=500_000),
        dict(order_id="2", customer_id="R", date=ago(20), amount=100_000),
        dict(order_id="3", customer_id="S", date=ago(120), amount=80_000),
        dict(order_id="4", customer_id="Q", date=ago(100), amount=30_000),
        dict(order_id="5", customer_id="H", date=ago(300), amount=900_000),
        dict(order_id="6", customer_id="H", date=ago(10), amount=950_000),
        dict(order_id="7", customer_id="G", date=ago(60), amount=40_000),
    ])
    store.append("visits", [dict(visit_id="V1", customer_id="R", date=ago(97), method="phone"),
                            dict(visit_id="V2", customer_id="H", date=ago(5), method="in_person")])
    store.append("complaints", [
        dict(complaint_id="K1", customer_id="R", received=ago(40), category="product", subcategory="quality_defect",
             severity="high", status="open", owner="李娜", description="外壳开裂"),
        dict(complaint_id="K2", customer_id="R", received=ago(12), category="service", subcategory="not_punctual",
             severity="medium", status="in_progress", owner="王伟"),
        dict(complaint_id="K3", customer_id="H", received=ago(30), category="delivery", severity="low",
             status="resolved", resolved_date=ago(25), owner="李娜", cause="承运商", resolution="补发",
             satisfied=True)])
    store.append("payments", [dict(invoice_id="I1", customer_id="R", invoice_date=ago(90), amount=20_000,
                                   due_date=ago(45))])
    store.append("churns", [dict(churn_id="L1", customer_id="G", churn_date=ago(30), reason="price",
                                 lost_revenue=40_000)])
    store.append("retention_actions", [dict(action_id="A1", customer_id="R", action="总经理拜访", owner="李娜",
                                            due_date=ago(3), status="planned")])
    return store


def app_test(monkeypatch, root, page: str):
    """The app opened on one page, on the store in root."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KAM_DATA_DIR", str(root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page)
    return at.run()


def texts(elements) -> list[str]:
    """The values of AppTest elements (metrics, captions, errors)."""
    return [e.value for e in elements]
