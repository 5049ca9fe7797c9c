"""Turn rows into a table's typed records, or say exactly what is wrong where.

Values arrive already parsed (forms) or as loose text (the importer hands over
what it could not parse itself); either way each column ends in its declared
type, and every value that does not fit becomes a Problem with its row number.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from kam.store.schema import DATES, NOT_IN_IDS, NUMBER_LIMIT, Column, Table, table as table_def

TRUE_WORDS = {"true", "yes", "y", "1", "是", "满意", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "不满意", "f"}


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1-based position of the record in what was given; None for the whole batch
    column: str
    value: object
    code: str  # required | type | allowed | minimum | maximum | out_of_range | not_one_line | duplicate | ...
    detail: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}column {self.column}: {self.code} {self.detail}".rstrip() + f" (value {self.value!r})"


class InvalidRecords(ValueError):
    def __init__(self, table: str, problems: list[Problem]):
        self.table = table
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"{table}: {len(problems)} problem(s): {shown}{more}")


def to_frame(rows) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows.reset_index(drop=True)
    if isinstance(rows, pa.Table):
        return rows.to_pandas()
    if isinstance(rows, dict):
        rows = [rows]
    return pd.DataFrame(list(rows))


def _blank(series: pd.Series) -> pd.Series:
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series.isna()
    text = series.astype("string")
    return series.isna() | text.str.strip().eq("").fillna(True)


def _as_text(series: pd.Series) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    if series.dtype == object or str(series.dtype).startswith(("float", "int")):
        return series.map(one).astype("string")
    return series.astype("string")


def _as_date(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None).dt.normalize() if series.dt.tz else series.dt.normalize()
    def one(v):
        if isinstance(v, dt.datetime):
            return pd.Timestamp(v.date())
        if isinstance(v, dt.date):
            return pd.Timestamp(v)
        try:
            return pd.Timestamp(dt.date.fromisoformat(str(v).strip()[:10]))
        except ValueError:
            return pd.NaT
    return series.map(one).astype("datetime64[s]")  # seconds: 9999-12-31 is a date, to be judged by its range


def _as_bool(series: pd.Series) -> pd.Series:
    def one(v):
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        word = str(v).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return None
    return series.map(one).astype("boolean")


def _convert(col: Column, series: pd.Series) -> pd.Series:
    if col.type == "text":
        return _as_text(series).str.strip()
    if col.type in ("int", "float"):
        numbers = pd.to_numeric(series, errors="coerce")
        if col.type == "int":
            whole = numbers.isna() | ((numbers == np.floor(numbers)) & (numbers.abs() < NUMBER_LIMIT))
            return numbers.where(whole).astype("Int64")
        return numbers.astype("float64")
    if col.type == "date":
        return _as_date(series)
    if col.type == "bool":
        return _as_bool(series)
    if col.type == "timestamp":
        return pd.to_datetime(series, errors="coerce", utc=True)
    raise ValueError(f"unknown type {col.type}")


def out_of_range(col: Column, value: pd.Series) -> tuple[pd.Series, str]:
    """The values outside what any column of the type may hold (kam.store.schema), and that range."""
    if col.type in ("int", "float"):
        return ~(value.abs() < NUMBER_LIMIT), f"-{NUMBER_LIMIT:g} … {NUMBER_LIMIT:g}"
    if col.type == "date":
        first, last = (pd.Timestamp(d) for d in DATES)
        return (value < first) | (value > last), f"{DATES[0]} … {DATES[1]}"
    return pd.Series(False, index=value.index), ""


def failures(col: Column, value: pd.Series, blank: pd.Series):
    """(mask, code, detail) for each rule of the column; the importer needs every failing row."""
    if col.required:
        yield blank, "required", ""
    yield ~blank & value.isna(), "type", f"expected {col.type}"
    present = ~blank & value.notna()
    outside, limits = out_of_range(col, value)
    yield present & outside, "out_of_range", limits
    if col.is_id:
        yield present & value.str.contains(NOT_IN_IDS), "not_one_line", ""
    if col.allowed:
        yield present & ~value.isin(col.allowed), "allowed", "expected one of " + ", ".join(col.allowed)
    if col.minimum is not None:
        yield present & (value < col.minimum), "minimum", f"below {col.minimum:g}"
    if col.maximum is not None:
        yield present & (value > col.maximum), "maximum", f"above {col.maximum:g}"


def _problems_for(col: Column, given: pd.Series, value: pd.Series, blank: pd.Series) -> list[Problem]:
    found: list[Problem] = []
    for mask, code, detail in failures(col, value, blank):
        for i in np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))[:1000]:
            found.append(Problem(int(i) + 1, col.name, given.iloc[i], code, detail))
    return found


def validate(table: Table, rows) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows converted to the table's types, and every problem found."""
    frame = to_frame(rows)
    problems = [Problem(None, name, None, "unknown_column", f"{table.name} has no such column")
                for name in frame.columns if name not in table.names]
    out = {}
    for col in table.columns:
        given = frame[col.name] if col.name in frame.columns else pd.Series([None] * len(frame), dtype=object)
        blank = _blank(given)
        value = _convert(col, given).where(~blank)
        problems += _problems_for(col, given, value, blank)
        out[col.name] = value
    problems.sort(key=lambda p: (p.row or 0, table.names.index(p.column) if p.column in table.names else -1))
    return pd.DataFrame(out, index=frame.index), problems


