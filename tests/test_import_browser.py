"""In a real browser: an analyst opens the import page, uploads a GBK export and sees its rows counted."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect, sync_playwright

import import_corpus as corpus
from conftest import ARTIFACTS, ROOT
from kam.store import Store
from test_browser import CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, free_port, wait_until_healthy


@pytest.fixture
def served_shop(tmp_path):
    store = Store(tmp_path / "store")
    store.append("customers", corpus.CUSTOMERS, user="setup")
    port, log = free_port(), tmp_path / "streamlit.log"
    env = {**os.environ, "KAM_DATA_DIR": str(store.root), "KAM_USER": "analyst"}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log)
        yield url, store
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_an_analyst_uploads_an_erp_export_and_sees_its_rows_imported(served_shop, tmp_path):
    assert CHROMIUM.exists(), NO_CHROMIUM
    url, store = served_shop
    export = tmp_path / "3月销售.csv"
    export.write_bytes(corpus.ERP_SALES)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
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
