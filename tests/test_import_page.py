"""The import page, driven as a user would: upload, look at the check, import, undo."""
from __future__ import annotations

import html

import pytest
from streamlit.testing.v1 import AppTest

import import_corpus as corpus
from conftest import APP
from kam.store.delta import Store


@pytest.fixture
def page(tmp_path, monkeypatch):
    store = Store(tmp_path / "store")
    store.append("customers", corpus.CUSTOMERS, user="setup")
    monkeypatch.setenv("KAM_DATA_DIR", str(store.root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/import.py").run()
    return at, store


def upload(at, name: str, data: bytes):
    at.file_uploader(key="imp_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception


def test_an_erp_export_is_checked_previewed_and_imported(page):
    at, store = page
    upload(at, "3月.csv", corpus.ERP_SALES)
    said = "Read as CSV, encoding GB18030, delimiter “,”, header on line 3, 6 data rows."
    assert said in [c.value for c in at.caption]
    assert at.markdown[0].value.startswith("6 rows: 5 to write, 0 rejected, 1 skipped")
    assert at.dataframe[0].value["Line"].tolist() == [4, 5, 6, 7, 8]
    at.button(key="imp_go").click().run()
    assert at.success[0].value.startswith("Imported 5 rows into Sales (import ")
    assert store.count("sales") == 5
    at.button(key="imp_undo").click().run()
    assert store.count("sales") == 0


def test_a_broken_file_shows_every_problem_and_offers_the_good_rows(page):
    at, store = page
    upload(at, "broken.csv", corpus.BROKEN_SALES)
    assert at.error[0].value.startswith("Problems remain, so nothing will be written.")
    kinds = at.dataframe[1].value  # one row per kind of problem and column; the full list is a download
    assert kinds["Problem"].tolist()[:3] == ["1 line: not a date that can be read", "1 line: not a number",
                                             "1 line: no such customer (create new customers, or reject these rows)"]
    assert kinds["Where"].tolist()[:3] == ["line 3 ('2026-02-30')", "line 4 ('一百')", "line 5 ('C999')"]
    assert kinds["Lines"].sum() == 11
    assert [b.label for b in at.get("download_button")] == [
        "Download the problem list (CSV)", "Download the rejected rows (fix and import again)"]
    at.checkbox(key="imp_good_rows").check().run()
    at.button(key="imp_go").click().run()
    assert at.success[0].value.startswith("Imported 3 rows")
    assert store.count("sales") == 3


def test_the_mapping_can_be_changed_and_saved(page):
    at, store = page
    upload(at, "till.csv", corpus.REPEATED_SALES)
    product = next(s for s in at.selectbox if s.label == "产品")
    assert product.value == "product"
    product.select_index(0).run()  # "(skip)"
    name = next(i for i in at.text_input if i.label == "Save this mapping as")
    name.input("收银机").run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert at.success[0].value == "Mapping “收银机” saved."
    at.button(key="imp_go").click().run()
    assert store.read("sales").column("product").null_count == 3


def test_a_refused_file_is_let_go_and_the_reason_stays_above_an_empty_uploader(page):
    at, store = page
    mixed = "客户编号,客户名称\nC1,华东精密机械\n".encode() + "C2,申江物流\n".encode("gb18030") + "C3,蜀都食品\n".encode()
    at.file_uploader(key="imp_file").set_value(("mixed.csv", mixed, "text/csv")).run()
    assert not at.exception
    assert [html.unescape(e.value) for e in at.error] == [  # the file's name shown as written
        "“mixed.csv” cannot be read, line 3: the file mixes encodings: line(s) 3 are not in the encoding of the "
        "other lines, so reading it in either would garble some lines; save it again as UTF-8 throughout and "
        "import that"]
    assert [u.value for u in at.file_uploader] == [None]  # a new, empty uploader: the page let the file go
    assert store.count("customers") == len(corpus.CUSTOMERS)
    at.file_uploader(key="imp_file_1").set_value(("mixed.csv", mixed.decode("utf-8", "replace").encode(),
                                                  "text/csv")).run()  # saved again as UTF-8
    assert not [e for e in at.error if "cannot be read" in e.value]
    assert "Read as CSV, encoding UTF-8, delimiter “,”, header on line 1, 3 data rows." in [c.value for c in at.caption]
