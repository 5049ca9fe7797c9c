"""Churn: what a lost customer cost, the status change it leaves in the file, and silent churn."""
from __future__ import annotations

import datetime as dt

import pytest

from kam.accounts import account_file
from kam.risk import churn
from kam.readside.database import Database
from kam.filters import Filters
from kam.periods import Period
from kam.store.work import Work
from kam.store.records import InvalidRecords
from kam.store.delta import Store

D = dt.date
TODAY = D(2025, 6, 30)


def customer(cid, tier="ordinary", region="East", manager="Li Na", status="active", created=D(2023, 1, 1)):
    return dict(customer_id=cid, name=f"Customer {cid}", tier=tier, region=region, account_manager=manager,
                status=status, created=created)


def sale(n, cid, day, amount):
    return dict(order_id=f"S{n}", customer_id=cid, date=day, amount=amount)


@pytest.fixture
def book(tmp_path) -> tuple[Store, Database]:
    store = Store(tmp_path / "store")
    store.append("customers", [customer("C1", "important"), customer("C2"), customer("C3", region="West"),
                               customer("C4", status="churned"), customer("C5", created=D(2025, 6, 1))])
    store.append("sales", [
        # C1 churns on 2025-03-15: its last 12 months run from 2024-03-16 to 2025-03-15
        sale(1, "C1", D(2024, 3, 15), 1_000_000),   # the same day a year before: outside
        sale(2, "C1", D(2024, 3, 16), 100),         # first day inside
        sale(3, "C1", D(2024, 12, 1), 20),
        sale(4, "C1", D(2025, 3, 15), 3),           # the churn day itself: inside
        sale(5, "C1", D(2025, 3, 16), 400_000),     # after the churn: outside
        sale(6, "C2", D(2025, 1, 10), 7),           # another customer's sale never counts
        # silent churn, seen from TODAY with 90 days: C2 bought 89 days ago, C3 90 days ago
        sale(7, "C2", TODAY - dt.timedelta(days=89), 50),
        sale(8, "C3", TODAY - dt.timedelta(days=90), 60),
    ])
    return store, Database(store)


def test_lost_revenue_is_the_last_12_months_up_to_and_including_the_churn_day(book):
    store, db = book
    assert churn.lost_revenue(db, "C1", D(2025, 3, 15)) == pytest.approx(123)


def test_lost_revenue_after_a_leap_day_starts_after_the_28th_of_february(tmp_path):
    store = Store(tmp_path / "leap")
    store.append("customers", [customer("L")])
    store.append("sales", [sale(1, "L", D(2023, 2, 28), 1), sale(2, "L", D(2023, 3, 1), 10),
                           sale(3, "L", D(2024, 2, 29), 100)])
    assert churn.lost_revenue(Database(store), "L", D(2024, 2, 29)) == pytest.approx(110)


def test_recording_a_churn_computes_its_cost_and_marks_the_customer_with_the_reason_kept(book):
    store, db = book
    churn_id = churn.record_churn(Work(store, db, "anna", TODAY),
                                  {"customer_id": "C1", "churn_date": D(2025, 3, 15), "reason": "price",
                                   "note": "competitor 8% cheaper"})
    stored = db.query("SELECT * FROM churns").iloc[0]
    assert (stored["churn_id"], stored["reason"], stored["lost_revenue"]) == (churn_id, "price", pytest.approx(123))
    assert account_file.profile(db, "C1")["status"] == "churned"
    change = account_file.changes(db, "C1").iloc[0]
    assert (change["field"], change["old_value"], change["new_value"]) == ("status", "active", "churned")
    assert change["reason"] == "price: competitor 8% cheaper" and change["recorded_by"] == "anna"
    assert len(db.query("SELECT * FROM customers")) == 5  # the customer was replaced, not added


@pytest.mark.parametrize("values, column, code", [
    ({"customer_id": "C1", "churn_date": D(2025, 7, 1), "reason": "price"}, "churn_date", "future_date"),
    ({"customer_id": "C9", "churn_date": D(2025, 3, 1), "reason": "price"}, "customer_id", "unknown_customer"),
    ({"customer_id": "C4", "churn_date": D(2025, 3, 1), "reason": "price"}, "customer_id", "already_churned"),
    ({"customer_id": "C1", "churn_date": D(2025, 3, 1), "reason": ""}, "reason", "required"),
    ({"customer_id": "C1", "churn_date": D(2025, 3, 1), "reason": "weather"}, "reason", "allowed"),
    ({"customer_id": "C1", "churn_date": D(2025, 3, 1), "reason": "price", "lost_revenue": 5}, "lost_revenue",
     "computed"),
    ({"customer_id": "C1", "reason": "price"}, "churn_date", "required"),
])
def test_a_churn_that_breaks_a_rule_is_refused_and_nothing_is_written(book, values, column, code):
    store, db = book
    with pytest.raises(InvalidRecords) as refused:
        churn.record_churn(Work(store, db, "anna", TODAY), values)
    assert (column, code) in {(p.column, p.code) for p in refused.value.problems}
    assert store.count("churns") == 0 and account_file.profile(db, "C1")["status"] == "active"


