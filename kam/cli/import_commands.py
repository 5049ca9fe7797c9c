"""python -m kam import | imports | undo-import | export.

`import` exits 0 when the rows were imported (printing the count), 1 when
anything is wrong (on stderr one line per kind of problem and column, with its
count and first lines, and nothing written; --problems FILE has every one), 2
when the command itself is wrong.
"""
from __future__ import annotations

import sys
from pathlib import Path

from kam import export
from kam.imports import files
from kam.imports import import_log
from kam.imports import importer
from kam.imports import mapping
from kam.i18n import translator
from kam.store import damage
from kam.store.schema import IMPORTABLE, TABLES
from kam.store.delta import Store, default_user
from kam.store.work import Work

t = translator("en")


def command_line_work(store: Store, user: str | None) -> Work:
    """The unit of work of a write made here: the command line is a trusted local tool (kam.access:
    local), and its writes are stamped as made on it, under --user or $KAM_USER, so nobody takes
    them for a signed-in person's."""
    return Work.on(store, f"{user or default_user()} (command line)")


def _mapping_from(store: Store, table: str, source: files.Reading, args) -> dict[str, str | None]:
    if args.mapping:
        chosen = dict(mapping.load(store.root, args.mapping).columns)
    else:
        chosen = mapping.auto_map(TABLES[table], source.headers)
        for fits in mapping.matching(store.root, table, source.headers):
            print(f"note: the saved mapping {fits.name!r} fits these headers (use --mapping {fits.name!r})",
                  file=sys.stderr)
    for pair in args.map:
        header, sign, target = pair.rpartition("=")
        if not sign:
            raise ValueError(f"--map takes SOURCE=target, not {pair!r}")
        chosen[header.strip()] = target.strip() if target.strip() not in ("", "-") else None
    return chosen


def _constants_from(args) -> dict[str, str]:
    constants = {}
    for pair in args.constants:
        column, sign, value = pair.partition("=")
        if not sign or not column.strip():
            raise ValueError(f"--set takes column=value, not {pair!r}")
        constants[column.strip()] = value.strip()
    return constants


def _where(source: files.Reading, header: str, column: str) -> str:
    names = " → ".join(x for x in (header, column) if x)
    return f"{source.name}: {names}: " if names else f"{source.name}: "


def print_problems(plan: importer.Plan) -> None:
    """The file's problems one a line, then one line per kind of problem and column."""
    for g in importer.grouped(plan, t).itertuples(index=False):
        kind = "warning: " if g.severity == "warning" else ""
        lines = f": {g.lines}" if g.lines else ""
        print(f"{_where(plan.source, g.header, g.column)}{kind}{g.message}{lines}", file=sys.stderr)


BAR = 30


def progress_bar(stream=sys.stderr):
    """The stages and a bar on a terminal (what the page shows); None, so nothing, in a job's log."""
    if not stream.isatty():
        return None

    def show(stage: str, part: float) -> None:
        filled = int(part * BAR)
        stream.write(f"\r{t(f'import.stage.{stage}')} [{'#' * filled}{'.' * (BAR - filled)}] {part:4.0%}")
        if part >= 1:
            stream.write("\n")
        stream.flush()
    return show


def cmd_import(store: Store, args) -> int:
    path = Path(args.file)
    damage.refuse_damaged(store.root, args.table)  # said now, not after checking the whole file
    try:
        source = files.open_file(path, encoding=args.encoding, header_line=args.header_line, sheet=args.sheet)
    except files.ReadError as error:
        at = f"{path.name}:{error.line}" if error.line else path.name
        print(f"{at}: {t(f'import.read_error.{error.code}', detail=error.detail)}", file=sys.stderr)
        return 1
    print(f"note: {source.describe(t)}", file=sys.stderr)
    if source.encoding_guessed:
        print(f"note: {t('import.encoding_guessed', encoding=source.encoding)}", file=sys.stderr)
    options = importer.Options(
        mapping=_mapping_from(store, args.table, source, args), date_order=args.date_order,
        decimal="," if args.decimal_comma else None, on_duplicate=args.on_duplicate,
        create_customers=args.create_customers, drop_repeats=args.drop_repeats,
        good_rows_only=args.good_rows_only, force=args.force, constants=_constants_from(args))
    bar = progress_bar()
    plan = importer.check(store, args.table, source, options, progress=bar)
    if args.save_mapping:
        mapping.save(store.root, mapping.SavedMapping(args.save_mapping, args.table, tuple(source.headers),
                                                      plan.mapping))
    for key, values in plan.notes:
        print(f"note: {t(key, **values)}", file=sys.stderr)
    print_problems(plan)
    if args.problems:
        Path(args.problems).write_bytes(export.to_csv_bytes(importer.report(plan, t)))
        print(t("import.problems_written", count=len(plan.problems), file=args.problems), file=sys.stderr)
    if not plan.ready:
        print(t("import.summary_problems", count=len(plan.errors)), file=sys.stderr)
        return 1
    rejected = int(plan.rejected.sum())
    if rejected:
        out = Path(args.rejected or path.with_name(path.stem + ".rejected.csv"))
        out.write_bytes(export.to_csv_bytes(importer.rejected_rows(plan, t)))
        print(f"{rejected} rejected row(s) written to {out}", file=sys.stderr)
    if args.dry_run:
        print(f"would import {int(plan.write.sum())} rows into {args.table} (dry run: nothing written)")
        return 0
    try:
        done = importer.commit(command_line_work(store, args.user), plan, progress=bar)
    except importer.Conflict as conflict:
        print(t(f"import.conflict.{conflict.code}", **conflict.detail), file=sys.stderr)
        return 1
    print(f"imported {done.rows} rows into {done.table} (import {done.import_id})")
    if done.customers_created:
        print(f"created {done.customers_created} new customers")
    return 0


