"""Whatever file comes in, broken in whatever way, the importer answers with problems:
it never fails with an unhandled exception and never changes the store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import import_corpus as corpus
from kam.imports import files
from kam.imports import importer
from kam.i18n import translator
from kam.store.work import Work
from kam.store.delta import Store
from kam.store.schema import DATES, NOT_IN_IDS, NUMBER_LIMIT as SCHEMA_LIMIT

HEADERS = ["订单号", "客户编号", "订单日期", "金额", "产品", "数量", "Customer ID", "Amount", "备注", "", "合计"]
CELLS = ["00017", "C105", "2026-03-05", "2026/3/5", "05/03/2026", "46086", "1,234.50", "（５０）", "¥12", "12%",
         "", " ", "abc", "2026-02-30", "-", "(", '"', '""', '"a,b"', '"open', "\n", "\r", "合计", "=1+1", "'-5",
         "\x00", "\ufeff", "😀", "ü", "9" * 40, "1e999", "NaN", "null", "TRUE"]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
en = translator("en")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("props") / "store")
    store.append("customers", corpus.CUSTOMERS, user="setup")
    return store


@st.composite
def broken_files(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True))
    rows = draw(st.lists(st.lists(st.sampled_from(CELLS), max_size=8), max_size=12))
    rows.append(["??"] * len(header))  # a line no column can take: the file is broken for sure
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["销售明细表", "", delimiter * 3])))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return text.encode(encoding, errors="replace")


def check_nothing_changes(store: Store, data: bytes, **options) -> None:
    before = store.versions()
    try:
        source = files.read("random.csv", data)
    except files.ReadError:
        return
    plan = importer.check(store, "sales", source, importer.Options(**options))
    importer.report(plan, en)
    importer.rejected_rows(plan, en)
    importer.preview(plan)
    assert not plan.ready
    with pytest.raises(ValueError):
        importer.commit(Work.on(store), plan)
    assert store.versions() == before


@SETTINGS
@given(data=broken_files())
def test_a_broken_csv_is_answered_with_problems_and_writes_nothing(shop, data):
    check_nothing_changes(shop, data)


@SETTINGS
@given(data=broken_files(), date_order=st.sampled_from([None, "dmy", "mdy"]),
       on_duplicate=st.sampled_from(importer.ON_DUPLICATE), create=st.booleans(), drop=st.booleans())
def test_no_choice_of_options_lets_a_broken_file_through(shop, data, date_order, on_duplicate, create, drop):
    check_nothing_changes(shop, data, date_order=date_order, on_duplicate=on_duplicate, create_customers=create,
                          drop_repeats=drop)


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_raise(shop, data):
    check_nothing_changes(shop, data)


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes_named_as_a_spreadsheet_never_raise(shop, data):
    for magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        check_nothing_changes(shop, magic + data)


def whole_of(reading: files.Reading) -> tuple:
    chunks = list(reading.chunks())
    assert [c.first_row for c in chunks] == list(np.cumsum([0] + [c.rows for c in chunks[:-1]]))
    assert sum(c.rows for c in chunks) == reading.rows
    return (reading.head.headers, pa.concat_tables([c.cells for c in chunks]).to_pylist(),
            np.concatenate([c.lines for c in chunks]).tolist(), [r for c in chunks for r in c.ragged],
            reading.head.sha256, reading.head.encoding, reading.head.delimiter, reading.head.header_line)


def read_whole(data: bytes) -> tuple:
    source = files.read("random.csv", data)
    return (source.headers, source.cells.to_pylist(), source.lines.tolist(), source.ragged, source.sha256,
            source.encoding, source.delimiter, source.header_line)


@SETTINGS
@given(data=broken_files(), chunk_rows=st.integers(1, 4))
def test_a_file_read_from_disk_a_few_records_at_a_time_is_the_file_read_whole(tmp_path, data, chunk_rows):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        expected = read_whole(data)
    except files.ReadError as error:
        with pytest.raises(files.ReadError) as raised:
            whole_of(files.open_file(path, chunk_rows=chunk_rows))
        assert (raised.value.code, raised.value.line) == (error.code, error.line)
        return
    assert whole_of(files.open_file(path, chunk_rows=chunk_rows)) == expected


@pytest.mark.parametrize("name", ["ERP_SALES", "CRM_CUSTOMERS", "SEMICOLON_VISITS", "UTF16_SALES", "BROKEN_SALES",
                                  "REPEATED_SALES", "AMBIGUOUS_DATES", "FORMULA_CUSTOMERS"])
def test_every_file_of_the_corpus_reads_the_same_from_disk_in_chunks(tmp_path, name):
    data = getattr(corpus, name)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    assert whole_of(files.open_file(path, chunk_rows=2)) == read_whole(data)
    assert files.open_file(path, chunk_rows=2).rows == files.read(path.name, data).rows > 0


# Values an attacker or an overflow brings: huge and tiny floats, dates no record has, ids with
# line breaks and control characters, a value longer than any export's.
HOSTILE = ["1e309", "-1e309", "1e-320", "5e-324", "1.7976931348623157e308", "9" * 400, "1e12", "-999999999999",
           "9999-12-31", "1000-01-01", "0001-01-01", "S1\r\nATTENDEE:x", "S\x00", "S\x1b[31m", "S\u2028",
           "00017", "2026-03-05", "100", "x" * 5000]
SALES_HEADER = ["订单号", "客户编号", "订单日期", "金额"]


@st.composite
def hostile_files(draw) -> bytes:
    header = SALES_HEADER + draw(st.sampled_from([[], ["金额"], ["订单号"]]))  # a header twice, or not
    rows = draw(st.lists(st.lists(st.sampled_from(HOSTILE), min_size=len(header), max_size=len(header)),
                         min_size=1, max_size=6))
    if draw(st.integers(0, 9)) == 0:
        rows.append(["S9", "00017", "2026-03-05", "x" * (files.LINE_CHARS + 1)])
    lines = [",".join(header)] + [",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows]
    codecs = draw(st.lists(st.sampled_from(["utf-8", "gb18030"]), min_size=len(lines), max_size=len(lines)))
    return b"".join((line + "\n").encode(codec) for line, codec in zip(lines, codecs))  # encodings mixed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_files())
def test_hostile_values_never_reach_the_store(shop, data):
    try:
        source = files.read("hostile.csv", data)
    except files.ReadError as error:
        assert error.code in ("duplicate_header", "mixed_encoding", "line_too_long", "value_too_long")
        return
    plan = importer.check(shop, "sales", source, importer.Options(good_rows_only=True, force=True))
    written = plan.records[plan.write]
    assert (written["amount"].abs() < SCHEMA_LIMIT).all()
    assert written["date"].between(*(pd.Timestamp(d) for d in DATES)).all()
    assert not written["order_id"].str.contains(NOT_IN_IDS).any()
