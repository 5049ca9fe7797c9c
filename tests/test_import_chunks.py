"""A file imported from disk is checked and written a chunk of records at a time, so its size does
not decide the memory an import needs. Whatever the chunks, the analyst gets the same problems,
the same rows written and the same notes as when the file is read whole."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import import_corpus as corpus
from kam.imports import cell_values
from kam.imports import files
from kam.imports import importer
from kam.store.work import Work
from kam.store.delta import Store
from test_import_props import broken_files

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
IGNORED = ["order_id", "visit_id", "recorded_at", "batch_id"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("chunks") / "store")
    store.append("customers", corpus.CUSTOMERS, user="setup")
    store.append("sales", [{"order_id": "SO-003", "customer_id": "00017", "date": dt.date(2026, 3, 7),
                            "amount": 300}], user="setup")
    return store


def answer(plan: importer.Plan) -> tuple:
    problems = plan.problems.astype(object).where(plan.problems.notna(), None)
    return (sorted(map(tuple, problems.to_numpy().tolist()), key=repr), plan.write.tolist(), plan.rejected.tolist(),
            plan.updates, plan.notes, plan.new_customers.to_dict("records"), plan.mapping, plan.ready)


def both(store: Store, table: str, path, chunk_rows: int, **options) -> tuple[importer.Plan, importer.Plan]:
    data = path.read_bytes()
    whole = importer.check(store, table, files.read(path.name, data), importer.Options(**options))
    chunked = importer.check(store, table, files.open_file(path, chunk_rows=chunk_rows), importer.Options(**options))
    return whole, chunked


CASES = [("sales", "ERP_SALES", {}), ("sales", "ERP_SALES", {"on_duplicate": "skip"}),
         ("sales", "ERP_SALES", {"on_duplicate": "update"}), ("customers", "CRM_CUSTOMERS", {}),
         ("visits", "SEMICOLON_VISITS", {}), ("sales", "UTF16_SALES", {}), ("sales", "BROKEN_SALES", {}),
         ("sales", "BROKEN_SALES", {"good_rows_only": True, "create_customers": True}),
         ("sales", "REPEATED_SALES", {}), ("sales", "REPEATED_SALES", {"drop_repeats": True}),
         ("sales", "AMBIGUOUS_DATES", {}), ("sales", "AMBIGUOUS_DATES", {"date_order": "dmy"}),
         ("customers", "FORMULA_CUSTOMERS", {})]


@pytest.mark.parametrize("table, name, options", CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_every_corpus_file_checked_a_record_at_a_time_is_checked_as_the_whole_file(shop, tmp_path, table,
                                                                                    name, options):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(getattr(corpus, name))
    whole, chunked = both(shop, table, path, 1, **options)
    assert answer(chunked) == answer(whole)
    assert chunked.records.shape[0] <= 1 < chunked.source.rows  # held one record at a time
    shown = importer.preview(chunked)
    assert shown.reset_index(drop=True).equals(importer.preview(whole).head(len(shown)).reset_index(drop=True))


def test_a_clean_file_in_chunks_is_written_as_the_whole_file_is_in_one_commit(shop, tmp_path):
    path = tmp_path / "erp.csv"
    path.write_bytes(corpus.ERP_SALES)
    stores = []
    for chunk_rows in (None, 1, 2):
        store = Store(shutil.copytree(shop.root, tmp_path / f"store-{chunk_rows}"))
        reading = files.read(path.name, path.read_bytes()) if chunk_rows is None else files.open_file(
            path, chunk_rows=chunk_rows)
        plan = importer.check(store, "sales", reading, importer.Options(on_duplicate="update"))
        before = store.version("sales")
        done = importer.commit(Work.on(store), plan)
        assert (done.rows, done.updated, store.version("sales")) == (5, 1, before + 1)
        stores.append(store.read("sales").to_pandas().drop(columns=["recorded_at", "batch_id"])
                      .sort_values("order_id").reset_index(drop=True))
    assert stores[1].equals(stores[0]) and stores[2].equals(stores[0])
    assert len(stores[0]) == 5 and stores[0].loc[stores[0]["order_id"] == "SO-003", "amount"].item() == 300


def test_a_visit_fulfilling_a_plan_twice_across_chunks_is_refused_on_both_lines(shop, tmp_path):
    shop.append("revisit_plans", [{"plan_id": "P-1", "customer_id": "00017", "planned_date": dt.date.today(),
                                   "method": "phone", "status": "planned"}], user="setup")
    path = tmp_path / "visits.csv"
    path.write_text("Visit ID,Customer ID,Visit date,Method,Plan\nV1,00017,2026-03-01,phone,P-1\n"
                    "V2,00023,2026-03-02,phone,\nV3,00017,2026-03-03,phone,P-1\n", encoding="utf-8")
    whole, chunked = both(shop, "visits", path, 1, mapping={"Visit ID": "visit_id", "Customer ID": "customer_id",
                                                            "Visit date": "date", "Method": "method",
                                                            "Plan": "plan_id"})
    assert answer(chunked) == answer(whole)
    refused = chunked.problems[chunked.problems["code"] == "plan_not_open"]
    assert refused["line"].tolist() == [2, 4]


@SETTINGS
@given(data=broken_files(), chunk_rows=st.integers(1, 3), on_duplicate=st.sampled_from(importer.ON_DUPLICATE),
       drop=st.booleans())
def test_any_file_checked_in_chunks_gets_the_answer_it_gets_whole(shop, tmp_path, data, chunk_rows, on_duplicate,
                                                                  drop):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        files.read(path.name, data)
    except files.ReadError:
        return
    whole, chunked = both(shop, "sales", path, chunk_rows, on_duplicate=on_duplicate, drop_repeats=drop)
    assert answer(chunked) == answer(whole)


def test_a_date_order_or_decimal_mark_the_file_shows_only_after_its_first_chunk_reads_every_line_so(shop, tmp_path):
    path = tmp_path / "late.csv"
    path.write_text("Order ID,Customer ID,Order date,Amount\nL1,00017,03/04/2026,1200\nL2,00017,05/04/2026,80\n"
                    "L3,00023,25/03/2026,\"1.234,50\"\n", encoding="utf-8")
    store = Store(shutil.copytree(shop.root, tmp_path / "store"))
    whole, chunked = both(store, "sales", path, 2)
    assert answer(chunked) == answer(whole)
    assert [key for key, _ in chunked.notes] == ["import.note.date_order", "import.note.decimal_comma"]
    importer.commit(Work.on(store), chunked)
    written = store.read("sales").to_pandas().set_index("order_id").loc[["L1", "L2", "L3"]]
    assert [str(day) for day in written["date"]] == ["2026-04-03", "2026-04-05", "2026-03-25"]
    assert written["amount"].tolist() == [1200, 80, 1234.5]


def test_columns_of_mostly_different_values_get_the_answer_of_columns_of_repeated_ones(shop, tmp_path, monkeypatch):
    """Ids, amounts and dates that differ on every line are read without first finding their
    distinct values (kam.imports.cell_values.Distinct): the same problems, notes and rows."""
    lines = ["订单号,客户编号,日期,金额"] + [
        f"D{i},{'00017' if i % 7 else 'X1'},{i % 12 + 1}/{(i + 1) % 12 + 1}/{1900 + i},"
        f"{'tbd' if i % 500 == 3 else f'{i}.{i % 100:02d}'}" for i in range(2500)] + ["D7,00017,2026-01-01,1"]
    path = tmp_path / "distinct.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, mostly_different = both(shop, "sales", path, 1000)
    monkeypatch.setattr(cell_values, "SAMPLE", 10 ** 9)  # every column encoded as one of repeated values
    _, repeated = both(shop, "sales", path, 1000)
    assert answer(mostly_different) == answer(repeated)
    codes = set(mostly_different.problems["code"])
    assert {"not_number", "unknown_customer", "duplicate_key", "date_order"} <= codes, codes
