"""The pages as a user meets them, run by Streamlit's AppTest on real stores."""
from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, CUSTOMERS, PAGES, PAYMENTS, SALES, TODAY, VISITS, pareto_classes
from kam import formatting as fmt
from kam.i18n import LANGUAGES, TEXT, translator
from kam.store.schema import TABLES
from kam.store.delta import Store

KEY_LIKE = re.compile(r"\b[a-z_]+(?:\.[A-Za-z0-9_]+)+\b")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def open_app(root, monkeypatch, page: str | None = None, **params) -> AppTest:
    """The app on the store at root, opened at a page with these query parameters, after its first run."""
    monkeypatch.setenv("KAM_DATA_DIR", str(root))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(f"pages/{page}.py")
    return at.run()


def proto_texts(message) -> list[str]:
    texts = []
    for field, value in message.ListFields():
        items = value if field.is_repeated else [value]
        if field.type == field.TYPE_STRING:
            texts += items
        elif field.type == field.TYPE_MESSAGE:
            for item in items:
                texts += proto_texts(item)
    return texts


def shown_texts(at: AppTest) -> list[str]:
    """Every text the app put on screen: labels, values, options, captions, chart titles, table headers."""
    texts = []
    for root in (at.main, at.sidebar):
        for node in root:
            if getattr(node, "proto", None) is not None:
                texts += proto_texts(node.proto)
    for table in at.dataframe:
        frame = table.value
        texts += [str(c) for c in frame.columns] + [str(v) for v in frame.select_dtypes(["object", "str"]).stack()]
    return texts


def raw_keys(at: AppTest) -> set[str]:
    return {word for text in shown_texts(at) for word in KEY_LIKE.findall(text) if word in TEXT}


def untranslated_month_axes(at: AppTest) -> list[str]:
    """The charts whose axis runs over dates but is left to plotly's own labels (English month names)."""
    found = []
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        layout = figure.get("layout", {})
        for trace in figure.get("data", []):
            values = trace.get("y" if trace.get("orientation") == "h" else "x") or []
            axis = layout.get(("y" if trace.get("orientation") == "h" else "x") + "axis", {})
            if isinstance(values, list) and values and all(isinstance(v, str) and DATE.match(v) for v in values) \
                    and not axis.get("ticktext"):
                found.append(str(layout.get("title") or trace.get("name")))
    return found


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def last_12_months(today: dt.date) -> tuple[dt.date, dt.date]:
    month = today.year * 12 + today.month - 1 - 11
    return dt.date(month // 12, month % 12 + 1, 1), today


def revenue(root, start: dt.date, end: dt.date, regions=()) -> float:
    """The revenue of a period worked out with pandas straight from the stored tables."""
    store = Store(root)
    sales = store.read("sales").to_pandas()
    customers = store.read("customers").to_pandas()
    sales = sales.merge(customers[["customer_id", "region"]], on="customer_id", how="left")
    day = pd.to_datetime(sales["date"]).dt.date
    chosen = (day >= start) & (day <= end)
    if regions:
        chosen &= sales["region"].isin(regions)
    return float(sales.loc[chosen, "amount"].sum())


# ---- every page, both languages -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_its_title_in_the_chosen_language_and_no_raw_key(demo_dir, monkeypatch, page, lang):
    at = open_app(demo_dir, monkeypatch, page, lang=lang)
    t = translator(lang)
    assert not at.exception, [e.value for e in at.exception]
    assert [title.value for title in at.title] == [t(PAGES[page])]
    assert at.sidebar.multiselect(key="f_region").label == t("sidebar.region")
    assert not raw_keys(at)
    assert not untranslated_month_axes(at)  # months read 2026年1月 / Jan 2026, as the catalogue writes them


def test_switching_the_language_in_the_sidebar_retitles_the_page(demo_dir, monkeypatch):
    at = open_app(demo_dir, monkeypatch, "abc", lang="zh")
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == translator("en")("abc.title")
    assert at.query_params["lang"] == "en"


# ---- the overview's numbers follow the filters --------------------------------------------------------

def test_choosing_a_region_changes_the_revenue_to_that_regions_sales(demo_dir, monkeypatch):
    t = translator("en")
    at = open_app(demo_dir, monkeypatch, lang="en")
    start, end = last_12_months(TODAY)
    everyone = revenue(demo_dir, start, end)
    assert metric(at, t("kpi.revenue")) == fmt.money(everyone, "en")

    regions = at.sidebar.multiselect(key="f_region").options
    region = regions[0]
    at.sidebar.multiselect(key="f_region").select(region).run()
    assert not at.exception
    one_region = revenue(demo_dir, start, end, regions=[region])
    assert 0 < one_region < everyone
    assert metric(at, t("kpi.revenue")) == fmt.money(one_region, "en")
    assert at.query_params["region"] == region  # the view can be bookmarked


def test_choosing_last_year_shows_last_years_revenue(demo_dir, monkeypatch):
    t = translator("zh")
    at = open_app(demo_dir, monkeypatch, lang="zh")
    at.sidebar.selectbox(key="f_period").set_value("last_year").run()
    year = TODAY.year - 1
    assert metric(at, t("kpi.revenue")) == fmt.money(revenue(demo_dir, dt.date(year, 1, 1), dt.date(year, 12, 31)),
                                                     "zh")


def test_a_bookmarked_custom_period_opens_with_its_numbers(demo_dir, monkeypatch):
    t = translator("en")
    start, end = TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=100)
    at = open_app(demo_dir, monkeypatch, lang="en", period="custom", start=start.isoformat(), end=end.isoformat())
    assert at.sidebar.date_input(key="f_start").value == start
    assert metric(at, t("kpi.revenue")) == fmt.money(revenue(demo_dir, start, end), "en")


