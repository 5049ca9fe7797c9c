"""An account manager records visits and plans; the rules refuse what cannot be true."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kam.revisits import visit_records
from kam.revisits import coverage
from kam.readside.database import Database
from kam.filters import Filters
from kam.periods import Period
from kam.store.work import Work
from kam.store.records import InvalidRecords
from kam.revisits.revisit_policy import DEFAULT

TODAY = dt.date(2026, 6, 30)
DAY = dt.timedelta(days=1)


@pytest.fixture
def db(store) -> Database:
    store.append("customers", [
        dict(customer_id="K1", name="华东精密机械", tier="important", status="active", account_manager="Li Na",
             created=dt.date(2020, 1, 1)),
        dict(customer_id="K2", name="申江物流", tier="ordinary", status="active", account_manager="Wang Wei",
             created=dt.date(2020, 1, 1)),
    ], user="tester")
    store.append("revisit_plans", [
        dict(plan_id="P-open", customer_id="K1", planned_date=TODAY - 2 * DAY, status="planned", method="phone"),
        dict(plan_id="P-k2", customer_id="K2", planned_date=TODAY, status="planned"),
        dict(plan_id="P-gone", customer_id="K1", planned_date=TODAY - 9 * DAY, status="cancelled",
             cancel_reason="moved"),
    ], user="tester")
    return Database(store)


def visit(**values) -> dict:
    return {"customer_id": "K1", "date": TODAY, "method": "in_person", "occasion": "periodic",
            "received_by": "周敏", "visited_by": "Li Na", "discussed": "2027 frame contract",
            "deal_stage": "negotiation", "satisfaction": 4} | values


def plans(db) -> pd.DataFrame:
    return db.query("SELECT * FROM revisit_plans ORDER BY plan_id").set_index("plan_id")


def problems(error) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in error.value.problems]


def test_a_visit_is_recorded_with_a_readable_id(db):
    visit_id = visit_records.record_visit(Work(db.store, db, "Li Na", TODAY), visit())
    assert visit_id.startswith("V20260630-")
    stored = db.query("SELECT * FROM visits").iloc[0]
    assert (stored["visit_id"], stored["recorded_by"], stored["satisfaction"]) == (visit_id, "Li Na", 4)


def test_a_next_visit_date_becomes_a_plan(db):
    visit_records.record_visit(Work(db.store, db, "Li Na", TODAY), visit(next_visit_date=TODAY + 30 * DAY,
                                                     next_visit_purpose="sign the contract"))
    new = plans(db).query("status == 'planned' and customer_id == 'K1' and purpose == 'sign the contract'")
    assert len(new) == 1
    assert new.iloc[0]["planned_date"] == pd.Timestamp(TODAY + 30 * DAY)
    assert (new.iloc[0]["method"], new.iloc[0]["owner"]) == ("in_person", "Li Na")


def test_a_visit_that_fulfils_a_plan_marks_it_done_on_the_visits_day(db):
    visit_id = visit_records.record_visit(Work(db.store, db, "Li Na", TODAY), visit(plan_id="P-open", date=TODAY - DAY))
    done = plans(db).loc["P-open"]
    assert (done["status"], done["done_date"], done["visit_id"]) == ("done", pd.Timestamp(TODAY - DAY), visit_id)
    # the visit and the plan change are one batch, so an import undone by batch takes both
    assert db.query("SELECT batch_id FROM visits").iat[0, 0] == done["batch_id"]


def test_a_visit_dated_in_the_future_is_refused_and_nothing_is_written(db):
    with pytest.raises(InvalidRecords) as refused:
        visit_records.record_visit(Work(db.store, db, "x", TODAY), visit(date=TODAY + DAY, plan_id="P-open"))
    assert problems(refused) == [(1, "date", "future_date")]
    assert db.store.count("visits") == 0
    assert plans(db).loc["P-open", "status"] == "planned"


@pytest.mark.parametrize("values, expected", [
    (dict(customer_id="K9"), [(1, "customer_id", "unknown_customer")]),
    (dict(customer_id=None, method=None), [(1, "customer_id", "required"), (1, "method", "required")]),
    (dict(next_visit_date=TODAY - DAY, date=TODAY - 5 * DAY), [(1, "next_visit_date", "past_date")]),
    (dict(next_visit_date=TODAY), [(1, "next_visit_date", "not_after_visit")]),
    (dict(plan_id="P-k2"), [(1, "plan_id", "unknown_plan")]),
    (dict(plan_id="P-gone"), [(1, "plan_id", "plan_not_open")]),
    (dict(satisfaction=6), [(1, "satisfaction", "maximum")]),
])
def test_visit_problems_are_named_by_column(db, values, expected):
    with pytest.raises(InvalidRecords) as refused:
        visit_records.record_visit(Work(db.store, db, "x", TODAY), visit(**values))
    assert problems(refused) == expected
    assert db.store.count("visits") == 0


def test_a_batch_reports_every_bad_row_and_writes_none(db):
    rows = [visit(), visit(date=TODAY + DAY), visit(customer_id="K9")]
    with pytest.raises(InvalidRecords) as refused:
        visit_records.record_visits(Work(db.store, db, "importer", TODAY), rows)
    assert problems(refused) == [(2, "date", "future_date"), (3, "customer_id", "unknown_customer")]
    assert db.store.count("visits") == 0


def test_an_import_of_past_visits_keeps_their_passed_next_dates_without_making_plans(db):
    rows = [visit(date=TODAY - 60 * DAY, next_visit_date=TODAY - 30 * DAY),
            visit(date=TODAY - 20 * DAY, next_visit_date=TODAY + 10 * DAY)]
    with pytest.raises(InvalidRecords):
        visit_records.record_visits(Work(db.store, db, "importer", TODAY), rows)
    visit_records.record_visits(Work(db.store, db, "importer", TODAY), rows, history=True)
    assert db.store.count("visits") == 2
    made = plans(db).query("recorded_by == 'importer'")
    assert made["planned_date"].tolist() == [pd.Timestamp(TODAY + 10 * DAY)]


def test_a_recorded_visit_shows_in_the_coverage_at_once(db):
    def k2_covered():
        table = coverage.accounts(db, Filters(Period(TODAY, TODAY), preset="custom"), TODAY, DEFAULT)
        return table.set_index("customer_id").loc["K2", "covered"]

    assert not k2_covered()  # filed in 2020, never visited
    visit_records.record_visit(Work(db.store, db, "Wang Wei", TODAY), visit(customer_id="K2", method="phone"))
    assert k2_covered()


def test_a_plan_is_added_and_a_plan_in_the_past_refused(db):
    plan_id = visit_records.add_plan(Work(db.store, db, "Wang Wei", TODAY),
                                     {"customer_id": "K2", "planned_date": TODAY, "method": "phone",
                                      "purpose": "after-sales check"})
    assert plan_id.startswith("P20260630-")
    assert plans(db).loc[plan_id, "status"] == "planned"
    with pytest.raises(InvalidRecords) as refused:
        visit_records.add_plan(Work(db.store, db, "x", TODAY), {"customer_id": "K2", "planned_date": TODAY - DAY})
    assert problems(refused) == [(1, "planned_date", "past_date")]


def test_reviewed_proposals_are_saved_in_one_commit(db):
    before = db.store.version("revisit_plans")
    ids = visit_records.add_plans(Work(db.store, db, "Li Na", TODAY),
                                  [{"customer_id": "K1", "planned_date": TODAY + DAY},
                                   {"customer_id": "K2", "planned_date": TODAY + 2 * DAY}])
    assert len(ids) == 2 and db.store.version("revisit_plans") == before + 1


def test_cancelling_a_plan_needs_a_reason_and_an_open_plan(db):
    with pytest.raises(InvalidRecords) as refused:
        visit_records.cancel_plan(Work.on(db.store, "Li Na", db=db), "P-open", " ")
    assert problems(refused) == [(1, "cancel_reason", "required")]
    with pytest.raises(InvalidRecords) as refused:
        visit_records.cancel_plan(Work.on(db.store, "Li Na", db=db), "P-gone", "again")
    assert problems(refused) == [(1, "plan_id", "plan_not_open")]
    visit_records.cancel_plan(Work.on(db.store, "Li Na", db=db), "P-open", "client asked to postpone")
    cancelled = plans(db).loc["P-open"]
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "client asked to postpone")
