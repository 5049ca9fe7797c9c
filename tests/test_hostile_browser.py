"""In a real browser: a customer whose name and profile carry markdown, HTML and an image is shown
exactly as written, and the page asks nothing of any other host (no tracking beacon loads)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

from kam.store.delta import Store
from live_app import launch, streamlit_server

NAME = "**Acme** ![x](http://beacon.example/name.png) <img src='http://beacon.example/i.png'>"
PROFILE = "[click](http://evil.example/) ![b](http://beacon.example/profile.png) <b>bold</b>"


def test_a_name_with_markdown_and_html_shows_literally_and_loads_nothing_from_outside(tmp_path):
    store = Store(tmp_path / "data")
    store.append("customers", [dict(customer_id="MD1", name=NAME, tier="important", status="active",
                                    profile=PROFILE, created=dt.date(2020, 1, 1))], user="t")
    store.append("sales", [dict(order_id="S1", customer_id="MD1", date=dt.date(2026, 1, 5), amount=10)], user="t")
    with streamlit_server(store.root) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        tab = browser.new_page()
        hosts = []
        tab.on("request", lambda request: hosts.append(urlparse(request.url).netloc))
        tab.goto(f"{url}/accounts?customer=MD1&lang=en", wait_until="domcontentloaded")
        heading = tab.get_by_role("heading", level=2).first
        heading.wait_for(timeout=90_000)
        tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=90_000)
        tab.wait_for_timeout(1000)
        body = tab.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")  # the word joiners
        assert f"{NAME} · MD1" in body and PROFILE in body
        assert tab.locator('[data-testid="stMain"] img').count() == 0
        links = tab.locator('[data-testid="stMain"] a[href*="evil.example"]')
        assert links.count() == 0, links.first.evaluate("a => a.parentElement.parentElement.outerHTML")
        assert set(hosts) == {urlparse(url).netloc}
        browser.close()
