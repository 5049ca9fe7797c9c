"""The explore and SQL pages as an analyst meets them (Streamlit's AppTest on the demo store): three
questions whose tables pandas works out again from the stored rows, an address that opens the same
table, a question saved for everyone, and a console that answers or says why not."""
from __future__ import annotations


import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, TODAY, store_copy
from kam.explore.question import Question
from kam.filters import Filters
from kam.i18n import translator, value_name
from kam.periods import resolve
from kam.readside.database import Database
from kam.store.delta import Store

T = translator("en")
LAST_12 = resolve("last_12_months", TODAY)


def open_page(root, monkeypatch, page: str, **params) -> AppTest:
    monkeypatch.setenv("KAM_DATA_DIR", str(root))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in {"lang": "en", **params}.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    return at.run()


def shown(at: AppTest) -> pd.DataFrame:
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    (table,) = at.dataframe
    return table.value


def stored(root, name: str) -> pd.DataFrame:
    """A table's rows in the last 12 months with their customer's columns, read with pandas."""
    store = Store(root)
    rows = store.read(name).to_pandas()
    customers = store.read("customers").to_pandas()[["customer_id", "region", "account_manager", "tier"]]
    date = TABLE_DATES[name]
    day = pd.to_datetime(rows[date]).dt.date
    rows = rows[(day >= LAST_12.start) & (day <= LAST_12.end)].assign(day=day)
    return rows.merge(customers, on="customer_id", how="left")


TABLE_DATES = {"sales": "date", "visits": "date", "complaints": "received"}


def test_revenue_by_region_is_the_sum_of_the_stored_lines(demo_dir, monkeypatch):
    at = open_page(demo_dir, monkeypatch, "explore", subject="sales", by="region", measure="sum:amount")
    table = shown(at)
    expected = stored(demo_dir, "sales").groupby("region")["amount"].sum().sort_values(ascending=False)
    assert table.columns.tolist() == [T("explore.field.region"), "sum of amount"] and len(table) > 2
    assert table.iloc[:, 0].tolist() == expected.index.tolist()
    assert table.iloc[:, 1].tolist() == pytest.approx(expected.tolist())


def test_visits_per_manager_per_month_in_one_region(demo_dir, monkeypatch):
    lines = stored(demo_dir, "visits")
    region = lines["region"].mode()[0]
    at = open_page(demo_dir, monkeypatch, "explore", subject="visits", by="manager,month", measure="count",
                   sort="label", region=region, chart="stacked_bar")
    table = shown(at)
    mine = lines[lines["region"] == region]
    expected = mine.groupby([mine["account_manager"], mine["day"].map(lambda d: f"{d:%Y-%m}")]).size()
    assert {(m, month): n for m, month, n in table.itertuples(index=False)} == expected.to_dict()
    assert len(table) > 3
    assert region in " ".join(c.value for c in at.caption)  # the sentence names the shared filter
    assert at.get("plotly_chart")


def test_the_top_three_categories_of_complaints_of_medium_severity_or_worse(demo_dir, monkeypatch):
    at = open_page(demo_dir, monkeypatch, "explore", subject="complaints", by="category", measure="count",
                   where="severity:in:medium|high|critical", top="3", chart="heat_map")
    table = shown(at)
    lines = stored(demo_dir, "complaints")
    serious = lines[lines["severity"].isin(["medium", "high", "critical"])].groupby("category").size().reset_index(name="n")
    expected = serious.sort_values(["n", "category"], ascending=[False, True]).head(3)
    expected["category"] = [value_name(T, "category", c) for c in expected["category"]]  # named as the app names them
    assert table.values.tolist() == expected.values.tolist() and len(table) == 3
    assert "top 3" in " ".join(c.value for c in at.caption)


def test_the_address_holds_the_question_and_opening_it_gives_the_same_table(demo_dir, monkeypatch):
    at = open_page(demo_dir, monkeypatch, "explore", subject="sales", by="region", measure="sum:amount")
    at.multiselect(key="ex_by").set_value(["class", "quarter"])
    at.selectbox(key="ex_m2").set_value("share:amount")
    at.number_input(key="ex_top").set_value(4)
    at.run()
    first = shown(at)
    address = {key: at.query_params[key][0] if isinstance(at.query_params[key], list) else at.query_params[key]
               for key in at.query_params}
    assert address["by"] == "class,quarter" and address["measure"] == "sum:amount,share:amount"
    assert address["top"] == "4"
    again = open_page(demo_dir, monkeypatch, "explore", **address)
    pd.testing.assert_frame_equal(shown(again), first)
    question = Question.from_params(address)
    direct = question.answer(Database(Store(demo_dir)), Filters.from_params(address, TODAY), TODAY)
    assert shown(again).iloc[:, -1].tolist() == pytest.approx(direct["share_amount"].tolist())
    assert len(first) == 4


def test_a_saved_question_is_listed_for_everyone_and_opens_as_saved(demo_dir, tmp_path, monkeypatch):
    root = store_copy(demo_dir, tmp_path / "store")
    at = open_page(root, monkeypatch, "explore", subject="churns", by="reason", measure="sum:lost_revenue")
    (name,) = [box for box in at.text_input if box.label == T("explore.save_name")]
    name.input("Why we lose money")
    (save,) = [b for b in at.button if b.label == T("explore.save")]
    save.click().run()
    assert [s.value for s in at.success] == ["Saved “Why we lose money”; everyone sees it."]
    other = open_page(root, monkeypatch, "explore")  # someone else, on the default question
    assert shown(other).columns[0] == T("explore.field.region")
    (open_button,) = [b for b in other.button if b.label == T("explore.open_saved")]
    open_button.click().run()
    assert shown(other).columns[0] == T("explore.field.reason")
    assert other.query_params["subject"] in ("churns", ["churns"])


def test_the_console_answers_a_select_and_refuses_a_copy_with_a_sentence(demo_dir, monkeypatch):
    at = open_page(demo_dir, monkeypatch, "sql")
    at.text_area(key="sql_query").set_value("SELECT tier, COUNT(*) AS customers FROM customers GROUP BY 1 ORDER BY 1")
    at.button[0].click().run()
    customers = Store(demo_dir).read("customers").to_pandas().groupby("tier").size()
    assert shown(at).values.tolist() == [[k, v] for k, v in customers.items()]
    at.text_area(key="sql_query").set_value(f"COPY sales TO '{demo_dir}/sales/leak.csv'")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Not run: " + T("sql.refused.select_only")]
    assert not (demo_dir / "sales" / "leak.csv").exists()
