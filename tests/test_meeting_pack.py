"""The meeting pack, as the director mails it after the meeting: `python -m kam report` on the demo
book, as a PDF (A4 landscape, a page a screen, footers, Chinese text) and as one HTML file that
opens without the internet."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from plotly.offline import get_plotlyjs

from conftest import ROOT, TODAY
from kam import formatting as fmt
from kam.filters import Filters
from kam.meeting import screens
from kam.periods import DEFAULT_PRESET, resolve
from kam.readside.database import Database
from kam.sales import overview
from kam.store.delta import Store
from live_app import launch

NO_POPPLER = "pdftotext/pdfinfo are missing: run tests/run.sh, which installs Debian's poppler-utils"


def report(root, *args) -> None:
    done = subprocess.run([sys.executable, "-m", "kam", "--data", str(root), "report", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def packs(demo_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    report(demo_dir, "--lang", "zh", "--format", "pdf", "--out", str(folder / "pack.pdf"))
    report(demo_dir, "--lang", "en", "--format", "html", "--out", str(folder / "pack.html"))
    return folder


def poppler(tool: str, pdf) -> str:
    assert shutil.which(tool), NO_POPPLER
    return subprocess.run([tool, "-layout", str(pdf), "-"] if tool == "pdftotext" else [tool, str(pdf)],
                          capture_output=True, text=True, check=True).stdout


def test_the_pdf_pack_has_a_landscape_page_per_screen_with_the_overviews_revenue_in_chinese(packs, demo_dir):
    info = poppler("pdfinfo", packs / "pack.pdf")
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(screens.SCREENS)
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4, landscape

    text = poppler("pdftotext", packs / "pack.pdf")
    filters = Filters(resolve(DEFAULT_PRESET, TODAY), DEFAULT_PRESET)
    revenue = overview.kpis(Database(Store(demo_dir)), filters, today=TODAY)[0]
    assert revenue.key == "kpi.revenue" and fmt.money(revenue.value, "zh") in text
    assert "核心数字" in text and "上次例会的行动" in text
    pages = text.split("\f")
    for number, page in enumerate(pages[:len(screens.SCREENS)], start=1):
        assert re.search(rf"\b{number}\s*/\s*{len(screens.SCREENS)}\b", page)  # the page number in each footer
        assert f"显示{filters.period.start} 至 {filters.period.end} 的数据" in page  # and the period


def test_the_html_pack_opens_offline_and_asks_no_other_host(packs):
    document = (packs / "pack.html").read_text(encoding="utf-8")
    bundle = get_plotlyjs()
    assert document.count(bundle) == 1  # the charts' library is inside the file
    ours = document.replace(bundle, "")
    assert not re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}", ours)
    assert "Headline numbers" in ours and "Receivables overdue" in ours

    from playwright.sync_api import sync_playwright

    asked = []
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page()
        page.on("request", lambda request: asked.append(request.url))
        page.goto((packs / "pack.html").as_uri())
        page.wait_for_function("() => document.querySelectorAll('.plotly-graph-div .main-svg').length > 0")
        charts = page.locator(".plotly-graph-div").count()
        drawn = page.evaluate("() => document.querySelectorAll('.plotly-graph-div svg.main-svg').length")
        browser.close()
    assert charts >= 3 and drawn >= charts  # every chart drawn from the file alone
    assert [url for url in asked if not url.startswith("file://")] == []
