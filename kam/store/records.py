"""Turn rows into a table's typed records, or say exactly what is wrong where.

Values arrive already parsed (forms) or as loose text (the importer hands over
what it could not parse itself); either way each column ends in its declared
type, and every value that does not fit becomes a Problem with its row number.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


# Each value's conversion, which both ways of checking rows use (a column at a time, or a few
# rows value by value: see validate)
def _text(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _date(v):
    if isinstance(v, dt.datetime):
        return pd.Timestamp(v.date())
    if isinstance(v, dt.date):
        return pd.Timestamp(v)
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(v).strip()[:10]))
    except ValueError:
        return pd.NaT


def _bool(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    word = str(v).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _as_text(series: pd.Series) -> pd.Series:
    if series.dtype == object or str(series.dtype).startswith(("float", "int")):
        return series.map(_text).astype("string")
    return series.astype("string")


def _as_date(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None).dt.normalize() if series.dt.tz else series.dt.normalize()
    return series.map(_date).astype(DATE_DTYPE)


DATE_DTYPE = "datetime64[s]"  # seconds: 9999-12-31 is a date, to be judged by its range


def _as_bool(series: pd.Series) -> pd.Series:
    return series.map(_bool).astype("boolean")


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
        yield present & _not_one_line(value), "not_one_line", ""
    if col.allowed:
        yield present & ~value.isin(col.allowed), "allowed", "expected one of " + ", ".join(col.allowed)
    if col.minimum is not None:
        yield present & (value < col.minimum), "minimum", f"below {col.minimum:g}"
    if col.maximum is not None:
        yield present & (value > col.maximum), "maximum", f"above {col.maximum:g}"


def _not_one_line(value: pd.Series) -> np.ndarray:
    """Which texts hold a character no id may hold (NOT_IN_IDS), asked in Arrow: a file's million ids
    in a fraction of what pandas' str.contains takes."""
    return _holding_not_in_ids(pa.array(value.astype("string"), pa.string()))


def _problems_for(col: Column, given: pd.Series, value: pd.Series, blank: pd.Series) -> list[Problem]:
    found: list[Problem] = []
    for mask, code, detail in failures(col, value, blank):
        for i in np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))[:1000]:
            found.append(Problem(int(i) + 1, col.name, given.iloc[i], code, detail))
    return found


def validate(table: Table, rows) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows converted to the table's types, and every problem found."""
    few = _few(rows)
    frame = to_frame(rows) if few is None else None
    names = frame.columns if few is None else dict.fromkeys(name for row in few for name in row)
    problems = [Problem(None, name, None, "unknown_column", f"{table.name} has no such column")
                for name in names if name not in table.names]
    out = {}
    for col in table.columns:
        if few is not None and col.type != "timestamp":
            value, found = _value_by_value(col, [row.get(col.name) for row in few])
        else:
            frame = to_frame(rows) if frame is None else frame
            given = frame[col.name] if col.name in frame.columns else pd.Series([None] * len(frame), dtype=object)
            blank = _blank(given)
            value = _convert(col, given).where(~blank)
            found = _problems_for(col, given, value, blank)
        problems += found
        out[col.name] = value
    problems.sort(key=lambda p: (p.row or 0, table.names.index(p.column) if p.column in table.names else -1))
    return pd.DataFrame(out, index=pd.RangeIndex(len(few) if few is not None else len(frame))), problems


# A form's few rows are checked value by value: pandas costs about as much per operation for
# one row as for thousands, and a column at a time takes some twenty operations per column.
FEW_ROWS = 20
_PLAIN = (str, int, float, bool, dt.date, np.generic, type(None), type(pd.NA), type(pd.NaT))
_DTYPES = {"text": "string", "int": "Int64", "float": "float64", "date": DATE_DTYPE, "bool": "boolean"}


def _few(rows) -> list[dict] | None:
    """The rows as dicts when they are few and hold only plain values (else None)."""
    if isinstance(rows, dict):
        rows = [rows]
    if isinstance(rows, pd.DataFrame) and len(rows) <= FEW_ROWS:
        rows = rows.to_dict("records")
    if not (isinstance(rows, (list, tuple)) and len(rows) <= FEW_ROWS and all(isinstance(r, dict) for r in rows)):
        return None
    return rows if all(isinstance(v, _PLAIN) for row in rows for v in row.values()) else None


