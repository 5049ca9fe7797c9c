"""python -m kam: the reports scheduled jobs read, run as a separate process on the hand-made book."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pandas as pd

from conftest import ROOT, SALES, pareto_classes
from kam.store.schema import TABLES


def kam(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kam", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


def revenue_2025() -> dict[str, float]:
    totals: dict[str, float] = {}
    for sale in SALES:
        if sale["date"].year == 2025:
            totals[sale["customer_id"]] = totals.get(sale["customer_id"], 0) + sale["amount"]
    return totals


def test_the_abc_report_for_a_year_follows_the_rule_with_custom_cuts(filed_book):
    done = kam("--data", filed_book, "abc", "--start", "2025-01-01", "--end", "2025-12-31", "--cuts", "60,90")
    assert done.returncode == 0, done.stderr
    report = pd.read_csv(io.StringIO(done.stdout), dtype={"customer_id": str})
    assert dict(zip(report["customer_id"], report["abc_class"])) == pareto_classes(revenue_2025(), cuts=(0.6, 0.9))
    assert dict(zip(report["customer_id"], report["value"])) == revenue_2025()
    assert report["customer_id"].tolist() == sorted(revenue_2025(), key=lambda c: (-revenue_2025()[c], c))


def test_the_tables_report_lists_each_tables_rows(filed_book):
    done = kam("--data", filed_book, "tables", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {row["table"]: row["rows"] for row in pd.read_json(io.StringIO(done.stdout)).to_dict("records")}
    assert set(rows) == set(TABLES)
    assert rows["sales"] == len(SALES)


def test_wrong_arguments_fail_with_a_message_and_no_report(filed_book):
    backwards = kam("--data", filed_book, "abc", "--start", "2025-12-31", "--end", "2025-01-01")
    bad_cuts = kam("--data", filed_book, "abc", "--cuts", "95,80")
    for done in (backwards, bad_cuts):
        assert done.returncode == 2 and done.stdout == ""
        assert "error" in done.stderr


def test_the_demo_command_leaves_the_store_ready_to_open(tmp_path):
    done = kam("--data", tmp_path / "store", "demo", "--customers", "30")
    assert done.returncode == 0, done.stderr
    assert "read side ready" in done.stdout and (tmp_path / "store" / ".cache" / "read.duckdb").is_file()
    again = kam("--data", tmp_path / "store", "demo", "--if-empty")
    assert again.returncode == 0 and "already holds data" in again.stdout
