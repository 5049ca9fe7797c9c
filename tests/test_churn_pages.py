"""The churn pages as a user drives them: silent churn confirmed or dismissed, a churn recorded,
a customer won back, a retention plan kept."""
from __future__ import annotations

import datetime as dt
import html

from kam.accounts import account_file
from kam.readside.database import Database
from kam.i18n import translator
from kam.store.delta import Store
from risk_book import TODAY, ago, app_test, texts
from test_pages import untranslated_month_axes

zh = translator("zh")


def status(risk_root, customer_id: str) -> str:
    return account_file.profile(Database(Store(risk_root)), customer_id)["status"]


def test_the_churn_page_counts_the_lost_and_lists_the_silent_and_the_overdue_actions(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/churn.py")
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["1", "¥4.0万"]  # G, lost a month ago
    assert not untranslated_month_axes(at)  # the months under the charts read 2026年1月
    assert zh("churn.suspected_count", count=2, shown=2) in [m.value for m in at.markdown]
    overdue = at.dataframe[-1].value
    assert list(overdue[zh("col.retention_actions.action")]) == ["总经理拜访"]
    at.selectbox(key="churn_by").select("region").run()
    assert not at.exception


def test_a_silent_customer_is_confirmed_with_a_reason_or_dismissed_in_one_click(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/churn.py")
    at.button(key="suspect_confirm_S").click().run()
    assert any(zh("problem.required") in e for e in texts(at.error))
    assert status(risk_root, "S") == "active"
    at.selectbox(key="suspect_reason_S").select("competitor")
    at.button(key="suspect_confirm_S").click().run()
    assert status(risk_root, "S") == "churned"
    assert zh("churn.confirmed", name="申江物流") in texts(at.success)
    at.button(key="suspect_dismiss_Q").click().run()
    assert zh("churn.none_suspected") in texts(at.success)
    assert [m.value for m in at.metric][0] == "2"
    assert Store(risk_root).count("churn_dismissals") == 1 and status(risk_root, "Q") == "active"


def test_a_churn_is_recorded_with_its_computed_cost_and_a_refused_one_writes_nothing(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/churn_records.py")
    at.selectbox(key="churn_new_customer").select("R").run()
    assert zh("churn.lost_preview", amount="¥60.0万") in texts(at.info)
    at.date_input(key="churn_new_form_churn_date").set_value(TODAY + dt.timedelta(days=2))
    at.button(key="FormSubmitter:churn_new_form-保存").click().run()
    assert any(e.startswith(zh("problem.future_date")) for e in texts(at.error))
    assert Store(risk_root).count("churns") == 1
    at.date_input(key="churn_new_form_churn_date").set_value(TODAY)
    at.selectbox(key="churn_new_form_reason").select("service_level")
    at.text_area(key="churn_new_form_note").input("交付总是延迟")
    at.button(key="FormSubmitter:churn_new_form-保存").click().run()
    assert not at.error
    db = Database(Store(risk_root))
    row = db.query("SELECT * FROM churns WHERE customer_id = 'R'").iloc[0]
    assert (row["reason"], row["lost_revenue"]) == ("service_level", 600_000)
    assert status(risk_root, "R") == "churned"
    assert account_file.changes(db, "R").iloc[0]["reason"] == "service_level: 交付总是延迟"
    at.selectbox(key="churn_new_customer").select("G").run()
    at.button(key="FormSubmitter:churn_new_form-保存").click().run()
    assert any(e.startswith(zh("problem.already_churned")) for e in texts(at.error))


def test_a_churned_customer_is_won_back_but_not_before_it_left(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/churn_records.py")
    assert at.selectbox(key="winback_pick").value == "G"
    submit = f"FormSubmitter:winback_G-{zh('churn.win_back_save')}"
    at.date_input(key="winback_G_reactivated_date").set_value(ago(31))
    at.button(key=submit).click().run()
    assert any(e.startswith(zh("problem.before_churn")) for e in texts(at.error))
    at.date_input(key="winback_G_reactivated_date").set_value(ago(1))
    at.button(key=submit).click().run()
    assert status(risk_root, "G") == "active"
    assert zh("churn.won_back", name="燕山化工 (G)") in [html.unescape(x) for x in texts(at.success)]  # the name as text


def test_a_retention_plan_gets_actions_and_a_done_action_needs_its_date(monkeypatch, risk_root):
    at = app_test(monkeypatch, risk_root, "pages/churn_records.py")
    at.selectbox(key="retention_customer").select("R").run()
    at.text_input(key="action_new_R_action").input("降价 5% 并派驻技术员")
    at.button(key="FormSubmitter:action_new_R-保存").click().run()
    assert any(e.startswith(zh("problem.required")) for e in texts(at.error))  # no due date yet
    at.date_input(key="action_new_R_due_date").set_value(TODAY + dt.timedelta(days=14))
    at.date_input(key="action_new_R_review_date").set_value(TODAY + dt.timedelta(days=30))
    at.button(key="FormSubmitter:action_new_R-保存").click().run()
    assert not at.error
    at.selectbox(key="action_pick_R").select("A1").run()
    at.selectbox(key="action_edit_A1_status").select("done")
    at.button(key="FormSubmitter:action_edit_A1-保存").click().run()
    assert any(e.startswith(zh("problem.done_needs_date")) for e in texts(at.error))
    at.date_input(key="action_edit_A1_done_date").set_value(ago(1))
    at.text_input(key="action_edit_A1_evaluation").input("客户同意续约")
    at.button(key="FormSubmitter:action_edit_A1-保存").click().run()
    plan = Database(Store(risk_root)).query("SELECT action_id, status, evaluation FROM retention_actions ORDER BY due_date")
    assert list(plan["status"]) == ["done", "planned"] and plan.iloc[0]["evaluation"] == "客户同意续约"
