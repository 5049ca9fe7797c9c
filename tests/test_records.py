"""A form's one record is checked value by value, a file's many a column at a time: the same
values stored and the same problems named either way."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from hypothesis import given, settings, strategies as st

from kam.store.records import FEW_ROWS, validate
from kam.store.schema import TABLES

VALUES = st.one_of(
    st.none(), st.just(""), st.just("  "), st.just(float("nan")), st.just(float("inf")),
    st.text(max_size=8), st.sampled_from(["12", " 7 ", "1e3", "1_000", "0x10", "-3.5", "yes", "否", "a\nb"]),
    st.integers(-10 ** 13, 10 ** 13), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1800, 1, 1), dt.date(2300, 1, 1)), st.booleans(),
    st.sampled_from(["2026-01-05", "2026-01-05T10:00", "9999-12-31", "2026-13-01", " 2025-02-28 "]),
)


def plain(frame: pd.DataFrame) -> list[dict]:
    """The typed rows as Python values, missing ones as None (dtypes aside: a day is a day)."""
    def one(v):
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.date() if isinstance(v, pd.Timestamp) else v
    return [{k: one(v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]


def named(problems, row: int = 1) -> list[tuple]:
    return [(p.column, p.code, p.detail) for p in problems if p.row in (row, None)]


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(TABLES)), data=st.data())
def test_one_record_is_checked_as_the_same_record_among_many_is(name, data):
    table = TABLES[name]
    columns = data.draw(st.lists(st.sampled_from([c.name for c in table.columns]), unique=True, max_size=8))
    record = {column: data.draw(VALUES | st.sampled_from(table.column(column).allowed or ("",)))
              for column in columns}
    alone, alone_problems = validate(table, [record])
    many, many_problems = validate(table, [record] * (FEW_ROWS + 1))
    assert plain(alone) == plain(many.head(1))
    assert named(alone_problems) == named(many_problems)
