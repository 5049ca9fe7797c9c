"""python -m kam: the command line. Scheduled jobs depend on it: keep it stable.

Reports go to stdout; errors go to stderr with a non-zero exit code.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from kam.export import FORMATS, emit
from kam.sales import abc
from kam.cli import explore_commands, import_commands, serve
from kam.store import inventory
from kam.readside.database import Database
from kam.filters import Filters
from kam.i18n import LANGUAGES, translator
from kam.periods import DEFAULT_PRESET, PRESETS, Period, resolve
from kam.store import batches
from kam.store import damage
from kam.store.delta import Store
from kam import errors
from kam.cli.usage import UsageError



# Commands that may start a store in a folder holding none; every other one reads a store.
STARTS_A_STORE = ("demo", "import", "serve")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _cuts(text: str) -> tuple[float, float]:
    try:
        a, b = (float(x) / 100 for x in text.split(","))
        return abc.check_cuts((a, b))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"cuts are two percentages like 80,95: {error}") from None


def cmd_demo(store: Store, args) -> int:
    from kam import demo

    if not store.is_empty():
        if args.if_empty:
            print(f"{store.root} already holds data; demo data not added.")
            return 0
        raise UsageError(f"{store.root} already holds data; demo data go only into an empty store "
                         f"(use --data DIR for another folder)")
    started = dt.datetime.now()

    def progress(stage: str, fraction: float) -> None:
        print(f"\r{stage:<14} {fraction:6.1%}", end="", file=sys.stderr, flush=True)

    written = demo.generate(store, customers=args.customers, sales_lines=args.sales_lines, seed=args.seed,
                            progress=progress)
    print(file=sys.stderr)
    seconds = (dt.datetime.now() - started).total_seconds()
    for name, rows in written.items():
        print(f"{name:<16}{rows:>12,}")
    print(f"demo data written to {store.root} in {seconds:.1f} s")
    started = dt.datetime.now()
    # the read side's copy made now, not by the first person to open the app
    db = Database(store)
    db.refresh()
    if db.holding:
        seconds = (dt.datetime.now() - started).total_seconds()
        print(f"read side ready ({db.copy_file or 'in memory'}) in {seconds:.1f} s")
    return 0


def cmd_abc(store: Store, args) -> int:
    db = Database(store)
    table = abc.abc_table(db, _all_or_between(args), args.measure, args.cuts)
    out = table[["customer_id", "customer_name", "value", "share", "cumulative_share", "abc_class"]].copy()
    out["value"] = out["value"].round(2)
    out[["share", "cumulative_share"]] = out[["share", "cumulative_share"]].round(6)
    emit(out, args.format)
    return 0


def _all_or_between(args) -> Filters:
    """Filters for --start/--end: every date when neither is given."""
    start = args.start or dt.date(1900, 1, 1)
    end = args.end or dt.date(9999, 12, 31)
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    return Filters(Period(start, end), preset="custom")


def cmd_churn_reasons(store: Store, args) -> int:
    from kam.risk import churn

    out = churn.reasons_breakdown(Database(store), _all_or_between(args))
    out["lost_revenue"] = out["lost_revenue"].round(2)
    emit(out[["reason", "customers", "lost_revenue"]], args.format)
    return 0


def cmd_at_risk(store: Store, args) -> int:
    from kam.risk import health

    today = args.as_of or dt.date.today()
    filters = Filters(resolve(args.period, today), preset=args.period)
    out = health.at_risk(Database(store), filters, today, translator(args.lang), args.lang)
    out["score"] = out["score"].round(1)
    emit(out[["customer_id", "score", "reasons"]], args.format)
    return 0


def cmd_receivables(store: Store, args) -> int:
    from kam.sales import receivables

    out = receivables.aging(Database(store), args.as_of or dt.date.today())[receivables.REPORT_COLUMNS].copy()
    money = ["open_amount", "overdue_amount", *receivables.BUCKETS, "credit_limit"]
    out[money] = out[money].round(2)
    emit(out, args.format)
    return 0


def _period_or_last_12_months(args) -> Filters:
    """Filters for --start/--end (either may be left out: the last 12 months' start, today); the
    last 12 months when neither is given."""
    today = dt.date.today()
    if not (args.start or args.end):
        return Filters(resolve(DEFAULT_PRESET, today), preset=DEFAULT_PRESET)
    start, end = args.start or resolve(DEFAULT_PRESET, today).start, args.end or today
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    return Filters(Period(start, end), preset="custom")


def cmd_marked_changes(store: Store, args) -> int:
    from kam.accounts import marked_changes

    out = marked_changes.marked(Database(store), _period_or_last_12_months(args))
    out[["value_before", "value_now"]] = out[["value_before", "value_now"]].round(2)
    out["change_share"] = out["change_share"].round(6)
    emit(out, args.format)
    return 0


def cmd_report(store: Store, args) -> int:
    """The meeting pack for a period and filters, as PDF or one self-contained HTML file."""
    from kam.meeting import pack, screens

    filters = replace(_period_or_last_12_months(args), regions=tuple(args.region), managers=tuple(args.manager),
                      tiers=tuple(args.tier))
    meeting = screens.Meeting(Database(store), filters, translator(args.lang), args.lang, dt.date.today())
    try:
        written = pack.write(meeting, args.format, args.out)
    except RuntimeError as error:  # Chromium missing or failing: said as a sentence
        raise UsageError(str(error)) from None
    print(f"wrote {written} ({written.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


def cmd_tables(store: Store, args) -> int:
    emit(inventory.status(store), args.format)
    return 0


def cmd_coverage(store: Store, args) -> int:
    from kam.revisits import revisit_policy
    from kam.revisits import coverage

    db = Database(store)
    day = args.as_of or dt.date.today()
    everyone = Filters(Period(day, day), preset="custom")
    table = coverage.accounts(db, everyone, day, revisit_policy.load(db))
    out = table[["customer_id", "abc_class", "last_visit", "interval_days", "days_overdue", "covered"]].copy()
    out["last_visit"] = out["last_visit"].dt.strftime("%Y-%m-%d")
    emit(out, args.format)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m kam", description="Key account management: data and reports.")
    top.add_argument("--data", metavar="DIR", help="data folder (default: $KAM_DATA_DIR or ./data)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="fill an empty store with deterministic demo data")
    p.add_argument("--customers", type=int, default=300)
    p.add_argument("--sales-lines", type=int, default=None, help="default: about 60 per customer per year")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if the store holds data")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("abc", help="the ABC table: one row per customer with sales")
    p.add_argument("--measure", choices=abc.MEASURES, default="revenue")
    p.add_argument("--start", type=_date, help="first day (default: all dates)")
    p.add_argument("--end", type=_date, help="last day, inclusive (default: all dates)")
    p.add_argument("--cuts", type=_cuts, default=abc.DEFAULT_CUTS, metavar="A,B",
                   help="cumulative-share cuts in percent (default 80,95)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_abc)

    p = sub.add_parser("churn-reasons", help="why customers left: churns per reason and the revenue lost")
    p.add_argument("--start", type=_date, help="first churn day (default: all dates)")
    p.add_argument("--end", type=_date, help="last churn day, inclusive (default: all dates)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_churn_reasons)

    p = sub.add_parser("at-risk", help="accounts at risk, biggest revenue at stake first, each with why")
    p.add_argument("--period", choices=[x for x in PRESETS if x != "custom"], default=DEFAULT_PRESET,
                   help=f"compare this period's sales with the one before (default: {DEFAULT_PRESET})")
    p.add_argument("--as-of", type=_date, help="the day the period is counted back from (default: today)")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the reasons (default: en)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_at_risk)

    p = sub.add_parser("receivables", help="open invoices per customer: overdue money and for how long (aging)")
    p.add_argument("--as-of", type=_date, help="the day to count on (default: today)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_receivables)

    p = sub.add_parser("marked-changes", help="accounts whose sales or ABC class moved markedly, and the reason "
                                              "recorded for it (empty when none yet)")
    p.add_argument("--start", type=_date, help=f"first day of the period (default: the {DEFAULT_PRESET} period)")
    p.add_argument("--end", type=_date, help="last day, inclusive (default: today when --start is given)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_marked_changes)

    p = sub.add_parser("report", help="the weekly meeting's pack: its screens as a PDF or one offline HTML file")
    p.add_argument("--start", type=_date, help=f"first day (default: the {DEFAULT_PRESET} period's)")
    p.add_argument("--end", type=_date, help="last day, inclusive (default: today)")
    p.add_argument("--region", action="append", default=[], metavar="R", help="only this region (repeatable)")
    p.add_argument("--manager", action="append", default=[], metavar="M", help="only this account manager (repeatable)")
    p.add_argument("--tier", action="append", default=[], metavar="T", help="only this tier (repeatable)")
    p.add_argument("--lang", choices=LANGUAGES, default="zh", help="language of the pack (default: zh)")
    p.add_argument("--format", choices=("pdf", "html"), required=True)
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("tables", help="each table's rows and version")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(run=cmd_tables)

    import_commands.add_commands(sub)  # import, imports, undo-import, export
    explore_commands.add_commands(sub)  # explore, sql

    p = sub.add_parser("serve", help="start the app, its first page warmed while the server starts",
                       description="Start the app (streamlit run app.py) with the store's tables brought into "
                                   "DuckDB and the first page's questions answered while the server starts. "
                                   "Options after `serve` go to Streamlit, e.g. --server.port 8600. Without "
                                   "sign-in configured ([auth] in .streamlit/secrets.toml) the app listens on "
                                   f"127.0.0.1 only; {serve.OPEN_WITHOUT_SIGN_IN} lets it listen on any address "
                                   "anyway, trusting everyone who reaches it.")
    p.set_defaults(run=serve.cmd_serve)

    p = sub.add_parser("coverage", help="revisit coverage: one row per active account, as of a day")
    p.add_argument("--as-of", type=_date, help="the day to judge coverage on (default: today)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.set_defaults(run=cmd_coverage)
    return top


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    options = []
    if "serve" in argv:  # what follows `serve` is Streamlit's, e.g. --server.port 8600
        cut = argv.index("serve") + 1
        argv, options = argv[:cut], argv[cut:]
    args = parser().parse_args(argv)
    args.options = options
    store = Store(args.data)
    try:
        if args.command not in STARTS_A_STORE:
            damage.refuse_missing_store(store.root)
        elif store.root.exists() and not store.root.is_dir():
            raise damage.NoStore(store.root, "is a file, not a folder")
        if args.command == "import":  # said now, not after checking the whole file
            damage.refuse_unwritable(store.root, args.table)
        batches.on_start(store)
        return args.run(store, args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except Exception as error:
        return _failed(store, error)


def _failed(store: Store, error: Exception) -> int:
    """One sentence on stderr: the store's damage when that is the cause (whatever the error says),
    the error itself when it is a plain one, else an id to find its traceback in the log by."""
    if isinstance(error, (damage.NoStore, damage.DamagedTable, damage.ReadOnlyStore)):
        print(f"error: {error}", file=sys.stderr)
        return 3
    damaged = damage.first_damage(store.root)
    if damaged is None and store.shared and isinstance(error, OSError):  # e.g. no such bucket
        damaged = damage.Unreachable(store.root, error)
    if damaged is not None:
        print(f"error: {damaged}", file=sys.stderr)
        return 3
    if isinstance(error, (ValueError, KeyError)):
        print(f"error: {error}", file=sys.stderr)
        return 2
    error_id, log = errors.record(error, store.root)
    print(f"error: the command failed unexpectedly ({type(error).__name__}); error id {error_id}, "
          f"its details are in {log}", file=sys.stderr)
    return 1
