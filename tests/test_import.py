"""An analyst brings an export; it goes in completely and correctly, or nothing is written
and every problem is shown with its line, its column and its value."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

import import_corpus as corpus
from kam.imports import files
from kam.imports import import_log
from kam.imports import importer
from kam.imports import mapping
from kam.imports import cell_values
from kam.export import to_csv_bytes
from kam.i18n import translator
from kam.store.work import Work
from kam.store.schema import TABLES
from kam.store.delta import Store

en = translator("en")


@pytest.fixture
def shop(store) -> Store:
    store.append("customers", corpus.CUSTOMERS, user="setup")
    return store


def plan_for(store, table, name, data, **options):
    return importer.check(store, table, files.read(name, data), importer.Options(**options))


def problems_by_line(plan) -> dict[int, set[str]]:
    rows = plan.problems[plan.problems["row"] >= 0]
    found: dict[int, set[str]] = {}
    for line, code in zip(rows["line"], rows["code"]):
        found.setdefault(int(line), set()).add(code)
    return found


def stored(store, table, columns) -> list[tuple]:
    frame = store.read(table).to_pandas().sort_values(columns[0])
    out = []
    for row in frame[columns].itertuples(index=False):
        out.append(tuple(None if pd.isna(v) else v.date() if isinstance(v, pd.Timestamp) else v for v in row))
    return out


# ---- reading files as they come ---------------------------------------------

def test_an_erp_export_in_gb18030_with_a_title_row_goes_in_exactly(shop):
    source = files.read("3月销售.csv", corpus.ERP_SALES)
    assert (source.encoding, source.delimiter, source.header_line) == ("GB18030", ",", 3)
    plan = importer.check(shop, "sales", source)
    assert plan.ready, importer.report(plan, en)
    assert [(int(line), code) for line, code in zip(plan.problems["line"], plan.problems["code"])] == [
        (9, "total_row")]
    done = importer.commit(Work.on(shop, "ana"), plan)
    columns = ["order_id", "customer_id", "date", "product", "quantity", "amount", "cost"]
    assert stored(shop, "sales", columns) == corpus.ERP_SALES_ROWS
    log = import_log.history(shop, "sales").iloc[0]
    assert (log["import_id"], log["user"], log["rows"], log["file"]) == (done.import_id, "ana", 5, "3月销售.csv")


def test_a_crm_customer_list_with_a_bom_and_english_headers(shop):
    plan = plan_for(shop, "customers", "crm.csv", corpus.CRM_CUSTOMERS)
    assert plan.mapping == {"Customer Code": "customer_id", "Company Name": "name", "Level": "tier",
                            "Status": "status", "Region": "region", "Credit Limit": "credit_limit",
                            "Payment Terms": "payment_terms_days", "Date Created": "created"}
    assert plan.source.encoding == "UTF-8 (BOM)"
    importer.commit(Work.on(shop), plan)
    assert stored(shop, "customers", ["customer_id", "name", "tier", "status", "credit_limit", "created"])[2:5] == [
        ("00042", "北辰新材", "important", "active", 500000.0, dt.date(2025, 11, 3)),
        ("00043", "天府电子", "ordinary", "active", 0.0, dt.date(2025, 12, 1)),
        ("00044", "燕山化工", "potential", "active", None, None),
    ]


def test_semicolon_visits_with_day_first_dates_and_methods_in_words(shop):
    plan = plan_for(shop, "visits", "visits.csv", corpus.SEMICOLON_VISITS)
    assert plan.source.delimiter == ";"
    assert plan.notes[0] == ("import.note.date_order", {"header": "Visit date", "order": "dmy",
                                                        "example": "25/03/2026"})
    importer.commit(Work.on(shop), plan)
    assert stored(shop, "visits", ["visit_id", "date", "method", "satisfaction", "discussed"]) == [
        ("V1", dt.date(2026, 3, 25), "in_person", 5, "Annual contract; price"),
        ("V2", dt.date(2026, 3, 5), "phone", 4, "Delivery delays"),
    ]


def test_excel_with_a_merged_title_numbers_as_ids_and_a_merged_customer_cell(shop):
    source = files.read("march.xlsx", corpus.excel_sales())
    assert (source.kind, source.sheet, source.header_line) == ("xlsx", "3月销售", 3)
    assert source.headers == ["订单号", "客户编号", "订单日期", "金额", "备注"]
    plan = importer.check(shop, "sales", source)
    assert plan.ready, importer.report(plan, en)
    assert list(plan.lines) == [row[0] for row in corpus.EXCEL_ROWS]
    importer.commit(Work.on(shop), plan)
    assert stored(shop, "sales", ["order_id", "customer_id", "date", "amount"]) == [
        row[1:] for row in corpus.EXCEL_ROWS]


def test_excel_unicode_text_utf16_tab_separated(shop):
    plan = plan_for(shop, "sales", "unicode.txt", corpus.UTF16_SALES)
    assert (plan.source.encoding, plan.source.delimiter) == ("UTF-16", "\t")
    importer.commit(Work.on(shop), plan)
    assert stored(shop, "sales", ["order_id", "amount"]) == [("U-1", 100.0), ("U-2", 250.5)]


def test_an_encoding_the_user_names_but_the_file_is_not_in_is_located():
    with pytest.raises(files.ReadError) as raised:
        files.read("erp.csv", corpus.ERP_SALES, encoding="utf-8")
    assert (raised.value.code, raised.value.line) == ("not_encoding", 1)


def test_a_file_in_neither_utf8_nor_gb18030_is_decoded_by_the_detector_and_says_so():
    text = "Kunde,Stadt\nCafé,Köln\nBäckerei Süß,Düsseldorf\n" * 20  # "é," cannot be GB18030
    source = files.read("de.csv", text.encode("cp1252"))
    assert source.encoding_guessed
    assert source.cells.column("Kunde")[0].as_py() == "Café"


# ---- every problem located, nothing written ---------------------------------

def test_a_broken_file_writes_nothing_and_locates_every_problem(shop):
    plan = plan_for(shop, "sales", "broken.csv", corpus.BROKEN_SALES)
    assert problems_by_line(plan) == corpus.BROKEN_PROBLEMS
    assert plan.file_errors.empty and not plan.ready
    bad_date = plan.problems[plan.problems["code"] == "not_date"].iloc[0]
    assert (bad_date["header"], bad_date["column"], bad_date["value"]) == ("订单日期", "date", "2026-02-30")
    before = shop.version("sales")
    with pytest.raises(ValueError):
        importer.commit(Work.on(shop), plan)
    assert shop.version("sales") == before


def test_good_rows_only_writes_them_and_the_rejected_rows_come_back_fixable(shop):
    plan = plan_for(shop, "sales", "broken.csv", corpus.BROKEN_SALES, good_rows_only=True)
    importer.commit(Work.on(shop), plan)
    assert sorted(shop.read("sales").column("order_id").to_pylist()) == sorted(corpus.BROKEN_GOOD_ORDERS)

    rejected = importer.rejected_rows(plan, en)
    assert list(rejected.columns) == ["订单号", "客户编号", "订单日期", "金额", mapping.PROBLEM_HEADER]
    assert rejected["订单号"].tolist() == ["B-2", "B-3", "B-4", "B-5", "B-6", "B-7", "B-9", "B-10", "B-10"]
    assert "not a date" in rejected["导入问题 (import problems)"].iloc[0]
    fixed = rejected.drop(columns=mapping.PROBLEM_HEADER)
    fixed["订单日期"] = "2026-03-20"
    fixed["客户编号"] = "00023"
    fixed["金额"] = "10"
    fixed["订单号"] = [f"R-{i}" for i in range(len(fixed))]
    again = plan_for(shop, "sales", "fixed.csv", to_csv_bytes(fixed))
    assert again.ready, importer.report(again, en)
    assert importer.commit(Work.on(shop), again).rows == 9


def test_dates_that_could_be_either_way_round_are_asked_for_never_guessed(shop):
    plan = plan_for(shop, "sales", "dates.csv", corpus.AMBIGUOUS_DATES)
    asked = plan.file_errors
    assert asked[["code", "header", "value", "detail"]].values.tolist() == [["date_order", "日期", "05/03/2026", "2"]]
    day_first = plan_for(shop, "sales", "dates.csv", corpus.AMBIGUOUS_DATES, date_order="dmy")
    month_first = plan_for(shop, "sales", "dates.csv", corpus.AMBIGUOUS_DATES, date_order="mdy")
    assert day_first.records["date"].dt.date.tolist() == [dt.date(2026, 3, 5), dt.date(2026, 3, 4)]
    assert month_first.records["date"].dt.date.tolist() == [dt.date(2026, 5, 3), dt.date(2026, 4, 3)]


def test_a_required_column_left_unmapped_is_a_problem_before_any_row(shop):
    chosen = {"订单号": "order_id", "客户编号": "customer_id", "订单日期": "date"}
    plan = plan_for(shop, "sales", "erp.csv", corpus.ERP_SALES, mapping=chosen)
    assert plan.file_errors[["code", "column"]].values.tolist() == [["required_unmapped", "amount"]]


# ---- duplicates ---------------------------------------------------------------

def test_rows_whose_key_is_stored_stop_the_import_are_skipped_or_update_as_chosen(shop):
    importer.commit(Work.on(shop), plan_for(shop, "sales", "erp.csv", corpus.ERP_SALES))
    changed = corpus.ERP_SALES.replace("1,234.50".encode("gb18030"), "9,999.00".encode("gb18030"))

    stop = plan_for(shop, "sales", "erp2.csv", changed)
    assert set(stop.errors["code"]) == {"already_stored"} and len(stop.errors) == 5

    skip = plan_for(shop, "sales", "erp2.csv", changed, on_duplicate="skip")
    assert skip.ready and not skip.write.any()

    update = plan_for(shop, "sales", "erp2.csv", changed, on_duplicate="update")
    assert update.updates == 5
    importer.commit(Work.on(shop), update)
    amounts = dict(stored(shop, "sales", ["order_id", "amount"]))
    assert len(amounts) == 5 and amounts["SO-001"] == 9999.0


def test_identical_lines_without_a_key_are_separate_sales_kept_with_a_warning(shop):
    plan = plan_for(shop, "sales", "till.csv", corpus.REPEATED_SALES)
    repeat = plan.problems[plan.problems["code"] == "repeated_row"]
    assert repeat[["line", "detail", "severity"]].values.tolist() == [[3, "2", "warning"]]
    assert importer.commit(Work.on(shop), plan).rows == 3
    dropped = plan_for(shop, "sales", "till.csv", corpus.REPEATED_SALES, drop_repeats=True, force=True)
    assert int(dropped.write.sum()) == 2


def test_the_same_file_twice_is_refused_unless_forced(shop):
    importer.commit(Work.on(shop), plan_for(shop, "sales", "till.csv", corpus.REPEATED_SALES))
    again = plan_for(shop, "sales", "renamed.csv", corpus.REPEATED_SALES)
    assert again.file_errors["code"].tolist() == ["already_imported"]
    forced = plan_for(shop, "sales", "renamed.csv", corpus.REPEATED_SALES, force=True)
    assert importer.commit(Work.on(shop), forced).rows == 3
    assert shop.count("sales") == 6


def test_a_duplicate_key_within_the_file_names_both_lines(shop):
    plan = plan_for(shop, "sales", "broken.csv", corpus.BROKEN_SALES)
    twice = plan.problems[plan.problems["code"] == "duplicate_key"]
    assert twice[["line", "detail"]].values.tolist() == [[12, "12, 13"], [13, "12, 13"]]


# ---- unknown customers ----------------------------------------------------------

def test_unknown_customers_are_created_on_request_named_from_the_file(store):
    plan = plan_for(store, "sales", "erp.csv", corpus.ERP_SALES, create_customers=True)
    assert plan.new_customers[["customer_id", "name"]].values.tolist() == [
        ["00017", "华东精密机械"], ["00023", "申江物流"], ["C105", "蜀都食品"]]
    done = importer.commit(Work.on(store), plan)
    assert done.customers_created == 3
    assert stored(store, "customers", ["customer_id", "tier", "status"]) == [
        ("00017", "ordinary", "active"), ("00023", "ordinary", "active"), ("C105", "ordinary", "active")]


# ---- history and undo -------------------------------------------------------------

def test_the_last_import_is_undone_with_the_customers_it_created(store):
    importer.commit(Work.on(store), plan_for(store, "sales", "erp.csv", corpus.ERP_SALES, create_customers=True))
    undone = import_log.undo_last(Work.on(store, "ana"), "sales")
    assert (undone.rows, undone.file, undone.customers_removed) == (5, "erp.csv", 3)
    assert store.count("sales") == 0 and store.count("customers") == 0
    assert import_log.history(store)["undone"].tolist() == [True, True]
    with pytest.raises(import_log.UndoRefused):
        import_log.undo_last(Work.on(store), "sales")
    assert plan_for(store, "sales", "erp.csv", corpus.ERP_SALES, create_customers=True).ready  # may come back


def test_an_import_is_undone_after_others_wrote_and_their_rows_stay(shop):
    done = importer.commit(Work.on(shop), plan_for(shop, "sales", "till.csv", corpus.REPEATED_SALES))
    shop.append("sales", [{"customer_id": "00017", "date": dt.date(2026, 6, 1), "amount": 5}], user="bo")
    undone = import_log.undo_last(Work.on(shop, "ana"), "sales")
    assert (undone.import_id, undone.rows) == (done.import_id, 3)
    assert stored(shop, "sales", ["recorded_by", "amount"]) == [("bo", 5.0)]


# ---- mapping ----------------------------------------------------------------------

@pytest.mark.parametrize("header, target", [
    ("客户编号", "customer_id"), ("客户代码", "customer_id"), ("Customer ID", "customer_id"),
    ("金额", "amount"), ("销售额", "amount"), ("金额（元）", "amount"), ("Sales Amount", "amount"),
    ("订单日期", "date"), ("*订单号", "order_id"), ("客户名称", mapping.CUSTOMER_NAME), ("备注", None),
])
def test_common_headers_are_recognised(header, target):
    assert mapping.auto_map(TABLES["sales"], [header]) == {header: target}


def test_visit_headers_are_recognised():
    assert mapping.auto_map(TABLES["visits"], ["回访日期", "回访方式", "客户编号"]) == {
        "回访日期": "date", "回访方式": "method", "客户编号": "customer_id"}


def test_a_saved_mapping_is_offered_again_for_a_file_with_the_same_headers(shop):
    source = files.read("broken.csv", corpus.BROKEN_SALES)
    mine = {**mapping.auto_map(TABLES["sales"], source.headers), "订单号": None}
    mapping.save(shop.root, mapping.SavedMapping("财务系统", "sales", tuple(source.headers), mine))
    assert [m.name for m in mapping.matching(shop.root, "sales", list(reversed(source.headers)))] == ["财务系统"]
    assert mapping.matching(shop.root, "sales", source.headers[:-1]) == []
    assert mapping.matching(shop.root, "visits", source.headers) == []
    assert mapping.load(shop.root, "财务系统").columns == mine
    assert list((shop.root / ".mappings").glob("*.tmp")) == []


# ---- values as people type them -----------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("1,234.50", 1234.5), ("¥1,234", 1234.0), ("1234元", 1234.0), ("(50.00)", -50.0), ("（５０）", -50.0),
    ("１２３", 123.0), ("12.5%", 0.125), ("-3", -3.0), ("1.5万", 15000.0), ("RMB 2,000", 2000.0),
    ("1e3", 1000.0), ("abc", None), ("12,34", None), ("1.2.3", None), ("--5", None),
])
def test_amounts(text, number):
    assert cell_values.numbers(cell_values.prepare(pa.array([text]))).to_pylist() == [number]


@pytest.mark.parametrize("text, day", [
    ("2026/3/5", "2026-03-05"), ("2026-03-05", "2026-03-05"), ("2026年3月5日", "2026-03-05"),
    ("2026.03.05", "2026-03-05"), ("20260305", "2026-03-05"), ("46086", "2026-03-05"),
    ("2026-03-05 14:30:00", "2026-03-05"), ("25.03.2026", "2026-03-25"), ("2026-02-29", None),
    ("2026/13/1", None), ("next week", None),
])
def test_dates(text, day):
    read = cell_values.dates(cell_values.prepare(pa.array([text])))
    assert [None if pd.isna(v) else str(v) for v in read.values] == [day]


def test_ids_stay_text_with_their_zeros(shop):
    plan = plan_for(shop, "sales", "z.csv", "客户编号,日期,金额\n00017,2026-01-01,5\n".encode())
    assert plan.records["customer_id"].tolist() == ["00017"]


def test_rows_of_nothing_but_spaces_of_any_kind_are_dropped_as_blank():
    data = ("订单号,客户编号,日期,金额\nA1,C1,2026-01-05,10\n , ,\u3000, \n\t,\u00a0,\u2003,\n"
            ",C2,2026-01-06,5\n").encode()
    source = files.read("spaces.csv", data)
    assert source.rows == 2 and source.lines.tolist() == [2, 5]
    assert source.cells.column("客户编号").to_pylist() == ["C1", "C2"]
