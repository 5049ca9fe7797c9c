"""The account file kept current: a manager files a new key account, edits its credit limit with a
reason, adds and corrects a contact; anyone reads one timeline; the credit controller works from
the receivables page."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import TODAY
from kam.accounts import account_file, profile
from kam.store.work import Work
from kam.filters import Filters
from kam.readside.database import Database
from kam.sales import receivables
from kam.store.records import InvalidRecords
from test_pages import open_app


def problems(error) -> set[tuple[str, str]]:
    return {(p.column, p.code) for p in error.value.problems}


def test_a_new_key_account_needs_its_basic_items_and_is_told_which_are_missing(db):
    with pytest.raises(InvalidRecords) as missing:
        profile.add_customer(Work(db.store, db, "李娜", TODAY), {"name": "江南重工", "tier": "important"})
    assert problems(missing) == {("region", "required"), ("industry", "required"), ("account_manager", "required")}
    made = profile.add_customer(Work(db.store, db, "李娜", TODAY), {"name": "江南重工", "tier": "important", "region": "East",
                                               "industry": "Machinery", "account_manager": "Li Na"})
    card = account_file.profile(db, made)
    assert (card["name"], card["status"], card["recorded_by"]) == ("江南重工", "active", "李娜")
    with pytest.raises(InvalidRecords) as twice:
        profile.add_customer(Work(db.store, db, "x", TODAY),
                             {"customer_id": made, "name": "x", "tier": "ordinary", "region": "x",
                              "industry": "x", "account_manager": "x"})
    assert ("customer_id", "already_stored") in problems(twice)


def test_a_credit_limit_changes_only_with_a_reason_and_its_history_keeps_both_values(db):
    before = db.store.version("customers")
    with pytest.raises(InvalidRecords) as refused:
        profile.edit_profile(Work(db.store, db, "王芳", TODAY), "00017", {"credit_limit": 800000}, "")
    assert problems(refused) == {("reason", "reason_required")}
    assert db.store.version("customers") == before  # nothing written
    changed = profile.edit_profile(Work(db.store, db, "王芳", TODAY),
                                   "00017", {"credit_limit": 800000, "industry": "Machinery"}, "annual review: orders doubled")
    assert changed == ["credit_limit"]  # the industry was already Machinery
    assert account_file.profile(db, "00017")["credit_limit"] == 800000
    history = account_file.changes(db, "00017")
    latest = history[history["field"] == "credit_limit"].iloc[0]
    assert (latest["old_value"], latest["new_value"], latest["reason"], latest["recorded_by"]) == (
        "500000", "800000", "annual review: orders doubled", "王芳")
    earlier = db.store.read("customers", before).to_pandas().set_index("customer_id")
    assert earlier.at["00017", "credit_limit"] == 500000  # the earlier value stays readable


def test_fields_without_a_rule_change_without_a_reason_and_are_still_kept(db):
    assert profile.edit_profile(Work(db.store, db, "x", TODAY),
                                "00023", {"industry": "Cold-chain logistics"}, "") == ["industry"]
    row = account_file.changes(db, "00023").iloc[0]
    assert (row["field"], row["old_value"], row["new_value"]) == ("industry", "Logistics", "Cold-chain logistics")


def test_a_contact_is_added_and_corrected(db):
    made = profile.add_contact(Work.on(db.store, "x", db=db), "00105", {"name": "王敏", "role": "buyer", "phone": "139"})
    profile.edit_contact(Work.on(db.store, "x", db=db), made, {"phone": "13900000000", "title": "采购总监"})
    people = account_file.contacts(db, "00105").set_index("contact_id")
    assert (people.at[made, "phone"], people.at[made, "title"], people.at[made, "role"]) == (
        "13900000000", "采购总监", "buyer")
    with pytest.raises(InvalidRecords) as bad:
        profile.add_contact(Work.on(db.store, "x", db=db), "00105", {"name": "x", "role": "boss"})
    assert ("role", "allowed") in problems(bad)


def test_the_timeline_tells_the_accounts_story_newest_first(db):
    profile.edit_profile(Work(db.store, db, "x", TODAY), "00017", {"tier": "ordinary"}, "orders moved to a rival")
    events = account_file.timeline(db, "00017")
    assert events["day"].is_monotonic_decreasing
    assert {"visit", "profile_change"} <= set(events["kind"])
    first = events.iloc[0]
    assert (first["kind"], first["code"]) == ("profile_change", "tier")
    assert "orders moved to a rival" in first["text"]


def test_the_sidebar_search_finds_an_account_by_a_contacts_phone(db):
    assert account_file.find(db, "13800000002", among=("TRUE", {}))["customer_id"].tolist() == ["00017"]


def test_the_profile_form_refuses_a_credit_limit_without_a_reason_beside_the_field(book, monkeypatch):
    at = open_app(book.root, monkeypatch, "accounts", lang="en", customer="00017")
    edit = next(e for e in at.expander if e.label == "Edit the file")
    edit.number_input(key="profile_edit_00017_credit_limit").set_value(900000.0)
    at.button(key="FormSubmitter:profile_edit_00017-Save the changes").click()
    at.run()
    assert "a change of this field needs a reason" in [e.value for e in at.error]
    assert Database(book).scalar("SELECT credit_limit FROM customers WHERE customer_id = '00017'") == 500000


def test_the_receivables_page_shows_what_pandas_computes(book, monkeypatch):
    at = open_app(book.root, monkeypatch, "receivables", lang="en", period="custom", start="2025-01-01",
                  end="2025-06-01")
    metrics = {m.label: m.value for m in at.metric}
    payments = pd.DataFrame(book.read("payments").to_pylist())
    in_period = payments["invoice_date"].between(dt.date(2025, 1, 1), dt.date(2025, 6, 1))
    paid = payments["paid_date"].notna() & payments["paid_date"].between(dt.date(2025, 1, 1), dt.date(2025, 6, 1))
    assert metrics["Invoiced in the period"] == "¥255.00K" == f"¥{payments.loc[in_period, 'amount'].sum() / 1e3:.2f}K"
    assert payments.loc[paid, "paid_amount"].sum() == 150000 and metrics["Collected in the period"] == "¥150.00K"
    # on 1 June 2025: I-2 owes 50,000 (30,000 of 80,000 paid on 20 May, due 1 May), I-3's 10,000 is not
    # due yet, I-4 owes 45,000 (due 20 May)
    assert metrics["Open"] == "¥105.00K" and metrics["Overdue"] == "¥95.00K"
    overdue = receivables.aging(Database(book), dt.date(2025, 6, 1), Filters.everyone(dt.date(2025, 6, 1)))
    assert overdue["overdue_amount"].sum() == 95000


def test_the_search_ranks_by_the_last_12_months_whoever_asks_and_reads_them_summed_once(store):
    """The biggest accounts first, by their sales of the 12 months up to today: a sale of 13
    months ago counts for nothing. Another person's search (a manager's own accounts) reads the
    same sums rather than summing the sales again."""
    today = dt.date(2026, 6, 30)
    store.append("customers", [{"customer_id": c, "name": f"Kunde {c}", "tier": "ordinary", "status": "active",
                                "account_manager": manager} for c, manager in
                               (("C1", "Wang"), ("C2", "Li Na"), ("C3", "Li Na"), ("C4", "Wang"))])
    store.append("sales", [{"order_id": f"O{n}", "customer_id": c, "date": day, "amount": amount}
                           for n, (c, day, amount) in enumerate([
                               ("C1", dt.date(2025, 5, 30), 9000.0),  # 13 months before: not counted
                               ("C1", dt.date(2026, 1, 5), 100.0), ("C2", dt.date(2025, 7, 1), 500.0),
                               ("C3", dt.date(2026, 6, 30), 300.0), ("C4", dt.date(2025, 6, 30), 50.0)])])
    db = Database(store)
    everyone = account_file.search(db, today=today)
    assert list(everyone["customer_id"]) == ["C2", "C3", "C1", "C4"]
    assert list(everyone["revenue_12m"]) == [500.0, 300.0, 100.0, 0.0]
    parts_made = len(db.part_tables())
    assert parts_made == 1  # the sums, kept
    mine = account_file.search(db, among=("c.account_manager = $m", {"m": "Li Na"}), today=today)
    assert list(mine["customer_id"]) == ["C2", "C3"]
    assert account_file.search(db, "Kunde C1", today=today)["customer_id"].tolist() == ["C1"]
    assert len(db.part_tables()) == parts_made  # another person's search reads the same sums
