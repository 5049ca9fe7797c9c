"""A store that is missing, misnamed, read-only or damaged: every command says so in one sentence
naming the table and the file and what to do, exits non-zero, and writes nothing on top."""
from __future__ import annotations

import datetime as dt
import html
import io

import pandas as pd
import pytest
from deltalake import DeltaTable

from kam.cli.main import main
from kam.readside.database import Database
from kam.store.delta import Store


@pytest.fixture
def small(tmp_path) -> Store:
    store = Store(tmp_path / "data")
    store.append("customers", [
        dict(customer_id="K1", name='=HYPERLINK("http://evil.example","x")', tier="important", status="active",
             created=dt.date(2020, 1, 1)),
        dict(customer_id="K2", name="+cmd|'/C calc'!A0", tier="important", status="active",
             created=dt.date(2020, 1, 1))], user="t")
    store.append("sales", [dict(order_id="S1", customer_id="K1", date=dt.date(2026, 1, 1), amount=100),
                           dict(order_id="S2", customer_id="K2", date=dt.date(2026, 1, 2), amount=50)], user="t")
    for visit, customer in (("V1", "K1"), ("V2", "K2")):  # one file each
        store.append("visits", [dict(visit_id=visit, customer_id=customer, date=dt.date(2026, 11, 1),
                                     method="phone")], user="t")
    return store


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_reports_written_as_csv_keep_formulas_as_text(small, capsys):
    code, out, _ = run(capsys, "--data", small.root, "abc")
    names = pd.read_csv(io.StringIO(out))["customer_name"].tolist()
    assert code == 0 and names == ['\'=HYPERLINK("http://evil.example","x")', "'+cmd|'/C calc'!A0"]


def test_a_read_command_on_a_folder_that_does_not_exist_says_there_is_no_store(tmp_path, capsys):
    code, out, err = run(capsys, "--data", tmp_path / "typo", "abc")
    assert code != 0 and out == "" and err.startswith(f"error: no store here: {tmp_path / 'typo'} does not exist")


def test_data_naming_a_file_is_one_sentence_for_every_command(tmp_path, capsys):
    (tmp_path / "f.csv").write_text("x\n")
    for command in (["tables"], ["abc"], ["import", "sales", tmp_path / "f.csv"], ["export", "sales"]):
        code, out, err = run(capsys, "--data", tmp_path / "f.csv", *command)
        assert code != 0 and out == "" and "is a file, not a folder" in err and err.count("\n") == 1


def test_an_import_into_a_store_that_cannot_be_written_stops_before_reading_the_file(small, tmp_path, capsys):
    (small.root / ".locks").rename(tmp_path / "locks")
    (small.root / ".locks").write_text("not a folder")  # as root, permissions cannot stop a write: this can
    code, _, err = run(capsys, "--data", small.root, "import", "visits", tmp_path / "never-read.csv")
    assert code != 0 and err.startswith(f"error: the store {small.root} cannot be written")


def test_a_log_file_cut_short_is_named_by_every_command(small, capsys):
    last = sorted((small.root / "sales" / "_delta_log").glob("*.json"))[-1]
    last.write_bytes(last.read_bytes()[:100])
    for command in (["abc"], ["tables"], ["export", "sales"]):
        code, _, err = run(capsys, "--data", small.root, *command)
        assert code != 0 and err.startswith(f"error: the table sales is damaged: its log file {last} cannot be read")


def test_a_deleted_data_file_is_never_served_from_the_cache_nor_written_on_top(small, tmp_path, capsys):
    Database(small).refresh()  # the read side holds both visits
    assert run(capsys, "--data", small.root, "coverage", "--as-of", "2026-11-10")[1].count("True") == 2
    lost = DeltaTable(str(small.path("visits"))).file_uris()[0].removeprefix("file://")
    (tmp_path / "lost.parquet").write_bytes(open(lost, "rb").read())
    import os
    os.remove(lost)
    before = small.version("visits")
    code, out, err = run(capsys, "--data", small.root, "coverage", "--as-of", "2026-11-10")
    assert code != 0 and out == "" and f"the table visits is damaged: its data file {lost} is missing" in err
    visit = tmp_path / "v.csv"
    visit.write_text("拜访编号,客户编号,拜访日期,方式\nV3,K1,2026-11-03,phone\n")
    code, _, err = run(capsys, "--data", small.root, "import", "visits", visit)
    assert code != 0 and "visits is damaged" in err and small.version("visits") == before


def test_an_unexpected_error_is_one_sentence_with_an_id_and_its_traceback_in_the_log(small, capsys, monkeypatch):
    from kam.sales import abc

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(abc, "abc_table", broken)
    code, _, err = run(capsys, "--data", small.root, "abc")
    error_id = err.split("error id ")[1].split(",")[0]
    log = (small.root / ".logs" / "kam-errors.log").read_text()
    assert code != 0 and err.count("\n") == 1 and f"error {error_id}: a bug" in log and "Traceback" in log


def test_the_app_names_a_damaged_table_in_one_sentence_instead_of_a_traceback(small, monkeypatch):
    from test_pages import open_app

    last = sorted((small.root / "sales" / "_delta_log").glob("*.json"))[-1]
    last.write_bytes(last.read_bytes()[:100])
    at = open_app(small.root, monkeypatch, "overview", lang="en")
    assert not at.exception
    said = [html.unescape(e.value) for e in at.error]
    assert len(said) == 1 and said[0].startswith("The data cannot be used: the table sales is damaged: its log file")
