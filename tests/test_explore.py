"""An analyst asks the product's tables a question no page asks, and gets the numbers pandas gets
from the same rows; the question travels as an address and comes back the same."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import CUSTOMERS, SALES, VISITS, pareto_classes
from kam.explore import saved
from kam.store.work import Work
from kam.explore.question import Condition, Measure, Question, QuestionError
from kam.filters import Filters
from kam.periods import resolve
from kam.revisits import coverage, revisit_policy
from kam.sales import receivables

TODAY = dt.date(2026, 1, 5)
YEAR = Filters(resolve("last_year", TODAY), preset="last_year")  # 2025, compared with 2024
REGION = {c["customer_id"]: c["region"] for c in CUSTOMERS}
MANAGER = {c["customer_id"]: c["account_manager"] for c in CUSTOMERS}
INDUSTRY = {c["customer_id"]: c.get("industry") for c in CUSTOMERS}


def sales(year: int) -> pd.DataFrame:
    frame = pd.DataFrame([s for s in SALES if s["date"].year == year])
    return frame.assign(region=frame["customer_id"].map(REGION), industry=frame["customer_id"].map(INDUSTRY))


def answer(db, question: Question, filters: Filters = YEAR) -> pd.DataFrame:
    return question.answer(db, filters, TODAY)


def test_revenue_and_its_share_by_region_are_the_sums_pandas_makes(book_db):
    got = answer(book_db, Question("sales", ("region",), (Measure("sum", "amount"), Measure("share", "amount"))))
    lines = sales(2025)
    expected = lines.groupby(lines["region"].fillna("?"))["amount"].sum()
    shown = dict(zip(got["region"].fillna("?"), got["sum_amount"]))
    assert shown == expected.to_dict()
    assert dict(zip(got["region"].fillna("?"), got["share_amount"])) == pytest.approx(
        (expected / expected.sum()).to_dict())
    assert got["sum_amount"].tolist() == sorted(expected, reverse=True)  # the largest first


def test_change_against_the_year_before_compares_each_region_with_itself(book_db):
    got = answer(book_db, Question("sales", ("region",), (Measure("change", "amount"),)))
    now, before = (sales(y).groupby("region")["amount"].sum() for y in (2025, 2024))
    expected = (now / before - 1).to_dict()
    assert dict(zip(got["region"].dropna(), got["change_amount"].dropna())) == pytest.approx(
        {k: v for k, v in expected.items() if pd.notna(v)})


def test_change_by_month_meets_the_same_month_of_the_period_before(book_db):
    got = answer(book_db, Question("sales", ("month",), (Measure("sum", "amount"), Measure("change", "amount")),
                                   sort="label"))
    jan = got.set_index("month").loc["2025-01"]
    # January 2025: 120000 + 5000; January 2024: 500
    assert jan["sum_amount"] == 125000 and jan["change_amount"] == pytest.approx(125000 / 500 - 1)


def test_visits_per_manager_per_month_count_the_visit_log(book_db):
    got = answer(book_db, Question("visits", ("manager", "month"), (Measure("count"),), sort="label"))
    visits = pd.DataFrame([v for v in VISITS if v["date"].year == 2025])
    expected = visits.groupby([visits["customer_id"].map(MANAGER), visits["date"].map(lambda d: f"{d:%Y-%m}")]
                              ).size()
    assert {(m, month): n for m, month, n in got.itertuples(index=False)} == expected.to_dict()


def test_the_class_of_a_sale_is_its_customers_abc_class_in_the_period(book_db):
    got = answer(book_db, Question("sales", ("customer", "class"), (Measure("sum", "amount"),)))
    by_customer = sales(2025).groupby("customer_id")["amount"].sum().to_dict()
    classes = {row.customer.split(" ")[0]: row["class"] for _, row in got.iterrows()}
    assert classes == pareto_classes(by_customer)


def test_filters_on_a_field_and_a_number_keep_only_those_rows(book_db):
    question = Question("sales", (), (Measure("sum", "amount"), Measure("customers")),
                        (Condition("industry", "in", ("Machinery", "Food")), Condition("amount", "min", ("20000",))))
    got = answer(book_db, question)
    lines = sales(2025)
    kept = lines[lines["industry"].isin(["Machinery", "Food"]) & (lines["amount"] >= 20000)]
    assert got.iloc[0].tolist() == [kept["amount"].sum(), kept["customer_id"].nunique()]


def test_the_shared_filters_and_top_n_cut_the_groups(book_db):
    east = Filters(YEAR.period, preset="custom", regions=("East",))
    got = answer(book_db, Question("sales", ("customer",), (Measure("sum", "amount"),), top=1), east)
    lines = sales(2025)
    east_sums = lines[lines["region"] == "East"].groupby("customer_id")["amount"].sum()
    assert east_sums.idxmax() == "00017"
    assert got.to_dict("records") == [{"customer": "00017 华东精密机械", "sum_amount": east_sums.max()}]


def test_receivables_use_the_receivables_rule_on_the_periods_last_day(book_db):
    got = answer(book_db, Question("receivables", ("customer",), (Measure("sum", "open_amount"),)))
    aging = receivables.aging(book_db, YEAR.period.end)
    expected = {f"{r.customer_id} {r.customer_name}": r.open_amount for r in aging.itertuples()}
    assert dict(zip(got["customer"], got["sum_open_amount"])) == pytest.approx(expected)


def test_coverage_by_class_is_the_revisit_pages_coverage(book_db):
    got = answer(book_db, Question("coverage", ("class",), (Measure("avg", "covered"), Measure("count"))))
    accounts = coverage.accounts(book_db, YEAR, coverage.as_of(YEAR, TODAY), revisit_policy.load(book_db))
    expected = coverage.coverage_by(accounts, "abc_class")
    assert dict(zip(got["class"].fillna(coverage.NO_CLASS), got["avg_covered"])) == pytest.approx(
        dict(zip(expected["abc_class"], expected["coverage"])))
    assert got["count"].sum() == len(accounts)


QUESTIONS = [
    Question("sales", ("region", "quarter"), (Measure("sum", "amount"), Measure("change", "amount")),
             (Condition("tier", "in", ("important", "ordinary")),), chart="heat_map", top=5),
    Question("visits", ("manager",), (Measure("count"),), sort="label", chart="table"),
    Question("complaints", ("category", "class"), (Measure("customers"),),
             (Condition("days_to_resolve", "max", ("30",)),), chart="stacked_bar", sort="asc"),
    Question("coverage", (), (Measure("avg", "covered"),)),
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.subject)
def test_a_question_comes_back_the_same_from_its_address(question):
    assert Question.from_params(question.to_params()) == question


@pytest.mark.parametrize("params, says", [
    ({"subject": "payroll"}, "unknown subject 'payroll'"),
    ({"subject": "sales", "by": "region; DROP TABLE sales"}, "sales has no field 'region; DROP TABLE sales'"),
    ({"subject": "sales", "by": "region,month,year"}, "at most 2"),
    ({"subject": "sales", "measure": "sum:password"}, "sales has no number 'password'"),
    ({"subject": "sales", "measure": "sum"}, "needs a number"),
    ({"subject": "sales", "where": "amount:min:lots"}, "give one number"),
    ({"subject": "sales", "top": "ten"}, "top must be a whole number"),
    ({"subject": "sales", "chart": "pie"}, "chart 'pie' is not one of"),
])
def test_an_address_that_holds_no_question_says_which_part_is_wrong(params, says):
    with pytest.raises(QuestionError, match=says.replace("(", r"\(").replace(")", r"\)")):
        Question.from_params(params)


def test_a_question_reads_as_a_sentence_in_both_languages():
    from kam.i18n import translator
    question = QUESTIONS[0]
    assert question.sentence(translator("en")) == ("Sales: sum of amount and change in amount on the period before "
                                                    "by region and quarter; tier is Important or Ordinary; top 5")
    assert question.sentence(translator("zh")) == "销售: 金额合计、金额较上期变化, 按区域、季度; 客户等级为 重要客户 或 普通客户; 前 5 个"


def test_a_saved_question_is_listed_for_everyone_and_replaced_under_its_name(book):
    from kam.readside.database import Database
    params = {**YEAR.to_params(), **QUESTIONS[0].to_params()}
    saved.save(Work.on(book, "Analyst A"), " East revenue ", params)
    saved.save(Work.on(book, "Analyst B"), "East revenue", {**params, "top": "3"})
    listing = saved.listing(Database(book))
    assert listing[["name", "recorded_by"]].values.tolist() == [["East revenue", "Analyst B"]]
    assert Question.from_params(saved.params(listing["question"][0])).top == 3
    with pytest.raises(QuestionError):
        saved.save(Work.on(book), "broken", {"subject": "sales", "by": "nope"})
    assert len(saved.listing(Database(book))) == 1


def test_every_subject_field_number_and_measure_has_a_name_in_both_languages():
    from kam.explore.question import CHARTS, KINDS, OPS, SORTS
    from kam.explore.subjects import SUBJECTS
    from kam.i18n import TEXT
    keys = {f"explore.subject.{s}" for s in SUBJECTS} | {f"explore.kind.{k}" for k in KINDS}
    keys |= {f"explore.chart.{c}" for c in CHARTS} | {f"explore.sort.{s}" for s in SORTS} | {f"explore.op.{o}" for o in OPS}
    for about in SUBJECTS.values():
        keys |= {f"explore.field.{f}" for f in about.fields} | {f"explore.number.{n}" for n in about.numbers}
    assert sorted(keys - set(TEXT)) == []
