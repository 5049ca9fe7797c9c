"""The app served for real, and the browser that opens it: shared by the browser tests."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# As root, without a sandbox; without the background-networking flags Chromium keeps
# knocking on hosts this closed network refuses.
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


@contextlib.contextmanager
def streamlit_server(data_dir: Path, *, user: str | None = None):
    """`python -m kam serve` (the app, warmed while it starts) on a free port over this data folder;
    yields its address."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="kam-server-")) / "streamlit.log"
    env = {**os.environ, "KAM_DATA_DIR": str(data_dir), **({"KAM_USER": user} if user else {})}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "kam", "serve", "--server.port", str(port),  # the README's way
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


def launch(playwright):
    """Debian's Chromium, headless; a missing browser fails the test, never skips it."""
    assert CHROMIUM.exists(), NO_CHROMIUM
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
