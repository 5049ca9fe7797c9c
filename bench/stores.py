"""The benchmark's stores: built once with the demo generator, reused while complete.

A store is complete when its marker (BENCH.json, written last) names the same
generator parameters. Measurements that write (an append, an import) run on a
scratch copy whose Parquet files are hard links, so the built store stays as it was.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kam import demo
from kam.store.delta import Store

HERE = Path(__file__).resolve().parent
STORES = HERE / "store"
MARKER = "BENCH.json"


def params(customers: int, sales_lines: int, seed: int) -> dict:
    return {"customers": customers, "sales_lines": sales_lines, "seed": seed}


def folder(p: dict) -> Path:
    return STORES / f"demo-c{p['customers']}-l{p['sales_lines']}-s{p['seed']}"


def complete(root: Path, p: dict) -> dict | None:
    try:
        marker = json.loads((root / MARKER).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return marker if all(marker.get(k) == v for k, v in p.items()) else None


def build(p: dict, reuse: bool) -> tuple[Path, dict]:
    """The store for these parameters: reused if complete and allowed, otherwise built afresh."""
    root = folder(p)
    marker = complete(root, p) if reuse else None
    if marker:
        print(f"reusing {root} (built {marker['built']}, today = {marker['today']})", file=sys.stderr)
        return root, marker
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        print(f"\rbuilding {root.name}: {stage:<16}{fraction:6.1%}", end="", file=sys.stderr, flush=True)

    today = dt.date.today()
    written = demo.generate(Store(root), customers=p["customers"], sales_lines=p["sales_lines"], seed=p["seed"],
                            today=today, progress=progress)
    print(file=sys.stderr)
    marker = {**p, "today": today.isoformat(), "built": dt.datetime.now().isoformat(timespec="seconds"),
              "seconds": round(time.perf_counter() - started, 1), "rows": written}
    (root / MARKER).write_text(json.dumps(marker, indent=1))
    return root, marker


def readme_demo(reuse: bool) -> tuple[Path, dict]:
    """The store the README's first command makes (`python -m kam demo`, its default size), made by
    that command; reused while complete and ending today, as demo data end on the day they are made."""
    root = STORES / "demo-readme"
    today = dt.date.today().isoformat()
    p = {"command": "python -m kam demo", "today": today}
    marker = complete(root, p) if reuse else None
    if marker:
        print(f"reusing {root} (built {marker['built']})", file=sys.stderr)
        return root, marker
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "kam", "--data", str(root), "demo"], cwd=HERE.parent, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return root, adopt(root, p, today)


def adopt(root: Path, p: dict, today: str) -> dict:
    """Mark a store built elsewhere (e.g. by `python -m kam demo`) as complete for these parameters;
    returns its marker, with the generator's size and seed as the command line chose them."""
    from kam.cli.main import parser

    store = Store(root)
    rows = {name: store.count(name) for name in demo.TABLE_ORDER}
    chosen = parser().parse_args(["demo"])
    marker = {"customers": rows["customers"], "sales_lines": rows["sales"], "seed": chosen.seed, **p,
              "today": today, "built": dt.datetime.now().isoformat(timespec="seconds"), "rows": rows}
    (root / MARKER).write_text(json.dumps(marker, indent=1))
    return marker


def scratch(root: Path, name: str = "scratch") -> Path:
    """A writable copy: logs copied, data files hard-linked (Delta never rewrites a data file)."""
    target = root.with_name(root.name + "-" + name)
    shutil.rmtree(target, ignore_errors=True)
    for here, dirs, files in os.walk(root):
        rel = Path(here).relative_to(root)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for f in files:
            src, dst = Path(here) / f, target / rel / f
            if f.endswith(".parquet") and "_delta_log" not in rel.parts:
                os.link(src, dst)
            else:
                shutil.copy2(src, dst)
    return target
