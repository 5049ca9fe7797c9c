"""In a real browser: an account manager records a visit, and the director's coverage counts it."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import ARTIFACTS, TODAY
from kam.store.delta import Store
from live_app import launch, streamlit_server

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

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(two_accounts.root, user="李娜") as url, sync_playwright() as pw:
        browser = launch(pw)
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
