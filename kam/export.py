"""Files people download: CSV that Excel on Chinese Windows opens correctly, and safely."""
from __future__ import annotations

import io
import json
import sys

import pandas as pd

FORMATS = ("csv", "json", "table")  # how the command line prints a report

# A cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP "CSV injection"); exported text gets a leading apostrophe so it is shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            text = column.astype("string")
            risky = text.str.startswith(FORMULA_STARTS).fillna(False)
            if risky.any():
                out[name] = column.astype(object).where(~risky, "'" + text)
    return out


def write_csv(frame: pd.DataFrame, out) -> None:
    """The one way the product writes CSV (downloads, exports, the command line's reports): formula-safe."""
    neutralise(frame).to_csv(out, index=False, lineterminator="\n")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese text."""
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An Excel workbook whose text cells stay text: "=1+1" is shown, never calculated."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append([str(c) for c in frame.columns])
    columns = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):  # Excel has no time zones: UTC, as stored
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        columns.append(column.astype(object).where(column.notna(), None))
    for values in zip(*columns):
        row = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
                cell.quotePrefix = value.startswith(FORMULA_STARTS)
                value = cell
            row.append(value)
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def emit(frame: pd.DataFrame, form: str, out=None) -> None:
    out = out or sys.stdout
    if form == "csv":
        write_csv(frame, out)
    elif form == "json":
        json.dump(json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)),
                  out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        out.write((frame.to_string(index=False) if len(frame) else "(no rows)") + "\n")