def to_arrow(table: Table, rows, *, recorded_by: str, batch_id: str,
             recorded_at: dt.datetime | None = None) -> pa.Table:
    """Typed, stamped records ready to store; raises InvalidRecords listing every problem."""
    frame, problems = validate(table, rows)
    if problems:
        raise InvalidRecords(table.name, problems)
    if "profit" in frame and "cost" in frame:
        frame["profit"] = frame["profit"].fillna((frame["amount"] - frame["cost"]).round(2))
    stamp = recorded_at or dt.datetime.now(dt.timezone.utc)
    arrays = [pa.Array.from_pandas(frame[c.name]).cast(c.arrow_type) for c in table.columns]
    n = len(frame)
    arrays += [pa.repeat(pa.scalar(stamp, type=pa.timestamp("us", tz="UTC")), n),
               pa.repeat(pa.scalar(recorded_by, type=pa.string()), n),
               pa.repeat(pa.scalar(batch_id, type=pa.string()), n)]
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema())


def column_of(rows: pd.DataFrame, name: str) -> pd.Series:
    """The rows' column, or nothing given on every row when they have none."""
    return rows[name] if name in rows else pd.Series([None] * len(rows), index=rows.index, dtype=object)


def given(values: pd.Series) -> np.ndarray:
    """Which values are given: neither missing nor empty text."""
    return values.notna().to_numpy(dtype=bool) & values.astype("string").ne("").fillna(False).to_numpy(dtype=bool)


def days_of(values: pd.Series) -> pd.Series:
    """The values that are days (a date, a timestamp) as datetime64, NaT for anything else: a rule
    about days judges those and leaves the others to the schema."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(values.map(lambda v: v if isinstance(v, dt.date) else None).astype(object))


def problems_where(mask, column: str, code: str, values=None, detail="") -> list[Problem]:
    """A Problem for each row where the mask holds (rows numbered from 1), with that row's value
    (None without values) and the detail (one for all, or each row's)."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    value = [None] * len(rows) if values is None else np.asarray(values, dtype=object)[rows]
    details = [detail] * len(rows) if isinstance(detail, str) else np.asarray(detail, dtype=object)[rows]
    return [Problem(int(i) + 1, column, v, code, d) for i, v, d in zip(rows, value, details)]


def in_row_order(problems: list[Problem]) -> list[Problem]:
    """Problems found rule by rule, as they would be found row by row (each row's in the rules' order)."""
    return sorted(problems, key=lambda p: p.row or 0)


def refuse_unless_valid(table: str, values: dict, domain_problems: list[Problem]) -> None:
    """Raise InvalidRecords with every problem of one record (a form's): the schema's and the
    domain's together; a column's schema problem (required, type, ...) hides a domain problem
    on the same column."""
    _, problems = validate(table_def(table), [values])
    flagged = {p.column for p in problems}
    problems += [p for p in domain_problems if p.column not in flagged]
    if problems:
        raise InvalidRecords(table, problems)
