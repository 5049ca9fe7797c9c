"""An analyst's file into a table: map, read the values, check, then write once.

`check` finds every problem before anything is written and says which rows
would be written; `commit` writes them as one import (one Delta commit, plus
one for the customers it creates, in one batch: kam.store.batches). The check
runs without holding anything; the commit, holding the table's turn, checks again
only what changed since the versions checked, and writes the file's rows only if
the file is still the one checked. Each problem has the file's line number, the
file's header and the table's column, the value as written and a catalogue code.

A file read from disk (kam.imports.files.open_file) is checked and written a chunk of
records at a time: how its numbers and dates are read is decided over the whole
file (as its first chunk says, the file read again only if the rest says otherwise),
what must be seen across chunks (keys, repeated records) waits in a DuckDB
database that spills to disk, and the records checked wait on disk to be
written, so the memory an import needs does not grow with the file, which is
decoded and parsed once. A file given whole (an upload) is the one-chunk case.
"""
from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kam import access
from kam.imports import domain_checks
from kam.imports import files
from kam.imports import import_log
from kam.imports import cell_values
from kam.readside.database import Database
from kam.revisits import visit_records
from kam.imports.files import Source
from kam.i18n import TEXT
from kam.imports.mapping import CUSTOMER_NAME, PROBLEM_HEADER, auto_map, targets
from kam.store.records import failures, out_of_range
from kam.store.schema import Column, Table, table as table_def
from kam.store import value_names
from kam.store.batches import ChangedMeanwhile
from kam.store.delta import Store
from kam.store.work import Work

ON_DUPLICATE = ("error", "skip", "update")
DATE_ORDERS = ("dmy", "mdy")
TOTAL_WORDS = ("合计", "总计", "小计", "total", "sum", "grand total")
NEW_CUSTOMER_TIER = {"sales": "ordinary", "payments": "ordinary"}  # others: potential
ACROSS_MEMORY = "128MB"  # what a check holds in memory of a file across its chunks; the rest waits on disk
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
    constants: dict[str, str] = field(default_factory=dict)  # column the file lacks -> its value on every line


@dataclass(frozen=True)
class ColumnReading:
    """How a column's values are read, decided over the whole file: its decimal mark, and the
    order of day and month with what the column says of it (kam.imports.cell_values.dates)."""
    decimal: str = "."
    date_order: str | None = None
    date_evidence: tuple[bool, bool] | None = None
    choices: dict[str, str] = field(default_factory=dict)  # a column with a list: each name compared -> its code


@dataclass
class Plan:
    table: Table
    source: files.Reading  # the file
    options: Options
    mapping: dict[str, str | None]
    constants: dict[str, str]  # column the file lacks -> its value on every line (the analyst's or the default)
    readings: dict[str, ColumnReading]  # column -> how its values were read
    records: pd.DataFrame  # the table's columns, typed: the first chunk's records (the file's, if it is one)
    lines: np.ndarray  # the file line each of those records starts on
    problems: pd.DataFrame  # PROBLEM_COLUMNS; row -1 is the whole file
    write: np.ndarray  # the rows that would be written
    rejected: np.ndarray  # the rows with an error
    updates: int  # written rows that replace a stored record
    new_customers: pd.DataFrame
    notes: list[tuple[str, dict]] = field(default_factory=list)  # catalogue key, values
    versions: dict[str, int] = field(default_factory=dict)  # the tables' versions the check read
    typed: files.Spill | None = None  # every chunk's records as checked, when the file has more than one

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


class Conflict(ValueError):
    """The stored data (or the file) changed since the check, in a way that changes its answer:
    nothing was written, and a new check tells what an import would do now."""

    def __init__(self, code: str, **detail):
        self.code, self.detail = code, detail
        super().__init__(f"{code}: " + ", ".join(f"{k}={v}" for k, v in detail.items()))


@dataclass
class Result:
    import_id: str
    table: str
    rows: int
    updated: int
    customers_created: int


