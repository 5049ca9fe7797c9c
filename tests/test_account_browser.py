"""In a real browser: the director clicks a customer in the ABC table, lands on its account file,
raises its credit limit with a reason, and sees the change in the account's timeline."""
from __future__ import annotations

import re

from playwright.sync_api import sync_playwright

from conftest import ARTIFACTS, store_copy
from live_app import launch, streamlit_server
from test_browser import settle


def test_a_click_in_the_abc_table_opens_the_account_file_where_the_credit_limit_is_changed_with_a_reason(
        demo_dir, tmp_path):
    root = store_copy(demo_dir, tmp_path / "store")
    with streamlit_server(root) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1440, "height": 2000})
        context.set_default_timeout(120_000)
        tab = context.new_page()
        tab.goto(f"{url}/abc?lang=en", wait_until="domcontentloaded")
        tab.get_by_role("heading", level=1, name="ABC analysis").wait_for()
        settle(tab)
        grid = tab.locator('[data-testid="stDataFrame"]').first  # the ABC table, the customer's name first
        grid.evaluate("element => element.scrollIntoView({block: 'center'})")
        tab.wait_for_timeout(500)
        box = grid.bounding_box()
        name = (box["x"] + 40, box["y"] + 55)  # the first row's name
        tab.mouse.move(*name)  # the grid makes a link of the cell the pointer is over
        tab.wait_for_timeout(500)
        with context.expect_page() as opened:
            tab.mouse.click(*name)
        account = opened.value
        account.wait_for_load_state()
        assert re.search(r"/accounts\?customer=[^&]+&lang=en", account.url)
        customer = re.search(r"customer=([^&#]+)", account.url).group(1)
        account.get_by_role("heading", level=2, name=re.compile(customer)).wait_for()
        settle(account)

        account.get_by_text("Edit the file").click()
        form = account.locator('[data-testid="stForm"]').filter(has_text="Save the changes")
        limit = form.get_by_label("Credit limit")
        limit.fill("8888888")
        form.get_by_label("Reason").fill("annual review: orders doubled")
        form.get_by_role("button", name="Save the changes").click()
        account.get_by_text("Saved: Credit limit.").wait_for()
        settle(account)
        history = account.locator('[data-testid="stTable"]').filter(has_text="Old value")
        history.evaluate("element => element.scrollIntoView({block: 'center'})")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        account.screenshot(path=str(ARTIFACTS / "account-file-after-edit.png"), full_page=True)
        newest = history.locator("tbody tr").first.inner_text()
        assert "Credit limit" in newest and "8888888" in newest and "annual review: orders doubled" in newest
        browser.close()
