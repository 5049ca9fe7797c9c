"""The real thing: `python -m kam serve` (the README's run command) on a demo store, every page
opened in headless Chromium.

Screenshots go to tests/artifacts/ for a person to look at.
"""
from __future__ import annotations


import pytest
from playwright.sync_api import sync_playwright

from conftest import ARTIFACTS, PAGES
from kam.i18n import LANGUAGES, translator
from live_app import CHROMIUM, NO_CHROMIUM, launch, streamlit_server


@pytest.fixture(scope="module")
def app_url(demo_dir):
    with streamlit_server(demo_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        yield None  # each test then fails with NO_CHROMIUM: a missing browser is never a skip
        return
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def settle(tab) -> None:
    """Wait until the script has finished and every element, chart included, is drawn."""
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=90_000)
    tab.wait_for_function("""() =>
        !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
    """, timeout=90_000)
    tab.wait_for_timeout(300)


@pytest.fixture(scope="module")
def browsing(browser):
    """One browser context for all pages, so the app's scripts are fetched once."""
    if browser is None:
        yield None
        return
    # tall enough for a whole page: Streamlit scrolls inside the page, so a full-page shot shows only the window
    context = browser.new_context(viewport={"width": 1440, "height": 2800})
    yield context
    context.close()


def open_page(browsing, url: str, title: str, screenshot: str | None = None) -> list[str]:
    """Open a page, wait for its title and for it to settle; the problems seen on it."""
    tab = browsing.new_page()
    crashes = []
    tab.on("pageerror", lambda error: crashes.append(str(error)))
    try:
        tab.goto(url, wait_until="domcontentloaded")
        tab.get_by_role("heading", level=1, name=title).wait_for(timeout=90_000)
        settle(tab)
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        problems = [f"exception: {text}" for text in tab.locator('[data-testid="stException"]').all_inner_texts()]
        problems += [f"dialog: {text}" for text in tab.locator('[data-testid="stDialog"]').all_inner_texts()]
        problems += [f"script error: {text}" for text in crashes]
        headings = tab.get_by_role("heading", level=1).all_inner_texts()
        if headings != [title]:
            problems.append(f"headings {headings}, expected only {title!r}")
        return problems
    finally:
        tab.close()


def address(page: str) -> str:
    """Streamlit serves the default page (the overview) at the root, whatever its url_path."""
    return "" if page == "overview" else page


# The overview last, so the server's first request goes straight to a page's own address, which
# Streamlit would answer in its old pages-folder mode if the server had not left it (see ui/navigation.py).
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", sorted(PAGES, key=lambda page: page == "overview"))
def test_every_page_opens_in_a_real_browser_with_its_title_and_no_error(app_url, browsing, page, lang):
    assert browsing is not None, NO_CHROMIUM
    title = translator(lang)(PAGES[page])
    url = f"{app_url}/{address(page)}?lang={lang}"
    assert open_page(browsing, url, title, screenshot=f"{page}-{lang}.png") == []


def test_a_link_to_the_overview_by_its_name_opens_it_without_a_page_not_found(app_url, browsing):
    assert browsing is not None, NO_CHROMIUM
    title = translator("en")("overview.title")
    open_page(browsing, f"{app_url}/?lang=en", title)  # the server's first request is special: not this one
    assert open_page(browsing, f"{app_url}/overview?lang=en&region=华东", title) == []
