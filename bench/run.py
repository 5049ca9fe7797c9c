"""The benchmark: every page, report, import and write at the scale of a large company.

    python bench/run.py [--customers N --sales-lines N] [--reuse] [--quick]

Builds (or, with --reuse, reuses) a demo store under bench/store/, then measures in one
run, each number the median of several repetitions, our time against the floor
(hand-written DuckDB SQL on the same Parquet files, bench/floor.py) and the usual
approach (pandas on frames loaded into memory, bench/pandas_way.py). Prints one table
and writes it, with the date, machine and command, to bench/RESULTS.md (--results).
Not part of the test suite: correctness lives in tests/, timings only here.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import floor  # noqa: E402
import stores  # noqa: E402
from kam.filters import Filters  # noqa: E402
from kam.store.delta import Store  # noqa: E402

QUICK = {"customers": 5_000, "sales_lines": 200_000}
FULL = {"customers": 100_000, "sales_lines": 10_000_000}
NARROW_PERIOD = "last_quarter"


@dataclass
class Row:
    operation: str
    ours: float | None = None
    floor: float | None = None
    pandas: float | None = None
    unit: str = "s"
    note: str = ""


@dataclass
class Run:
    args: argparse.Namespace
    store: Path
    marker: dict
    today: dt.date = field(default_factory=dt.date.today)
    rows: list[Row] = field(default_factory=list)
    loads: list[tuple[str, float]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # pages that errored or timed out
    demo: Path | None = None  # the README's demo store, once made

    def demo_store(self) -> Path:
        if self.demo is None:
            self.demo, _ = stores.readme_demo(self.args.reuse)
        return self.demo

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(render_row(row), file=sys.stderr, flush=True)


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def timed(fn, *args, **kwargs) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def load_average() -> float:
    return os.getloadavg()[0]


# ---- what exists ----------------------------------------------------------------------
def app_pages() -> list[tuple[str, str, str]]:
    """(name, page file, URL path) of every page app.py navigates to, in its order."""
    text = (ROOT / "app.py").read_text()
    found = {}
    for match in re.finditer(r'st\.Page\("pages/(\w+)\.py"(?:(?!st\.Page).)*?url_path="([\w-]+)"'
                             r'|\bpage\("(\w+)"', text, re.DOTALL):
        name = match.group(1) or match.group(3)
        if (ROOT / "pages" / f"{name}.py").exists() and name not in found:
            found[name] = match.group(2) or name
    order = sorted(found, key=lambda n: max(text.rfind(f'"{n}"'), text.rfind(f"{n}_page,")))  # as navigated
    return [(name, f"pages/{name}.py", found[name]) for name in order]


def cli_commands() -> set[str]:
    out = subprocess.run([sys.executable, "-m", "kam", "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    return set(re.findall(r"^    ([a-z-]+)\b", out, re.MULTILINE))


def regions(store: Path) -> list[str]:
    con = floor.connect(Store(store))
    return [r[0] for r in con.sql("SELECT region FROM customers WHERE region IS NOT NULL "
                                  "GROUP BY 1 ORDER BY COUNT(*) DESC").fetchall()]


# ---- pages ----------------------------------------------------------------------------
def page_session(run: Run, page_file: str, params: dict | None, repeat: int, narrow: list[str],
                 store: str | None = None, env: dict | None = None) -> dict:
    options = {"params": params, "repeat": repeat, "narrow": narrow, "period": NARROW_PERIOD}
    try:
        out = subprocess.run([sys.executable, str(HERE / "apptest.py"), store or str(run.store), page_file,
                              json.dumps(options)], cwd=ROOT, capture_output=True, text=True,
                             timeout=run.args.page_timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {run.args.page_timeout} s"}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": out.stderr.strip()[-300:]}


def forget_parts(store: Path) -> None:
    """Drop the parts of questions the read side keeps in its file (kam.readside): the next process
    answers everything from the tables, as on the first day with these data."""
    import duckdb
    from kam.readside.database import CACHE_FILE
    if (store / CACHE_FILE).exists():
        con = duckdb.connect(str(store / CACHE_FILE))
        con.execute("DROP SCHEMA IF EXISTS parts CASCADE")
        con.close()


def measure_page(run: Run, page_file: str, narrow: list[str]) -> dict:
    """Cold (default and narrow), warm, filter change and warm-narrow renders of one page. The
    first cold render finds no parts kept from earlier (first): the answers are made from the
    tables. The later ones are restarts on the same data, which find the parts the first left."""
    forget_parts(run.store)
    first = page_session(run, page_file, None, run.args.repeat, narrow)
    if "error" in first:
        return first
    restarts = [page_session(run, page_file, None, 0, []).get("cold") for _ in range(run.args.cold_repeat - 1)]
    params = {"period": NARROW_PERIOD, "region": narrow[0]}
    narrow_colds = [page_session(run, page_file, params, 0, []).get("cold") for _ in range(run.args.cold_repeat)]
    return {"first": first["cold"], "cold": median(restarts), "cold_narrow": median(narrow_colds),
            "warm": median(first["warm"]), "change": median(first["change"]),
            "warm_narrow": median(first["warm_narrow"])}


def floor_times(run: Run, con, page: str, filters_list) -> float | None:
    fn = floor.PAGES.get(page)
    if fn is None:
        return None
    return median(timed(fn, con, floor.ask(f, run.today)) for f in filters_list)


def pandas_times(run: Run, frames, page: str, filters_list) -> float | None:
    import pandas_way
    fn = pandas_way.PAGES.get({"accounts": "accounts"}.get(page, page))
    if frames is None or fn is None:
        return None
    return median(timed(fn, frames, floor.ask(f, run.today)) for f in filters_list)


def measure_first_start(run: Run) -> None:
    """The read side's first start on a store it has never held: every table read into its file."""
    from kam.readside.database import CACHE_FILE
    cache = run.store / CACHE_FILE
    for stale in (cache, cache.with_name(cache.name + ".wal")):
        stale.unlink(missing_ok=True)
    code = ("import sys, time; sys.path.insert(0, sys.argv[2]); from kam.readside.database import Database; "
            "from kam.store.delta import Store; t = time.perf_counter(); Database(Store(sys.argv[1])).refresh(); "
            "print(time.perf_counter() - t)")
    run.loads.append(("first start", load_average()))
    out = subprocess.run([sys.executable, "-c", code, str(run.store), str(ROOT)], capture_output=True, text=True)
    seconds = float(out.stdout.strip() or "nan")
    run.add(Row("read side, first start on a store it never held (every table into .cache/read.duckdb)", seconds,
                note=f"once per store; the file is {cache.stat().st_size / 2 ** 20:,.0f} MB; later starts reuse it"))


