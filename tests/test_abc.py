"""The ABC rule (kam/sales/abc.py), on small frames whose classes follow from the rule by hand."""
import math

import pandas as pd
import pytest

from kam.sales import abc


def values(**by_customer) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(by_customer), "value": [float(v) for v in by_customer.values()]})


def classes(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["customer_id"], table["abc_class"]))


def test_customers_are_ranked_by_value_with_ties_broken_by_customer_id():
    table = abc.classify(values(c9=50, b2=50, a7=10, b1=50))
    assert table["customer_id"].tolist() == ["b1", "b2", "c9", "a7"]
    assert table["rank"].tolist() == [1, 2, 3, 4]


def test_tie_at_the_cut_is_decided_by_customer_id_not_by_input_order():
    # 40 + 40 + 20: the two 40s are tied; "x1" ranks first whichever way round they come
    forward = abc.classify(values(x1=40, x2=40, y=20), cuts=(0.4, 0.8))
    backward = abc.classify(values(y=20, x2=40, x1=40), cuts=(0.4, 0.8))
    assert classes(forward) == classes(backward) == {"x1": "A", "x2": "B", "y": "C"}


def test_the_customer_whose_cumulative_share_crosses_a_cut_is_in_the_higher_class():
    # cumulative 70% -> 90% -> 100%: the second crosses 80% (A), the third crosses 95% (B)
    table = abc.classify(values(big=70, mid=20, small=10))
    assert classes(table) == {"big": "A", "mid": "A", "small": "B"}
    assert table["cumulative_share"].tolist() == pytest.approx([0.7, 0.9, 1.0])


def test_a_customer_landing_exactly_on_a_cut_closes_that_class():
    # cumulative exactly 80% and 95%: the next customer starts the next class
    table = abc.classify(values(a=80, b=15, c=5))
    assert classes(table) == {"a": "A", "b": "B", "c": "C"}


def test_float_noise_does_not_push_a_customer_across_the_cut():
    # ten equal customers: the eighth lands on 80% (0.7999999999999999 in floats)
    table = abc.classify(values(**{f"c{i:02d}": 1 for i in range(10)}))
    assert table["abc_class"].tolist() == ["A"] * 8 + ["B"] * 2


def test_the_top_customer_is_always_a_even_when_it_alone_passes_every_cut():
    table = abc.classify(values(giant=97, dwarf=3), cuts=(0.01, 0.02))
    assert classes(table) == {"giant": "A", "dwarf": "C"}


def test_zero_and_negative_values_are_c_and_do_not_enter_the_total():
    table = abc.classify(values(a=100, refund=-20, idle=0, b=50))
    assert classes(table) == {"a": "A", "b": "A", "idle": "C", "refund": "C"}
    shares = dict(zip(table["customer_id"], table["share"]))
    assert shares == pytest.approx({"a": 100 / 150, "b": 50 / 150, "idle": 0, "refund": 0})
    assert table["cumulative_share"].max() == pytest.approx(1.0)


def test_only_negative_values_make_every_customer_c_with_no_share():
    table = abc.classify(values(r1=-5, r2=0))
    assert set(table["abc_class"]) == {"C"}
    assert table["share"].tolist() == [0, 0]


def test_an_empty_period_gives_an_empty_table_and_zero_summary():
    table = abc.classify(values())
    assert table.empty
    assert {"rank", "share", "cumulative_share", "abc_class"} <= set(table.columns)
    summary = abc.summary(table)
    assert summary["customers"].tolist() == [0, 0, 0]
    assert summary["value_share"].tolist() == [0, 0, 0]
    assert abc.headline(table) == (0.0, 0.0)


def test_one_customer_is_a_with_the_whole_value():
    table = abc.classify(values(only=1234.5))
    assert classes(table) == {"only": "A"}
    assert table["share"].tolist() == [1.0]
    assert abc.headline(table) == (1.0, 1.0)


def test_custom_cuts_move_the_boundaries():
    table = values(a=40, b=25, c=15, d=10, e=6, f=4)  # cumulative 40, 65, 80, 90, 96, 100
    assert classes(abc.classify(table)) == dict(a="A", b="A", c="A", d="B", e="B", f="C")
    assert classes(abc.classify(table, cuts=(0.5, 0.9))) == dict(a="A", b="A", c="B", d="B", e="C", f="C")


