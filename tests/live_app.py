"""The app served for real, and the browser that opens it: shared by the browser tests and the
benchmark (bench/memory.py)."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path | None, seconds: float) -> None:
    """Raises RuntimeError (with the server's log, if kept) when it exits or does not answer in time."""
    told = (lambda: f":\n{log.read_text()}") if log else (lambda: "")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}{told()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer within {seconds:.0f} s{told()}")


@contextlib.contextmanager
def serve(data_dir: Path, *, user: str | None = None, keep_log: bool = True, seconds: float = 90,
          port: int | None = None, options: tuple[str, ...] = (), log: Path | None = None):
    """`python -m kam serve` (the README's run command) on a free port (or this one) over this data
    folder, Streamlit's options added, until healthy; yields its address and process, and stops it
    afterwards. Its output goes to `log` if given, else to a file of its own if kept."""
    port = port or free_port()
    log = log or (Path(tempfile.mkdtemp(prefix="kam-server-")) / "streamlit.log" if keep_log else None)
    env = {**os.environ, "KAM_DATA_DIR": str(data_dir), **({"KAM_USER": user} if user else {})}
    with open(log or os.devnull, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "kam", "serve", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false", *options],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log, seconds)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextlib.contextmanager
def streamlit_server(data_dir: Path, *, user: str | None = None, **how):
    """serve() for a test: yields the address; a server that does not come up fails the test."""
    import pytest

    running = contextlib.ExitStack()
    try:
        url, _ = running.enter_context(serve(data_dir, user=user, **how))
    except RuntimeError as error:
        pytest.fail(str(error))
    with running:
        yield url


def launch(playwright):
    """Debian's Chromium, headless; a missing browser fails the test, never skips it."""
    assert CHROMIUM.exists(), NO_CHROMIUM
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def uploads_held(url: str) -> int:
    """The bytes of uploaded files the server at `url` holds, for all its sessions, as its own metrics
    page counts them. Streamlit computes the count at most every 5 s: ask once, or 5 s apart."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as answer:
        metrics = answer.read().decode()
    return sum(int(n) for n in re.findall(r'cache_type="UploadedFileManager"[^}]*} (\d+)', metrics))