def measure_pages(run: Run) -> None:
    pages = [p for p in app_pages() if (not run.args.pages or p[0] in run.args.pages) and p[0] not in run.failed]
    names = regions(run.store)
    narrow = [names[i % len(names)] for i in range(run.args.repeat)]
    default = Filters.from_params({}, run.today)
    narrows = [Filters.from_params({"period": NARROW_PERIOD, "region": r}, run.today) for r in narrow]

    con = floor.connect(Store(run.store))
    frames, load_seconds = None, None
    if not run.args.no_pandas:
        import pandas_way
        started = time.perf_counter()
        frames = pandas_way.load(Store(run.store))
        load_seconds = time.perf_counter() - started
        run.add(Row("pandas: load every table into frames (once per process)", pandas=load_seconds,
                    note="the usual approach's start-up, added to its cold rows"))

    for name, page_file, _ in pages:
        run.loads.append((f"page {name}", load_average()))
        floor_default = floor_times(run, con, name, [default] * run.args.repeat)
        floor_narrow = floor_times(run, con, name, narrows)
        pandas_default = pandas_times(run, frames, name, [default] * max(1, run.args.repeat // 2))
        pandas_narrow = pandas_times(run, frames, name, narrows[:max(1, run.args.repeat // 2)])
        got = measure_page(run, page_file, narrow)
        plus_load = (lambda v: None if v is None or load_seconds is None else v + load_seconds)
        note = f"error: {got['error']}" if "error" in got else ""
        if note:
            run.failed.add(name)
        run.add(Row(f"{name}: cold, first on these data (no parts kept)", got.get("first"), floor_default,
                    plus_load(pandas_default), note=note))
        run.add(Row(f"{name}: cold, after a restart, default filters", got.get("cold"), floor_default,
                    plus_load(pandas_default)))
        run.add(Row(f"{name}: warm, default filters", got.get("warm"), floor_default, pandas_default))
        run.add(Row(f"{name}: filter change (a region, last quarter)", got.get("change"), floor_narrow,
                    pandas_narrow))
        run.add(Row(f"{name}: warm, narrow filter", got.get("warm_narrow"), floor_narrow, pandas_narrow))
        run.add(Row(f"{name}: cold, after a restart, narrow filter", got.get("cold_narrow"), floor_narrow,
                    plus_load(pandas_narrow)))
    del frames
    gc.collect()


# ---- CLI reports ---------------------------------------------------------------------
REPORT_ARGS = {"abc": ["abc"], "coverage": ["coverage"], "churn-reasons": ["churn-reasons"],
               "at-risk": ["at-risk"], "receivables": ["receivables"]}


def run_process(argv: list[str], env: dict | None = None) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak memory (kB) of a child process, measured by /usr/bin/time
    (a child forked from this process would report this process's peak as its own)."""
    started = time.perf_counter()
    child = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *argv], cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=env)
    seconds = time.perf_counter() - started
    peak = re.findall(r"^MAXRSS (\d+)$", child.stderr, re.MULTILINE)
    if child.returncode != 0:
        print(child.stderr[-800:], file=sys.stderr)
    return seconds, child.returncode, int(peak[-1]) if peak else 0


def measure_reports(run: Run) -> None:
    available = cli_commands()
    for report, argv in REPORT_ARGS.items():
        if report not in available:
            run.add(Row(f"CLI {report}", note="not a command yet"))
            continue
        run.loads.append((f"CLI {report}", load_average()))
        ours = [run_process([sys.executable, "-m", "kam", "--data", str(run.store), *argv])
                for _ in range(run.args.cold_repeat)]
        failed = [o for o in ours if o[1] != 0]
        worker = [sys.executable, str(HERE / "report_worker.py")]
        floor_s = (median(run_process(worker + ["floor", report, str(run.store)])[0]
                          for _ in range(run.args.cold_repeat)) if report in floor.REPORTS else None)
        import pandas_way
        pandas_s = (median(run_process(worker + ["pandas", report, str(run.store)])[0]
                           for _ in range(run.args.cold_repeat))
                    if report in pandas_way.REPORTS and not run.args.no_pandas else None)
        run.add(Row(f"CLI {report} (whole process)", median(o[0] for o in ours), floor_s, pandas_s,
                    note=(f"exit {failed[0][1]}" if failed else
                          f"peak {max(o[2] for o in ours) / 1024:.0f} MB")))


# ---- presentation mode ------------------------------------------------------------------
MEETING_PASSES = 4  # the first on a server just started and a browser that never showed the app, then 3 more
TIMEOUT_MS = 120_000  # a screen that takes longer is broken, not slow
DRAWN_JS = ("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
            ".every(chart => chart.querySelector('.main-svg'))")
PRELOADED_JS = "() => !!document.querySelector('.st-key-meeting_preload .main-svg')"
WARM = re.compile(r"^kam: (?:read side warm in ([\d.]+) s|warm-up skipped: .*)$", re.MULTILINE)
DEMO = "the demo data"
TARGET = {DEMO: 0.5}  # seconds from key press to the next screen drawn; 1 s on the benchmark's store


def measure_meeting(run: Run) -> None:
    meeting_rows(run, run.store, "the benchmark store")


def measure_meeting_demo(run: Run) -> None:
    """The meeting on the store the README's first command makes (`python -m kam demo`)."""
    meeting_rows(run, run.demo_store(), DEMO)


def warmed(log: Path, server, seconds: float = 1800) -> float | None:
    """The server's warm-up seconds (read side, first page, the meeting's screens), once it says
    it is done; None if it skipped it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        said = WARM.search(log.read_text(errors="replace"))
        if said:
            return float(said.group(1)) if said.group(1) else None
        time.sleep(0.2)
    raise RuntimeError(f"the server did not finish its warm-up within {seconds:.0f} s")


def meeting_rows(run: Run, store: Path, where: str) -> None:
    """Presentation mode in a real browser (`python -m kam serve` started afresh, Debian's Chromium
    with an empty cache): once the server has warmed up, the meeting opened (its first screen
    drawn, with what it draws out of sight for the screens to come) and stepped through by the Next key without a pause, per screen from the key press to the next screen fully drawn
    (its footer shown and every chart drawn). The first pass, then the median of the later ones."""
    sys.path.insert(0, str(ROOT / "tests"))
    import tempfile

    from live_app import launch, serve
    from playwright.sync_api import sync_playwright
    from kam.meeting import screens

    total = len(screens.SCREENS)
    times: dict[int, list[float]] = {n: [] for n in range(2, total + 1)}
    run.loads.append((f"meeting on {where}", load_average()))
    log = Path(tempfile.mkdtemp(prefix="kam-bench-")) / "serve.log"
    with serve(store, log=log, seconds=600) as (url, server), sync_playwright() as pw:
        warm_up = warmed(log, server)
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        started = time.perf_counter()
        page.goto(f"{url}/meeting?lang=zh")
        page.get_by_text(f"第 1 / {total} 页", exact=False).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function("() => window.kamMeetingKeys === true"
                               " && !!document.querySelector('.st-key-meeting_next button')", timeout=TIMEOUT_MS)
        # and the card, chart and table the first screen draws out of sight (ui.meeting_view.preload)
        page.wait_for_function(PRELOADED_JS, timeout=TIMEOUT_MS)
        opened = time.perf_counter() - started
        for _ in range(MEETING_PASSES):
            for number in range(2, total + 1):
                started = time.perf_counter()
                page.keyboard.press("PageDown")
                page.get_by_text(f"第 {number} / {total} 页", exact=False).wait_for(timeout=TIMEOUT_MS)
                page.wait_for_function(DRAWN_JS, timeout=TIMEOUT_MS)
                times[number].append(time.perf_counter() - started)
            for number in range(total - 1, 0, -1):  # back to the first screen, not timed
                page.keyboard.press("PageUp")
                page.get_by_text(f"第 {number} / {total} 页", exact=False).wait_for(timeout=TIMEOUT_MS)
        browser.close()
    target = TARGET.get(where, 1.0)
    run.add(Row(f"meeting on {where}: the server's warm-up, from start (read side, first page, the meeting's "
                f"screens)", warm_up, note="before the meeting is opened; a server runs long before the meeting"))
    run.add(Row(f"meeting on {where}: first screen, from the address to drawn, with the card, chart and table "
                f"drawn out of sight (a browser that never showed the app)", opened))
    for number, seconds in times.items():
        key = screens.SCREENS[number - 1].__name__
        run.add(Row(f"meeting on {where}: screen {number} ({key}), key press to fully drawn, first pass", seconds[0],
                    note=f"target {target:g} s"))
        run.add(Row(f"meeting on {where}: screen {number} ({key}), key press to fully drawn, median of passes "
                    f"2-{MEETING_PASSES}", median(seconds[1:]), note=f"target {target:g} s"))


def meeting_verdict(rows: dict[str, Row], where: str) -> str:
    """Met when every screen's first pass and later median are within the target."""
    found = {op: r.ours for op, r in rows.items() if op.startswith(f"meeting on {where}: screen ")}
    if not found or None in found.values():
        return "–"
    first = max((s, op) for op, s in found.items() if op.endswith("first pass"))
    later = max((s, op) for op, s in found.items() if not op.endswith("first pass"))
    target = TARGET.get(where, 1.0)
    screen = re.compile(r"screen \d+ \(\w+\)")
    return (f"{'met' if max(first[0], later[0]) <= target else 'missed'} (slowest first pass {first[0]:.2f} s, "
            f"{screen.search(first[1]).group()}; slowest median of the later passes {later[0]:.2f} s, "
            f"{screen.search(later[1]).group()})")


# ---- import, append -------------------------------------------------------------------
def import_file(run: Run, lines: int) -> Path:
    """A sales export as an ERP writes it: GB18030, Chinese headers; made once, kept beside the store."""
    path = run.store.with_name(f"{run.store.name}-sales-{lines}.gb18030.csv")
    if path.exists():
        return path
    import numpy as np
    import pandas as pd
    con = floor.connect(Store(run.store))
    ids = [r[0] for r in con.sql("SELECT customer_id FROM customers WHERE status = 'active'").fetchall()]
    rng = np.random.default_rng(11)
    days = pd.Timestamp(run.today) - pd.to_timedelta(rng.integers(0, 365, lines), unit="D")
    amount = np.round(rng.gamma(2.0, 4000.0, lines), 2)
    frame = pd.DataFrame({
        "订单号": [f"IMP{i:08d}" for i in range(lines)],
        "客户编号": np.asarray(ids, dtype=object)[rng.integers(0, len(ids), lines)],
        "日期": days.strftime("%Y-%m-%d"),
        "产品": rng.choice(["工业传感器", "伺服电机", "变频器", "包装材料", "铝型材"], lines),
        "数量": rng.integers(1, 50, lines),
        "金额": amount,
        "成本": np.round(amount * rng.uniform(0.6, 0.9, lines), 2),
    })
    frame.to_csv(path, index=False, encoding="gb18030")
    return path


def measure_import(run: Run) -> None:
    """The import of a sales export, whole process, against the floor and pandas; then the same
    import of a file three times as long, to show whether the memory it needs grows with the file."""
    lines = run.args.import_lines
    if "import" not in cli_commands():
        run.add(Row(f"import {lines:,} sales lines", note="no import command yet"))
        return
    run.loads.append(("import", load_average()))

    def ours(csv: Path) -> tuple[float, int, int]:
        target = stores.scratch(run.store, "import")
        return run_process([sys.executable, "-m", "kam", "--data", str(target), "import", "sales", str(csv)])

    def worker(kind: str, csv: Path) -> tuple[float, int, int]:
        target = stores.scratch(run.store, "import")
        return run_process([sys.executable, str(HERE / "report_worker.py"), kind, "import", str(target), str(csv)])

    csv = import_file(run, lines)
    mine = [ours(csv) for _ in range(run.args.import_repeat)]
    floors = [worker("floor", csv) for _ in range(run.args.import_repeat)]
    pandas_ = [worker("pandas", csv) for _ in range(run.args.import_repeat)] if not run.args.no_pandas else []
    failed = [o for o in mine if o[1] != 0]
    peak = max(o[2] for o in mine) / 1024
    run.add(Row(f"import {lines:,} sales lines (GB18030 CSV, Chinese headers; whole process)",
                median(o[0] for o in mine), median(o[0] for o in floors),
                median(o[0] for o in pandas_) if pandas_ else None,
                note=(f"exit {failed[0][1]}" if failed else
                      f"peak {peak:.0f} MB (floor {max(o[2] for o in floors) / 1024:.0f} MB"
                      + (f", pandas {max(o[2] for o in pandas_) / 1024:.0f} MB" if pandas_ else "")
                      + "); floor: decode + Arrow CSV + Delta append, no checks")))
    for times in LONGER:
        longer = ours(longer_file(csv, times))
        run.add(Row(f"import {times * lines:,} sales lines (the same export {times} times over; whole process)",
                    longer[0], note=f"exit {longer[1]}" if longer[1] else
                    f"peak {longer[2] / 1024:.0f} MB, against {peak:.0f} MB for {lines:,} lines"))


LONGER = (3, 9)  # an export this many times as long: does the memory an import needs grow with the file?


def longer_file(csv: Path, times: int) -> Path:
    """The export's lines `times` over, each copy's order ids made its own (IMP... becomes IMA..., IMB...)."""
    path = csv.with_name(csv.name.replace(".gb18030", f"-x{times}.gb18030"))
    if not path.exists():
        data = csv.read_bytes()
        header, _, body = data.partition(b"\n")
        with open(path, "wb") as out:
            out.write(header + b"\n" + body)
            for copy in range(1, times):
                out.write(b"\n".join(b"IM" + bytes([64 + copy]) + line[3:] if line else line
                                      for line in body.split(b"\n")))
    return path


def measure_append(run: Run) -> None:
    """One sale appended through the store; then every page's next rerun, which must show it."""
    import pyarrow as pa
    from deltalake import write_deltalake

    target = stores.scratch(run.store, "append")
    pages = [p for p in app_pages() if (not run.args.pages or p[0] in run.args.pages) and p[0] not in run.failed]
    run.loads.append(("append", load_average()))
    try:
        out = subprocess.run([sys.executable, str(HERE / "visibility.py"), str(target), str(run.args.repeat),
                              *[p[1] for p in pages]], cwd=ROOT, capture_output=True, text=True,
                             timeout=run.args.page_timeout * 2)
        got = json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, IndexError, ValueError) as error:
        run.add(Row("append one sales line through the store (one Delta commit)", note=f"error: {error}"[:300]))
        return
    schema = Store(target).read("sales").schema
    row = pa.Table.from_pylist([{"order_id": "RAW", "customer_id": "x", "date": run.today, "amount": 1.0}],
                               schema=pa.schema([schema.field(n) for n in ("order_id", "customer_id", "date", "amount")]))
    raw = median(timed(write_deltalake, str(target / "scratch_raw"), row, mode="append")
                 for _ in range(run.args.repeat))
    run.add(Row("append one sales line through the store (one Delta commit)", median(got["append"]), raw,
                note="floor: write_deltalake of one row, no checks or stamps"))
    after = {Path(k).stem: v for k, v in got["after"].items()}
    slowest = max(after, key=after.get)
    skipped = f"; not run: {', '.join(sorted(run.failed))} (failed above)" if run.failed else ""
    run.add(Row("append, then every page's next rerun (slowest page)", after[slowest],
                note=f"{slowest}; the new lines {'are' if got['visible'] else 'are NOT'} in the overview's revenue; "
                     + ", ".join(f"{k} {v:.2f}" for k, v in after.items()) + skipped))


# ---- the store on object storage ----------------------------------------------------------
BUCKET = "kam-bench"
FIRST_START = ("import sys, time; sys.path.insert(0, sys.argv[2]); from kam.readside.database import Database; "
               "from kam.store.delta import Store; t = time.perf_counter(); Database(Store(sys.argv[1])).refresh(); "
               "print(time.perf_counter() - t)")


def s3_server(folder: Path):
    """moto's S3 server on a free port (the tests' one), the bucket made; (process, environment)."""
    import socket
    import urllib.request
    import pyarrow.fs as pafs
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(endpoint, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true", "KAM_CACHE_DIR": str(folder)}
    pafs.S3FileSystem(access_key="bench", secret_key="bench", region="us-east-1", scheme="http",
                      endpoint_override=f"127.0.0.1:{port}", allow_bucket_creation=True).create_dir(BUCKET)
    return server, {**os.environ, **env}


def upload(store: Path, env: dict) -> str:
    """The store's tables copied into the bucket; its s3:// URL."""
    import pyarrow.fs as pafs
    from kam.store.schema import TABLES
    url = urlparse(env["AWS_ENDPOINT_URL"])
    s3 = pafs.S3FileSystem(access_key="bench", secret_key="bench", region="us-east-1", scheme="http",
                           endpoint_override=url.netloc)
    for name in TABLES:
        if (store / name).is_dir():
            pafs.copy_files(str(store / name), f"{BUCKET}/store/{name}", source_filesystem=pafs.LocalFileSystem(),
                            destination_filesystem=s3, use_threads=True)
    return f"s3://{BUCKET}/store"


def measure_object_store(run: Run) -> None:
    """The same store on a local S3 server (moto's): the read side's first start, the first page's
    cold and warm renders, and an import, beside the same on the local folder."""
    import shutil
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="kam-bench-s3-"))
    server, env = s3_server(folder / "cache")
    run.loads.append(("object storage", load_average()))
    try:
        started = time.perf_counter()
        url = upload(run.store, env)
        run.add(Row("object storage: the store uploaded to the local S3 server", time.perf_counter() - started,
                    note="setup, not a product figure"))
        first = subprocess.run([sys.executable, "-c", FIRST_START, url, str(ROOT)], capture_output=True, text=True,
                               env=env)
        run.add(Row("object storage: read side, first start (every table read from S3 into the local copy)",
                    float(first.stdout.strip() or "nan"), note=first.stderr.strip()[-200:]))
        name, page_file, _ = next(p for p in app_pages() if not run.args.pages or p[0] in run.args.pages)
        for where, store, environment in (("S3", url, env), ("local folder", str(run.store), None)):
            got = page_session(run, page_file, None, run.args.repeat, [], store=store, env=environment)
            restarts = [page_session(run, page_file, None, 0, [], store=store, env=environment).get("cold")
                        for _ in range(run.args.cold_repeat)]
            note = f"error: {got['error']}" if "error" in got else ""
            run.add(Row(f"object storage: {name} on {where}, cold after a restart", median(restarts), note=note))
            run.add(Row(f"object storage: {name} on {where}, warm", median(got.get("warm") or []), note=note))
        csv = import_file(run, run.args.import_lines)
        for where, target, environment in (("S3", url, env), ("local folder", str(stores.scratch(run.store, "import")),
                                                               None)):
            seconds, code, peak = run_process([sys.executable, "-m", "kam", "--data", target, "import", "sales",
                                               str(csv)], env=environment)
            run.add(Row(f"object storage: import {run.args.import_lines:,} sales lines into {where} (whole process)",
                        seconds, note=f"exit {code}" if code else f"peak {peak / 1024:.0f} MB"))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


# ---- concurrent writers ------------------------------------------------------------------
WRITERS = 8  # imports and form writers at once: one big import, three small ones, four forms
FORM_KINDS = ("complaint", "visit", "profile_edit", "sales_line")  # bench/form_writer.py, one writer each


def measure_writers(run: Run) -> None:
    """8 writers on one store at once: the import of --import-lines sales lines, three imports of
    a hundredth of it (their own order ids), and four managers each saving one kind of form (a
    complaint, a visit with its next visit, a profile edit, a sales line) the while. Rows per
    second over the whole, and the slowest form save that overlapped the big import."""
    import threading

    target = stores.scratch(run.store, "writers")
    big = import_file(run, run.args.import_lines)
    small = [renamed_slice(big, run.args.import_lines // 100, copy) for copy in range(1, 4)]
    customer = floor.connect(Store(target)).sql("SELECT MIN(customer_id) FROM customers").fetchall()[0][0]
    stop = target / "stop-forms"
    forms = {kind: subprocess.Popen([sys.executable, str(HERE / "form_writer.py"), str(target), kind, customer,
                                     str(target / f"ready-{kind}"), str(stop)],
                                    cwd=ROOT, stdout=subprocess.PIPE, text=True) for kind in FORM_KINDS}
    while not all((target / f"ready-{kind}").exists() for kind in FORM_KINDS):  # each warmed by a first save
        if any(form.poll() is not None for form in forms.values()):
            stop.touch()
            run.add(Row(f"{WRITERS} writers at once", note="a form writer failed before it was ready"))
            return
        time.sleep(0.05)
    run.loads.append(("writers", load_average()))
    results: dict[str, tuple[float, float, int]] = {}  # name -> (wall clock at start, seconds, exit code)

    def imported(name: str, csv: Path) -> None:
        clock = time.time()
        seconds, code, _ = run_process([sys.executable, "-m", "kam", "--data", str(target), "import", "sales", str(csv)])
        results[name] = (clock, seconds, code)

    started = time.perf_counter()
    threads = [threading.Thread(target=imported, args=(name, csv))
               for name, csv in [("big", big), *((f"small-{i}", csv) for i, csv in enumerate(small, 1))]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stop.touch()
    saves = {kind: json.loads(form.communicate()[0].strip().splitlines()[-1]) for kind, form in forms.items()}
    lines = run.args.import_lines + 3 * (run.args.import_lines // 100)
    written = lines + sum(map(len, saves.values()))
    failed = [name for name, (_, _, code) in results.items() if code]
    run.add(Row(f"{WRITERS} writers at once (4 sales imports, {lines:,} lines; 4 forms saving)", written / wall,
                unit="rows/s", note=(f"failed: {', '.join(failed)}; " if failed else "")
                + f"{written:,} rows in {wall:.1f} s wall, {sum(map(len, saves.values()))} of them form saves"))
    begun, seconds, _ = results["big"]
    during = {kind: [(took, turns) for clock, took, turns in s if clock < begun + seconds and clock + took > begun]
              for kind, s in saves.items()}
    slowest = max(((took, kind) for kind, s in during.items() for took, _ in s), default=(None, ""))
    run.add(Row(f"slowest form save during the {run.args.import_lines:,}-line import ({seconds:.0f} s)", slowest[0],
                note=f"{slowest[1]}; target: under 1 s; each form's slowest save (median; saves; the longest "
                     f"wait for tables' turns in a save): " + ", ".join(
                    f"{kind} {max(t for t, _ in s):.2f} s ({median(t for t, _ in s):.2f}; {len(s)}; "
                    f"{max(w for _, w in s):.2f} s)" if s else f"{kind} none" for kind, s in during.items())))


def renamed_slice(csv: Path, lines: int, copy: int) -> Path:
    """The export's first lines with order ids of their own (IMP... becomes IMa..., IMb...)."""
    path = csv.with_name(csv.name.replace(".gb18030", f"-slice{copy}.gb18030"))
    if not path.exists():
        with open(csv, "rb") as source, open(path, "wb") as out:
            out.write(source.readline())
            for _ in range(lines):
                line = source.readline()
                out.write(b"IM" + bytes([96 + copy]) + line[3:])
    return path


# ---- memory ------------------------------------------------------------------------------
def measure_memory(run: Run) -> None:
    import memory
    run.loads.append(("memory", load_average()))
    try:
        peak, first, notes = memory.two_sessions(run.store, [p[2] for p in app_pages() if p[0] not in run.failed])
    except Exception as error:  # reported, not fatal
        run.add(Row("app peak memory, two browser sessions, every page", note=f"error: {error}"[:300]))
        return
    run.add(Row("app peak memory, two browser sessions, every page", peak, unit="MB", note=notes))
    run.add(Row("first page in a browser after start (server up, demo data present)", first,
                note="from navigation to the page's script finishing, first session"))


# ---- the table ---------------------------------------------------------------------------
def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


HEADER = "| operation | ours | floor | pandas | ours/floor | pandas/ours | note |\n|---|---:|---:|---:|---:|---:|---|"


def render_row(r: Row) -> str:
    return (f"| {r.operation} | {fmt(r.ours, r.unit)} | {fmt(r.floor, r.unit)} | {fmt(r.pandas, r.unit)} | "
            f"{ratio(r.ours, r.floor)} | {ratio(r.pandas, r.ours)} | {r.note} |")


def table(run: Run) -> str:
    return "\n".join([HEADER] + [render_row(r) for r in run.rows])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 ** 2:.0f} GB RAM, Python {platform.python_version()}"


def verdict(ours: float | None, floor_s: float | None, limit: float = 0.5, ratio_limit: float = 1.5) -> str:
    if ours is None:
        return "–"
    fast, near = ours < limit, floor_s is None or ours <= ratio_limit * floor_s
    return f"{'met' if fast and near else 'missed'} ({ours:.2f} s{'' if floor_s is None else f', {ours / floor_s:.2f}× floor'})"


def bounded(imported: Row | None, longer: list[Row]) -> str:
    """Met when the longest export peaks within a tenth of the memory of one a third as long: the
    peak has stopped growing with the file."""
    peaks = [float(m) for r in [imported, *longer] if r for m in re.findall(r"^peak (\d+) MB", r.note)]
    if len(peaks) < 3:
        return "–"
    shown = ", ".join(f"{p:.0f} MB" for p in peaks)
    times = "×, ".join(str(t) for t in (1, *LONGER))
    return f"{'met' if peaks[-1] <= 1.1 * peaks[-2] else 'missed'} (peak {shown} at {times}× the lines)"


def targets(run: Run) -> str:
    """The issue's targets, read off the table."""
    rows = {r.operation: r for r in run.rows}
    pages = list(dict.fromkeys(op.split(":")[0] for op in rows if op.endswith("warm, default filters")))
    out = ["| page | warm, default (< 0.5 s and ≤ 1.5× floor) | filter change | warm, narrow |",
           "|---|---|---|---|"]
    for page in pages:
        cells = [verdict(rows[f"{page}: {kind}"].ours, rows[f"{page}: {kind}"].floor)
                 for kind in ("warm, default filters", "filter change (a region, last quarter)", "warm, narrow filter")]
        out.append(f"| {page} | " + " | ".join(cells) + " |")
    browser = rows.get("first page in a browser after start (server up, demo data present)")
    restart = rows.get(f"{pages[0]}: cold, after a restart, default filters") if pages else None
    fresh = rows.get(f"{pages[0]}: cold, first on these data (no parts kept)") if pages else None
    abc_rows = [rows.get(f"abc: {k}") for k in ("warm, default filters", "filter change (a region, last quarter)")]
    memory = rows.get("app peak memory, two browser sessions, every page")
    imported = next((r for op, r in rows.items() if op.startswith("import ") and "times over" not in op), None)
    longer = [r for op, r in rows.items() if op.startswith("import ") and "times over" in op]
    append = rows.get("append, then every page's next rerun (slowest page)")
    form = next((r for op, r in rows.items() if op.startswith("slowest form save during")), None)
    out += ["", "- First page after start, under 3 s: in a browser on `python -m kam serve`, "
                + (verdict(browser.ours, None, 3.0) if browser else "–")
                + f"; server-side render of {pages[0] if pages else '–'} in a fresh process, after a restart "
                + (verdict(restart.ours, None, 3.0) if restart else "–")
                + ", first on these data " + (verdict(fresh.ours, None, 3.0) if fresh else "–"),
            "- ABC page at least 3× faster than pandas: " + ", ".join(
                f"{'met' if r.pandas and r.ours and r.pandas / r.ours >= 3 else 'missed'} "
                f"({r.pandas / r.ours:.1f}×, {r.operation.split(': ')[1]})" for r in abc_rows if r and r.pandas and r.ours),
            "- App memory under 2 GB with two sessions: " + (
                f"{'met' if memory.ours < 2048 else 'missed'} ({memory.ours:,.0f} MB)" if memory and memory.ours else "–"),
            "- 1,000,000 imported lines under 30 s: " + (
                f"{'met' if imported.ours < 30 else 'missed'} ({imported.ours:.1f} s)" if imported and imported.ours
                else "–") + "; memory bounded: " + bounded(imported, longer),
            "- A new record visible on every page at the next rerun: " + (
                ("met" if "are in" in append.note else "missed") + f" (slowest next rerun {append.ours:.2f} s)"
                if append and append.ours else "–"),
            "- The meeting's next screen fully drawn in a browser within 0.5 s on the demo data: "
            + meeting_verdict(rows, DEMO) + "; within 1 s on the benchmark store: "
            + meeting_verdict(rows, "the benchmark store"),
            "- A form write waits under 1 s behind an import: " + (
                f"{'met' if form.ours < 1 else 'missed'} (slowest {form.ours:.2f} s, {form.note.split(';')[0]})"
                if form and form.ours is not None else "–")]
    return "\n".join(out)


def commit() -> str:
    """The code measured: the commit checked out, marked when the working tree differs from it."""
    def git(*args) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def write_results(run: Run, command: str, seconds: float) -> None:
    loads = ", ".join(f"{what} {value:.1f}" for what, value in run.loads)
    m = run.marker
    text = f"""# Benchmark results

Latest run of `bench/run.py` (see README, "Benchmark"). Times in seconds, each the median of
{run.args.repeat} repetitions (cold renders and whole processes: {run.args.cold_repeat}).

- **Date**: {dt.datetime.now().isoformat(timespec='minutes')}
- **Machine**: {machine()}
- **Command**: `{command}`, on commit `{commit()}`
- **Store**: demo generator, {m['customers']:,} customers, {m['sales_lines']:,} sales lines, seed {m['seed']}
  (rows: {', '.join(f'{k} {v:,}' for k, v in m.get('rows', {}).items())}); its `today` is {m['today']}
- **Run took**: {seconds / 60:.1f} min; load average (1 min) when each part started: {loads}

**ours**: the product (AppTest server-side render of app.py on that page, so Streamlit's own work
included; CLI and import as whole processes). **floor**: the same questions as hand-written
DuckDB SQL straight on the tables' Parquet files (`bench/floor.py`). **pandas**: the same
questions with pandas on frames loaded once (`bench/pandas_way.py`); its cold rows add the load.
*cold*: the first render in a fresh process; *warm*: a rerun in the same session; *filter
change*: the sidebar set to a region (a different one each repetition) and the last quarter.

{table(run)}

## Targets (read off the table above)

{targets(run)}
"""
    Path(run.args.results).write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int)
    parser.add_argument("--sales-lines", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse the store if a complete one exists")
    parser.add_argument("--quick", action="store_true", help=f"small scale: {QUICK}")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-repeat", type=int, default=3)
    parser.add_argument("--import-lines", type=int, default=1_000_000)
    parser.add_argument("--import-repeat", type=int, default=1)
    parser.add_argument("--pages", nargs="*", help="only these pages (names of files in pages/)")
    parser.add_argument("--skip", nargs="*", default=[], help="leave these pages out (e.g. one known to hang)")
    parser.add_argument("--only", nargs="*", default=["first-start", "pages", "reports", "import", "append", "writers", "memory",
                                                     "meeting", "meeting-demo", "s3"],
                        help="which parts to run (meeting-demo alone: on the README's demo store only)")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--page-timeout", type=float, default=900, help="seconds a page session may take")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="where the table goes ('' for nowhere)")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    args.customers = args.customers or scale["customers"]
    args.sales_lines = args.sales_lines or scale["sales_lines"]
    if args.quick:
        args.import_lines = min(args.import_lines, 100_000)

    started = time.perf_counter()
    if set(args.only) == {"meeting-demo"}:  # the demo's line alone: no large store built for it
        store, marker = stores.readme_demo(args.reuse)
        run = Run(args, store, marker, demo=store)
    else:
        store, marker = stores.build(stores.params(args.customers, args.sales_lines, args.seed), args.reuse)
        run = Run(args, store, marker)
    run.failed.update(args.skip)
    print(HEADER, file=sys.stderr)
    for part, measure in (("first-start", measure_first_start), ("pages", measure_pages), ("reports", measure_reports), ("import", measure_import),
                          ("append", measure_append), ("writers", measure_writers), ("memory", measure_memory),
                          ("meeting", measure_meeting), ("meeting-demo", measure_meeting_demo),
                          ("s3", measure_object_store)):
        if part in args.only:
            measure(run)
    print(table(run))
    if args.results:
        command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_results(run, command.strip(), time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
