"""Real exports go in the first time (issue 19): values as people write them, columns an export
lacks, problem reports a person can read, imported visits that behave like the form's."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

import export_corpus as corpus
import import_corpus
from conftest import APP, ROOT
from kam.cli.main import main
from kam.imports import files
from kam.imports import import_log
from kam.imports import importer
from kam.store.delta import Store
from kam.store.work import Work


@pytest.fixture
def shop(store) -> Store:
    store.append("customers", import_corpus.CUSTOMERS, user="setup")
    return store


def plan_for(store, table, name, data, **options):
    return importer.check(store, table, files.read(name, data), importer.Options(**options))


@pytest.mark.parametrize("table", list(corpus.LISTS_IN_WORDS))
def test_every_list_is_read_in_chinese_english_and_synonyms_and_stored_as_codes(shop, table):
    data, expected = corpus.LISTS_IN_WORDS[table]
    plan = plan_for(shop, table, f"{table}.csv", data)
    assert plan.problems.empty, plan.problems.to_dict("records")
    shown = importer.preview(plan)
    for column, codes in expected.items():
        assert shown[column].tolist() == codes
    done = importer.commit(Work.on(shop, "ana"), plan)
    stored = shop.read(table).to_pandas().query("batch_id == @done.import_id")
    for column, codes in expected.items():
        assert stored[column].tolist() == codes


def test_a_customer_export_without_tier_and_status_takes_the_declared_defaults_and_says_so(shop):
    plan = plan_for(shop, "customers", "客户.csv", corpus.ERP_CUSTOMERS)
    assert plan.problems.empty
    assert plan.notes == [("import.note.default", {"column": "tier", "value": "ordinary"}),
                          ("import.note.default", {"column": "status", "value": "active"})]
    importer.commit(Work.on(shop, "ana"), plan)
    stored = shop.read("customers").to_pandas().set_index("customer_id").loc[["E001", "E002", "E003"]]
    assert stored["tier"].tolist() == ["ordinary"] * 3 and stored["status"].tolist() == ["active"] * 3
    assert stored["region"].tolist() == ["华北", "华东", "华南"]


def test_a_constant_for_a_missing_column_is_read_like_a_cell_and_a_bad_one_is_refused(shop):
    plan = plan_for(shop, "customers", "客户.csv", corpus.ERP_CUSTOMERS, constants={"tier": "大客户"})
    assert ("import.note.constant", {"column": "tier", "value": "大客户"}) in plan.notes
    assert importer.preview(plan)["tier"].tolist() == ["important"] * 3
    bad = plan_for(shop, "customers", "客户.csv", corpus.ERP_CUSTOMERS, constants={"tier": "金牌", "region": "x"})
    assert bad.file_errors[["code", "column"]].values.tolist() == [["constant_mapped", "region"]]
    assert set(bad.errors["code"]) == {"constant_mapped", "allowed"} and bad.errors["header"].iloc[-1] == "tier=金牌"


def test_the_command_line_sets_a_constant_for_a_column_the_file_lacks(shop, tmp_path, capsys):
    path = tmp_path / "客户.csv"
    path.write_bytes(corpus.ERP_CUSTOMERS)
    assert main(["--data", str(shop.root), "import", "customers", str(path), "--set", "tier=VIP"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "note: The file has no “tier” column: every line takes the value given, VIP." in err
    assert "note: The file has no “status” column: every line takes the default active." in err
    assert set(shop.read("customers").to_pandas().query("customer_id.str.startswith('E')")["tier"]) == {"important"}


def test_the_page_sets_a_constant_for_a_missing_column_in_the_mapping_step(shop, monkeypatch):
    monkeypatch.setenv("KAM_DATA_DIR", str(shop.root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/import.py").run()
    at.selectbox(key="imp_table").select("customers").run()
    at.file_uploader(key="imp_file").set_value(("客户.csv", corpus.ERP_CUSTOMERS, "text/csv")).run()
    tier = next(s for s in at.selectbox if s.label == "Tier")
    assert tier.value == "ordinary"  # the declared default, offered
    tier.select("important").run()
    assert "The file has no “tier” column: every line takes the value given, important." in [
        c.value for c in at.caption]
    at.button(key="imp_go").click().run()
    assert not at.exception
    stored = shop.read("customers").to_pandas().query("customer_id.str.startswith('E')")
    assert stored["tier"].tolist() == ["important"] * 3 and stored["status"].tolist() == ["active"] * 3


def test_a_thousand_bad_lines_of_one_kind_are_one_line_of_report_and_the_full_list_is_a_file(shop, tmp_path,
                                                                                            capsys):
    path, listed = tmp_path / "sales.csv", tmp_path / "problems.csv"
    path.write_bytes(corpus.many_bad_sales())
    assert main(["--data", str(shop.root), "import", "sales", str(path), "--problems", str(listed)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("note: Read as CSV, encoding GB18030")
    assert [e for e in err[1:] if not e.startswith("the full list")] == corpus.MANY_BAD_SALES_SAID
    full = listed.read_bytes().decode("utf-8-sig").splitlines()
    assert len(full) == 1 + 1000 + 3 and full[1000] == "1001,金额,Amount,待定,not a number,error"
    assert full[-1] == "1204,,,,same values as line 1201 (imported too),warning"
    assert shop.version("sales") == -1


def test_imported_visits_close_their_plans_and_ask_for_the_next_in_the_import_batch_and_undo_takes_it_back(shop):
    shop.append("revisit_plans", [corpus.OPEN_PLAN], user="setup")
    plan = plan_for(shop, "visits", "拜访.csv", corpus.VISITS_WITH_PLANS)
    assert plan.problems.empty, plan.problems.to_dict("records")
    done = importer.commit(Work.on(shop, "ana"), plan)
    plans = shop.read("revisit_plans").to_pandas().set_index("plan_id")
    fulfilled = plans.loc["P-OPEN"]
    assert (fulfilled["status"], str(fulfilled["done_date"]), fulfilled["visit_id"]) == ("done", "2026-03-02", "H1")
    follow_up = plans.drop(index="P-OPEN")
    assert len(follow_up) == 1  # H2's next visit had passed: no plan
    assert follow_up[["customer_id", "method", "purpose", "owner", "status"]].values.tolist() == [
        ["00017", "in_person", "续签合同", "王磊", "planned"]]
    assert str(follow_up["planned_date"].iloc[0]) == "2030-01-15"
    assert set(plans["batch_id"]) == {done.import_id}  # the visits and their plan changes: one batch

    import_log.undo_last(Work.on(shop, "ana"), "visits")
    assert shop.count("visits") == 0
    after = shop.read("revisit_plans").to_pandas()
    assert after[["plan_id", "status"]].values.tolist() == [["P-OPEN", "planned"]]  # follow-up gone, plan open
    assert after["done_date"].isna().all() and after["visit_id"].isna().all()


def test_the_command_line_shows_stages_and_a_bar_on_a_terminal_and_nothing_in_a_log(shop, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes(corpus.ERP_CUSTOMERS)
    command = [sys.executable, "-m", "kam", "--data", str(shop.root), "import", "customers", str(path), "--dry-run"]
    logged = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    assert "[" not in logged.stderr and "Checking" not in logged.stderr
    leader, follower = pty.openpty()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=follower, cwd=ROOT, check=True)
    os.close(follower)
    shown = os.read(leader, 65536).decode()
    assert "[##############################] 100%" in shown and "\r" in shown