class _Problems:
    """The problems found so far; rows() are the chunk's being read (numbered in the file)."""

    def __init__(self):
        self.parts: list[pd.DataFrame] = []
        self.chunk: Source | None = None
        self.pending: dict[str, tuple[str, str, int]] = {}  # date column -> its first value pending an order

    def rows(self, mask, header: str, column: str, code: str, detail="", severity="error"):
        where = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(where):
            return
        value = (pc.take(self.chunk.cells.column(header), pa.array(where)).to_numpy(zero_copy_only=False)
                 if header else "")
        self.at(self.chunk.first_row + where, self.chunk.lines[where], value, header, column, code,
                detail if np.isscalar(detail) else np.asarray(detail)[where], severity)

    def at(self, rows, lines, value, header: str, column: str, code: str, detail="", severity="error"):
        """Problems of rows anywhere in the file (their numbers and lines)."""
        if len(rows):
            self.parts.append(pd.DataFrame({"row": rows, "line": lines, "header": header, "column": column,
                                            "value": value, "code": code, "detail": detail,
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
        out = out.drop_duplicates(["row", "column", "code"])  # a rule checked within a chunk and across the file
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
    return {h: mapping.get(h) for h in source.headers if h != PROBLEM_HEADER}


def _constants(table: Table, mapping: dict[str, str | None], options: Options, found: _Problems,
               notes: list) -> dict[str, str]:
    """The value each column the file lacks takes on every line: the analyst's, or else the
    column's default; a required column with neither is a problem."""
    mapped = {t for t in mapping.values() if t}
    known = {c.name for c in targets(table)}
    constants = {}
    for column, value in options.constants.items():
        if column not in known:
            found.file("unknown_target", column=column, value=value)
        elif column in mapped:
            found.file("constant_mapped", column=column, value=value)
        else:
            constants[column] = value
            notes.append(("import.note.constant", {"column": column, "value": value}))
    for col in table.columns:
        if col.default is not None and col.name not in mapped | set(constants):
            constants[col.name] = col.default
            notes.append(("import.note.default", {"column": col.name, "value": col.default}))
        made_here = col.name == table.key and table.id_prefix
        if col.required and col.name not in mapped | set(constants) and not made_here:
            found.file("required_unmapped", column=col.name)
    return constants


def _constant_header(column: str, value: str) -> str:
    """The name a constant goes by among the file's columns (and in its problems)."""
    return f"{column}={value}"


def _with_constants(chunk: Source, constants: dict[str, str]) -> Source:
    """The chunk with a column for each constant, as if the file had it."""
    cells = chunk.cells
    for column, value in constants.items():
        cells = cells.append_column(_constant_header(column, value), pa.repeat(pa.scalar(value, pa.string()), chunk.rows))
    return replace(chunk, cells=cells)


def _list_readings(db: Database, table: Table, header_of: dict[str, str]) -> dict[str, ColumnReading]:
    """How each column with a list (allowed values, or a list people edit) is read: any name of
    a value (kam.store.value_names) gives its code."""
    readings = {}
    for col in targets(table):
        codes = col.allowed or domain_checks.listed(db, table.name, col.name)
        if col.name in header_of and codes:
            names = value_names.spellings(col.name, codes)
            compared = cell_values.choice_key(pa.array(list(names), pa.string())).to_pylist()
            # the first name compared the same way keeps its code
            readings[col.name] = ColumnReading(choices=dict(reversed(list(zip(compared, names.values())))))
    return readings


def _parse(col: Column, header: str, text: cell_values.Distinct, how: ColumnReading, found: _Problems) -> pd.Series:
    """The column in its type; the values that cannot be read are problems."""
    present = text.present()
    if col.type == "text":
        out = cell_values.choices(text.values, how.choices) if how.choices else text.values
        return text.rows(out).to_pandas()
    if col.type in ("int", "float"):
        read = cell_values.numbers(text.values, how.decimal).to_numpy(zero_copy_only=False)
        number = pd.Series(text.rows(read), dtype="float64")
        bad = present & number.isna().to_numpy()
        found.rows(bad, header, col.name, "not_number")
        outside, limits = out_of_range(col, number)
        found.rows(outside & number.notna(), header, col.name, "out_of_range", limits)
        number = number.where(~outside)  # said once, and never turned into a whole number
        if col.type == "int":
            fraction = (number.notna() & (number != np.floor(number))).to_numpy()
            found.rows(fraction, header, col.name, "not_whole")
            return number.where(~fraction).astype("Int64")
        return number
    if col.type == "date":
        read = cell_values.dates(text.values, how.date_order, how.date_evidence)
        day, pending = text.rows(read.values), text.rows(read.pending)
        if pending.any() and col.name not in found.pending:
            first = int(np.flatnonzero(pending)[0])
            found.pending[col.name] = (header, text.value_at(first), int(found.chunk.lines[first]))
        found.rows(present & np.isnat(day) & ~pending, header, col.name, "not_date")
        return pd.Series(day)
    if col.type == "bool":
        flag = text.rows(cell_values.bools(text.values))
        bad = present & flag.is_null().to_numpy(zero_copy_only=False)
        found.rows(bad, header, col.name, "not_bool")
        return flag.to_pandas().astype("boolean")
    raise ValueError(f"cannot import {col.type} values")


class _Survey:
    """How each number and date column is read, from what the whole file says: each chunk adds
    what its values say (a value only read with a decimal comma, a date only read day first...).
    The check reads with what the first chunk says and reads the file again in the rare case that
    the whole file says otherwise (check), so a decision never changes silently mid-file."""

    def __init__(self, table: Table, header_of: dict[str, str], options: Options):
        self.table, self.header_of, self.options = table, header_of, options
        self.wanted = [c for c in targets(table) if c.name in header_of and (
            (c.type in ("int", "float") and not options.decimal) or (c.type == "date" and not options.date_order))]
        self.evidence: dict[str, list] = {c.name: [False, False, None] for c in self.wanted}

    def add(self, prepared: dict[str, cell_values.Distinct]) -> None:
        for col in self.wanted:
            seen = self.evidence[col.name]
            if seen[1] and (seen[0] or col.type != "date"):  # no value can change the decision any more
                continue
            text = prepared[self.header_of[col.name]].values
            if col.type == "date":
                dmy, mdy, first = cell_values.date_evidence(text)
                if seen[2] is None and first is not None:
                    seen[2] = text[first].as_py()
            else:
                dmy, mdy = cell_values.decimal_evidence(text)
            seen[0], seen[1] = seen[0] or dmy, seen[1] or mdy

    def decided(self) -> tuple[dict[str, ColumnReading], list[tuple[str, dict]]]:
        """How each number and date column is read, from what the chunks added so far, and the
        notes that tell the analyst so."""
        readings, notes = {}, []
        for col in targets(self.table):
            if col.name not in self.header_of or col.type not in ("int", "float", "date"):
                continue
            header, seen = self.header_of[col.name], self.evidence.get(col.name)
            if col.type != "date":
                comma = seen is not None and cell_values.decimal_comma_likely((seen[0], seen[1]))
                readings[col.name] = ColumnReading(decimal=self.options.decimal or ("," if comma else "."))
                if comma:
                    notes.append(("import.note.decimal_comma", {"header": header}))
            elif seen is None:
                readings[col.name] = ColumnReading(date_order=self.options.date_order)
            else:
                inferred = ("dmy" if seen[0] else "mdy") if seen[0] != seen[1] else None
                readings[col.name] = ColumnReading(date_order=inferred, date_evidence=(seen[0], seen[1]))
                if inferred:
                    notes.append(("import.note.date_order", {"header": header, "order": inferred,
                                                             "example": seen[2]}))
        return readings, notes


def _prepared(chunk: Source) -> dict[str, cell_values.Distinct]:
    """Each of the chunk's columns as its distinct values, trimmed (kam.imports.cell_values.prepare)."""
    return {h: cell_values.Distinct.of(chunk.cells.column(h)).map(cell_values.prepare)
            for h in chunk.cells.column_names}


def _typed(table: Table, chunk: Source, prepared: dict[str, cell_values.Distinct], header_of: dict[str, str],
           readings: dict[str, ColumnReading], found: _Problems) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The chunk's records (its constants among its columns, its cells prepared) in the table's
    types (ids made where the file has none), and the typed columns; what cannot be read or
    breaks a rule is a problem."""
    found.chunk = chunk
    n = chunk.rows
    typed = {}
    for col in targets(table):
        if col.name in header_of:
            h = header_of[col.name]
            typed[col.name] = _parse(col, h, prepared[h], readings.get(col.name, ColumnReading()), found)
            present = prepared[h].present()
            for mask, code, detail in failures(col, typed[col.name], pd.Series(~present)):
                if code != "type":
                    found.rows(mask.to_numpy(dtype=bool, na_value=False), h, col.name, code,
                               detail.removeprefix("expected one of ").removeprefix("below ").removeprefix("above "))
    records = pd.DataFrame({c.name: typed[c.name] if c.name in typed else _empty(c, n) for c in table.columns})
    if table.id_prefix and table.key not in header_of:
        records[table.key] = new_ids(table.id_prefix, n)
    return records, typed


def _empty(col: Column, n: int) -> pd.Series:
    dtype = {"text": "str", "float": "float64", "int": "Int64", "date": "datetime64[s]",
             "bool": "boolean"}[col.type]
    return pd.Series(index=range(n), dtype=dtype)


def _isin(column: pd.Series, value_set: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.is_in(pa.array(column, type=value_set.type), value_set=value_set), False).to_numpy(
        zero_copy_only=False)


class _Across:
    """What a check must see across the whole file, in a DuckDB database of its own that keeps at
    most ACROSS_MEMORY in memory and the rest in a temporary folder (never written whole: it goes
    with the check): the values that may occur once (the key; a visit's plan), whether the key is
    stored, and a hash of each record without a key, with their rows and lines."""

    def __init__(self):
        self.spill = tempfile.TemporaryDirectory(prefix="kam-import-")
        self.con = duckdb.connect(":memory:", config={
            "memory_limit": ACROSS_MEMORY, "threads": 1, "preserve_insertion_order": False,
            "temp_directory": self.spill.name})
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("CREATE TABLE hashes (hash UBIGINT, row BIGINT, line BIGINT)")
        self.made: set[str] = set()

    def close(self) -> None:
        self.con.close()
        self.spill.cleanup()

    def _insert(self, table: str, data: pa.Table) -> None:
        self.con.register("_given", data)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM _given")
        finally:
            self.con.unregister("_given")

    def _seen(self, what: str) -> str:
        """The table of the values of `what` (the key, or a column whose value may occur once), one
        of its own for each (a column naming it would cost more to fill than all the rest)."""
        table = f'"seen_{what}"'
        if what not in self.made:
            self.con.execute(f"CREATE TABLE {table} (value VARCHAR, raw VARCHAR, row BIGINT, line BIGINT, "
                             "stored BOOLEAN)")
            self.made.add(what)
        return table

    def _twice(self, what: str) -> str:
        """The table of the values of `what` that more than one row has: counted once (an aggregate
        that spills), so that only those rows are gathered."""
        table = f'"twice_{what}"'
        if f"twice {what}" not in self.made:
            self.con.execute(f"CREATE TABLE {table} AS SELECT value FROM {self._seen(what)} "
                             "WHERE value IS NOT NULL GROUP BY value HAVING COUNT(*) > 1")
            self.made.add(f"twice {what}")
        return table

    def values(self, what: str, chunk: Source, header: str, typed: pd.Series, stored=None) -> None:
        n = chunk.rows
        self._insert(self._seen(what), pa.table({
            "value": pa.array(typed, pa.string()), "raw": chunk.cells.column(header),
            "row": pa.array(chunk.first_row + np.arange(n)), "line": pa.array(chunk.lines),
            "stored": pa.array(np.zeros(n, bool) if stored is None else stored)}))

    def hashes(self, chunk: Source, rows: np.ndarray, hashes: np.ndarray) -> None:
        self._insert("hashes", pa.table({"hash": pa.array(hashes, pa.uint64()),
                                         "row": pa.array(chunk.first_row + rows), "line": pa.array(chunk.lines[rows])}))

    def twice(self, what: str) -> pd.DataFrame:
        """row, line, raw and detail ("a, b, c" of the first lines) of the rows whose value another row has."""
        return self.con.execute(f"""
            WITH r AS (SELECT row, line, raw, value FROM {self._seen(what)}
                       WHERE value IN (SELECT value FROM {self._twice(what)})),
            g AS (SELECT value, list(line ORDER BY row) AS lines FROM r GROUP BY value)
            SELECT r.row, r.line, r.raw, array_to_string(g.lines[1:3], ', ')
                   || CASE WHEN len(g.lines) > 3 THEN ', …' ELSE '' END AS detail
            FROM r JOIN g USING (value) ORDER BY r.row""").df()

    def stored_once(self) -> pd.DataFrame:
        """row, line and raw of the rows whose key is stored, and in the file only once."""
        return self.con.execute(f"""
            SELECT row, line, raw FROM {self._seen("key")}
            WHERE stored AND value NOT IN (SELECT value FROM {self._twice("key")}) ORDER BY row""").df()

    def repeats(self) -> pd.DataFrame:
        """row, line and first_line of the records without a key that repeat an earlier one."""
        return self.con.execute("""
            WITH d AS (SELECT hash, MIN(row) AS first_row, MIN(line) AS first_line FROM hashes
                       GROUP BY hash HAVING COUNT(*) > 1)
            SELECT h.row, h.line, d.first_line FROM hashes h JOIN d USING (hash)
            WHERE h.row > d.first_row ORDER BY h.row""").df()


def _mask(n: int, rows) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[np.asarray(rows, dtype=np.int64)] = True
    return out


def check(store: Store, table_name: str, source: Source | files.Reading, options: Options | None = None,
          progress=None) -> Plan:
    """Every problem of the file (a Source, or a Reading of a file on disk, checked a chunk at a
    time) and the rows an import would write; nothing is written."""
    options = options or Options()
    table = table_def(table_name)
    versions = {name: store.version(name) for name in _read_by(table)}  # before anything is read
    reading = source if isinstance(source, files.Reading) else files.Reading.whole(source)
    found, n = _Problems(), reading.rows
    mapping = _mapping(table, reading.head, options, found)
    header_of = {t: h for h, t in mapping.items() if t}
    survey = _Survey(table, dict(header_of), options)
    notes: list[tuple[str, dict]] = []
    constants = _constants(table, mapping, options, found, notes)
    header_of.update({c: _constant_header(c, v) for c, v in constants.items()})
    db = Database(store)
    lists = _list_readings(db, table, header_of)
    of_file = list(found.parts)
    checked = _check_chunks(db, table, reading, header_of, constants, options, found, survey, lists, progress)
    readings, said = survey.decided()
    if {**readings, **lists} != checked.readings:  # the whole file says otherwise than its first chunk
        found.parts, found.pending = list(of_file), {}
        checked = _check_chunks(db, table, reading, header_of, constants, options, found, None,
                                {**readings, **lists}, progress)
    skipped = checked.skipped | checked.totals
    _file_problems(store, table, reading, options, found, checked.totals)
    problems = found.frame()
    problems = problems[~(np.isin(problems["row"], np.flatnonzero(checked.totals)) & (problems["code"] != "total_row"))]
    errors = problems[(problems["severity"] == "error") & (problems["row"] >= 0)]
    rejected = _mask(n, errors["row"])
    write = ~rejected & ~skipped
    new_customers = _customers_used(table, checked.unknown, write, options)
    notes = said + notes
    if options.create_customers and len(new_customers):
        notes.append(("import.note.new_customers", {"count": len(new_customers)}))
    if progress:
        progress("checking", 1.0)
    first = checked.first if checked.first is not None else pd.DataFrame()
    return Plan(table, reading, options, mapping, constants, checked.readings, first, checked.first_lines,
                problems.reset_index(drop=True), write, rejected,
                int((checked.stored & write).sum()) if options.on_duplicate == "update" else 0, new_customers, notes,
                versions, checked.typed)


@dataclass
class _Checked:
    """What one reading of a file's chunks found, beside its problems."""
    readings: dict[str, ColumnReading]  # how its values were read
    first: pd.DataFrame | None  # the first chunk's records
    first_lines: np.ndarray
    totals: np.ndarray  # the rows that are the file's totals
    unknown: list[pd.DataFrame]  # the customers not on file each chunk names
    stored: np.ndarray  # the rows whose key is stored
    skipped: np.ndarray  # the rows not to write, though without an error
    typed: files.Spill | None  # every chunk's records, when there is more than one


def _check_chunks(db: Database, table: Table, reading: files.Reading, header_of: dict[str, str],
                  constants: dict[str, str], options: Options, found: _Problems, survey: _Survey | None,
                  lists: dict[str, ColumnReading], progress) -> _Checked:
    """Read and check the file's chunks, keeping their typed records on disk when there are more
    than one. With a survey, each chunk adds to it, and the values are read as the first chunk
    says (`lists` added); without, as `lists` says."""
    n = reading.rows
    key = table.key if table.key in header_of else None
    once = [(column, code) for column, code in domain_checks.ONCE_IN_FILE.get(table.name, ()) if column in header_of]
    totals = np.zeros(n, dtype=bool)
    unknown: list[pd.DataFrame] = []
    first, first_lines, typed = None, np.zeros(0, dtype=np.int64), None
    readings = None if survey else lists
    across = _Across()
    try:
        for chunk in reading.chunks():
            if progress:
                progress("checking", chunk.first_row / max(n, 1))
            chunk = _with_constants(chunk, constants)
            prepared = _prepared(chunk)
            if survey:
                survey.add(prepared)
            if readings is None:
                readings = {**survey.decided()[0], **lists}
            records, typed_columns = _typed(table, chunk, prepared, header_of, readings, found)
            if first is None:
                first, first_lines = records, chunk.lines
            else:
                if typed is None:  # a second chunk: the records are written from disk
                    typed = files.Spill()
                    typed.add(_arrow(first))
                typed.add(_arrow(records))
            here = slice(chunk.first_row, chunk.first_row + chunk.rows)
            totals[here] = _check_rows(chunk, prepared, found)
            if key:
                across.values("key", chunk, header_of[key], records[key],
                              db.stored(table.name, key, pa.array(records[key], pa.string())))
            for column, _ in once:
                across.values(column, chunk, header_of[column], records[column])
            _remember_repeats(across, chunk, records, typed_columns, key, totals[here])
            unknown.append(_unknown_customers(db, table, chunk, records, typed_columns, header_of, options, found,
                                              totals[here]))
            for problem in domain_checks.problems(db, table.name, records, dt.date.today()):
                found.rows(_mask(chunk.rows, [problem.row - 1]), header_of.get(problem.column, ""), problem.column,
                           problem.code, problem.detail)
        stored, skipped = _problems_across(across, n, key, once, header_of, options, found)
    finally:
        across.close()
    if readings is None:  # no chunk at all
        readings = {**survey.decided()[0], **lists}
    return _Checked(readings, first, first_lines, totals, unknown, stored, skipped, typed)


def _arrow(records: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(records, preserve_index=False)


def _problems_across(across: _Across, n: int, key: str | None, once, header_of: dict, options: Options,
                     found: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """The problems only the whole file shows: keys twice in it or already stored, values that may
    occur once, records repeated. Returns the rows whose key is stored and the rows to skip."""
    stored, skipped = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if key:
        key_header = header_of[key]
        twice = across.twice("key")
        found.at(twice["row"], twice["line"], twice["raw"], key_header, key, "duplicate_key", twice["detail"])
        again = across.stored_once()
        stored = _mask(n, again["row"])
        code = {"error": "already_stored", "skip": "skipped_stored", "update": "updates_stored"}[options.on_duplicate]
        found.at(again["row"], again["line"], again["raw"], key_header, key, code,
                 severity="error" if options.on_duplicate == "error" else "warning")
        if options.on_duplicate == "skip":
            skipped |= stored
    for column, code in once:
        twice = across.twice(column)
        found.at(twice["row"], twice["line"], twice["raw"], header_of[column], column, code)
    repeated = across.repeats()
    found.at(repeated["row"], repeated["line"], "", "", "",
             "repeated_dropped" if options.drop_repeats else "repeated_row", repeated["first_line"].astype(str),
             severity="warning")
    if options.drop_repeats:
        skipped |= _mask(n, repeated["row"])
    return stored, skipped


def _check_rows(chunk: Source, prepared: dict[str, cell_values.Distinct], found: _Problems) -> np.ndarray:
    """The chunk's records too short or too long, and its total rows (returned): a row whose
    first filled cell says 合计 is the file's total."""
    n = chunk.rows
    if chunk.ragged:  # all at once: a file can have a million of them
        at = np.searchsorted(chunk.lines, [r.line for r in chunk.ragged])
        long = np.array([bool(r.extra) for r in chunk.ragged])
        detail = np.full(n, "", dtype=object)
        detail[at] = [r.extra or str(r.fields) for r in chunk.ragged]
        found.rows(_mask(n, at[long]), "", "", "long_row", detail)
        found.rows(_mask(n, at[~long]), "", "", "short_row", detail)
    totals, decided = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for cells in (prepared[h] for h in chunk.headers):
        if decided.all():  # every row's first filled cell is seen (the first column, mostly)
            break
        present = cells.present()
        said = cells.rows(pc.fill_null(pc.is_in(pc.utf8_lower(cells.values), value_set=pa.array(TOTAL_WORDS)),
                                       False).to_numpy(zero_copy_only=False))
        totals |= ~decided & present & said
        decided |= present
    found.rows(totals, "", "", "total_row", severity="warning")
    return totals


def _remember_repeats(across: _Across, chunk: Source, records: pd.DataFrame, typed: dict, key: str | None,
                      totals: np.ndarray) -> None:
    """The hash of each record without a key (a till export's lines), to find the ones repeated."""
    keys = records[key] if key else pd.Series([None] * chunk.rows, dtype="str")
    no_key = keys.isna().to_numpy() & ~totals
    shown = [c for c in records.columns if c in typed]
    if shown and no_key.any():
        hashes = pd.util.hash_pandas_object(records.loc[no_key, shown], index=False)
        across.hashes(chunk, np.flatnonzero(no_key), hashes.to_numpy())


def _unknown_customers(db: Database, table: Table, chunk: Source, records: pd.DataFrame, typed: dict,
                       header_of: dict, options: Options, found: _Problems, totals: np.ndarray) -> pd.DataFrame:
    """The chunk's rows naming a customer not on file: problems, or (when asked) customers to
    create, as customer_id, name and row."""
    if "customer_id" not in header_of or table.name == "customers":
        return pd.DataFrame()
    cid = records["customer_id"]
    # each customer asked once (a file names them again and again), the answer spread to its rows
    named = pc.dictionary_encode(pa.array(cid, pa.string()), null_encoding="encode")
    known = db.stored("customers", "customer_id", named.dictionary)[named.indices.to_numpy()]
    unknown = cid.notna().to_numpy() & ~known & ~totals
    if not options.create_customers:
        found.rows(unknown, header_of["customer_id"], "customer_id", "unknown_customer")
        return pd.DataFrame()
    names = typed.get(CUSTOMER_NAME, cid)
    return pd.DataFrame({"customer_id": cid[unknown].to_numpy(), "name": names[unknown].to_numpy(),
                         "row": chunk.first_row + np.flatnonzero(unknown)})


def _customers_used(table: Table, unknown: list[pd.DataFrame], write: np.ndarray, options: Options) -> pd.DataFrame:
    """The customers to create for the rows written (each named as where it first appears)."""
    unknown = [u for u in unknown if len(u)]
    if not options.create_customers or not unknown:
        return pd.DataFrame()
    rows = pd.concat(unknown, ignore_index=True)
    made = _customers_to_create(table, rows["customer_id"], rows["name"])
    used = _isin(made["customer_id"], pc.unique(pa.array(rows.loc[write[rows["row"]], "customer_id"], pa.string())))
    return made[used].reset_index(drop=True)


def _file_problems(store: Store, table: Table, reading: files.Reading, options: Options, found: _Problems,
                   totals: np.ndarray) -> None:
    if reading.rows == 0 or totals.all():
        found.file("no_rows")
    for column, (header, value, line) in found.pending.items():
        found.file("date_order", header=header, column=column, value=value, detail=str(line))
    if table.name in domain_checks.RECORDED_IN_APP:
        found.file("recorded_in_app", detail=table.name)
    previous = None if options.force else import_log.same_file(store, table.name, reading.head.sha256)
    if previous:
        found.file("already_imported", value=previous["file"],
                   detail=f"{previous['import_id']}, {previous['when']:%Y-%m-%d %H:%M}")


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


def _read_by(table: Table) -> list[str]:
    """The tables an import's check reads: its own, the customers its rows name, and the tables
    its domain rules read."""
    named = ["customers"] if "customer_id" in table.names and table.name != "customers" else []
    return [table.name, *named, *domain_checks.READS.get(table.name, ())]


def commit(work: Work, plan: Plan, *, progress=None) -> Result:
    """Write the plan's rows as one import; raises ValueError, writing nothing, if it is not ready,
    and Conflict if what it was checked against changed so that its answer would be another."""
    work.check(access.IMPORT)
    if not plan.ready:
        raise ValueError(f"{len(plan.errors)} problem(s) block the import")
    name, store = plan.table.name, work.store
    meta = {"kam.file": plan.source.name, "kam.file_sha256": plan.source.sha256}
    rows = int(plan.write.sum())
    if progress:
        progress("writing", 0.1)
    batch = work.batch(name, *domain_checks.READS.get(name, ()), operation="import")
    visits: list[pa.Table] = []  # the visits written, for the plans they close and ask for
    keys: list[pa.Array] = []  # the keys of the rows staged
    staged = None
    try:
        if not plan.updates and not store.shared and store.version(name) >= 0:  # an append to a table
            # that exists in a folder: written before the turn is taken, committed holding it (a form on
            # the same table waits only for that); staged files and their lock are local files
            staged = batch.stage(name, _kept(lambda: _rows_to_write(plan, keys=keys),
                                             visits if name == "visits" else None), rows)
        with batch:
            _check_again(store, plan)
            plan.source.unchanged()
            store.sweep(name)
            fresh = _keys_stored_since(store, plan)
            if staged is None:
                batch.write_parts(name, _kept(lambda: _rows_to_write(plan, fresh), visits if name == "visits" else None),
                                  rows, upsert=bool(plan.updates), metadata=meta)
            else:
                if fresh is not None and keys:
                    _refuse_stored_meanwhile(pa.chunked_array(keys, pa.string()), fresh)
                batch.commit_staged(staged, metadata=meta)
            created = _create_customers(work, batch, plan, meta) if len(plan.new_customers) else 0
            if visits:
                _record_visit_plans(work, batch, pd.concat([v.to_pandas() for v in visits], ignore_index=True), meta)
    except files.ReadError as error:
        if error.code == "changed":
            raise Conflict("file_changed", file=plan.source.name) from None
        raise
    except ChangedMeanwhile as changed:  # another server's writer, on object storage
        if changed.count:
            raise Conflict("stored_meanwhile", first=changed.problems[0].value, count=changed.count) from None
        raise Conflict("changed", table=changed.table) from None
    finally:
        if staged is not None:
            staged.close()
    if progress:
        progress("writing", 1.0)
    return Result(batch.id, name, rows, plan.updates, created)


def _check_again(store: Store, plan: Plan) -> None:
    """What the check read, read again under the table's turn where it may have changed: the same
    file imported meanwhile, or records removed from a table it read (an undo)."""
    name = plan.table.name
    previous = None if plan.options.force else import_log.same_file(store, name, plan.source.sha256)
    if previous:
        raise Conflict("already_imported", file=previous["file"], import_id=previous["import_id"])
    for read, version in plan.versions.items():
        if read in domain_checks.READS.get(name, ()) and store.version(read) != version:
            raise Conflict("changed", table=read)
        if any(c.get("operation") in ("DELETE", "RESTORE") or c.get("kam.undid")
               for c in store.history(read, since=version)):
            raise Conflict("changed", table=read)


def _keys_stored_since(store: Store, plan: Plan) -> pa.Array | None:
    """The keys in the data files the table gained since the check (None when none can clash)."""
    name, key = plan.table.name, plan.table.key
    version = plan.versions[name]
    if key not in plan.mapping.values() or plan.options.on_duplicate == "update" or store.version(name) == version:
        return None
    added = store.added_since(name, version)
    return pc.unique(store.read_files(added, [key]).column(key)).cast(pa.string()) if added else None


def _kept(parts, into: list | None):
    """parts, each also kept in `into` (from scratch on each call: a commit may be retried)."""
    if into is None:
        return parts

    def again():
        into.clear()
        for part in parts():
            into.append(part)
            yield part
    return again


def _record_visit_plans(work: Work, batch, visits: pd.DataFrame, meta: dict) -> None:
    """Imported visits do to the plans what the form's do (kam.revisits.visit_records.plan_changes),
    in the import's batch (holding the plans' turn: domain_checks.READS), so undoing the import
    takes them out too."""
    plans = visit_records.plan_changes(work.db, visits, user=work.user, today=work.today)
    if len(plans):
        batch.upsert("revisit_plans", plans, metadata={**meta, "kam.created_for": "visits"})


def _create_customers(work: Work, batch, plan: Plan, meta: dict) -> int:
    """The plan's new customers, under the customers' turn, but those another writer created since."""
    batch.take("customers")
    new = plan.new_customers
    while True:
        new = new[~work.db.stored("customers", "customer_id", pa.array(new["customer_id"], pa.string()))]
        if not len(new):
            return 0
        try:
            batch.append("customers", new, metadata={**meta, "kam.created_for": plan.table.name})
            return len(new)
        except ChangedMeanwhile as changed:  # another server created some of them just now: leave those out
            if not changed.count:
                raise


def _refuse_stored_meanwhile(keys, fresh: pa.Array) -> None:
    """Conflict when one of the keys to write is among `fresh` (stored since the check)."""
    clash = pc.filter(keys, pc.is_in(keys, value_set=fresh))
    if len(clash):
        raise Conflict("stored_meanwhile", first=clash[0].as_py(), count=len(clash))


def _rows_to_write(plan: Plan, fresh: pa.Array | None = None, keys: list | None = None):
    """The plan's rows to write, a chunk of the file at a time, typed as the check read them (in
    Arrow: the store looks them over without pandas). A key among `fresh` (stored since the check)
    stops the write; each chunk's keys are kept in `keys` (from scratch on each call), for the
    same check once the rows are staged."""
    parts = [_arrow(plan.records)] if plan.typed is None else (t for t, _ in plan.typed.read())
    first_row = 0
    if keys is not None:
        keys.clear()
    for records in parts:
        write = plan.write[first_row:first_row + records.num_rows]
        chosen = records if write.all() else records.filter(pa.array(write))  # mostly every row: no copy
        first_row += records.num_rows
        if plan.table.key in chosen.column_names and (fresh is not None or keys is not None):
            chunk = chosen.column(plan.table.key).combine_chunks().cast(pa.string())
            if fresh is not None:
                _refuse_stored_meanwhile(chunk, fresh)
            if keys is not None:
                keys.append(chunk)
        yield chosen


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


GROUP_EXAMPLES = 5  # the lines a group of problems names


def grouped(plan: Plan, t) -> pd.DataFrame:
    """The problems as people read them: the file's one a row, then one row per kind of problem
    of lines and column (its severity, file column, table column, a sentence with the count, and
    the first lines with their values); errors first, each kind where it first occurs in the file."""
    p = plan.problems
    rows = [{"severity": f.severity, "header": f.header, "column": f.column, "count": pd.NA,
             "message": message(t, f.code, f.detail) + (f" (value {f.value!r})" if f.value not in ("", None) else ""),
             "lines": "", "order": (f.severity != "error", -1)}
            for f in p[p["row"] < 0].itertuples(index=False)]
    lines = p[p["row"] >= 0]
    own_sentence = lines["code"].map(lambda c: f"import.group.{c}" in TEXT)  # its detail varies by line
    keyed = lines.assign(detail=lines["detail"].where(~own_sentence, ""))
    for (severity, code, header, column, detail), group in keyed.groupby(
            ["severity", "code", "header", "column", "detail"], sort=False):
        first = group.head(GROUP_EXAMPLES)
        shown = [f"{line} ({value!r})" if value not in ("", None) else str(line)
                 for line, value in zip(first["line"], first["value"])]
        more = ", …" if len(group) > len(first) else ""
        rows.append({"severity": severity, "header": header, "column": column, "count": len(group),
                     "message": _group_sentence(t, code, detail, len(group)),
                     "lines": _counted(t, "import.group.lines", len(group), lines=", ".join(shown) + more),
                     "order": (severity != "error", int(group["row"].iloc[0]))})
    frame = pd.DataFrame(rows, columns=["severity", "header", "column", "count", "message", "lines", "order"])
    frame["count"] = frame["count"].astype("Int64")
    return frame.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)


def _counted(t, key: str, count: int, **values) -> str:
    """The catalogue's text for a count: its `.one` form for one, where it has one."""
    return t(f"{key}.one" if count == 1 and f"{key}.one" in TEXT else key, count=count, **values)


def _group_sentence(t, code: str, detail: str, count: int) -> str:
    if f"import.group.{code}" in TEXT:
        return _counted(t, f"import.group.{code}", count)
    return _counted(t, "import.group.count", count, message=message(t, code, detail))


def rejected_rows(plan: Plan, t) -> pd.DataFrame:
    """The rejected records as written in the file, with their problems in one more column, to fix and re-import."""
    rows = np.flatnonzero(plan.rejected)
    frame = pa.concat_tables([
        c.cells.take(pa.array(np.flatnonzero(plan.rejected[c.first_row:c.first_row + c.rows]), pa.int64()))
        for c in (plan.source.chunks() if len(rows) else [plan.source.head])]).to_pandas()
    errors = plan.errors[plan.errors["row"] >= 0]
    said = errors.assign(text=[f"{h or ''}{': ' if h else ''}{message(t, c, d)}"
                               for h, c, d in zip(errors["header"], errors["code"], errors["detail"])])
    joined = said.groupby("row")["text"].agg("; ".join)
    frame[PROBLEM_HEADER] = joined.reindex(rows).to_numpy()
    return frame


def preview(plan: Plan, rows: int = 20) -> pd.DataFrame:
    """The first rows as they will be stored, with their file line."""
    shown = plan.records[plan.write[:len(plan.records)]].head(rows)
    return shown.assign(line=plan.lines[shown.index]).loc[:, ["line", *plan.records.columns]]
