"""Files people download: CSV that Excel on Chinese Windows opens correctly, and safely."""
from __future__ import annotations

import io

import pandas as pd

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


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese text."""
    buffer = io.StringIO()
    neutralise(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8-sig")