def cmd_imports(store: Store, args) -> int:
    export.emit(import_log.history(store, args.table), args.format)
    return 0


def cmd_undo(store: Store, args) -> int:
    try:
        work = command_line_work(store, args.user)
        undone = import_log.undo(work, args.import_id) if args.import_id else import_log.undo_last(work, args.table)
    except import_log.UndoRefused as refused:
        print(t(f"import.undo_refused.{refused.code}", **refused.detail), file=sys.stderr)
        return 1
    print(f"undid import {undone.import_id} of {undone.file} ({undone.rows} rows) from {undone.table}")
    if undone.customers_removed:
        print(f"removed the {undone.customers_removed} customers it had created")
    return 0


def cmd_export(store: Store, args) -> int:
    frame = store.read(args.table).to_pandas()
    body = export.to_xlsx_bytes(frame, args.table) if args.format == "xlsx" else export.to_csv_bytes(frame)
    if args.out:
        Path(args.out).write_bytes(body)
        print(f"{len(frame)} rows written to {args.out}", file=sys.stderr)
    elif args.format == "xlsx" and sys.stdout.isatty():
        raise ValueError("an Excel file is not for the terminal: add --out FILE")
    else:
        sys.stdout.buffer.write(body)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("import", help="import a CSV or Excel file; nothing is written if anything is wrong")
    p.add_argument("table", choices=IMPORTABLE)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and report only")
    p.add_argument("--encoding", default="auto", help="auto (default: UTF-8, then GB18030, then a guess), or a codec")
    p.add_argument("--sheet", help="Excel: the sheet (default: the first with data)")
    p.add_argument("--header-line", type=int, metavar="N", help="the header's line (default: found)")
    p.add_argument("--map", action="append", default=[], metavar="SOURCE=target",
                   help="map a file column to a table column (target - to skip it); repeatable")
    p.add_argument("--set", action="append", default=[], metavar="column=value", dest="constants",
                   help="a column the file lacks takes this value on every line; repeatable")
    p.add_argument("--mapping", metavar="NAME", help="start from a saved mapping")
    p.add_argument("--save-mapping", metavar="NAME", help="save the mapping used under NAME")
    p.add_argument("--date-order", choices=importer.DATE_ORDERS, help="for dates like 05/03/2026")
    p.add_argument("--decimal-comma", action="store_true", help="amounts are written 1.234,56")
    p.add_argument("--on-duplicate", choices=importer.ON_DUPLICATE, default="error",
                   help="rows whose key is already stored (default: error)")
    p.add_argument("--create-customers", action="store_true", help="create unknown customers instead of rejecting")
    p.add_argument("--drop-repeats", action="store_true", help="skip lines that exactly repeat an earlier one")
    p.add_argument("--good-rows-only", action="store_true", help="import the good rows, write the rest to --rejected")
    p.add_argument("--rejected", metavar="FILE", help="where rejected rows go (default: FILE.rejected.csv)")
    p.add_argument("--force", action="store_true", help="import a file that was imported before")
    p.add_argument("--problems", metavar="FILE", help="write every problem (line, column, value, message) as CSV")
    p.add_argument("--user", help="who is importing (default: $KAM_USER or the login name)")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("imports", help="the import history")
    p.add_argument("table", nargs="?", choices=list(TABLES))
    p.add_argument("--format", choices=export.FORMATS, default="table")
    p.set_defaults(run=cmd_imports)

    p = sub.add_parser("undo-import", help="undo the last import into a table still in force, or the one named")
    p.add_argument("table", choices=list(TABLES))
    p.add_argument("--import", dest="import_id", metavar="ID", help="the import to undo (see `imports`)")
    p.add_argument("--user")
    p.set_defaults(run=cmd_undo)

    p = sub.add_parser("export", help="a table as CSV or Excel, spreadsheet formulas neutralised")
    p.add_argument("table", choices=list(TABLES))
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", metavar="FILE", help="default: standard output")
    p.set_defaults(run=cmd_export)