def test_churn_reasons_are_an_editable_list(book):
    store, db = book
    churn.save_reasons(Work.on(store, "boss"), ["price", "logistics"])
    churn.record_churn(Work(store, db, "anna", TODAY),
                       {"customer_id": "C2", "churn_date": D(2025, 3, 1), "reason": "logistics"})
    with pytest.raises(InvalidRecords):
        churn.record_churn(Work(store, db, "anna", TODAY),
                           {"customer_id": "C3", "churn_date": D(2025, 3, 1), "reason": "competitor"})
    with pytest.raises(InvalidRecords):
        churn.save_reasons(Work.on(store), [" ", ""])


def test_a_won_back_customer_is_active_again_and_its_churn_shows_when(book):
    store, db = book
    churn.record_churn(Work(store, db, "anna", TODAY),
                       {"customer_id": "C1", "churn_date": D(2025, 3, 15), "reason": "price"})
    with pytest.raises(InvalidRecords) as refused:
        churn.reactivate(Work(store, db, "anna", TODAY), "C1", {"reactivated_date": D(2025, 3, 1)})
    assert refused.value.problems[0].code == "before_churn"
    churn.reactivate(Work(store, db, "anna", TODAY), "C1", {"reactivated_date": D(2025, 5, 2), "note": "new contract"})
    assert account_file.profile(db, "C1")["status"] == "active"
    assert db.scalar("SELECT reactivated_date FROM churns").date() == D(2025, 5, 2)
    assert list(account_file.changes(db, "C1")["new_value"]) == ["active", "churned"]
    with pytest.raises(InvalidRecords) as refused:
        churn.reactivate(Work(store, db, "anna", TODAY), "C1", {"reactivated_date": D(2025, 5, 3)})
    assert refused.value.problems[0].code == "not_churned"
    won = churn.won_back(db, Filters(Period(D(2025, 1, 1), TODAY)))
    assert list(won["customer_id"]) == ["C1"] and won.iloc[0]["days_away"] == 48


def test_silent_churn_starts_on_the_nth_day_without_a_purchase(book):
    store, db = book
    everyone = Filters(Period(D(2025, 1, 1), TODAY))
    # C1 last bought on 16 March, 106 days ago; the biggest revenue at stake comes first
    assert list(churn.suspected(db, everyone, TODAY, 90)["customer_id"]) == ["C1", "C3"]
    assert list(churn.suspected(db, everyone, TODAY, 89)["customer_id"]) == ["C1", "C3", "C2"]
    assert list(churn.suspected(db, everyone, TODAY, 91)["customer_id"]) == ["C1"]
    assert churn.silent_days(db) == 90
    churn.save_silent_days(Work.on(store), 89)
    assert len(churn.suspected(db, everyone, TODAY)) == 3
    churn.record_churn(Work(store, db, "anna", TODAY), {"customer_id": "C1", "churn_date": TODAY, "reason": "price"})
    assert "C1" not in set(churn.suspected(db, everyone, TODAY)["customer_id"])


def test_a_dismissed_suspicion_stays_dismissed_until_the_customer_buys_again(book):
    store, db = book
    everyone = Filters(Period(D(2025, 1, 1), TODAY))
    later = TODAY + dt.timedelta(days=91)
    churn.dismiss(Work(store, db, "anna", TODAY), "C3", "seasonal buyer")
    assert list(churn.suspected(db, everyone, TODAY, 90)["customer_id"]) == ["C1"]
    assert "C3" not in set(churn.suspected(db, everyone, later, 90)["customer_id"])
    store.append("sales", [sale(9, "C3", TODAY + dt.timedelta(days=1), 5)])
    assert "C3" in set(churn.suspected(db, everyone, later, 90)["customer_id"])


def test_churn_rate_counts_those_on_the_books_and_not_churned_when_the_period_began(book):
    store, db = book
    churn.record_churn(Work(store, db, "anna", TODAY),
                       {"customer_id": "C1", "churn_date": D(2025, 3, 15), "reason": "price"})
    churn.record_churn(Work(store, db, "anna", TODAY),
                       {"customer_id": "C2", "churn_date": D(2025, 4, 2), "reason": "competitor"})
    q2 = Filters(Period(D(2025, 4, 1), D(2025, 6, 30)))
    # on 1 April: C2, C3 on the books (C1 churned in March, C4 churned, C5 filed in June)
    assert churn.rate(db, q2) == pytest.approx(1 / 2)
    months = churn.rate_by_month(db, Filters(Period(D(2025, 3, 1), D(2025, 4, 30)))).set_index("month")
    assert list(months["customers_at_start"]) == [3, 2] and list(months["churned"]) == [1, 1]
    assert months["churn_rate"].tolist() == pytest.approx([1 / 3, 1 / 2])


