"""The app's memory with people using it: `python -m kam serve` (README) on the store, two browser
sessions (headless Chromium) opening every page, the server's peak resident memory read
from /proc (VmHWM), so it counts the Database, both sessions and Streamlit itself.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 900_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def wait_healthy(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not come up")


def settle(tab) -> None:
    """The page's script has run to its end (a first run may rerun once to leave old-style pages mode)."""
    tab.get_by_role("heading", level=1).first.wait_for(timeout=WAIT_MS)
    tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=WAIT_MS)


def two_sessions(store: Path, url_paths: list[str]) -> tuple[float, float, str]:
    """(peak MB, seconds to the first page in the first session, notes)."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "KAM_DATA_DIR": str(store)}
    launched = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "kam", "serve", "--server.port", str(port),
                               "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        started_mb = rss_mb(server.pid)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
