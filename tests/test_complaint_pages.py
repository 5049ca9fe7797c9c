"""The complaints pages as a user drives them: the dashboard, and the card recorded and updated."""
from __future__ import annotations

import datetime as dt

import pytest

from kam.readside.database import Database
from kam.i18n import translator
from kam.store.delta import Store
from risk_book import TODAY, ago, app_test, texts
from test_pages import untranslated_month_axes

zh = translator("zh")
SAVE_NEW = "FormSubmitter:complaint_new_form-保存"


def test_the_dashboard_shows_open_complaints_by_age_and_each_card(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/complaints.py")
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["3", "2"]  # received in the last 12 months, open now
    assert not untranslated_month_axes(at)  # the trend's months read 2026年1月
    assert at.subheader[0].value == zh("complaint.by_age")
    assert at.selectbox(key="complaint_pick").value == "K1"  # the oldest open one first
    at.selectbox(key="complaint_pick").select("K3").run()
    shown = " ".join(m.value for m in at.markdown)
    assert "承运商" in shown and "补发" in shown and "已解决" in shown


def test_a_complaint_is_recorded_from_the_card_form(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/complaint_cards.py")
    at.text_input(key="complaint_new_search").input("申江").run()
    assert at.selectbox(key="complaint_new_customer").value == "S"
    at.selectbox(key="complaint_new_form_category").select("service")
    at.selectbox(key="complaint_new_form_subcategory").select("poor_attitude")
    at.text_area(key="complaint_new_form_description").input("客服推诿")
    at.button(key=SAVE_NEW).click().run()
    assert not at.exception and not at.error
    row = Database(Store(risk_root)).query("SELECT * FROM complaints WHERE customer_id = 'S'").iloc[0]
    assert (row["category"], row["subcategory"], row["status"], row["received"].date()) == (
        "service", "poor_attitude", "open", TODAY)
    assert zh("complaint.saved", id=row["complaint_id"]) in texts(at.success)


@pytest.mark.parametrize("change, problem", [
    (lambda at: at.date_input(key="complaint_new_form_received").set_value(TODAY + dt.timedelta(days=1)),
     "problem.future_date"),
    (lambda at: at.selectbox(key="complaint_new_form_subcategory").select("poor_attitude"),
     "problem.subcategory_mismatch"),
    (lambda at: at.selectbox(key="complaint_new_form_status").select("resolved"), "problem.resolved_needs_date"),
])
def test_a_complaint_that_breaks_a_rule_is_refused_beside_its_field(monkeypatch, risk_root, change, problem):
    at = app_test(monkeypatch, risk_root, "pages/complaint_cards.py")
    at.selectbox(key="complaint_new_form_category").select("product")
    change(at)
    at.button(key=SAVE_NEW).click().run()
    assert zh("form.not_saved", count=1) in texts(at.error)
    assert any(e.startswith(zh(problem)) for e in texts(at.error))
    assert Store(risk_root).count("complaints") == 3


def test_a_complaint_is_resolved_on_the_same_card_and_refused_without_a_date(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/complaint_cards.py")
    at.selectbox(key="complaint_edit_pick").select("K1").run()
    assert at.text_area(key="complaint_edit_K1_description").value == "外壳开裂"
    at.selectbox(key="complaint_edit_K1_status").select("resolved")
    at.button(key="FormSubmitter:complaint_edit_K1-保存").click().run()
    assert any(e.startswith(zh("problem.resolved_needs_date")) for e in texts(at.error))
    at.date_input(key="complaint_edit_K1_resolved_date").set_value(ago(1))
    at.text_area(key="complaint_edit_K1_resolution").input("更换批次")
    at.selectbox(key="complaint_edit_K1_satisfied").select(True)
    at.button(key="FormSubmitter:complaint_edit_K1-保存").click().run()
    assert not at.error
    row = Database(Store(risk_root)).query("SELECT * FROM complaints WHERE complaint_id = 'K1'")
    assert len(row) == 1 and row.iloc[0]["status"] == "resolved" and bool(row.iloc[0]["satisfied"])
    assert row.iloc[0]["description"] == "外壳开裂"  # what was not touched stays
