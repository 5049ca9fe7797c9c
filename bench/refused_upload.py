"""The server's memory after a refused upload: `python -m kam serve` (README) on a small demo
store, headless Chromium uploads hostile files on the import page, and the server's resident
memory (VmRSS from /proc) is read before, at its highest while the file is read (sampled every
20 ms), once the refusal is shown, and 10 s later; then the bytes of uploaded files the server
still holds (its /_stcore/metrics), and its memory after the file is taken off the uploader with
its ✕, if the page left it there (the import page drops a refused file itself, ui/uploads.py).

    python bench/refused_upload.py [--csv-mb 150]

Files: an .xlsx of about 1 MB that unpacks to 1 GB (refused from its zip listing), a CSV of
--csv-mb MB in UTF-8 with one GB18030 line at its end (refused as mixed encodings, naming the
line), and a CSV over the upload limit of .streamlit/config.toml (refused by the uploader).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import live_app  # noqa: E402 - the server and browser the browser tests use
from hostile_files import inflating_xlsx  # noqa: E402 - the bomb the hostile-input tests use
from memory import rss_mb, settle  # noqa: E402

from kam.i18n import translator  # noqa: E402

t = translator("en")
UPLOAD_LIMIT_MB = 200  # .streamlit/config.toml, server.maxUploadSize
WAIT_MS = 300_000


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def mixed_csv(path: Path, megabytes: int) -> Path:
    """A UTF-8 customers file of about `megabytes` MB with one GB18030 line at its very end."""
    line = "C{:07d},华东精密机械有限公司第{:07d}号,ordinary,active\n"
    with open(path, "wb") as out:
        out.write("客户编号,客户名称,客户等级,状态\n".encode())
        i, block = 0, 20_000
        while out.tell() < megabytes << 20:
            out.write("".join(line.format(n, n) for n in range(i, i + block)).encode())
            i += block
        out.write("C9999999,申江物流,ordinary,active\n".encode("gb18030"))
    return path


def oversized_csv(path: Path, megabytes: int) -> Path:
    with open(path, "wb") as out:
        out.write(b"customer_id,name\n")
        for _ in range(megabytes):
            out.write(b"C1,xxxxxxxxxxxxxxxx\n" * ((1 << 20) // 19))
    return path


class Sampler:
    """The server's highest resident memory while it runs (sampled every 20 ms)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, rss_mb(pid), True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak


def upload(tab, url: str, pid: int, path: Path, refusal: str) -> dict[str, float | None]:
    before = rss_mb(pid)
    sampler = Sampler(pid)
    tab.locator("input[type=file]").set_input_files(str(path))
    tab.get_by_text(refusal, exact=False).first.wait_for(timeout=WAIT_MS)
    settle(tab)
    peak = sampler.stop()
    refused = rss_mb(pid)
    time.sleep(10)
    numbers = {"before": before, "peak": peak, "refused": refused, "10 s later": rss_mb(pid),
               "uploads held": live_app.uploads_held(url) / 2 ** 20}
    delete = tab.get_by_test_id("stFileChipDeleteBtn")
    if not delete.count():  # no file left on the uploader to take off
        return {**numbers, "✕ clicked": None}
    delete.first.click()
    settle(tab)
    time.sleep(5)
    return {**numbers, "✕ clicked": rss_mb(pid)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv-mb", type=int, default=150, help="the mixed-encoding CSV's size (default 150)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kam-refused-upload-") as work:  # some 400 MB: not left behind
        measure(Path(work), args.csv_mb)
    return 0


def measure(work: Path, csv_mb: int) -> None:
    from playwright.sync_api import sync_playwright

    store = work / "store"
    subprocess.run([sys.executable, "-m", "kam", "--data", str(store), "demo", "--customers", "50",
                    "--sales-lines", "5000"], check=True, capture_output=True)
    cases = [
        ("xlsx bomb (1 GB unpacked)", written(work / "bomb.xlsx", inflating_xlsx(1024, level=9)),
         t("import.read_error.xlsx_too_large", detail="").split("(")[0]),
        (f"CSV {csv_mb} MB, one GB18030 line at the end", mixed_csv(work / "mixed.csv", csv_mb),
         t("import.read_error.mixed_encoding", detail="").split(":")[0]),
        (f"CSV {UPLOAD_LIMIT_MB + 20} MB, over the upload limit", oversized_csv(work / "big.csv", UPLOAD_LIMIT_MB + 20),
         "or smaller"),  # the uploader's own "File must be 200.0MB or smaller."
    ]
    with live_app.serve(store, keep_log=False, seconds=120) as (url, server), sync_playwright() as playwright:
        browser = live_app.launch(playwright)
        tab = browser.new_context(viewport={"width": 1440, "height": 1200}).new_page()
        tab.goto(f"{url}/import?lang=en", wait_until="domcontentloaded")
        settle(tab)
        print(f"server pid {server.pid}; after opening the import page: {rss_mb(server.pid):,.0f} MB RSS")
        columns = ("before", "peak", "refused", "10 s later", "uploads held", "✕ clicked")
        print(f"{'upload':<44}{'file MB':>9}" + "".join(f"{k:>14}" for k in columns))
        for name, path, refusal in cases:
            tab.goto(f"{url}/import?lang=en", wait_until="domcontentloaded")
            settle(tab)
            numbers = upload(tab, url, server.pid, path, refusal)
            print(f"{name:<44}{path.stat().st_size / 2 ** 20:>9,.1f}" + "".join(
                f"{v:>11,.0f} MB" if v is not None else f"{'—':>14}" for v in numbers.values()))
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
