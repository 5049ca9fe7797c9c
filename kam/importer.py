"""An analyst's file into a table: map, read the values, check, then write once.

`check` finds every problem before anything is written and says which rows
would be written; `commit` writes them as one import (one Delta commit, plus
one for the customers it creates). Each problem has the file's line number, the
file's header and the table's column, the value as written and a catalogue code.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kam import domain_rules, import_log, values
from kam.db import Database
from kam.files import Source
from kam.i18n import TEXT
from kam.mapping import CUSTOMER_NAME, PROBLEM_HEADER, auto_map, targets
from kam.records import failures
from kam.schema import Column, Table, table as table_def
from kam.store import Store, default_user, new_batch_id

ON_DUPLICATE = ("error", "skip", "update")
DATE_ORDERS = ("dmy", "mdy")
TOTAL_WORDS = ("合计", "总计", "小计", "total", "sum", "grand total")
NEW_CUSTOMER_TIER = {"sales": "ordinary", "payments": "ordinary"}  # others: potential
PROBLEM_COLUMNS = ["row", "line", "header", "column", "value", "code", "detail", "severity"]


@dataclass
class Options:
    mapping: dict[str, str | None] | None = None  # file header -> column; None: recognise the headers
    date_order: str | None = None  # dmy | mdy, for dates like 05/03/2026
    decimal: str | None = None  # "." or ","; None: read it from each column's values
    on_duplicate: str = "error"  # a row whose key is stored: error | skip | update
    create_customers: bool = False
    drop_repeats: bool = False
    good_rows_only: bool = False
    force: bool = False  # import a file that was imported before


@dataclass
class Plan:
    table: Table
    source: Source
    options: Options
    mapping: dict[str, str | None]
    records: pd.DataFrame  # the table's columns, typed, one row per record of the file
    problems: pd.DataFrame  # PROBLEM_COLUMNS; row -1 is the whole file
    write: np.ndarray  # the rows that would be written
    rejected: np.ndarray  # the rows with an error
    updates: int  # written rows that replace a stored record
    new_customers: pd.DataFrame
    notes: list[tuple[str, dict]] = field(default_factory=list)  # catalogue key, values

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def file_errors(self) -> pd.DataFrame:
        return self.errors[self.errors["row"] < 0]

    @property
    def ready(self) -> bool:
        """Nothing blocks the import: no problem with the file, and bad rows only if they may stay behind."""
        return self.file_errors.empty and (self.options.good_rows_only or self.errors.empty)

    @property
    def lines(self) -> np.ndarray:
        return self.source.lines


@dataclass
class Result:
    import_id: str
    table: str
    rows: int
    updated: int
    customers_created: int


class _Problems:
    def __init__(self, source: Source):
        self.source = source
        self.parts: list[pd.DataFrame] = []

    def rows(self, mask, header: str, column: str, code: str, detail="", severity="error"):
        where = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(where):
            return
        value = (pc.take(self.source.cells.column(header), pa.array(where)).to_numpy(zero_copy_only=False)
                 if header else "")
        self.parts.append(pd.DataFrame({
            "row": where, "line": self.source.lines[where], "header": header, "column": column, "value": value,
            "code": code, "detail": detail if np.isscalar(detail) else np.asarray(detail)[where],
            "severity": severity}))

    def file(self, code: str, header: str = "", column: str = "", value="", detail="", severity="error"):
        self.parts.append(pd.DataFrame([{"row": -1, "line": pd.NA, "header": header, "column": column,
                                         "value": str(value), "code": code, "detail": str(detail),
                                         "severity": severity}]))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "object") for c in PROBLEM_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        out["line"] = out["line"].astype("Int64")
        return out.sort_values(["row", "line"], kind="stable").reset_index(drop=True)


def _mapping(table: Table, source: Source, options: Options, found: _Problems) -> dict[str, str | None]:
    mapping = dict(options.mapping) if options.mapping is not None else auto_map(table, source.headers)
    known = {c.name for c in targets(table)}
    for header, target in list(mapping.items()):
        if header not in source.headers:
            found.file("unknown_header", header=header)
            del mapping[header]
        elif target and target not in known:
            found.file("unknown_target", header=header, column=target)
            mapping[header] = None
    chosen = [t for t in mapping.values() if t]
    for target in sorted({t for t in chosen if chosen.count(t) > 1}):
        found.file("mapped_twice", column=target, detail=", ".join(h for h, t in mapping.items() if t == target))
    for col in table.columns:
        made_here = col.name == table.key and table.id_prefix
        if col.required and col.name not in chosen and not made_here:
            found.file("required_unmapped", column=col.name)
    return {h: mapping.get(h) for h in source.headers if h != PROBLEM_HEADER}


def _choice_names(col: Column) -> dict[str, str]:
    """Every way an allowed value may be written: its code, and its labels in the catalogue."""
    names = {}
    for code in col.allowed:
        for label in (code, code.replace("_", " "), *TEXT.get(f"{col.name}.{code}", ())):
            names[values.choice_key(pa.array([label])).to_pylist()[0]] = code
    return names


def _parse(col: Column, header: str, text: values.Distinct, options: Options, found: _Problems, notes):
    """The column in its type, and the mask of values that could not be read."""
    present, n = text.present(), len(text.index)
    if col.type == "text":
        out = values.choices(text.values, _choice_names(col)) if col.allowed else text.values
        return text.rows(out).to_pandas(), np.zeros(n, dtype=bool)
    if col.type in ("int", "float"):
        decimal = options.decimal or ("," if values.decimal_comma_likely(values.decimal_evidence(text.values)) else ".")
        if decimal == "," and not options.decimal:
            notes.append(("import.note.decimal_comma", {"header": header}))
        read = values.numbers(text.values, decimal).to_numpy(zero_copy_only=False)
        number = pd.Series(text.rows(read), dtype="float64")
        bad = present & number.isna().to_numpy()
        found.rows(bad, header, col.name, "not_number")
        if col.type == "int":
            fraction = (number.notna() & (number != np.floor(number))).to_numpy()
            found.rows(fraction, header, col.name, "not_whole")
            return number.where(~fraction).astype("Int64"), bad | fraction
        return number, bad
    if col.type == "date":
        read = values.dates(text.values, options.date_order)
        if read.inferred:
            notes.append(("import.note.date_order", {"header": header, "order": read.order,
                                                     "example": text.values[read.example].as_py()}))
        day, pending = text.rows(read.values), text.rows(read.pending)
        if pending.any():
            first = int(np.flatnonzero(pending)[0])
            found.file("date_order", header=header, column=col.name, value=text.values[text.index[first]].as_py(),
                       detail=str(found.source.lines[first]))
        bad = present & np.isnat(day) & ~pending
        found.rows(bad, header, col.name, "not_date")
        return pd.Series(day), bad | pending
    if col.type == "bool":
        flag = text.rows(values.bools(text.values))
        bad = present & flag.is_null().to_numpy(zero_copy_only=False)
        found.rows(bad, header, col.name, "not_bool")
        return flag.to_pandas().astype("boolean"), bad
    raise ValueError(f"cannot import {col.type} values")


def _empty(col: Column, n: int) -> pd.Series:
    dtype = {"text": "str", "float": "float64", "int": "Int64", "date": "datetime64[s]",
             "bool": "boolean"}[col.type]
    return pd.Series(index=range(n), dtype=dtype)


def _isin(column: pd.Series, value_set: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.is_in(pa.array(column, type=value_set.type), value_set=value_set), False).to_numpy(
        zero_copy_only=False)


def _lines_of_groups(keys: pd.Series, lines: np.ndarray) -> pd.Series:
    """For rows sharing a key, 'a, b, c' of the first lines they are on."""
    groups = pd.Series(lines, index=keys.index).groupby(keys.to_numpy()).agg(
        lambda s: ", ".join(map(str, s.iloc[:3])) + (", …" if len(s) > 3 else ""))
    return keys.map(groups)


def check(store: Store, table_name: str, source: Source, options: Options | None = None,
          progress=None) -> Plan:
    options = options or Options()
    table = table_def(table_name)
    found, notes = _Problems(source), []
    n = source.rows
    mapping = _mapping(table, source, options, found)
    header_of = {t: h for h, t in mapping.items() if t}
    prepared = {h: values.Distinct.of(source.cells.column(h)).map(values.prepare) for h in source.headers}
    typed, unread = {}, {}
    for i, col in enumerate(targets(table)):
        if progress:
            progress("checking", i / (len(table.columns) + 3))
        if col.name in header_of:
            h = header_of[col.name]
            typed[col.name], unread[col.name] = _parse(col, h, prepared[h], options, found, notes)
            present = prepared[h].present()
            for mask, code, detail in failures(col, typed[col.name], pd.Series(~present)):
                if code != "type":
                    found.rows(mask.to_numpy(dtype=bool, na_value=False), h, col.name, code,
                               detail.removeprefix("expected one of ").removeprefix("below ").removeprefix("above "))
    records = pd.DataFrame({c.name: typed[c.name] if c.name in typed else _empty(c, n) for c in table.columns})
    if table.id_prefix and table.key not in header_of:
        records[table.key] = new_ids(table.id_prefix, n)

    for ragged in source.ragged:
        row = int(np.searchsorted(source.lines, ragged.line))
        mask = np.zeros(n, dtype=bool)
        mask[row] = True
        if ragged.extra:
            found.rows(mask, "", "", "long_row", ragged.extra)
        else:
            found.rows(mask, "", "", "short_row", str(ragged.fields))
    totals, decided = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for cells in prepared.values():  # a row whose first filled cell says 合计 is the file's total
        present = cells.present()
        said = cells.rows(_isin(pd.Series(pc.utf8_lower(cells.values)), pa.array(TOTAL_WORDS)))
        totals |= ~decided & present & said
        decided |= present
    found.rows(totals, "", "", "total_row", severity="warning")
    if n == 0 or totals.all():
        found.file("no_rows")

    skipped = totals.copy()
    key = table.key if table.key in header_of else None
    keys = records[key] if key else pd.Series([None] * n, dtype="str")
    if key:
        twice = (keys.notna() & keys.duplicated(keep=False)).to_numpy()
        if twice.any():
            found.rows(twice, header_of[key], key, "duplicate_key",
                       _lines_of_groups(keys[twice], source.lines[twice]).reindex(range(n)).to_numpy())
        stored = Database(store).stored(table.name, key, pa.array(keys, pa.string())) & ~twice
        if options.on_duplicate == "error":
            found.rows(stored, header_of[key], key, "already_stored")
        elif options.on_duplicate == "skip":
            found.rows(stored, header_of[key], key, "skipped_stored", severity="warning")
            skipped |= stored
        else:
            found.rows(stored, header_of[key], key, "updates_stored", severity="warning")
    else:
        stored = np.zeros(n, dtype=bool)
    if progress:
        progress("checking", (len(table.columns) + 1) / (len(table.columns) + 3))

    no_key = keys.isna().to_numpy() & ~totals
    shown = [c for c in records.columns if c in typed]
    if shown and no_key.sum() > 1:
        hashes = pd.util.hash_pandas_object(records.loc[no_key, shown], index=False)
        again = hashes.duplicated(keep="first")
        if again.any():
            first_line = pd.Series(source.lines[no_key]).groupby(hashes.to_numpy()).transform("first")
            repeat = np.zeros(n, dtype=bool)
            repeat[np.flatnonzero(no_key)[again.to_numpy()]] = True
            detail = np.zeros(n, dtype=np.int64)
            detail[no_key] = first_line.to_numpy()
            found.rows(repeat, "", "", "repeated_dropped" if options.drop_repeats else "repeated_row",
                       detail.astype(str), severity="warning")
            if options.drop_repeats:
                skipped |= repeat

    new_customers = pd.DataFrame()
    if "customer_id" in header_of and table.name != "customers":
        cid = records["customer_id"]
        known = Database(store).stored("customers", "customer_id", pa.array(cid, pa.string()))
        unknown = cid.notna().to_numpy() & ~known & ~totals
        if not options.create_customers:
            found.rows(unknown, header_of["customer_id"], "customer_id", "unknown_customer")
        else:
            names = typed.get(CUSTOMER_NAME, cid)
            new_customers = _customers_to_create(table, cid[unknown], names[unknown])

    if table.name in domain_rules.RECORDED_IN_APP:
        found.file("recorded_in_app", detail=table.name)
    for problem in domain_rules.problems(Database(store), table.name, records, dt.date.today()):
        row = np.zeros(n, dtype=bool)
        row[problem.row - 1] = True
        found.rows(row, header_of.get(problem.column, ""), problem.column, problem.code, problem.detail)

    previous = None if options.force else import_log.same_file(store, table.name, source.sha256)
    if previous:
        found.file("already_imported", value=previous["file"],
                   detail=f"{previous['import_id']}, {previous['when']:%Y-%m-%d %H:%M}")

    problems = found.frame()
    problems = problems[~(np.isin(problems["row"], np.flatnonzero(totals)) & (problems["code"] != "total_row"))]
    errors = problems[(problems["severity"] == "error") & (problems["row"] >= 0)]
    rejected = np.zeros(n, dtype=bool)
    rejected[errors["row"].to_numpy(dtype=np.int64)] = True
    write = ~rejected & ~skipped
    if len(new_customers):
        used = _isin(new_customers["customer_id"], pc.unique(pa.array(records.loc[write, "customer_id"])))
        new_customers = new_customers[used].reset_index(drop=True)
        notes.append(("import.note.new_customers", {"count": len(new_customers)}))
    if progress:
        progress("checking", 1.0)
    return Plan(table, source, options, mapping, records, problems.reset_index(drop=True), write, rejected,
                int((stored & write).sum()) if options.on_duplicate == "update" else 0, new_customers, notes)


def new_ids(prefix: str, n: int) -> pd.Series:
    """Ids for records that came without one: prefix, the day, a random part."""
    day = dt.date.today().strftime("%Y%m%d")
    return pd.Series([f"{prefix}{day}-{uuid.uuid4().hex[:10]}" for _ in range(n)], dtype="string")


def _customers_to_create(table: Table, ids: pd.Series, names: pd.Series) -> pd.DataFrame:
    pairs = pa.table({"customer_id": pa.array(ids), "name": pa.array(names)})
    first = pairs.group_by("customer_id", use_threads=False).aggregate([("name", "first")])
    out = first.rename_columns(["customer_id", "name"]).to_pandas()
    out["name"] = out["name"].fillna(out["customer_id"])
    out["tier"] = NEW_CUSTOMER_TIER.get(table.name, "potential")
    out["status"] = "active"
    out["created"] = pd.Timestamp(dt.date.today())
    return out


def commit(store: Store, plan: Plan, *, user: str | None = None, progress=None) -> Result:
    """Write the plan's rows as one import; raises ValueError, writing nothing, if it is not ready."""
    if not plan.ready:
        raise ValueError(f"{len(plan.errors)} problem(s) block the import")
    user = user or default_user()
    import_id = new_batch_id()
    name = plan.table.name
    meta = {"kam.file": plan.source.name, "kam.file_sha256": plan.source.sha256}
    rows = plan.records[plan.write].reset_index(drop=True)
    created = len(plan.new_customers)
    if progress:
        progress("writing", 0.1)
    before = store.version("customers")
    if created:
        store.append("customers", plan.new_customers, user=user, batch_id=import_id, operation="import",
                     metadata={**meta, "kam.created_for": name})
    try:
        write = store.upsert if plan.updates else store.append
        write(name, rows, user=user, batch_id=import_id, operation="import", metadata=meta)
    except Exception:
        if created:  # the customers were for these rows only
            store.restore("customers", before, user=user)
        raise
    if progress:
        progress("writing", 1.0)
    return Result(import_id, name, len(rows), plan.updates, created)


