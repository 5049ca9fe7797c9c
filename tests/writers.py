"""What the write-guarantee tests run in processes of their own (forked from a server that has
imported kam once, so each starts in a moment): the command line, a form, an import-and-undo loop."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

from kam.accounts import profile
from kam.cli.main import main
from kam.revisits import visit_records
from kam.risk import churn
from kam.store import batches
from kam.store.delta import Store
from kam.store.work import Work

PRELOAD = ["kam.cli.main", "kam.accounts.profile", "kam.revisits.visit_records", "kam.risk.churn", "writers"]


def _at_the_gate(where: Path | None, name: str, crash_at: str | None) -> None:
    """Wait in `where` until the test lets every process go at once (none: go now)."""
    if crash_at:
        os.environ[batches.CRASH_AT] = crash_at
    if where is not None:
        (where / f"ready-{name}").touch()
        while not (where / "go").exists():
            time.sleep(0.002)


def command(where: Path, name: str, argv: list, crash_at: str | None = None, gated: bool = True) -> None:
    """python -m kam ARGV; its error output kept in where/err-NAME."""
    _at_the_gate(where if gated else None, name, crash_at)
    with open(where / f"err-{name}", "w") as sink, contextlib.redirect_stderr(sink):
        code = main([str(a) for a in argv])
    sys.exit(code)


def paused(where: Path, argv: list, point: str) -> None:
    """python -m kam ARGV, pausing at that point of its batch until the test lets it go on."""
    os.environ[batches.PAUSE_AT], os.environ[batches.PAUSE_IN] = point, str(where)
    command(where, "paused", argv, gated=False)


def paused_edit(where: Path, root: Path, point: str) -> None:
    """edited(), pausing at that point of its batch until the test lets it go on."""
    os.environ[batches.PAUSE_AT], os.environ[batches.PAUSE_IN] = point, str(where)
    edited(root)


def visit(root: Path, crash_at: str | None = None) -> None:
    _at_the_gate(None, "", crash_at)
    today = dt.date.today()
    visit_records.record_visit(Work.on(Store(root), "Li Na", today), {
        "customer_id": "C1", "date": today, "method": "in_person", "visited_by": "Li Na",
        "next_visit_date": today + dt.timedelta(days=30), "next_visit_purpose": "follow up"})


def churned(root: Path, crash_at: str | None = None) -> None:
    _at_the_gate(None, "", crash_at)
    today = dt.date.today()
    churn.record_churn(Work.on(Store(root), "anna", today), {"customer_id": "C1", "churn_date": today,
                                                            "reason": "price"})


def edited(root: Path, crash_at: str | None = None) -> None:
    _at_the_gate(None, "", crash_at)
    profile.edit_profile(Work.on(Store(root), "wang"), "C1", {"tier": "important", "credit_limit": 90000},
                         "orders doubled")


def form_appends(where: Path, name: str, root: Path, count: int) -> None:
    _at_the_gate(where, name, None)
    store = Store(root)
    for i in range(count):
        store.append("sales", [dict(order_id=f"F{i:02d}", customer_id="C1", date="2026-02-01", amount=i)],
                     user="form")
        time.sleep(0.02)


def import_and_undo(where: Path, name: str, root: Path, paths: list[Path]) -> None:
    _at_the_gate(where, name, None)
    for path in paths:
        assert main(["--data", str(root), "import", "sales", str(path)]) == 0
        assert main(["--data", str(root), "undo-import", "sales", "--user", "undoer"]) == 0
