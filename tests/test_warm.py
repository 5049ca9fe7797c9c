"""`python -m kam serve` warms the read side while the server starts: the first page's
questions are answered before anyone asks them."""
from __future__ import annotations

import time

import pytest

from conftest import TODAY, store_copy
from kam.accounts import account_file
from kam.readside.duckfile import DuckFile
from kam.sales import overview
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.cli import serve
from kam.readside.database import Database
from kam.filters import Filters
from kam.i18n import translator
from kam.meeting import screens
from kam.store.delta import Store


def test_after_the_warm_up_the_overview_and_the_coverage_trend_are_answered_without_asking_duckdb(
        demo_dir, tmp_path, monkeypatch):
    store = Store(store_copy(demo_dir, tmp_path / "store"))
    serve.warm_up(store, TODAY)
    monkeypatch.setattr(DuckFile, "cursor", lambda self: pytest.fail("the overview asked DuckDB again"))
    db, filters = Database(store), Filters.from_params({}, TODAY)
    figures = overview.kpis(db, filters, today=TODAY)
    now, _ = overview.monthly_trend(db, filters)
    trend = coverage.coverage_trend(db, filters, revisit_policy.load(db), TODAY)
    assert len(figures) >= 5 and now["revenue"].sum() > 0 and len(trend) == 12
    biggest = account_file.search(db, today=TODAY)  # the sidebar's search, the forms' customer picker
    assert len(biggest) == min(200, store.count("customers")) and biggest["revenue_12m"].is_monotonic_decreasing


def test_after_the_warm_up_a_meeting_opened_in_either_language_asks_duckdb_nothing(demo_dir, tmp_path, monkeypatch):
    store = Store(store_copy(demo_dir, tmp_path / "store"))
    serve.warm_up(store, TODAY)
    monkeypatch.setattr(DuckFile, "cursor", lambda self: pytest.fail("a meeting screen asked DuckDB again"))
    for lang in ("zh", "en"):  # the screens were made in Chinese; English ones are made from the same answers
        m = screens.Meeting(Database(store), Filters.from_params({}, TODAY), translator(lang), lang, TODAY)
        titles = [screens.screen(m, index).title for index in range(len(screens.SCREENS))]
        assert titles[2] == translator(lang)("meeting.screen.abc")


def test_a_warm_up_that_fails_is_reported_and_the_server_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve, "warm_up", lambda store, meeting: 1 / 0)
    serve.start(Store(tmp_path / "nothing"), keep_warm=False).join(timeout=30)
    assert "warm-up skipped: division by zero" in capsys.readouterr().err


def test_the_warm_up_runs_again_after_a_write_and_makes_the_meeting_only_at_start(demo_dir, tmp_path, monkeypatch):
    store = Store(store_copy(demo_dir, tmp_path / "store"))
    someone = Database(store).scalar("SELECT MIN(customer_id) FROM customers")
    runs = []
    monkeypatch.setattr(serve, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(serve, "warm_up", lambda s, meeting: runs.append((s.versions(), meeting)) or 0.0)
    serve.start(store)
    wait_for(lambda: len(runs) == 1)
    time.sleep(0.3)
    assert len(runs) == 1  # nothing written: not warmed again
    store.append("visits", [dict(visit_id="W1", customer_id=someone, date=TODAY, method="phone")])
    wait_for(lambda: len(runs) == 2)
    assert runs[1][0]["visits"] == runs[0][0]["visits"] + 1
    assert [meeting for _, meeting in runs] == [True, False]  # a form saved: the page makes what changed


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)
