"""In a real browser: a complaint and a churn are recorded, and the dashboards count them."""
from __future__ import annotations

from conftest import ARTIFACTS
from kam.readside.database import Database
from live_app import launch, streamlit_server
from risk_book import build

WAIT = 120_000  # ms; a shared test machine can be slow to run a page the first time


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue").first


def find_customer(page, text: str, shown: str) -> None:
    from playwright.sync_api import expect

    search = page.get_by_label("Find a customer (ID or name)").first
    search.fill(text)
    search.press("Enter")
    expect(page.get_by_role("combobox", name="Customer ID *").first).to_have_value(shown, timeout=WAIT)


def test_a_complaint_and_a_churn_recorded_in_the_browser_are_counted_on_the_dashboards(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    store = build(tmp_path / "store")
    with streamlit_server(store.root, user="李娜") as url, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(WAIT)
        try:
            page.goto(f"{url}/complaints?lang=en")
            expect(metric(page, "Received")).to_have_text("3", timeout=WAIT)
            expect(metric(page, "Open")).to_have_text("2")

            page.goto(f"{url}/complaint_cards?lang=en")
            find_customer(page, "申江", "申江物流 (S)")
            page.get_by_role("combobox", name="Category *").first.click()
            page.get_by_role("option", name="Delivery").click()
            page.get_by_label("Description").first.fill("The driver left the pallets in the rain.")
            page.get_by_test_id("stForm").first.get_by_role("button", name="Save").click()
            expect(page.get_by_text("saved.", exact=False).first).to_be_visible(timeout=WAIT)
            page.screenshot(path=str(ARTIFACTS / "churn_browser_complaint_saved.png"))

            page.goto(f"{url}/complaints?lang=en")
            expect(metric(page, "Received")).to_have_text("4", timeout=WAIT)
            expect(metric(page, "Open")).to_have_text("3")

            page.goto(f"{url}/churn?lang=en")
            expect(metric(page, "Churned customers")).to_have_text("1", timeout=WAIT)

            page.goto(f"{url}/churn_records?lang=en")
            find_customer(page, "申江", "申江物流 (S)")
            page.get_by_role("combobox", name="Reason *").first.click()
            page.get_by_role("option", name="Competitor").click()
            page.get_by_test_id("stForm").first.get_by_role("button", name="Save").click()
            expect(page.get_by_text("the customer is now churned", exact=False).first).to_be_visible(timeout=WAIT)
            page.screenshot(path=str(ARTIFACTS / "churn_browser_churn_saved.png"))

            page.goto(f"{url}/churn?lang=en")
            expect(metric(page, "Churned customers")).to_have_text("2", timeout=WAIT)
            page.screenshot(path=str(ARTIFACTS / "churn_browser_churn_page.png"))
        finally:
            browser.close()
    db = Database(store)
    assert db.scalar("SELECT count(*) FROM complaints WHERE customer_id = 'S' AND recorded_by = '李娜'") == 1
    churned = db.query("SELECT reason, lost_revenue FROM churns WHERE customer_id = 'S'").iloc[0]
    assert (churned["reason"], churned["lost_revenue"]) == ("competitor", 80_000)
