"""The complaint card: each complaint from arrival to resolution, checked against the editable list."""
from __future__ import annotations

import datetime as dt

import pytest

from kam.risk import complaints
from kam.readside.database import Database
from kam.filters import Filters
from kam.periods import Period
from kam.store.work import Work
from kam.store.records import InvalidRecords
from kam.store.delta import Store

D = dt.date
TODAY = D(2025, 6, 30)
YEAR = Filters(Period(D(2025, 1, 1), TODAY))


@pytest.fixture
def book(tmp_path) -> tuple[Store, Database]:
    store = Store(tmp_path / "store")
    store.append("customers", [
        dict(customer_id="C1", name="华东精密", tier="important", status="active", region="East",
             account_manager="Li Na"),
        dict(customer_id="C2", name="蜀都食品", tier="ordinary", status="active", region="West",
             account_manager="Wang Wei"),
    ])
    return store, Database(store)


def complaint(**given) -> dict:
    return {"customer_id": "C1", "received": D(2025, 5, 1), "category": "product", "subcategory": "quality_defect",
            "severity": "high", "status": "open", "owner": "Li Na", "description": "cracked housings"} | given


def test_a_complaint_is_recorded_open_and_later_resolved_on_the_same_card(book):
    store, db = book
    cid = complaints.record_complaint(Work(store, db, "anna", TODAY), complaint())
    card = complaints.complaint(db, cid, TODAY)
    assert (card["status"], card["customer_name"], card["days_open"]) == ("open", "华东精密", 60)
    complaints.record_complaint(Work(store, db, "anna", TODAY),
                                complaint(complaint_id=cid, status="resolved", cause="bad batch",
                                          resolution="replaced", resolved_date=D(2025, 5, 11),
                                          satisfied=True))
    card = complaints.complaint(db, cid, TODAY)
    assert (card["status"], card["cause"], card["days_open"], bool(card["satisfied"])) == ("resolved", "bad batch",
                                                                                            10, True)
    assert store.count("complaints") == 1


@pytest.mark.parametrize("given, column, code", [
    ({"received": D(2025, 7, 1)}, "received", "future_date"),
    ({"customer_id": "C9"}, "customer_id", "unknown_customer"),
    ({"category": "weather"}, "category", "allowed"),
    ({"category": "service"}, "subcategory", "subcategory_mismatch"),
    ({"status": "resolved"}, "resolved_date", "resolved_needs_date"),
    ({"status": "resolved", "resolved_date": D(2025, 4, 1)}, "resolved_date", "before_received"),
    ({"resolved_date": D(2025, 5, 2)}, "status", "open_with_resolved_date"),
    ({"severity": "apocalyptic"}, "severity", "allowed"),
    ({"received": None}, "received", "required"),
])
def test_a_complaint_that_breaks_a_rule_is_refused_with_the_field_named(book, given, column, code):
    store, db = book
    with pytest.raises(InvalidRecords) as refused:
        complaints.record_complaint(Work(store, db, "anna", TODAY), complaint(**given))
    assert (column, code) in {(p.column, p.code) for p in refused.value.problems}
    assert store.count("complaints") == 0


def test_categories_are_an_editable_list_seeded_from_the_textbook(book):
    store, db = book
    assert complaints.categories(db)["service"] == ["not_punctual", "poor_attitude", "insufficient_skill"]
    old = complaints.record_complaint(Work(store, db, "anna", TODAY),
                                      complaint(category="service", subcategory="poor_attitude"))
    complaints.save_categories(Work.on(store, "boss"), {"product": ["quality_defect"], "packaging": ["leaking"]})
    complaints.record_complaint(Work(store, db, "anna", TODAY), complaint(category="packaging", subcategory="leaking"))
    with pytest.raises(InvalidRecords):
        complaints.record_complaint(Work(store, db, "anna", TODAY), complaint(category="service", subcategory=None))
    # a complaint filed under a category since taken off the list can still be closed
    complaints.record_complaint(Work(store, db, "anna", TODAY),
                                complaint(complaint_id=old, category="service", subcategory="poor_attitude",
                                          status="closed", resolved_date=TODAY))
    with pytest.raises(InvalidRecords):
        complaints.save_categories(Work.on(store), {})


def test_a_complaint_is_open_on_each_day_from_arrival_until_its_resolution(book):
    store, db = book
    complaints.record_complaint(Work(store, db, "a", TODAY), complaint(status="resolved", resolved_date=D(2025, 5, 20)))
    complaints.record_complaint(Work(store, db, "a", TODAY),
                                complaint(customer_id="C2", received=D(2025, 6, 1), status="in_progress",
                                          category="service", subcategory="poor_attitude"))
    assert [complaints.open_count(db, YEAR, day) for day in
            (D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 19), D(2025, 5, 20), D(2025, 6, 1))] == [0, 1, 1, 0, 1]
    aged = complaints.open_by_age(db, YEAR, TODAY)
    assert list(aged["age_days"]) == [29] and list(aged["age_band"]) == ["8-30"]
    assert complaints.open_count(db, Filters(YEAR.period, regions=("East",)), TODAY) == 0


def test_time_to_resolve_by_category_and_owner_counts_complaints_resolved_in_the_period(book):
    store, db = book
    for received, resolved, category, sub, owner in (
            (D(2025, 5, 1), D(2025, 5, 3), "product", "quality_defect", "Li Na"),
            (D(2025, 5, 1), D(2025, 5, 11), "product", "product_failure", "Wang Wei"),
            (D(2025, 5, 1), D(2025, 5, 31), "product", "spec_mismatch", "Li Na"),
            (D(2024, 12, 1), D(2024, 12, 30), "service", "not_punctual", "Li Na")):  # resolved before the period
        complaints.record_complaint(Work(store, db, "a", TODAY),
                                    complaint(received=received, resolved_date=resolved, status="closed",
                                              category=category, subcategory=sub, owner=owner,
                                              satisfied=owner == "Li Na"))
    by_category = complaints.time_to_resolve(db, YEAR, "category").set_index("category")
    assert list(by_category.index) == ["product"]
    assert (by_category.loc["product", "resolved"], by_category.loc["product", "median_days"]) == (3, 10)
    by_owner = complaints.time_to_resolve(db, YEAR, "owner").set_index("owner")
    assert by_owner.loc["Li Na", "mean_days"] == pytest.approx(16)
    summary = complaints.summary(db, YEAR, TODAY)
    assert (summary["received"], summary["resolved"], summary["open"]) == (3, 3, 0)
    assert summary["satisfied_share"] == pytest.approx(2 / 3)
    top = complaints.top_accounts(db, YEAR)
    assert list(top["complaints"]) == [3]
