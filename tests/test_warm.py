"""`python -m kam serve` warms the read side while the server starts: the first page's
questions are answered before anyone asks them."""
from __future__ import annotations

import shutil

import pytest

from conftest import TODAY
from kam import db as read_side
from kam import overview, warm
from kam.db import Database
from kam.filters import Filters
from kam.store import Store


def test_after_the_warm_up_the_overview_is_answered_without_asking_duckdb(demo_dir, tmp_path, monkeypatch):
    store = Store(shutil.copytree(demo_dir, tmp_path / "store"))
    warm.warm_up(store, TODAY)
    monkeypatch.setattr(read_side._Reader, "cursor", lambda self: pytest.fail("the overview asked DuckDB again"))
    db, filters = Database(store), Filters.from_params({}, TODAY)
    figures = overview.kpis(db, filters, today=TODAY)
    now, _ = overview.monthly_trend(db, filters)
    assert len(figures) >= 5 and now["revenue"].sum() > 0


def test_a_warm_up_that_fails_is_reported_and_the_server_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(warm, "warm_up", lambda store: 1 / 0)
    warm.start(Store(tmp_path / "nothing")).join(timeout=30)
    assert "warm-up skipped: division by zero" in capsys.readouterr().err