def _is_blank(v) -> bool:
    """_blank's answer for one value: missing, or text of nothing but spaces."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def _one(col: Column, v):
    """_convert's answer for one value that is not blank (None where it does not fit)."""
    if col.type == "text":
        return _text(v).strip()
    if col.type in ("int", "float"):
        number = pd.to_numeric(v, errors="coerce")
        if pd.isna(number):
            return None
        number = float(number)
        if col.type == "int":
            return int(number) if number == np.floor(number) and abs(number) < NUMBER_LIMIT else None
        return float(number)
    if col.type == "date":
        day = _date(v)
        return None if day is pd.NaT else day
    return _bool(v)


def _value_by_value(col: Column, given: list) -> tuple[pd.Series, list[Problem]]:
    """The column's values converted and checked one by one: the same answers as _convert and
    failures give a column at a time."""
    found, values = [], []
    for row, v in enumerate(given, start=1):
        blank = _is_blank(v)
        value = None if blank else _one(col, v)
        values.append(value)
        if blank:
            if col.required:
                found.append(Problem(row, col.name, v, "required", ""))
            continue
        if value is None:
            found.append(Problem(row, col.name, v, "type", f"expected {col.type}"))
            continue
        found += [Problem(row, col.name, v, code, detail) for code, detail in _broken(col, value)]
    return pd.Series(values, dtype=_DTYPES[col.type]), found


def _broken(col: Column, value):
    """The rules of failures() a present value breaks, in its order."""
    if col.type in ("int", "float") and not abs(value) < NUMBER_LIMIT:
        yield "out_of_range", f"-{NUMBER_LIMIT:g} … {NUMBER_LIMIT:g}"
    if col.type == "date" and not DATES[0] <= value.date() <= DATES[1]:
        yield "out_of_range", f"{DATES[0]} … {DATES[1]}"
    if col.is_id and re.search(NOT_IN_IDS, value):
        yield "not_one_line", ""
    if col.allowed and value not in col.allowed:
        yield "allowed", "expected one of " + ", ".join(col.allowed)
    if col.minimum is not None and value < col.minimum:
        yield "minimum", f"below {col.minimum:g}"
    if col.maximum is not None and value > col.maximum:
        yield "maximum", f"above {col.maximum:g}"


def to_arrow(table: Table, rows, *, recorded_by: str, batch_id: str,
             recorded_at: dt.datetime | None = None) -> pa.Table:
    """Typed, stamped records ready to store; raises InvalidRecords listing every problem."""
    arrays = _passing(table, rows) if isinstance(rows, pa.Table) else None
    if arrays is None:
        frame, problems = validate(table, rows)
        if problems:
            raise InvalidRecords(table.name, problems)
        arrays = [pa.Array.from_pandas(frame[c.name]).cast(c.arrow_type) for c in table.columns]
    if {"profit", "amount", "cost"} <= set(table.names):
        at = {name: table.names.index(name) for name in ("profit", "amount", "cost")}
        profit, amount, cost = (arrays[at[name]] for name in ("profit", "amount", "cost"))
        arrays[at["profit"]] = pc.if_else(pc.is_null(profit), pc.round(pc.subtract(amount, cost), 2), profit)
    stamp = recorded_at or dt.datetime.now(dt.timezone.utc)
    n = len(arrays[0]) if arrays else 0
    arrays += [pa.repeat(pa.scalar(stamp, type=pa.timestamp("us", tz="UTC")), n),
               pa.repeat(pa.scalar(recorded_by, type=pa.string()), n),
               pa.repeat(pa.scalar(batch_id, type=pa.string()), n)]
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema())


# Rows that come typed in Arrow (the importer's, checked already) are looked over in Arrow: when
# every value surely passes validate() as it is (text trimmed), they are stored without going
# through pandas again (about a second per million sales lines); at the least doubt, validate()
# judges them and names the problems. tests/test_records.py holds both to the same answers.
_ARROW_NOT_IN_IDS = "[\\x00-\\x1f\\x7f-\\x9f\\x{2028}\\x{2029}]"  # NOT_IN_IDS, as RE2 writes it