@pytest.mark.parametrize("cuts", [(0.95, 0.8), (0.8, 0.8), (0, 0.5), (-0.1, 0.5), (0.5, 1.2), (0.8,)])
def test_invalid_cuts_are_rejected(cuts):
    with pytest.raises(ValueError):
        abc.classify(values(a=1), cuts=cuts)


def test_cuts_up_to_one_hundred_percent_are_accepted():
    assert abc.check_cuts((0.7, 1.0)) == (0.7, 1.0)


def test_other_columns_pass_through_with_their_customer():
    frame = values(a=10, b=90).assign(region=["East", "West"])
    table = abc.classify(frame)
    assert dict(zip(table["customer_id"], table["region"])) == {"a": "East", "b": "West"}


def test_summary_counts_each_class_and_its_share_of_customers_and_value():
    table = abc.classify(values(a=40, b=25, c=15, d=10, e=6, f=4, refund=-10))
    summary = abc.summary(table).set_index("abc_class")
    assert summary["customers"].to_dict() == {"A": 3, "B": 2, "C": 2}
    assert summary["customer_share"].to_dict() == pytest.approx({"A": 3 / 7, "B": 2 / 7, "C": 2 / 7})
    assert summary["value"].to_dict() == pytest.approx({"A": 80, "B": 16, "C": -6})
    # the refund neither adds to C's share nor to the total
    assert summary["value_share"].to_dict() == pytest.approx({"A": 0.8, "B": 0.16, "C": 0.04})
    assert abc.headline(table) == pytest.approx((3 / 7, 0.8))


def previous_and_current():
    previous = abc.classify(values(p=50, q=30, r=15, s=5))    # p A, q A, r B, s C
    current = abc.classify(values(q=60, r=30, n=10))          # q A, r A, n B; p and s gone
    return previous, current


def test_migration_counts_customers_between_last_periods_class_and_this_ones():
    previous, current = previous_and_current()
    moves = abc.migration(current, previous).set_index(["from", "to"])
    moved = moves[moves["customers"] > 0]
    assert moved["customers"].to_dict() == {("A", "A"): 1, ("A", "lost"): 1, ("B", "A"): 1,
                                            ("C", "lost"): 1, ("new", "B"): 1}
    # this period's value, or for a lost customer what it brought before
    assert moved["value"].to_dict() == {("A", "A"): 60, ("A", "lost"): 50, ("B", "A"): 30,
                                        ("C", "lost"): 5, ("new", "B"): 10}


def test_migration_has_every_cell_but_new_to_lost():
    previous, current = previous_and_current()
    moves = abc.migration(current, previous)
    pairs = set(zip(moves["from"], moves["to"]))
    assert len(pairs) == len(moves) == 4 * 4 - 1
    assert ("new", "lost") not in pairs
    assert moves["customers"].sum() == len(set(previous["customer_id"]) | set(current["customer_id"]))


def test_accounts_that_fell_from_a_are_listed_with_their_change_biggest_first():
    previous = abc.classify(values(p=50, q=30, r=15, s=5).assign(
        customer_name=["P", "Q", "R", "S"], account_manager="Li", region="East"))
    current = abc.classify(values(q=10, r=60, n=30))  # r 60% A, n 90% A, q falls to B; p is lost
    fell = abc.fell_from_a(current, previous)
    assert fell["customer_id"].tolist() == ["p", "q"]
    assert fell["abc_class_now"].tolist() == ["lost", "B"]
    assert fell["value_before"].tolist() == [50, 30]
    assert fell["value_now"].tolist() == [0, 10]
    assert fell["change"].tolist() == pytest.approx([-1.0, 10 / 30 - 1])


def test_nobody_fell_from_a_when_the_a_accounts_stay():
    previous = abc.classify(values(p=50, q=40, r=10).assign(customer_name="x", account_manager="", region=""))
    current = abc.classify(values(p=70, q=20, r=10))
    assert abc.fell_from_a(current, previous).empty


def test_fell_from_a_change_is_undefined_when_there_was_no_value_before():
    previous = pd.DataFrame({"customer_id": ["z"], "value": [0.0], "abc_class": ["A"], "customer_name": ["Z"],
                             "account_manager": [""], "region": [""]})
    fell = abc.fell_from_a(abc.classify(values(y=5)), previous)
    assert math.isnan(fell["change"].iloc[0])
