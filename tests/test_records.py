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


# ---- rows typed in Arrow (the importer's checked rows) ------------------------------------
STAMP = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.timezone.utc)


def arrow_value(col, draw, edge: bool):
    """A value of the column's Arrow type: one that passes, or one on an edge of the rules."""
    good = {"text": st.sampled_from(col.allowed or ("C001", " 华东 ", "x")), "int": st.integers(-1000, 10 ** 6),
            "float": st.floats(-1e6, 1e6), "date": st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
            "bool": st.booleans()}
    edges = {"text": st.sampled_from(["  ", "", "a\nb", "\u2028", "\x1fid", "\u3000全角\u3000", "\x85"]) | st.text(max_size=4),
             "int": st.sampled_from([10 ** 12, -10 ** 12, 10 ** 12 - 1, -5]),
             "float": st.sampled_from([float("nan"), float("inf"), 1e12, -1e12, -0.5]),
             "date": st.sampled_from([dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(2199, 12, 31),
                                      dt.date(2200, 1, 1)]),
             "bool": st.booleans()}
    return draw(st.none() | edges[col.type]) if edge else draw(good[col.type])


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(TABLES)), data=st.data())
def test_rows_typed_in_arrow_are_stored_as_the_same_rows_checked_by_pandas_are(name, data):
    """Rows that pass, or with one value on an edge (missing, blank, out of range, not one line,
    not allowed, NaN): stored, or refused, alike."""
    import pyarrow as pa
    from kam.store.records import InvalidRecords, to_arrow
    table = TABLES[name]
    optional = [c for c in table.columns if not c.required]
    others = data.draw(st.lists(st.sampled_from(optional), unique=True, max_size=6)) if optional else []
    columns = [c for c in table.columns if c.required or c in others]
    rows = data.draw(st.integers(1, 3))
    kind = data.draw(st.sampled_from(sorted({c.type for c in columns})))  # kinds alike, not text mostly
    edge = data.draw(st.tuples(st.integers(0, rows - 1), st.sampled_from([c for c in columns if c.type == kind]))
                     | st.none())
    given_ = pa.table({c.name: pa.array([arrow_value(c, data.draw, edge == (r, c)) for r in range(rows)],
                                        c.arrow_type) for c in columns})

    def stored(rows_):
        try:
            return to_arrow(table, rows_, recorded_by="t", batch_id="b", recorded_at=STAMP)
        except InvalidRecords as refused:
            return [(p.row, p.column, p.code) for p in refused.problems]
    assert stored(given_) == stored(given_.to_pandas())


def test_the_importers_checked_rows_go_to_the_store_without_pandas_and_a_doubtful_one_is_named():
    import pyarrow as pa
    from kam.store import records
    sales = TABLES["sales"]
    checked = pa.table({"order_id": ["A1", " A2 "], "customer_id": ["C1", "C2"],
                        "date": pa.array([dt.datetime(2026, 1, 5), dt.datetime(2026, 2, 1)], pa.timestamp("s")),
                        "amount": [100.0, 250.5], "cost": [60.0, None]})
    assert records._passing(sales, checked) is not None
    stored = records.to_arrow(sales, checked, recorded_by="t", batch_id="b", recorded_at=STAMP)
    assert stored.column("order_id").to_pylist() == ["A1", "A2"]
    assert stored.column("profit").to_pylist() == [40.0, None]
    assert stored.column("date").to_pylist() == [dt.date(2026, 1, 5), dt.date(2026, 2, 1)]
    for amount in (1e12, -1e12, float("nan"), float("inf")):  # on the edge, or missing as pandas sees it
        assert records._passing(sales, checked.set_column(3, "amount", pa.array([amount, 1.0]))) is None
    doubtful = checked.set_column(0, "order_id", pa.array(["A1", "A\n2"]))
    assert records._passing(sales, doubtful) is None
    try:
        records.to_arrow(sales, doubtful, recorded_by="t", batch_id="b")
        raise AssertionError("a line break in an order id was stored")
    except records.InvalidRecords as refused:
        assert [(p.row, p.column, p.code) for p in refused.problems] == [(2, "order_id", "not_one_line")]


def test_an_id_holding_a_character_no_id_may_hold_is_named_among_a_million_clean_ones():
    """The ids are first looked at as bytes (most files hold none of those characters); each such
    character is still found, wherever its id sits in the column, however the column is cut."""
    import re

    import pyarrow as pa
    from kam.store import records
    from kam.store.schema import NOT_IN_IDS
    sales = TABLES["sales"]
    clean = [f"S{i:07d}" for i in range(20_000)] + ["价—格…", "“引号”"]  # bytes E2 and C2 in other characters
    assert not records._not_one_line(pd.Series(clean)).any()
    for bad in ["\x00", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029"]:
        ids = clean[:12_345] + [f"S{bad}X"] + clean[12_345:]
        expected = [bool(re.search(NOT_IN_IDS, i)) for i in ids]
        assert records._not_one_line(pd.Series(ids)).tolist() == expected
        column = pa.chunked_array([pa.array(ids[:5_000]), pa.array(["pad", *ids[5_000:]]).slice(1)])
        rows = pa.table({"order_id": column, "customer_id": pa.array(["C1"] * len(ids)),
                         "date": pa.array([dt.date(2026, 1, 5)] * len(ids)), "amount": pa.array([1.0] * len(ids))})
        assert records._passing(sales, rows) is None
        assert records._passing(sales, rows.slice(0, 12_345)) is not None
