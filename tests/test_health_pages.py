"""Accounts at risk, the overview's new numbers and the settings that drive them, as a user sees them."""
from __future__ import annotations

import pytest

from kam.risk import churn
from kam.risk import complaints
from kam.risk import health
from kam.readside.database import Database
from kam.i18n import translator
from kam.store.delta import Store
from conftest import link_text
from risk_book import app_test

zh = translator("zh")


def test_each_account_at_risk_says_why_and_its_score_can_be_checked_part_by_part(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/at_risk.py")
    assert not at.exception
    listed = at.dataframe[1].value
    assert [link_text(v) for v in listed[zh("col.customer_name")]] == ["华东精密"]
    assert listed[zh("col.reasons")].iat[0] == "97 天未拜访 (应每 30 天)；2 个未解决的抱怨；逾期未收 ¥2.0万, 最长 45 天"
    parts = at.dataframe[2].value
    assert list(parts[zh("col.points")]) == [100, 0, 0, 0]
    assert parts[zh("col.contribution")].sum() == pytest.approx(40)
    assert zh("health.total", score=40, status=zh("health.status.at_risk")) in [m.value for m in at.markdown]
    at.toggle(key="health_watch").set_value(True).run()
    assert {link_text(v) for v in at.dataframe[1].value[zh("col.customer_name")]} == {"华东精密", "申江物流", "蜀都食品"}


def test_the_overview_shows_churn_complaints_and_risk_against_the_period_before(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/overview.py")
    shown = {m.label: m.value for m in at.metric}
    assert shown[zh("kpi.churned_customers")] == "1"
    assert shown[zh("kpi.lost_revenue")] == "¥4.0万"
    assert shown[zh("kpi.open_complaints")] == "2"
    assert shown[zh("kpi.at_risk_accounts")] == "1"


def test_lists_weights_and_bands_are_edited_on_the_settings_page(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/settings.py")
    assert not at.exception
    # saving the lists untouched keeps their values (names are mapped back to the values they name)
    at.button(key="set_complaint_categories_save").click().run()
    db = Database(Store(risk_root))
    assert complaints.categories(db) == complaints.DEFAULT_CATEGORIES
    at.number_input(key="set_silent_days").set_value(60)
    at.button(key="set_churn_save").click().run()
    assert churn.silent_days(db) == 60 and churn.reasons(db) == churn.DEFAULT_REASONS
    at.number_input(key="set_at_risk_below").set_value(90)
    at.button(key="set_health_save").click().run()
    assert any(zh("problem.lines_order") in e.value for e in at.error)
    assert health.load(db) == health.DEFAULT
    at.number_input(key="set_at_risk_below").set_value(50)
    at.number_input(key="set_weight_sales").set_value(10)
    at.button(key="set_health_save").click().run()
    saved = health.load(db)
    assert (saved.at_risk_below, saved.weights["sales"], saved.bands) == (50, 10, health.DEFAULT.bands)
