"""The app's memory with people using it: `python -m kam serve` (README) on the store, two browser
sessions (headless Chromium) opening every page, the server's peak resident memory read
from /proc (VmHWM), so it counts the Database, both sessions and Streamlit itself.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import live_app  # noqa: E402 - the server and browser the browser tests use

WAIT_MS = 900_000


def peak_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def settle(tab) -> None:
    """The page's script has run to its end (a first run may rerun once to leave old-style pages mode)."""
    tab.get_by_role("heading", level=1).first.wait_for(timeout=WAIT_MS)
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=WAIT_MS)


def two_sessions(store: Path, url_paths: list[str]) -> tuple[float, float, str]:
    """(peak MB, seconds to the first page in the first session, notes)."""
    from playwright.sync_api import sync_playwright

    launched = time.perf_counter()
    with live_app.serve(store, keep_log=False, seconds=120) as (url, server):
        started_mb = rss_mb(server.pid)
        with sync_playwright() as playwright:
            browser = live_app.launch(playwright)
            sessions = [browser.new_context(viewport={"width": 1440, "height": 1600}) for _ in range(2)]
            tabs = [context.new_page() for context in sessions]
            first = None
            for path in url_paths:
                for tab in tabs:
                    began = time.perf_counter()
                    tab.goto(f"{url}/{path}", wait_until="domcontentloaded")
                    settle(tab)
                    if first is None:
                        first, from_command = time.perf_counter() - began, time.perf_counter() - launched
            after_mb = rss_mb(server.pid)
            browser.close()
        return peak_mb(server.pid), first, (f"server at start {started_mb:,.0f} MB, after both sessions "
                                            f"{after_mb:,.0f} MB; {len(url_paths)} pages each; first page "
                                            f"{from_command:.1f} s after the command was typed")