def _may_hold_not_in_ids(text) -> bool:
    """False when no byte of the texts begins a character no id may hold: a look at the bytes,
    some hundred times as fast as the regex that then finds which texts hold one."""
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        _, offsets, data = chunk.buffers()
        if data is None or not len(chunk):
            continue
        at = np.frombuffer(offsets, np.int32 if pa.types.is_string(chunk.type) else np.int64)
        start, end = at[chunk.offset], at[chunk.offset + len(chunk)]
        if _begins_not_in_ids(np.frombuffer(data, np.uint8)[start:end]):
            return True
    return False


def _holding_not_in_ids(text) -> np.ndarray:
    """Which of the texts (an Arrow array) hold a character no id may hold: the regex only where a
    look at the bytes says one may."""
    if not _may_hold_not_in_ids(text):
        return np.zeros(len(text), dtype=bool)
    return pc.fill_null(pc.match_substring_regex(text, _ARROW_NOT_IN_IDS), False).to_numpy(zero_copy_only=False)


def _begins_not_in_ids(utf8: np.ndarray) -> bool:
    """Whether a byte begins a character of NOT_IN_IDS in UTF-8: a control character, or the lead
    byte of U+0080-U+009F (C2) or of U+2028/U+2029 (E2). Printable ASCII alone is answered at once."""
    if not len(utf8):
        return False
    if utf8.min() < 0x20:
        return True
    return bool(utf8.max() >= 0x7F and ((utf8 == 0x7F).any() or (utf8 == 0xC2).any() or (utf8 == 0xE2).any()))


_ARROW_KINDS = {"text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t),
                "int": pa.types.is_integer, "float": pa.types.is_floating,
                "date": lambda t: pa.types.is_date32(t) or (pa.types.is_timestamp(t) and t.tz is None),
                "bool": pa.types.is_boolean}


def _passing(table: Table, data: pa.Table) -> list | None:
    """The table's columns of `data` in their types, or None unless every value surely passes."""
    if not set(data.column_names) <= set(table.names):
        return None
    arrays = []
    for col in table.columns:
        if col.name not in data.column_names:
            if col.required:
                return None
            arrays.append(pa.nulls(data.num_rows, col.arrow_type))
            continue
        value = data.column(col.name)
        if pa.types.is_null(value.type):  # nothing given in any row (pandas' empty column)
            if col.required:
                return None
            value = pa.nulls(data.num_rows, col.arrow_type)
        if not _ARROW_KINDS.get(col.type, lambda t: False)(value.type):
            return None
        try:
            value = value.cast(col.arrow_type)  # a day with a time of day, say, does not cast
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        if col.type == "text":
            value = pc.utf8_trim_whitespace(value)
            value = pc.if_else(pc.equal(value, ""), pa.scalar(None, pa.string()), value)
        if (col.required and value.null_count) or _may_fail(col, value):
            return None
        arrays.append(value)
    return arrays


def _may_fail(col: Column, value) -> bool:
    """Whether a present value may break one of failures()' rules (or is NaN, which pandas takes
    for a missing one)."""
    def any_(mask) -> bool:
        return bool(pc.any(mask).as_py())
    if col.type == "float" and any_(pc.is_nan(value)):
        return True
    if col.type in ("int", "float") and any_(pc.or_(pc.greater_equal(value, NUMBER_LIMIT),
                                                      pc.less_equal(value, -NUMBER_LIMIT))):
        return True
    if col.type == "date" and any_(pc.or_(pc.less(value, pa.scalar(DATES[0])), pc.greater(value, pa.scalar(DATES[1])))):
        return True
    if col.is_id and _holding_not_in_ids(value).any():
        return True
    if col.allowed and any_(pc.and_(pc.is_valid(value),
                                    pc.invert(pc.is_in(value, value_set=pa.array(col.allowed, pa.string()))))):
        return True
    if col.minimum is not None and any_(pc.less(value, col.minimum)):
        return True
    return col.maximum is not None and any_(pc.greater(value, col.maximum))


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
