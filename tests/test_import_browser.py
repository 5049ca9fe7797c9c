"""In a real browser: an analyst opens the import page, uploads a GBK export and sees its rows counted;
a file the page refuses is let go by the server at once."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

import import_corpus as corpus
from conftest import ARTIFACTS
from kam.store.delta import Store
from live_app import launch, streamlit_server, uploads_held


@pytest.fixture
def served_shop(tmp_path):
    store = Store(tmp_path / "store")
    store.append("customers", corpus.CUSTOMERS, user="setup")
    with streamlit_server(store.root, user="analyst") as url:
        yield url, store


def test_an_analyst_uploads_an_erp_export_and_sees_its_rows_imported(served_shop, tmp_path):
    url, store = served_shop
    export = tmp_path / "3月销售.csv"
    export.write_bytes(corpus.ERP_SALES)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/import", timeout=60_000)  # in Chinese, as the analysts use it
        expect(page.get_by_role("heading", name="导入数据")).to_be_visible(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(export))
        go = page.get_by_role("button", name="导入 5 行")
        expect(go).to_be_visible(timeout=60_000)
        go.click()
        expect(page.get_by_text("已导入 5 行到「销售」")).to_be_visible(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
        browser.close()
    assert store.count("sales") == 5


def test_a_refused_file_is_let_go_by_the_server_and_a_corrected_one_goes_in_at_once(served_shop, tmp_path):
    url, store = served_shop
    mixed = tmp_path / "3月销售.csv"  # the GBK export with one line added in UTF-8 at its end
    mixed.write_bytes(corpus.ERP_SALES + "SO-006,00017,华东精密机械,2026-03-09,垫圈,1,10,\r\n".encode())
    corrected = tmp_path / "3月销售 (改).csv"
    corrected.write_bytes(corpus.ERP_SALES)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/import?lang=en", timeout=60_000)
        expect(page.get_by_role("heading", name="Import data")).to_be_visible(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(mixed))
        refusal = page.get_by_text("“3月销售.csv” cannot be read, line 10: the file mixes encodings")
        expect(refusal).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stFileChip")).to_have_count(0)  # an empty uploader, ready for the next file
        held = uploads_held(url)
        page.locator("input[type=file]").set_input_files(str(corrected))
        expect(page.get_by_text("Read as CSV, encoding GB18030")).to_be_visible(timeout=60_000)
        expect(refusal).to_have_count(0)
        browser.close()
    assert held == 0, f"the server still holds {held:,} bytes of the refused upload"