# ---- empty store, and data outside the period ---------------------------------------------------------

def test_an_empty_store_offers_demo_data_and_the_button_fills_it(store, monkeypatch):
    t = translator("en")
    at = open_app(store.root, monkeypatch, lang="en")
    assert at.title[0].value == t("app.title") and not raw_keys(at)
    load = next(b for b in at.button if b.label == t("empty.load_demo"))
    load.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not store.is_empty()
    assert store.count("customers") > 0 and store.count("sales") > 0
    assert at.title[0].value == t("overview.title")
    assert metric(at, t("kpi.revenue")) == fmt.money(revenue(store.root, *last_12_months(TODAY)), "en")


OLD_SALES = [dict(s, date=s["date"].replace(year=2019)) for s in SALES if s["date"].year == 2025]


@pytest.mark.parametrize("page", ["overview", "abc"])
def test_data_outside_the_chosen_period_offers_to_switch_to_the_datas_range(store, monkeypatch, page):
    store.append("customers", CUSTOMERS)
    store.append("sales", OLD_SALES)
    first, last = min(s["date"] for s in OLD_SALES), max(s["date"] for s in OLD_SALES)
    t = translator("en")
    at = open_app(store.root, monkeypatch, page, lang="en")
    start, end = last_12_months(TODAY)
    assert [w.value for w in at.warning] == [t("outside.warning", start=start, end=end, first=first, last=last)]
    switch = next(b for b in at.button if b.label == t("outside.use_range", first=first, last=last))
    switch.click().run()
    assert not at.exception and not at.warning
    assert (at.query_params["period"], at.query_params["start"], at.query_params["end"]) == (
        "custom", first.isoformat(), last.isoformat())
    if page == "overview":
        assert metric(at, t("kpi.revenue")) == fmt.money(sum(s["amount"] for s in OLD_SALES), "en")
    else:
        assert at.dataframe, "the ABC table is shown"


# ---- the ABC, accounts and data pages on the hand-made book -------------------------------------------

def shown_classes(at: AppTest, t) -> dict[str, str]:
    for table in at.dataframe:
        frame = table.value
        if {t("col.customer_id"), t("col.abc_class")} <= set(frame.columns):
            return dict(zip(frame[t("col.customer_id")], frame[t("col.abc_class")]))
    raise AssertionError("no ABC table on the page")