def test_reasons_are_broken_down_by_count_lost_revenue_and_region(book):
    store, db = book
    for cid, day, reason in (("C1", D(2025, 3, 15), "price"), ("C2", D(2025, 4, 2), "price"),
                             ("C3", D(2025, 4, 3), "competitor")):
        churn.record_churn(Work(store, db, "anna", TODAY), {"customer_id": cid, "churn_date": day, "reason": reason})
    year = Filters(Period(D(2025, 1, 1), TODAY))
    by_reason = churn.reasons_breakdown(db, year).set_index("reason")
    assert by_reason.loc["price", "customers"] == 2
    # C2 churned on 2 April, the day of its 50 (89 days before TODAY); C3 had bought 60 on 1 April
    assert by_reason.loc["price", "lost_revenue"] == pytest.approx(123 + 7 + 50)
    by_region = churn.reasons_breakdown(db, year, "region").set_index(["reason", "region"])
    assert by_region.loc[("competitor", "West"), "customers"] == 1
    only_east = Filters(Period(D(2025, 1, 1), TODAY), regions=("East",))
    assert set(churn.churned(db, only_east)["customer_id"]) == {"C1", "C2"}
    assert churn.totals(db, year) == {"customers": 3, "lost_revenue": pytest.approx(123 + 57 + 60)}


def test_every_seeded_value_of_the_lists_and_the_score_has_a_name_in_the_catalogue():
    from kam.risk import complaints
    from kam.risk import health
    from kam.i18n import TEXT
    from kam.store.schema import COMPLAINT_SEVERITIES, COMPLAINT_STATUSES, RETENTION_STATUSES

    wanted = ([f"reason.{r}" for r in churn.DEFAULT_REASONS]
              + [f"category.{c}" for c in complaints.DEFAULT_CATEGORIES]
              + [f"subcategory.{s}" for subs in complaints.DEFAULT_CATEGORIES.values() for s in subs]
              + [f"severity.{s}" for s in COMPLAINT_SEVERITIES]
              + [f"status.{s}" for s in COMPLAINT_STATUSES + RETENTION_STATUSES]
              + [f"health.{kind}.{p}" for p in health.PARTS for kind in ("part", "unit")]
              + [f"health.status.{s}" for s in ("at_risk", "watch", "healthy")] + [f"churn.by.{d}" for d in churn.DIMENSIONS])
    assert [key for key in wanted if key not in TEXT] == []


def test_a_retention_plan_lists_overdue_actions_and_those_due_for_review(book):
    from kam.risk import retention

    store, db = book
    action = {"customer_id": "C1", "action": "visit by the general manager", "owner": "Li Na",
              "due_date": D(2025, 6, 20), "review_date": D(2025, 6, 25)}
    first = retention.record_action(Work(store, db, "anna", TODAY), action)
    retention.record_action(Work(store, db, "anna", TODAY), {**action, "due_date": D(2025, 7, 20), "review_date": None})
    everyone = Filters(Period(D(2025, 1, 1), TODAY))
    late = retention.overdue(db, everyone, TODAY)
    assert list(late["action_id"]) == [first] and list(late["days_overdue"]) == [10]
    assert list(retention.due_for_review(db, everyone, TODAY)["action_id"]) == [first]
    with pytest.raises(InvalidRecords) as refused:
        retention.record_action(Work(store, db, "anna", TODAY), {**action, "action_id": first, "status": "done"})
    assert refused.value.problems[0].code == "done_needs_date"
    retention.record_action(Work(store, db, "anna", TODAY),
                            {**action, "action_id": first, "status": "done", "done_date": TODAY,
                             "evaluation": "order renewed"})
    assert retention.overdue(db, everyone, TODAY).empty and retention.due_for_review(db, everyone, TODAY).empty


def test_a_churn_whose_status_change_fails_leaves_no_churn_behind(monkeypatch, tmp_path):
    """Three tables change for one churn; when the last write fails, the first two are undone."""
    store = Store(tmp_path / "store")
    store.append("customers", [dict(customer_id="X", name="西湖贸易", tier="ordinary", status="active")], user="t")
    db = Database(store)
    before = {name: store.count(name) for name in churn.STATUS_TABLES}
    real_append = store.append

    def failing_append(name, rows, **kw):
        if name == "profile_changes":
            raise OSError("disk full")
        return real_append(name, rows, **kw)

    monkeypatch.setattr(store, "append", failing_append)
    with pytest.raises(OSError):
        churn.record_churn(Work(store, db, "t", dt.date.today()),
                           {"customer_id": "X", "churn_date": dt.date.today(), "reason": "price"})
    assert {name: store.count(name) for name in churn.STATUS_TABLES} == before
    assert store.read("customers").to_pylist()[0]["status"] == "active"
