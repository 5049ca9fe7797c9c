"""In a real browser: an analyst opens the import page, uploads a GBK export and sees its rows counted."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

import import_corpus as corpus
from conftest import ARTIFACTS
from kam.store.delta import Store
from live_app import launch, streamlit_server


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