def message(t, code: str, detail: str = "") -> str:
    """The importer's own wording, or else the one the forms use for the same rule."""
    key = f"import.problem.{code}"
    return t(key, detail=detail) if key in TEXT else t(f"problem.{code}")


def report(plan: Plan, t) -> pd.DataFrame:
    """The problem list as people read it: line, file column, table column, value, message."""
    p = plan.problems
    labels = {c.name: t(f"col.{c.name}") for c in targets(plan.table)}
    return pd.DataFrame({
        "line": p["line"], "header": p["header"], "column": p["column"].map(lambda c: labels.get(c, c)),
        "value": p["value"], "message": [message(t, c, d) for c, d in zip(p["code"], p["detail"])],
        "severity": p["severity"].map(lambda s: t(f"import.severity.{s}"))})


def rejected_rows(plan: Plan, t) -> pd.DataFrame:
    """The rejected records as written in the file, with their problems in one more column, to fix and re-import."""
    rows = np.flatnonzero(plan.rejected)
    frame = plan.source.cells.take(pa.array(rows, pa.int64())).to_pandas()
    errors = plan.errors[plan.errors["row"] >= 0]
    said = errors.assign(text=[f"{h or ''}{': ' if h else ''}{message(t, c, d)}"
                               for h, c, d in zip(errors["header"], errors["code"], errors["detail"])])
    joined = said.groupby("row")["text"].agg("; ".join)
    frame[PROBLEM_HEADER] = joined.reindex(rows).to_numpy()
    return frame


def preview(plan: Plan, rows: int = 20) -> pd.DataFrame:
    """The first rows as they will be stored, with their file line."""
    shown = plan.records[plan.write].head(rows)
    return shown.assign(line=plan.lines[shown.index]).loc[:, ["line", *plan.records.columns]]
