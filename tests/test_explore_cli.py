"""python -m kam explore and sql: the explore page's questions and the console's sandbox for scheduled
jobs, on the hand-made book, run as separate processes."""
from __future__ import annotations

import io
import json

import pandas as pd

from conftest import CUSTOMERS, SALES
from test_cli import kam

REGION = {c["customer_id"]: c["region"] for c in CUSTOMERS}


def test_explore_prints_revenue_by_region_and_quarter_for_one_tier(filed_book):
    done = kam("--data", filed_book, "explore", "sales", "--by", "region,quarter", "--measure", "sum:amount",
               "--measure", "customers", "--start", "2025-01-01", "--end", "2025-06-30", "--tier", "important",
               "--sort", "label")
    assert done.returncode == 0, done.stderr
    report = pd.read_csv(io.StringIO(done.stdout))
    important = {c["customer_id"] for c in CUSTOMERS if c["tier"] == "important"}
    expected: dict[tuple, list] = {}
    for sale in SALES:
        if sale["customer_id"] in important and "2025-01-01" <= sale["date"].isoformat() <= "2025-06-30":
            key = (REGION[sale["customer_id"]], f"2025-Q{(sale['date'].month - 1) // 3 + 1}")
            expected.setdefault(key, []).append(sale)
    assert report.columns.tolist() == ["region", "quarter", "sum_amount", "customers"]
    assert {(r.region, r.quarter): (r.sum_amount, r.customers) for r in report.itertuples()} == {
        key: (sum(s["amount"] for s in sales), len({s["customer_id"] for s in sales})) for key, sales in expected.items()}
    assert list(zip(report["region"], report["quarter"])) == sorted(expected)


def test_explore_refuses_a_field_not_on_the_list_and_says_which(filed_book):
    done = kam("--data", filed_book, "explore", "sales", "--by", "amount); DROP TABLE sales; --")
    assert done.returncode == 2
    assert "sales has no field 'amount); DROP TABLE sales; --'; fields are: customer, region" in done.stderr
    assert done.stdout == ""


def test_sql_prints_the_answer_and_refuses_what_is_not_a_select(filed_book):
    done = kam("--data", filed_book, "sql", "SELECT COUNT(*) AS lines, SUM(amount) AS revenue FROM sales",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"lines": len(SALES), "revenue": sum(s["amount"] for s in SALES)}]
    refused = kam("--data", filed_book, "sql", f"COPY sales TO '{filed_book}/sales/leak.csv'")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == ("error: only a SELECT (or WITH ... SELECT) is run; nothing is changed, copied, "
                                      "attached, installed, loaded or set: COPY")
    assert not (filed_book / "sales" / "leak.csv").exists()
