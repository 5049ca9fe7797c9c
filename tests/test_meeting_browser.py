"""In a real browser: the director runs the weekly meeting from presentation mode with the
keyboard, records an action on the spot, and the next meeting opens with it."""
from __future__ import annotations

import datetime as dt

from conftest import ARTIFACTS, TODAY, store_copy
from kam.i18n import translator
from kam.meeting import screens
from kam.readside.database import Database
from kam.store.delta import Store
from live_app import launch, streamlit_server

en = translator("en")
TITLES = [en(f"meeting.screen.{key}") for key in
          ("actions", "headline", "abc", "revisits", "complaints", "churn", "at_risk", "receivables", "changes")]


def keys_ready(page) -> None:
    """The page's key handler is in place (the page has loaded its script)."""
    page.wait_for_function("() => window.kamMeetingKeys === true"
                           " && !!document.querySelector('.st-key-meeting_next button')", timeout=60_000)


def test_the_director_steps_through_the_meeting_and_the_next_meeting_sees_the_action(demo_dir, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    assert len(TITLES) == len(screens.SCREENS)
    expect.set_options(timeout=90_000)  # a busy machine may take long to draw a screen
    root = store_copy(demo_dir, tmp_path / "store")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(root, user="王芳") as url, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        try:
            page.goto(f"{url}/overview?lang=en&present=1")  # entered from any page by its address
            expect(page.locator("h1").first).to_have_text(TITLES[0], timeout=60_000)
            expect(page.get_by_text("Screen 1 of 9", exact=False)).to_be_visible()
            keys_ready(page)
            expect(page.get_by_test_id("stSidebar")).to_be_hidden(timeout=90_000)  # no chrome on the projector

            for key, number in (("ArrowRight", 2), ("PageDown", 3), ("ArrowRight", 4)):
                page.keyboard.press(key)
                expect(page.locator("h1").first).to_have_text(TITLES[number - 1])
                expect(page.get_by_text(f"Screen {number} of 9", exact=False)).to_be_visible()
            page.keyboard.press("PageUp")
            expect(page.locator("h1").first).to_have_text(TITLES[2])
            page.keyboard.press("ArrowRight")
            expect(page.locator("h1").first).to_have_text(TITLES[3])

            # the most overdue A account is the form's first choice: two clicks and the words
            page.get_by_role("button", name="Record an action").click()
            page.get_by_label("What").fill("Director visits before Christmas")
            page.get_by_role("button", name="Save the action").click()
            expect(page.get_by_text("recorded", exact=False).first).to_be_visible(timeout=90_000)
        finally:
            browser.close()
        decided = Database(Store(root)).query("SELECT * FROM meeting_actions")
        assert list(decided["action"]) == ["Director visits before Christmas"]
        assert decided["meeting_date"].iat[0].date() == TODAY and decided["recorded_by"].iat[0] == "王芳"
        assert decided["due_date"].iat[0].date() == TODAY + dt.timedelta(days=7)

        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        try:
            next_week = TODAY + dt.timedelta(days=7)
            page.goto(f"{url}/meeting?lang=en&meeting={next_week}")
            expect(page.locator("h1").first).to_have_text(TITLES[0], timeout=60_000)
            table = page.get_by_test_id("stTable").first  # the screen's; a table drawn out of sight follows it
            expect(table).to_contain_text("Director visits before Christmas")
            expect(table).to_contain_text("Open")
            expect(page.get_by_text(f"meeting of {TODAY}", exact=False).first).to_be_visible()
            keys_ready(page)
            for number, wanted in enumerate(TITLES, start=1):
                expect(page.locator("h1").first).to_have_text(wanted)
                expect(page.get_by_text(f"Screen {number} of 9", exact=False)).to_be_visible(timeout=90_000)
                page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                                       ".every(chart => chart.querySelector('.main-svg'))", timeout=90_000)
                page.wait_for_timeout(500)  # the charts' last frame
                page.screenshot(path=str(ARTIFACTS / f"meeting_{number}.png"))
                page.keyboard.press("ArrowRight")
        finally:
            browser.close()
