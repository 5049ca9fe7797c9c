"""python -m kam import / imports / undo-import / export, as a scheduled job or an analyst runs them."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

import import_corpus as corpus
from conftest import ROOT
from kam.cli import main
from kam.store.delta import Store


@pytest.fixture
def shop(store) -> Store:
    store.append("customers", corpus.CUSTOMERS, user="setup")
    return store


@pytest.fixture
def folder(tmp_path):
    def put(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return put


def kam(store, *args) -> int:
    return main(["--data", str(store.root), *args])


def test_a_good_file_is_imported_and_counted(shop, folder, capsys):
    assert kam(shop, "import", "sales", folder("3月.csv", corpus.ERP_SALES), "--user", "ana") == 0
    out, err = capsys.readouterr()
    assert out.startswith("imported 5 rows into sales (import ")
    assert "encoding GB18030" in err and "3月.csv: warning: 1 line: a total line: skipped: line 9" in err
    assert shop.count("sales") == 5


def test_a_broken_file_prints_one_line_per_kind_of_problem_exits_1_and_writes_nothing(shop, folder, tmp_path,
                                                                                       capsys):
    before = shop.version("sales")
    listed = tmp_path / "problems.csv"
    assert kam(shop, "import", "sales", folder("broken.csv", corpus.BROKEN_SALES), "--problems", str(listed)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[1:] == [
        "broken.csv: 订单日期 → date: 1 line: not a date that can be read: line 3 ('2026-02-30')",
        "broken.csv: 金额 → amount: 1 line: not a number: line 4 ('一百')",
        "broken.csv: 客户编号 → customer_id: 1 line: no such customer (create new customers, or reject these rows): "
        "line 5 ('C999')",
        "broken.csv: 订单日期 → date: 1 line: required but empty: line 6",
        "broken.csv: 金额 → amount: 2 lines: required but empty: lines 6, 8",
        "broken.csv: 1 line has fewer values than the header (a broken line?): line 6",
        "broken.csv: 1 line has values after the last column: line 7",
        "broken.csv: 客户编号 → customer_id: 1 line: required but empty: line 11",
        "broken.csv: 订单号 → order_id: 2 lines share their key with another line: lines 12 ('B-10'), 13 ('B-10')",
        f"the full list of 11 problem(s) is in {listed}",
        "11 problem(s); nothing was written.",  # the lines of BROKEN_PROBLEMS; line 6 misses a date and an amount
    ]
    full = listed.read_bytes().decode("utf-8-sig").splitlines()
    assert full[0] == "line,header,column,value,message,severity" and len(full) == 1 + 11
    assert full[1] == "3,订单日期,Date,2026-02-30,not a date that can be read,error"
    assert shop.version("sales") == before


def test_a_dry_run_checks_and_writes_nothing(shop, folder, capsys):
    assert kam(shop, "import", "sales", folder("s.csv", corpus.ERP_SALES), "--dry-run") == 0
    assert capsys.readouterr().out == "would import 5 rows into sales (dry run: nothing written)\n"
    assert shop.version("sales") == -1


def test_good_rows_only_imports_them_and_writes_the_rejected_rows_beside_the_file(shop, folder, tmp_path, capsys):
    assert kam(shop, "import", "sales", folder("broken.csv", corpus.BROKEN_SALES), "--good-rows-only") == 0
    assert "imported 3 rows" in capsys.readouterr().out
    rejected = (tmp_path / "broken.rejected.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert rejected[0] == "订单号,客户编号,订单日期,金额,导入问题 (import problems)"
    assert len(rejected) == 1 + 9


def test_the_same_file_twice_is_refused_unless_forced(shop, folder, capsys):
    path = folder("till.csv", corpus.REPEATED_SALES)
    assert kam(shop, "import", "sales", path) == 0
    assert kam(shop, "import", "sales", path) == 1
    assert "till.csv: this file was already imported (" in capsys.readouterr().err
    assert kam(shop, "import", "sales", path, "--force") == 0
    assert shop.count("sales") == 6


def test_on_duplicate_and_create_customers(store, folder, capsys):
    path = folder("erp.csv", corpus.ERP_SALES)
    assert kam(store, "import", "sales", path) == 1
    assert "no such customer" in capsys.readouterr().err
    assert kam(store, "import", "sales", path, "--create-customers") == 0
    assert capsys.readouterr().out.splitlines()[1] == "created 3 new customers"
    assert kam(store, "import", "sales", path, "--force", "--on-duplicate", "skip") == 0
    assert "imported 0 rows" in capsys.readouterr().out
    assert kam(store, "import", "sales", path, "--force", "--on-duplicate", "update") == 0
    assert store.count("sales") == 5


def test_maps_given_saved_and_reused(shop, folder, capsys):
    path = folder("till.csv", corpus.REPEATED_SALES)
    assert kam(shop, "import", "sales", path, "--map", "产品=-", "--save-mapping", "收银机", "--dry-run") == 0
    assert kam(shop, "import", "sales", path, "--dry-run") == 0
    assert "the saved mapping '收银机' fits these headers" in capsys.readouterr().err
    assert kam(shop, "import", "sales", path, "--mapping", "收银机") == 0
    assert shop.read("sales").column("product").null_count == 3
    assert kam(shop, "import", "sales", path, "--mapping", "nope") == 2
    assert kam(shop, "import", "sales", path, "--map", "产品=colour", "--force", "--dry-run") == 1
    assert "产品 → colour: the table has no such column" in capsys.readouterr().err


def test_encodings_named_or_found(shop, folder, capsys):
    path = folder("erp.csv", corpus.ERP_SALES)
    assert kam(shop, "import", "sales", path, "--encoding", "utf-8", "--dry-run") == 1
    assert capsys.readouterr().err.strip() == "erp.csv:1: the file is not in UTF-8"
    assert kam(shop, "import", "sales", path, "--encoding", "gbk", "--dry-run") == 1  # ¥ is not in GBK
    assert capsys.readouterr().err.strip() == "erp.csv:5: the file is not in GBK"
    assert kam(shop, "import", "sales", path, "--encoding", "gb18030", "--dry-run") == 0


def test_ambiguous_dates_need_the_date_order(shop, folder, capsys):
    path = folder("d.csv", corpus.AMBIGUOUS_DATES)
    assert kam(shop, "import", "sales", path) == 1
    assert "d.csv: 日期 → date: day and month could be either way round (e.g. line 2)" in capsys.readouterr().err
    assert kam(shop, "import", "sales", path, "--date-order", "dmy") == 0


def test_history_and_undo(shop, folder, capsys):
    kam(shop, "import", "sales", folder("till.csv", corpus.REPEATED_SALES), "--user", "ana")
    capsys.readouterr()
    assert kam(shop, "imports", "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "import_id,table,when,user,rows,file,version,undone"
    # stamped with --user, as made on the command line (never to be taken for a signed-in person)
    assert lines[1].split(",")[1:2] + lines[1].split(",")[3:] == ["sales", "ana (command line)", "3", "till.csv",
                                                                  "0", "False"]
    assert kam(shop, "undo-import", "sales") == 0
    assert "(3 rows) from sales" in capsys.readouterr().out
    assert shop.count("sales") == 0
    assert kam(shop, "undo-import", "sales") == 1


def test_export_keeps_formulas_as_text(shop, folder, tmp_path, capsys):
    assert kam(shop, "import", "customers", folder("f.csv", corpus.FORMULA_CUSTOMERS)) == 0
    stored = dict(zip(*shop.read("customers").select(["customer_id", "name"]).to_pydict().values()))
    assert stored["F1"] == '=HYPERLINK("http://x")'  # stored as written

    assert kam(shop, "export", "customers") == 0
    text = capsys.readouterr().out
    assert 'F1,"\'=HYPERLINK(""http://x"")",' in text and "'@SUM(A1)" in text and "'+86 21 5555" in text

    out = tmp_path / "customers.xlsx"
    assert kam(shop, "export", "customers", "--format", "xlsx", "--out", str(out)) == 0
    ws = openpyxl.load_workbook(out).active
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert (cells["F1"].value, cells["F1"].data_type, cells["F1"].quotePrefix) == ('=HYPERLINK("http://x")', "s", True)


def test_an_exported_csv_imports_back_as_it_was(shop, folder, tmp_path, capsys):
    kam(shop, "import", "customers", folder("f.csv", corpus.FORMULA_CUSTOMERS))
    kam(shop, "export", "customers", "--out", str(tmp_path / "all.csv"))
    other = Store(tmp_path / "other")
    assert kam(other, "import", "customers", str(tmp_path / "all.csv")) == 0
    columns = ["customer_id", "name", "tier", "status", "profile"]
    assert other.read("customers").select(columns).to_pylist() == shop.read("customers").select(columns).to_pylist()


def test_the_command_exits_non_zero_as_a_process(shop, folder):
    run = subprocess.run([sys.executable, "-m", "kam", "--data", str(shop.root), "import", "sales",
                          folder("broken.csv", corpus.BROKEN_SALES)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    assert shop.version("sales") == -1
