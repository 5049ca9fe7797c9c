"""Revisit coverage and overdue arithmetic on a small hand-made book, judged on 30 June 2026.

The book's revenue over the 12 months to that day makes A1 and A2 class A,
B1 class B and C1 class C (700, 150, 100 and 50 of 1000, cuts 80/95); the
potential accounts and N1 have no sales then.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import store_copy
from kam.sales import abc
from kam.revisits import holidays
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.readside.database import Database, on_frames
from kam.filters import Filters
from kam.periods import Period
from kam.store.work import Work
from kam.store.records import InvalidRecords
from kam.revisits.revisit_policy import DEFAULT
from kam.store.schema import TIERS
from kam.store.delta import Store

D = dt.date
AS_OF = D(2026, 6, 30)
OLD = D(2020, 1, 1)


# The rules as a person states them, one plan or one birthday at a time: the SQL the app runs
# over every plan and every contact at once must agree with them.
def outcome(status: str, planned: dt.date, done: dt.date | None, day: dt.date, grace: int) -> str:
    deadline = planned + dt.timedelta(days=grace)
    if status == "cancelled":
        return "cancelled"
    if status == "done":
        return "late" if done is not None and done > deadline else "on_time"
    return "missed" if day > deadline else "open"


def outcomes(plans: pd.DataFrame, day: dt.date, grace: int) -> list[str]:
    """coverage.OUTCOME_SQL over every plan (columns status, planned_date, done_date)."""
    return on_frames(f"SELECT {coverage.OUTCOME_SQL} AS outcome FROM p_ p ORDER BY p._row",
                     {"as_of": day, "grace": grace}, p_=plans.assign(_row=range(len(plans))))["outcome"].tolist()


def next_birthday(birthday: dt.date, start: dt.date) -> dt.date:
    for year in (start.year, start.year + 1):
        try:
            day = birthday.replace(year=year)
        except ValueError:
            day = dt.date(year, 2, 28)
        if day >= start:
            return day
    raise AssertionError("unreachable")


def next_birthdays(birthdays: pd.Series, start: dt.date) -> list[dt.date]:
    """coverage.next_birthday_sql over a column of dates."""
    frame = pd.DataFrame({"birthday": birthdays.reset_index(drop=True), "_row": range(len(birthdays))})
    out = on_frames(f"SELECT {coverage.next_birthday_sql('b.birthday::DATE')} AS day FROM b_ b ORDER BY b._row",
                    {"start": start}, b_=frame)["day"]
    return [day.date() for day in pd.to_datetime(out)]



def _customer(cid, tier, created=OLD, status="active", manager="Li", region="East"):
    return dict(customer_id=cid, name=f"Company {cid}", tier=tier, status=status, created=created,
                account_manager=manager, region=region)


CUSTOMERS = [
    _customer("A1", "important"),
    _customer("A2", "ordinary", manager="Wang"),
    _customer("B1", "potential", region="West"),
    _customer("C1", "ordinary", manager="Wang", region="West"),
    _customer("P1", "potential", created=AS_OF - dt.timedelta(days=60)),
    _customer("P2", "potential", created=AS_OF - dt.timedelta(days=61)),
    _customer("N1", "ordinary", created=None),
    _customer("X1", "ordinary", status="churned"),
    _customer("F1", "ordinary", created=D(2026, 7, 15)),
]
SALES = [dict(order_id=f"S{cid}", customer_id=cid, date=D(2026, 3, 1), amount=amount)
         for cid, amount in (("A1", 700), ("A2", 150), ("B1", 100), ("C1", 50))]
# the day before the 12-month window opens: N1 has no class
SALES.append(dict(order_id="SN1", customer_id="N1", date=D(2025, 6, 30), amount=10_000))


def _visit(vid, cid, day):
    return dict(visit_id=vid, customer_id=cid, date=day, method="phone", occasion="periodic", satisfaction=4)


VISITS = [
    _visit("V1", "A1", D(2026, 5, 31)),   # 30 days before: covered, the boundary day
    _visit("V0", "A1", D(2026, 4, 1)),
    _visit("V2", "A2", D(2026, 5, 30)),   # 31 days before: 1 day overdue
    _visit("V3", "B1", D(2026, 3, 1)),    # 121 days; B says 90, potential says 60: 61 overdue
    _visit("V4", "C1", D(2026, 1, 5)),    # 176 days of 180: covered, due on 4 July
    _visit("V5", "C1", D(2026, 7, 5)),    # after the as-of day: not counted
]


def _plan(pid, planned, status="planned", done=None, reason=None, cid="A1"):
    return dict(plan_id=pid, customer_id=cid, planned_date=planned, status=status, done_date=done,
                cancel_reason=reason, method="phone")


PLANS = [
    _plan("PL1", D(2026, 6, 1), "done", D(2026, 6, 4)),    # 3 days after, the grace: on time
    _plan("PL2", D(2026, 6, 1), "done", D(2026, 6, 5)),    # 4 days after: late
    _plan("PL3", D(2026, 6, 10)),                          # still open 20 days on: missed
    _plan("PL4", D(2026, 6, 28)),                          # 2 days ago, within the grace: open
    _plan("PL5", D(2026, 6, 15), "cancelled", reason="client moved office"),
    _plan("PL6", D(2026, 7, 10)),                          # the next plan
    _plan("PL7", D(2026, 6, 20), "done", D(2026, 6, 20), cid="A2"),
]


@pytest.fixture(scope="module")
def filed(tmp_path_factory) -> Path:
    store = Store(tmp_path_factory.mktemp("revisits") / "store")
    for name, rows in (("customers", CUSTOMERS), ("sales", SALES), ("visits", VISITS), ("revisit_plans", PLANS)):
        store.append(name, rows, user="tester")
    return store.root


@pytest.fixture(scope="module")
def db(filed) -> Database:
    """The book, for the tests that only read it."""
    return Database(Store(filed))


@pytest.fixture
def book(filed, tmp_path) -> Store:
    """A copy of the book, for the tests that change it."""
    return Store(shutil.copytree(filed, tmp_path / "book"))


def everyone(start=AS_OF, end=AS_OF) -> Filters:
    return Filters(Period(start, end), preset="custom")


def accounts(db, day=AS_OF, policy=DEFAULT, filters=None) -> pd.DataFrame:
    return coverage.accounts(db, filters or everyone(day, day), day, policy).set_index("customer_id")


def test_the_accounts_counted_are_active_and_filed_by_the_day(db):
    table = accounts(db)
    assert sorted(table.index) == ["A1", "A2", "B1", "C1", "N1", "P1", "P2"]


def test_class_is_by_revenue_over_the_twelve_months_to_the_day(db):
    table = accounts(db)
    assert table["abc_class"].fillna("none").to_dict() == {
        "A1": "A", "A2": "A", "B1": "B", "C1": "C", "N1": "none", "P1": "none", "P2": "none"}
    assert coverage.class_window(AS_OF) == Period(D(2025, 7, 1), AS_OF)


def test_intervals_follow_class_and_tier_and_the_shorter_wins(db):
    table = accounts(db)
    assert table["interval_days"].to_dict() == {"A1": 30, "A2": 30, "B1": 60, "C1": 180, "P1": 60, "P2": 60,
                                                "N1": 180}
    assert table.loc["B1", "rule"] == "tier:potential"
    assert table.loc["N1", "rule"] == "fallback:C"


def test_the_boundary_day_is_still_covered_and_the_next_is_one_day_overdue(db):
    table = accounts(db)
    assert (table.loc["A1", "days_since"], table.loc["A1", "covered"], table.loc["A1", "days_overdue"]) == (30, True, 0)
    assert (table.loc["A2", "days_since"], table.loc["A2", "covered"], table.loc["A2", "days_overdue"]) == (31, False, 1)
    assert table.loc["A1", "due_date"] == pd.Timestamp(AS_OF)


def test_a_visit_after_the_as_of_day_does_not_count(db):
    c1 = accounts(db).loc["C1"]
    assert (c1["last_visit"], c1["days_overdue"]) == (pd.Timestamp(D(2026, 1, 5)), 0)


def test_an_account_never_visited_counts_from_the_day_it_was_filed(db):
    table = accounts(db)
    assert pd.isna(table.loc["P1", "last_visit"])
    assert (table.loc["P1", "covered"], table.loc["P1", "days_overdue"]) == (True, 0)   # filed 60 days ago
    assert (table.loc["P2", "covered"], table.loc["P2", "days_overdue"]) == (False, 1)  # filed 61 days ago


def test_an_account_never_visited_with_no_filing_date_is_overdue_by_unknown_days(db):
    table = accounts(db)
    assert not table.loc["N1", "covered"]
    assert pd.isna(table.loc["N1", "days_overdue"])


def test_coverage_share_and_by_group(db):
    table = accounts(db).reset_index()
    assert coverage.coverage(table) == pytest.approx(3 / 7)  # A1, C1, P1
    by_class = coverage.coverage_by(table, "abc_class").set_index("abc_class")
    assert by_class.loc["A", ["accounts", "covered"]].tolist() == [2, 1]
    assert by_class.loc["none", ["accounts", "covered"]].tolist() == [3, 1]
    by_manager = coverage.coverage_by(table, "account_manager").set_index("account_manager")
    assert by_manager["coverage"].to_dict() == pytest.approx({"Li": 2 / 5, "Wang": 1 / 2})
    assert coverage.coverage(table.iloc[0:0]) is None


def test_filters_narrow_the_accounts_but_not_the_classes(db):
    west = Filters(Period(AS_OF, AS_OF), preset="custom", regions=("West",))
    table = accounts(db, filters=west)
    assert sorted(table.index) == ["B1", "C1"]
    assert table.loc["C1", "abc_class"] == "C"  # still ranked among all customers


def test_a_policy_change_moves_accounts_in_and_out_of_coverage(book):
    db = Database(book)
    rules = [r.__dict__ | {"interval_days": 14} if r.name == "important" else r.__dict__ for r in DEFAULT.rules]
    revisit_policy.save(Work.on(book, "director"), revisit_policy.build(rules))
    policy = revisit_policy.load(db)
    assert policy.days("tier", "important") == 14
    table = accounts(db, policy=policy)
    assert (table.loc["A1", "interval_days"], table.loc["A1", "days_overdue"]) == (14, 16)
    longer = revisit_policy.build([r.__dict__ | {"interval_days": 31} if r.name == "A" else r.__dict__
                                   for r in DEFAULT.rules])
    assert accounts(db, policy=longer).loc["A2", "covered"]


def test_the_overdue_list_puts_a_accounts_first_then_the_longest_overdue(db):
    late = coverage.overdue(accounts(db).reset_index())
    assert late["customer_id"].tolist() == ["A2", "B1", "N1", "P2"]
    assert late.columns.tolist() == coverage.OVERDUE_COLUMNS


def test_the_next_plan_is_the_first_open_plan_from_the_day_on(db):
    table = accounts(db)
    assert table.loc["A1", "next_plan"] == pd.Timestamp(D(2026, 7, 10))
    assert pd.isna(table.loc["A2", "next_plan"])


def test_due_in_the_next_days_lists_covered_accounts_soonest_first(db):
    soon = coverage.due_soon(accounts(db).reset_index(), AS_OF, 14)
    assert soon["customer_id"].tolist() == ["A1", "P1", "C1"]
    assert soon["days_left"].tolist() == [0, 0, 4]
    assert coverage.due_soon(accounts(db).reset_index(), AS_OF, 3)["customer_id"].tolist() == ["A1", "P1"]


def test_plan_adherence_counts_on_time_late_missed_open_and_cancelled(db):
    table = coverage.adherence(db, everyone(D(2026, 6, 1), D(2026, 6, 30)), AS_OF, grace=3).set_index("account_manager")
    li = table.loc["Li"]
    assert [li[k] for k in ("plans", *coverage.OUTCOMES)] == [5, 1, 1, 1, 1, 1]
    assert li["on_time_share"] == pytest.approx(1 / 3)
    assert table.loc["Wang", "on_time"] == 1
    strict = coverage.adherence(db, everyone(D(2026, 6, 1), D(2026, 6, 30)), AS_OF, grace=0).set_index("account_manager")
    assert (strict.loc["Li", "on_time"], strict.loc["Li", "late"]) == (0, 2)


@pytest.mark.parametrize("status, done, day, expected", [
    ("done", D(2026, 6, 4), AS_OF, "on_time"),
    ("done", D(2026, 6, 5), AS_OF, "late"),
    ("done", None, AS_OF, "on_time"),
    ("planned", None, D(2026, 6, 4), "open"),
    ("planned", None, D(2026, 6, 5), "missed"),
    ("cancelled", None, AS_OF, "cancelled"),
])
def test_a_plans_outcome(status, done, day, expected):
    plan = pd.DataFrame({"status": [status], "planned_date": [pd.Timestamp(2026, 6, 1)],
                         "done_date": pd.to_datetime([done])})
    assert outcomes(plan, day, 3) == [expected] and outcome(status, D(2026, 6, 1), done, day, 3) == expected


def test_coverage_month_by_month_uses_each_months_end(db):
    trend = coverage.coverage_trend(db, everyone(D(2026, 5, 1), D(2026, 6, 30)), DEFAULT, today=AS_OF)
    assert trend["as_of"].tolist() == [D(2026, 5, 31), AS_OF]
    # on 31 May: A1 visited that day, A2 the day before, C1 and the potential accounts within their interval
    assert trend["covered"].tolist() == [5, 3]
    assert trend["accounts"].tolist() == [7, 7]


def test_month_ends_stop_at_today():
    assert coverage.month_ends(Period(D(2026, 1, 15), D(2026, 12, 31)), D(2026, 3, 10)) == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 10)]


def test_proposals_cover_every_account_due_without_a_plan(db):
    proposed = coverage.proposals(accounts(db).reset_index(), AS_OF, weeks=1).set_index("customer_id")
    assert "A1" not in proposed.index  # has a plan on 10 July
    assert sorted(proposed.index) == ["A2", "B1", "C1", "N1", "P1", "P2"]
    assert proposed.loc["C1", "planned_date"] == pd.Timestamp(D(2026, 7, 4))  # its due day
    assert proposed.loc["A2", "planned_date"] == pd.Timestamp(AS_OF)          # overdue: today
    assert proposed.loc["A2", "method"] == "in_person"
    assert proposed.loc["A2", "owner"] == "Wang"


def test_birthdays_wrap_the_year_and_keep_29_february():
    for birthday, start, expected in [(D(1980, 7, 2), AS_OF, D(2026, 7, 2)),
                                      (D(1980, 1, 3), D(2026, 12, 30), D(2027, 1, 3)),
                                      (D(1988, 2, 29), D(2027, 1, 1), D(2027, 2, 28)),
                                      (D(1988, 2, 29), D(2028, 1, 1), D(2028, 2, 29))]:
        assert next_birthdays(pd.Series([pd.Timestamp(birthday)]), start) == [expected]
        assert next_birthday(birthday, start) == expected


def test_birthdays_of_active_accounts_contacts_in_the_next_days(book):
    db = Database(book)
    book.append("contacts", [dict(contact_id="K1", customer_id="A1", name="周敏", birthday=D(1975, 7, 2)),
                             dict(contact_id="K2", customer_id="A2", name="陈刚", birthday=D(1980, 8, 30)),
                             dict(contact_id="K3", customer_id="X1", name="刘洋", birthday=D(1980, 7, 1))],
                user="tester")
    people = coverage.birthdays(db, everyone(), AS_OF, 7)
    assert people["contact"].tolist() == ["周敏"]
    assert people["days_left"].tolist() == [2]


def test_holiday_visits_pair_the_coming_holidays_with_the_policys_accounts(db):
    coming = coverage.holiday_visits(accounts(db).reset_index(), holidays.load(db), DEFAULT, D(2026, 6, 1), 30)
    assert set(coming["name_en"]) == {"Dragon Boat Festival"}
    assert coming["date"].dt.date.unique().tolist() == [D(2026, 6, 19)]
    assert coming["customer_id"].tolist() == ["A1", "A2"]  # class A, or the important tier


def test_the_seeded_holidays_have_their_real_dates():
    seeded = {(h["date"], h["name_en"]) for h in holidays.SEED}
    for day, name in (("2025-01-29", "Spring Festival"), ("2026-02-17", "Spring Festival"),
                      ("2025-04-04", "Qingming Festival"), ("2026-04-05", "Qingming Festival"),
                      ("2026-05-01", "Labour Day"), ("2025-05-31", "Dragon Boat Festival"),
                      ("2026-06-19", "Dragon Boat Festival"), ("2025-10-06", "Mid-Autumn Festival"),
                      ("2026-09-25", "Mid-Autumn Festival"), ("2026-10-01", "National Day")):
        assert (day, name) in seeded


def test_holidays_are_edited_as_a_list(book):
    db = Database(book)
    kept = holidays.save(Work.on(book, "director"), [{"date": "2026-08-08", "name_zh": "公司周年庆", "name_en": None},
                                {"date": None, "name_zh": None, "name_en": ""}])
    assert kept == [{"date": "2026-08-08", "name_zh": "公司周年庆", "name_en": ""}]
    listed = holidays.load(db)
    assert len(listed) == 1 and holidays.name(listed.iloc[0], "en") == "公司周年庆"
    with pytest.raises(InvalidRecords) as refused:
        holidays.check([{"date": "not a day", "name_zh": "x"}, {"date": "2026-01-01", "name_zh": " "}])
    assert [(p.row, p.column, p.code) for p in refused.value.problems] == [(1, "date", "type"), (2, "name_zh", "required")]


def test_the_policy_refuses_a_class_without_interval_and_nonsense_values():
    rules = [r.__dict__ for r in DEFAULT.rules]
    rules[0] = rules[0] | {"interval_days": None}
    rules[1] = rules[1] | {"interval_days": 0}
    rules[5] = rules[5] | {"method": "pigeon"}
    with pytest.raises(InvalidRecords) as refused:
        revisit_policy.build(rules, grace_days=-1)
    assert [(p.row, p.column, p.code) for p in refused.value.problems] == [
        (1, "interval_days", "required"), (2, "interval_days", "minimum"), (6, "method", "allowed"),
        (None, "grace_days", "allowed")]


def test_the_policy_round_trips_through_the_settings(book):
    db = Database(book)
    assert revisit_policy.load(db) == DEFAULT
    changed = revisit_policy.build([r.__dict__ for r in DEFAULT.rules], grace_days=5, holiday_tiers=())
    revisit_policy.save(Work.on(book, "director"), changed)
    assert revisit_policy.load(db) == changed
    assert book.history("settings")[0]["kam.user"] == "director"


def test_due_soon_copes_with_accounts_that_have_no_due_day_at_all():
    table = pd.DataFrame({"customer_id": ["N"], "customer_name": ["x"], "abc_class": [None], "account_manager": ["Li"],
                          "last_visit": pd.Series([pd.NaT], dtype="datetime64[s]"),
                          "due_date": pd.Series([pd.NaT], dtype="datetime64[s]"), "covered": [False],
                          "next_plan": pd.Series([pd.NaT], dtype="datetime64[s]")})
    assert coverage.due_soon(table, AS_OF).empty


@pytest.mark.parametrize("potential_days", [None, 20, 30, 400])
def test_every_class_and_tier_gets_the_shorter_of_its_two_rules_and_a_tie_goes_to_the_class(potential_days):
    policy = revisit_policy.build([*(vars(r) for r in DEFAULT.rules if r.kind == "class"),
                                   {"kind": "tier", "name": "important", "interval_days": 30, "method": "in_person"},
                                   {"kind": "tier", "name": "potential", "interval_days": potential_days,
                                    "method": "phone"}])
    pairs = [(cls, tier) for cls in ("A", "B", "C", None) for tier in (*TIERS, None)]
    table = revisit_policy.assign(pd.DataFrame(pairs, columns=["abc_class", "tier"]).astype("string"), policy)

    def by_hand(cls, tier):  # the rule in the module's words
        candidates = [r for r in (policy.rule("class", cls), policy.rule("tier", tier))
                      if r is not None and r.interval_days is not None]
        if not candidates:
            return 180, "phone", "fallback:C"
        rule = min(candidates, key=lambda r: r.interval_days)  # min keeps the first: the class
        return rule.interval_days, rule.method, f"{rule.kind}:{rule.name}"

    assert list(zip(table["interval_days"], table["method"], table["rule"])) == [by_hand(*p) for p in pairs]
    assert table.loc[(table["abc_class"] == "A") & (table["tier"] == "important"), "rule"].tolist() == ["class:A"]


def test_every_plan_at_once_gets_the_outcome_a_plan_alone_gets():
    cases = [(status, done, day) for status in ("planned", "done", "cancelled")
             for done in (None, D(2026, 6, 1), D(2026, 6, 4), D(2026, 6, 5))
             for day in (D(2026, 6, 1), D(2026, 6, 4), D(2026, 6, 5))]
    for day in {c[2] for c in cases}:
        plans = pd.DataFrame({"status": [c[0] for c in cases], "planned_date": pd.Timestamp(2026, 6, 1),
                              "done_date": pd.to_datetime([c[1] for c in cases])})
        expected = [outcome(s, D(2026, 6, 1), done, day, 3) for s, done, _ in cases]
        assert outcomes(plans, day, 3) == expected


def test_a_column_of_birthdays_gets_the_same_next_birthday_as_each_alone():
    days = pd.Series(pd.date_range("1988-01-01", "1988-12-31"))  # a leap year: 29 February included
    for start in (D(2026, 1, 1), D(2026, 2, 28), D(2026, 3, 1), D(2027, 12, 31), D(2028, 2, 29)):
        expected = [next_birthday(b.date(), start) for b in days]
        assert next_birthdays(days, start) == expected


STRICT = revisit_policy.build([
    {"kind": "class", "name": "A", "interval_days": 20, "method": "in_person"},
    {"kind": "class", "name": "B", "interval_days": 45, "method": "phone"},
    {"kind": "class", "name": "C", "interval_days": 120, "method": "phone"},
    {"kind": "tier", "name": "important", "interval_days": 20, "method": "in_person"},
    {"kind": "tier", "name": "potential", "interval_days": 30, "method": "phone"}])


@pytest.fixture(scope="module")
def demo_db(demo_dir, tmp_path_factory) -> Database:
    root = tmp_path_factory.mktemp("revisit_demo") / "store"
    store_copy(demo_dir, root)  # its own copy: the read side writes its database file there
    return Database(Store(root))


def test_coverage_counted_in_one_query_matches_the_accounts_counted_day_by_day(demo_db):
    """The trend's single query and the per-day account table are two ways to the same numbers:
    month ends (whole class windows, from the monthly summary), a day mid-month, a 28 February."""
    last = dt.date.today()
    days = coverage.month_ends(Period(D(last.year - 1, 1, 1), last), last) + [D(last.year - 1, 2, 28),
                                                                                last - dt.timedelta(days=40)]
    regions = sorted(demo_db.query("SELECT DISTINCT region FROM customers")["region"].dropna())
    assert demo_db.holding
    for policy in (DEFAULT, STRICT):
        for region in (None, regions[0]):
            chosen = Filters(Period(days[0], last), "custom", regions=(region,) if region else ())
            together = coverage.coverage_on(demo_db, chosen, days, policy).set_index("as_of")
            assert sorted(together.index) == sorted(set(days))
            for day in days:
                table = coverage.accounts(demo_db, chosen, day, policy)
                ranked = abc.abc_table(demo_db, Filters(coverage.class_window(day), "custom")).set_index(
                    "customer_id")["abc_class"]  # the ABC page's way
                assert table.set_index("customer_id")["abc_class"].dropna().to_dict() == ranked.reindex(
                    table["customer_id"]).dropna().to_dict()
                assert (together.loc[day, "accounts"], together.loc[day, "covered"]) == (
                    len(table), int(table["covered"].sum())), (policy, region, day)
                assert coverage.coverage_share(demo_db, chosen, day, policy) == pytest.approx(
                    coverage.coverage(table))
    assert 0 < together["covered"].sum() < together["accounts"].sum()  # some covered, some not: a real test


def test_the_visit_mix_and_satisfaction_are_the_periods_visits_counted(demo_db):
    last = dt.date.today()
    region = demo_db.query("SELECT MIN(region) AS r FROM customers")["r"].iat[0]
    for chosen in (Filters(Period(D(last.year - 1, 1, 1), last), "custom"),
                   Filters(Period(last - dt.timedelta(days=365), last), "custom", regions=(region,))):
        rows = coverage.visit_log(demo_db, chosen)  # every visit, one row each
        scored = rows[rows["satisfaction"].notna()]
        assert len(rows) > 10 and scored["satisfaction"].nunique() > 1
        summary = coverage.visit_summary(demo_db, chosen)
        assert summary == {"visits": len(rows), "satisfaction": pytest.approx(scored["satisfaction"].mean())}
        for column in ("method", "occasion"):
            counted = coverage.mix(demo_db, chosen, column).set_index(column)["visits"].to_dict()
            assert counted == rows[column].fillna("").value_counts().to_dict()
        months = coverage.satisfaction_by_month(demo_db, chosen)
        by_hand = scored.groupby(scored["date"].dt.to_period("M").dt.start_time)["satisfaction"].agg(["size", "mean"])
        assert months["visits"].tolist() == by_hand["size"].tolist()
        assert months["satisfaction"].tolist() == pytest.approx(by_hand["mean"].tolist())
        classes = demo_db.query("SELECT * FROM k", using={"k": coverage.classes_sql(last)})[
            ["customer_id", "abc_class"]]
        by_class = coverage.satisfaction_by_class(demo_db, chosen, last).set_index("abc_class")
        joined = scored.merge(classes, on="customer_id", how="left")
        joined["abc_class"] = joined["abc_class"].fillna(coverage.NO_CLASS)
        expected = joined.groupby("abc_class")["satisfaction"].agg(["size", "mean"])
        assert by_class["visits"].to_dict() == expected["size"].to_dict()
        assert by_class["satisfaction"].to_dict() == pytest.approx(expected["mean"].to_dict())


def test_the_visit_log_finds_a_word_in_any_case_and_narrows_by_method_and_occasion(demo_db):
    last = dt.date.today()
    chosen = Filters(Period(D(last.year - 1, 1, 1), last), "custom")
    every = coverage.visit_log(demo_db, chosen)
    name = every["customer_name"].dropna().iat[0]
    word = every["discussed"].dropna().iat[0].split()[0][:2]
    for text, methods, occasions in [("", (), ()), (name, (), ()), (word.upper(), (), ()), (word, ("phone",), ()),
                                     ("", ("in_person", "video"), ("periodic",)), ("no such words", (), ())]:
        hay = every[list(coverage.VISIT_LOG_SEARCHED)].astype("string").fillna("")
        keep = hay.apply(lambda c: c.str.lower().str.contains(text.lower(), regex=False)).any(axis=1)
        keep &= every["method"].isin(methods) if methods else True
        keep &= every["occasion"].isin(occasions) if occasions else True
        expected = every.loc[keep, "visit_id"].tolist()
        assert coverage.visit_log(demo_db, chosen, text, methods, occasions)["visit_id"].tolist() == expected
        assert coverage.visit_log_count(demo_db, chosen, text, methods, occasions) == len(expected)
        assert coverage.visit_log(demo_db, chosen, text, methods, occasions, limit=3)["visit_id"].tolist() == \
            expected[:3]
    assert 0 < len(coverage.visit_log(demo_db, chosen, name)) < len(every)
