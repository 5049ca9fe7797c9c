"""The command line: churn reasons and accounts at risk for scheduled reports."""
from __future__ import annotations

import datetime as dt
import json

from kam.risk import churn
from kam.cli import main
from kam.readside.database import Database
from kam.store.work import Work
from kam.store.delta import Store

D = dt.date


def test_churn_reasons_and_at_risk_reports(tmp_path, capsys):
    store = Store(tmp_path / "store")
    store.append("customers", [dict(customer_id=c, name=c, tier="ordinary", status="active") for c in "ABC"])
    store.append("sales", [dict(order_id="1", customer_id="A", date=D(2025, 1, 5), amount=1200.5),
                           dict(order_id="2", customer_id="B", date=D(2025, 2, 5), amount=300),
                           dict(order_id="3", customer_id="C", date=D(2025, 4, 5), amount=80),
                           dict(order_id="4", customer_id="C", date=D(2025, 7, 5), amount=20)])
    db = Database(store)
    for cid, day, reason in (("A", D(2025, 3, 1), "price"), ("B", D(2025, 3, 2), "price"),
                             ("C", D(2025, 8, 1), "competitor")):
        churn.record_churn(Work(store, db, "cli", D(2025, 9, 1)),
                           {"customer_id": cid, "churn_date": day, "reason": reason})

    assert main(["--data", str(store.root), "churn-reasons"]) == 0
    assert capsys.readouterr().out.splitlines() == ["reason,customers,lost_revenue", "price,2,1500.5",
                                                    "competitor,1,100.0"]
    assert main(["--data", str(store.root), "churn-reasons", "--start", "2025-08-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"reason": "competitor", "customers": 1, "lost_revenue": 100.0}]
    assert main(["--data", str(store.root), "churn-reasons", "--start", "2025-09-01", "--end", "2025-01-01"]) == 2
    assert "before --start" in capsys.readouterr().err

    # D slipped: it bought 1000 in the quarter before and 400 in the last one, was never visited
    store.append("customers", [dict(customer_id="D", name="D", tier="ordinary", status="active")])
    store.append("sales", [dict(order_id="5", customer_id="D", date=D(2025, 5, 1), amount=1000),
                           dict(order_id="6", customer_id="D", date=D(2025, 8, 1), amount=400)])
    assert main(["--data", str(store.root), "at-risk", "--period", "last_quarter", "--as-of", "2025-10-15"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "customer_id,score,reasons", "D,35.0,revenue down 60% on the period before (¥1.00K then); never visited"]