def test_the_abc_table_follows_the_rule_and_the_cuts_set_on_the_page(book, monkeypatch):
    t = translator("en")
    at = open_app(book.root, monkeypatch, "abc", lang="en", period="custom", start="2025-01-01", end="2025-12-31")
    revenue_2025 = {}
    for sale in SALES:
        if sale["date"].year == 2025:
            revenue_2025[sale["customer_id"]] = revenue_2025.get(sale["customer_id"], 0) + sale["amount"]
    assert shown_classes(at, t) == pareto_classes(revenue_2025)
    at.number_input(key="abc_cut_a").set_value(50).run()
    assert shown_classes(at, t) == pareto_classes(revenue_2025, cuts=(0.5, 0.95))
    assert pareto_classes(revenue_2025, cuts=(0.5, 0.95)) != pareto_classes(revenue_2025)


def test_cuts_in_the_wrong_order_are_refused_on_the_page(book, monkeypatch):
    t = translator("zh")
    at = open_app(book.root, monkeypatch, "abc", lang="zh", period="custom", start="2025-01-01", end="2025-12-31")
    at.number_input(key="abc_cut_a").set_value(96).run()
    assert [e.value for e in at.error] == [t("abc.bad_cuts")]


def overdue(customer_id: str, day: dt.date) -> float:
    return sum(p["amount"] - (p.get("paid_amount") or 0) for p in PAYMENTS
               if p["customer_id"] == customer_id and p["due_date"] < day)


@pytest.mark.parametrize("customer_id", ["00017", "00105", "00200"])
def test_an_account_opened_from_its_address_shows_its_file_card(book, monkeypatch, customer_id):
    t = translator("en")
    at = open_app(book.root, monkeypatch, "accounts", lang="en", customer=customer_id)
    card = next(c for c in CUSTOMERS if c["customer_id"] == customer_id)
    assert not at.exception
    assert [h.value for h in at.header] == [f"{card['name']} · {customer_id}"]
    assert metric(at, t("col.customers.tier")) == t(f"tier.{card['tier']}")
    shown = {m.label: m.value for m in at.metric}
    assert "nan" not in shown.values() and "None" not in shown.values()
    late = overdue(customer_id, TODAY)
    assert t("accounts.overdue", amount=fmt.money(late, "en")) in [e.value for e in (at.error if late else at.success)]


def test_the_visit_history_names_methods_and_stages_in_the_users_language(book, monkeypatch):
    t = translator("zh")
    at = open_app(book.root, monkeypatch, "accounts", lang="zh", customer="00017")
    events = next(d.value for d in at.dataframe if t("col.timeline.kind") in d.value.columns)
    visits = events[events[t("col.timeline.kind")] == t("accounts.event.visit")]
    mine = sorted((v for v in VISITS if v["customer_id"] == "00017"), key=lambda v: v["date"], reverse=True)
    assert visits[t("col.timeline.what")].tolist() == [t(f"method.{v['method']}") for v in mine]
    assert visits[t("col.timeline.state")].tolist() == [t(f"deal_stage.{v['deal_stage']}") for v in mine]


def test_searching_accounts_narrows_the_choice(book, monkeypatch):
    at = open_app(book.root, monkeypatch, "accounts", lang="zh")
    at.text_input(key="acct_search").input("物流").run()
    assert at.selectbox(key="acct_pick").options == [
        f"{c['name']} ({c['customer_id']})" for c in CUSTOMERS if "物流" in c["name"]]


def test_the_data_page_lists_every_table_with_its_rows(book, monkeypatch):
    t = translator("en")
    at = open_app(book.root, monkeypatch, "data", lang="en")
    tables = at.dataframe[0].value
    assert tables[t("col.rows")].tolist() == [book.count(name) for name in TABLES]
    assert at.caption[0].value == t("data.where", path=book.root)
