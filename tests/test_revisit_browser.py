"""In a real browser: an account manager records a visit, and the director's coverage counts it."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import APP, ARTIFACTS, TODAY
from kam.store import Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(root: Path):
    port = free_port()
    env = {**os.environ, "KAM_DATA_DIR": str(root), "KAM_USER": "李娜"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
                                "--server.headless", "true"], cwd=APP.parent, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                    break
            time.sleep(0.25)
        else:
            raise RuntimeError("the Streamlit server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def two_accounts(store) -> Store:
    """One account visited last week; one filed long ago and never visited."""
    store.append("customers", [
        dict(customer_id="K1", name="华东精密机械", tier="important", status="active", account_manager="李娜",
             created=dt.date(2020, 1, 1)),
        dict(customer_id="K2", name="申江物流", tier="ordinary", status="active", account_manager="李娜",
             created=dt.date(2020, 1, 1)),
    ], user="tester")
    store.append("sales", [dict(order_id="S1", customer_id="K1", date=TODAY - dt.timedelta(days=9), amount=5000)],
                 user="tester")
    store.append("visits", [dict(visit_id="V1", customer_id="K1", date=TODAY - dt.timedelta(days=7),
                                 method="phone")], user="tester")
    return store


def coverage(page) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text="Revisit coverage")
    return box.get_by_test_id("stMetricValue").inner_text(timeout=60_000)


def test_an_account_manager_records_a_visit_and_the_coverage_counts_it(two_accounts):
    from playwright.sync_api import expect, sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is needed for the browser tests: apt-get install chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(two_accounts.root) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/revisits?lang=en")
            assert coverage(page) == "50.0%"

            page.goto(f"{url}/visits?lang=en")
            page.get_by_role("tab", name="Record a visit").click()
            search = page.get_by_label("Find a customer (ID or name)").first
            search.fill("申江")
            search.press("Enter")
            expect(page.get_by_role("combobox", name="Customer ID *").first).to_have_value("申江物流 (K2)",
                                                                                           timeout=30_000)
            page.get_by_role("combobox", name="Method *").first.click()
            page.get_by_role("option", name="Phone").click()
            page.get_by_label("Discussed").first.fill("Price review for 2027; they want faster delivery.")
            page.get_by_label("Received by").first.fill("陈刚")
            page.screenshot(path=str(ARTIFACTS / "revisit_form_filled.png"))
            page.get_by_test_id("stForm").first.get_by_role("button", name="Save").click()
            expect(page.get_by_text("Visit V", exact=False).first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "revisit_form_saved.png"))

            page.goto(f"{url}/revisits?lang=en")
            assert coverage(page) == "100.0%"
            page.screenshot(path=str(ARTIFACTS / "revisit_dashboard_after.png"), full_page=False)
        finally:
            browser.close()
    stored = two_accounts.read("visits").to_pandas().set_index("customer_id")
    assert stored.loc["K2", "received_by"] == "陈刚" and stored.loc["K2", "recorded_by"] == "李娜"
