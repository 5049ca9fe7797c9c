"""The real thing: `streamlit run app.py` on a demo store, every page opened in headless Chromium.

Screenshots go to tests/artifacts/ for a person to look at.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import ARTIFACTS, PAGES, ROOT
from kam.i18n import LANGUAGES, translator

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NO_CHROMIUM = (f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
               "Run tests/run.sh, which installs it (apt-get install chromium fonts-noto-cjk).")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {seconds:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_url(demo_dir, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "KAM_DATA_DIR": str(demo_dir)}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        yield None  # each test then fails with NO_CHROMIUM: a missing browser is never a skip
        return
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
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
# Streamlit answers in its old pages-folder mode until app.py has run once (see ui.context).
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
