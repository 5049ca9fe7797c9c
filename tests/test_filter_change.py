"""A meeting switches the region, the manager or the tier: the answers come from what the period
already made (every part is made for all customers and carries the filters' columns), and they
are the same as when each filtered view is worked out on its own."""
from __future__ import annotations


import pandas as pd
import pytest

from conftest import TODAY, pareto_classes, store_copy
from kam.sales import abc
from kam.risk import health
from kam.sales import overview
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.readside import choices
from kam.readside.database import Database
from kam.filters import Filters
from kam.store.delta import Store


@pytest.fixture
def demo(demo_dir, tmp_path) -> Database:
    return Database(Store(store_copy(demo_dir, tmp_path / "store")))


def every_dashboard(db: Database, chosen: Filters) -> None:
    overview.kpis(db, chosen, today=TODAY)
    abc.abc_table(db, chosen)
    abc.abc_table(db, chosen.previous())
    coverage.accounts(db, chosen, coverage.as_of(chosen, TODAY), revisit_policy.load(db))
    coverage.coverage_trend(db, chosen, revisit_policy.load(db), TODAY)
    health.scores(db, chosen, TODAY)


def test_a_new_region_manager_or_tier_makes_no_new_part_of_an_answer(demo):
    everyone = Filters.from_params({"period": "last_quarter"}, TODAY)
    every_dashboard(demo, everyone)
    made = set(demo.part_tables())
    assert len(made) > 5  # the period's values, the day's accounts, the trend, the health figures...
    options = choices.filter_options(demo)
    for params in ({"region": options["region"][0]}, {"manager": options["account_manager"][-1]},
                   {"tier": "important", "region": ",".join(options["region"][:2])}):
        every_dashboard(demo, Filters.from_params({"period": "last_quarter", **params}, TODAY))
        assert set(demo.part_tables()) == made, params


def test_a_regions_abc_classes_rank_its_customers_among_themselves(demo):
    region = choices.filter_options(demo)["region"][0]
    chosen = Filters.from_params({"period": "last_12_months", "region": region}, TODAY)
    table = abc.abc_table(demo, chosen)
    everyone = abc.abc_table(demo, Filters.from_params({"period": "last_12_months"}, TODAY))
    mine = everyone[everyone["region"] == region]
    assert set(table["customer_id"]) == set(mine["customer_id"]) and 0 < len(mine) < len(everyone)
    assert dict(zip(table["customer_id"], table["abc_class"])) == pareto_classes(
        dict(zip(mine["customer_id"], mine["value"])))
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_the_filtered_figures_are_the_rows_of_everyones_that_match(demo):
    options = choices.filter_options(demo)
    everyone = Filters.from_params({"period": "this_quarter"}, TODAY)
    day = coverage.as_of(everyone, TODAY)
    policy = revisit_policy.load(demo)
    all_accounts = coverage.accounts(demo, everyone, day, policy)
    all_figures = health.figures(demo, everyone, TODAY)
    for column, param in (("region", "region"), ("account_manager", "manager")):
        value = options[column][0]
        chosen = Filters.from_params({"period": "this_quarter", param: value}, TODAY)
        accounts = coverage.accounts(demo, chosen, day, policy)
        assert accounts["customer_id"].tolist() == all_accounts.loc[
            all_accounts[column] == value, "customer_id"].tolist()
        assert coverage.coverage_share(demo, chosen, day, policy) == pytest.approx(accounts["covered"].mean())
        figures = health.figures(demo, chosen, TODAY)
        assert 0 < len(figures) < len(all_figures)
        assert figures["customer_id"].tolist() == all_figures.loc[
            all_figures[column] == value, "customer_id"].tolist()


def test_a_sale_or_visit_recorded_today_leaves_the_answers_about_past_days_as_they_were(demo):
    """The parts of answers about days before today read only the data files holding those days:
    what is recorded today makes again only the parts that read today."""
    quarter = Filters.from_params({"period": "last_quarter"}, TODAY)
    year = Filters.from_params({"period": "last_12_months"}, TODAY)
    policy = revisit_policy.load(demo)
    customer = abc.abc_table(demo, year)["customer_id"].iloc[-1]  # the year's smallest customer

    def past():
        return abc.abc_table(demo, quarter), coverage.coverage_trend(demo, quarter, policy, TODAY)

    before = past()
    abc.abc_table(demo, year)
    coverage.accounts(demo, year, TODAY, policy)
    made = set(demo.part_tables())
    demo.store.append("sales", [{"order_id": "TODAY-1", "customer_id": customer, "date": TODAY, "amount": 5e7}])
    demo.store.append("visits", [{"visit_id": "TODAY-V", "customer_id": customer, "date": TODAY,
                                  "method": "phone"}])
    after = past()
    assert after[0].equals(before[0]) and after[1].equals(before[1])  # last quarter: the same answers...
    assert set(demo.part_tables()) == made  # ...from the same parts
    ranked, accounts = abc.abc_table(demo, year), coverage.accounts(demo, year, TODAY, policy)
    assert set(demo.part_tables()) - made  # today's answers are made again, and count what was recorded
    assert ranked.set_index("customer_id").loc[customer, "abc_class"] == "A"
    mine = accounts.set_index("customer_id").loc[customer]
    assert (mine["last_visit"], mine["abc_class"], mine["covered"]) == (pd.Timestamp(TODAY), "A", True)

    back_dated = quarter.period.start
    demo.store.append("sales", [{"order_id": "LATE-1", "customer_id": customer, "date": back_dated, "amount": 5e7}])
    late = abc.abc_table(demo, quarter).set_index("customer_id")
    assert late.loc[customer, "abc_class"] == "A" and late.loc[customer, "rank"] == 1  # a late entry counts
