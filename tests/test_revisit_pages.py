"""The revisit pages as an account manager and a sales director meet them (Streamlit AppTest)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import TODAY, link_text
from kam import formatting as fmt
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.readside.database import Database
from kam.filters import Filters
from kam.i18n import LANGUAGES, translator
from kam.periods import resolve
from kam.store.delta import Store
from test_pages import metric, open_app, raw_keys, untranslated_month_axes

DAY = dt.timedelta(days=1)
PAGES = {"revisits": "revisit.dashboard_title", "visits": "revisit.visits_title", "settings": "settings.title"}


@pytest.fixture
def accounts_book(store) -> Store:
    """K1 is visited and has a plan; K2 and K3, filed long ago, have never been visited."""
    old = dt.date(2020, 1, 1)
    store.append("customers", [
        dict(customer_id="K1", name="华东精密机械", tier="important", status="active", account_manager="李娜",
             region="华东", created=old),
        dict(customer_id="K2", name="申江物流", tier="ordinary", status="active", account_manager="王伟",
             region="华东", created=old),
        dict(customer_id="K3", name="北辰新材", tier="potential", status="active", account_manager="王伟",
             region="华北", created=old),
    ], user="tester")
    store.append("sales", [dict(order_id="S1", customer_id="K1", date=TODAY - 20 * DAY, amount=90000),
                           dict(order_id="S2", customer_id="K2", date=TODAY - 50 * DAY, amount=10000)], user="tester")
    store.append("visits", [dict(visit_id="V1", customer_id="K1", date=TODAY - 10 * DAY, method="in_person",
                                 occasion="periodic", satisfaction=5)], user="tester")
    store.append("revisit_plans", [dict(plan_id="P1", customer_id="K1", planned_date=TODAY + 5 * DAY,
                                        status="planned", method="in_person", purpose="季度回顾")], user="tester")
    return store


def submit(at, form: str):
    return next(b for b in at.button if b.form_id == form).click().run()


def coverage_now(root) -> str:
    db = Database(Store(root))
    filters = Filters(resolve("last_12_months", TODAY), "last_12_months")
    return fmt.share(coverage.coverage(coverage.accounts(db, filters, TODAY, revisit_policy.load(db))))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_each_revisit_page_speaks_the_chosen_language_with_no_raw_key(demo_dir, monkeypatch, page, lang):
    at = open_app(demo_dir, monkeypatch, page, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == translator(lang)(PAGES[page])
    assert not raw_keys(at)
    assert not untranslated_month_axes(at)


def test_the_dashboard_shows_the_coverage_kam_computes_with_the_rule_beside_it(demo_dir, monkeypatch):
    at = open_app(demo_dir, monkeypatch, "revisits", lang="en")
    assert metric(at, "Revisit coverage") == coverage_now(demo_dir)
    assert any("covered when the days since its last visit are at most its interval" in c.value for c in at.caption)
    overdue = next(frame.value for frame in at.dataframe if "Days overdue" in frame.value.columns)
    assert metric(at, "Overdue accounts") == fmt.count(len(overdue))


def test_the_overview_shows_coverage_against_the_previous_period(demo_dir, monkeypatch):
    at = open_app(demo_dir, monkeypatch, "overview", lang="en")
    shown = next(m for m in at.metric if m.label == "Revisit coverage")
    assert shown.value == coverage_now(demo_dir)
    assert shown.delta.endswith("pp")


def test_a_visit_dated_tomorrow_is_refused_beside_the_date_and_nothing_is_written(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "visits", lang="en")
    at.text_input(key="vf_search").set_value("申江").run()
    at.date_input(key="vf_form_date").set_value(TODAY + DAY)
    at.selectbox(key="vf_form_method").set_value("in_person")
    submit(at, "vf_form")
    assert "Not saved: 1 thing to fix." in [e.value for e in at.error]
    assert any(e.value.startswith("The date cannot be after today") for e in at.error)
    assert accounts_book.count("visits") == 1


def test_a_saved_visit_counts_in_the_coverage_at_once(accounts_book, monkeypatch):
    before = open_app(accounts_book.root, monkeypatch, "revisits", lang="en")
    assert metric(before, "Revisit coverage") == "33.3%"  # K1 of K1, K2, K3

    at = open_app(accounts_book.root, monkeypatch, "visits", lang="en")
    at.text_input(key="vf_search").set_value("K2").run()
    at.selectbox(key="vf_form_method").set_value("phone")
    at.text_area(key="vf_form_discussed").set_value("年度价格复核")
    at.date_input(key="vf_form_next_visit_date").set_value(TODAY + 30 * DAY)
    submit(at, "vf_form")
    assert not at.exception and any(s.value.startswith("Visit V") for s in at.success)
    log = at.dataframe[0].value
    assert log.iloc[0]["Customer name"] == "申江物流" and log.iloc[0]["Method"] == "Phone"
    plans = accounts_book.read("revisit_plans").to_pandas()
    assert (plans["customer_id"] == "K2").sum() == 1  # the next visit became a plan

    after = open_app(accounts_book.root, monkeypatch, "revisits", lang="en")
    assert metric(after, "Revisit coverage") == "66.7%"
    overdue = next(frame.value for frame in after.dataframe if "Days overdue" in frame.value.columns)
    assert [link_text(v) for v in overdue["Customer name"]] == ["北辰新材"]


def test_a_visit_fulfilling_the_accounts_plan_marks_it_done(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "visits", lang="en")
    at.text_input(key="vf_search").set_value("K1").run()
    assert at.selectbox(key="vf_plan").value == "P1"  # the account's open plan is chosen for you
    at.selectbox(key="vf_form_method").set_value("phone")
    submit(at, "vf_form")
    plan = accounts_book.read("revisit_plans").to_pandas().set_index("plan_id").loc["P1"]
    assert (plan["status"], pd.Timestamp(plan["done_date"]).date()) == ("done", TODAY)


def test_a_plan_in_the_past_is_refused_and_a_good_one_listed(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "visits", lang="zh")
    at.text_input(key="pf_search").set_value("北辰").run()
    at.date_input(key="pf_form_planned_date").set_value(TODAY - DAY)
    submit(at, "pf_form")
    assert any(e.value.startswith("日期不能早于今天") for e in at.error)
    at.date_input(key="pf_form_planned_date").set_value(TODAY + 3 * DAY)
    at.text_area(key="pf_form_purpose").set_value("了解采购需求")
    submit(at, "pf_form")
    assert any("已保存" in s.value for s in at.success)
    listed = next(frame.value for frame in at.dataframe if "计划日期" in frame.value.columns)
    assert "北辰新材" in listed["客户名称"].tolist()


def test_proposals_for_every_account_due_are_saved_after_review(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "visits", lang="en")
    save = at.button(key="pp_save")
    assert save.label == "Save the 2 ticked plans"  # K2 and K3; K1 already has a plan
    save.click().run()
    assert any(s.value == "2 plans saved." for s in at.success)
    plans = accounts_book.read("revisit_plans").to_pandas()
    assert sorted(plans.loc[plans["plan_id"] != "P1", "customer_id"]) == ["K2", "K3"]
    assert any(s.value == "Every account due has a plan." for s in at.success)


def test_cancelling_a_plan_asks_for_the_reason(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "visits", lang="en")
    submit(at, "pc_form")
    assert any("Required" in e.value for e in at.error)
    at.text_input(key="pc_reason").set_value("client closed for renovation")
    submit(at, "pc_form")
    plan = accounts_book.read("revisit_plans").to_pandas().set_index("plan_id").loc["P1"]
    assert (plan["status"], plan["cancel_reason"]) == ("cancelled", "client closed for renovation")


def test_the_policy_saved_on_the_settings_page_is_used_everywhere(accounts_book, monkeypatch):
    at = open_app(accounts_book.root, monkeypatch, "settings", lang="en")
    at.number_input(key="set_policy_grace").set_value(7)
    at.button(key="set_policy_save").click().run()
    assert any(s.value.startswith("Policy saved") for s in at.success)
    assert revisit_policy.load(Database(accounts_book)).grace_days == 7
    dashboard = open_app(accounts_book.root, monkeypatch, "revisits", lang="en")
    assert any("within 7 days after the planned day" in c.value for c in dashboard.caption)
