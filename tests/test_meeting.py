"""The weekly meeting's rules: what last meeting decided and where it stands, the accounts that
moved class, charts that read like the cards, and every screen in both languages."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, TODAY
from kam import charts
from kam.filters import Filters
from kam.i18n import translator
from kam.meeting import actions, screens
from kam.periods import DEFAULT_PRESET, resolve
from kam.readside.database import Database
from kam.readside.duckfile import DuckFile
from kam.sales import abc
from kam.store.delta import Store
from kam.store.records import InvalidRecords

DAY = dt.timedelta(days=1)
EVERYONE = Filters(resolve(DEFAULT_PRESET, TODAY), DEFAULT_PRESET)


def decide(book, db, customer, what, meeting, due, **more) -> str:
    return actions.record(book, db, dict(customer_id=customer, action=what, owner="Li Na", due_date=due,
                                         meeting_date=meeting, **more), "director", TODAY)


def test_the_next_meeting_opens_with_what_the_last_one_decided_and_whether_it_was_done(book):
    db = Database(book)
    two_weeks_ago, last_week = TODAY - 14 * DAY, TODAY - 7 * DAY
    decide(book, db, "00017", "Price review", two_weeks_ago, last_week)
    late = decide(book, db, "00023", "Call the buyer", last_week, TODAY - DAY)
    done = decide(book, db, "00105", "Visit the plant", last_week, TODAY - 2 * DAY)
    decide(book, db, "00200", "Send samples", last_week, TODAY + 3 * DAY)
    decide(book, db, "00017", "Decided today", TODAY, TODAY + 7 * DAY)
    actions.mark_done(book, db, done, "Li Na", TODAY)

    assert actions.previous_meeting(db, TODAY) == last_week  # not today's, not the one before
    states = actions.decided_at(db, EVERYONE, last_week, TODAY).set_index("action")["state"]
    assert states.to_dict() == {"Call the buyer": "late", "Send samples": "open", "Visit the plant": "done"}
    assert list(states.index)[0] == "Call the buyer"  # the late ones first
    stored = db.query("SELECT * FROM meeting_actions WHERE action_id = $id", {"id": done}).iloc[0]
    assert stored["status"] == "done" and stored["done_date"].date() == TODAY
    assert late.startswith("M-")

    screen = screens.last_actions(screens.Meeting(db, EVERYONE, translator("en"), "en", TODAY))
    assert screen.note == f"Actions decided at the meeting of {last_week}, and where they stand."
    assert list(screen.table["State"]) == ["Late", "Open", "Done"]
    assert [(n.label, n.value) for n in screen.numbers] == [("Done", "1"), ("Open", "1"), ("Late", "1")]


def test_a_screen_is_made_once_ahead_of_the_key_press_and_again_after_a_write(book, monkeypatch):
    db = Database(book)
    m = screens.Meeting(db, EVERYONE, translator("en"), "en", TODAY)
    shown = screens.screen(m, 0)
    assert screens.made(m, 1) is None  # asking whether it is made makes nothing
    screens.prepare(m, 0).join(timeout=60)  # the presenter speaks; every other screen is made meanwhile
    assert screens.made(m, 1).title == "Headline numbers"
    assert screens.prepare(m, 4) is None  # all made: a key press starts no thread
    assert screens.ahead(4) == [5, 6, 7, 8, 3, 2, 1, 0]  # the ones the presenter goes to next first
    with monkeypatch.context() as nothing_asked:
        nothing_asked.setattr(DuckFile, "cursor", lambda self: pytest.fail("a kept screen asked DuckDB again"))
        assert screens.screen(m, 1).title == "Headline numbers"  # the next key press finds it made
        assert screens.screen(m, 8).title == translator("en")("meeting.screen.changes")  # and the last one
        assert screens.screen(m, 0) is shown  # and going back shows the same screen
    decide(book, db, "00017", "Price review", TODAY - 7 * DAY, TODAY + DAY)
    decide(book, db, "00017", "Decided today", TODAY, TODAY + 7 * DAY)
    again = screens.screen(m, 0)  # the store changed: the screen is made again, with last week's action
    assert list(again.table["Action"]) == ["Price review"]


def test_an_action_needs_a_known_account_a_what_and_an_owner(book):
    db = Database(book)
    with pytest.raises(InvalidRecords) as refused:
        actions.record(book, db, dict(customer_id="99999", action=None, owner="Li Na", due_date=TODAY), "x", TODAY)
    assert {(p.column, p.code) for p in refused.value.problems} >= {("customer_id", "unknown_customer"),
                                                                      ("action", "required")}
    assert db.query("SELECT COUNT(*) AS n FROM meeting_actions")["n"].iat[0] == 0


def test_class_changes_name_the_accounts_behind_the_migration_counts():
    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "customer_name": ["A1", "B1", "C1", "D1"],
                           "account_manager": "m", "abc_class": ["A", "B", "C", "A"], "value": [90.0, 8, 2, 50]})
    now = pd.DataFrame({"customer_id": ["a", "b", "c", "e"], "customer_name": ["A1", "B1", "C1", "E1"],
                        "account_manager": "m", "abc_class": ["A", "A", "C", "B"], "value": [80.0, 60, 1, 5]})
    moved = abc.class_changes(now, before)
    assert list(zip(moved["customer_id"], moved["class_before"], moved["class_now"])) == [
        ("b", "B", "A"), ("d", "A", "lost"), ("e", "new", "B")]
    counts = abc.migration(now, before).set_index(["from", "to"])["customers"]
    assert counts[("B", "A")] == 1 and counts[("A", "lost")] == 1 and counts[("new", "B")] == 1


def test_money_axes_read_like_the_cards_and_a_running_month_says_so():
    t = translator("zh")
    figure = go.Figure(go.Bar(x=pd.to_datetime(["2025-12-01", "2026-01-01", "2026-02-01"]), y=[8e7, 1.2e8, 3e7]))
    charts.money_axis(figure, [8e7, 1.2e8, 3e7], "zh")
    assert "¥1.00亿" in figure.layout.yaxis.ticktext and "¥5,000.0万" in figure.layout.yaxis.ticktext
    charts.month_axis(figure, figure.data[0].x, "zh", t, dt.date(2026, 2, 14))
    assert list(figure.layout.xaxis.ticktext) == ["2025年12月", "2026年1月", "2月 (未满月)"]
    assert list(figure.data[0].marker.opacity) == [1.0, 1.0, 0.45]
    english = charts.month_axis(go.Figure(), pd.to_datetime(["2026-01-01", "2026-02-01"]), "en", translator("en"),
                                dt.date(2026, 2, 28))
    assert list(english.layout.xaxis.ticktext) == ["Jan 2026", "Feb"]  # February is whole: not partial
    assert charts.money_axis(go.Figure(), [2e6], "en").layout.yaxis.ticktext[-1] == "¥2.00M"


def test_the_churn_screen_names_each_reason_beside_its_bar_with_its_loss_written_on_it(demo_dir):
    """Across, so that a reason's name reads in one line at projector size (below the bars they
    were turned and cut short), in the table's order, each amount as the table writes it."""
    m = screens.Meeting(Database(Store(demo_dir)), EVERYONE, translator("zh"), "zh", TODAY)
    churn = screens.screen(m, [s.__name__ for s in screens.SCREENS].index("churn_screen"))
    bars = churn.chart.data[0]
    assert bars.orientation == "h" and churn.chart.layout.yaxis.autorange == "reversed"
    assert len(churn.table) >= 2
    assert list(bars.y) == list(churn.table.iloc[:, 0])
    assert list(bars.text) == list(churn.table.iloc[:, -1]) and all(v.startswith("¥") for v in bars.text)


def test_each_class_tier_reason_and_category_has_one_colour_from_the_colour_blind_safe_palette():
    for column, values in charts.COLOURED.items():
        colours = [charts.colour(column, v) for v in values]
        assert set(colours) <= set(charts.OKABE_ITO) and len(set(colours)) == len(colours), column
    assert charts.colour("abc_class", "A") == charts.colour("abc_class", "A") != charts.colour("abc_class", "B")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen_of_the_meeting_shows_in_each_language(demo_dir, monkeypatch, lang):
    monkeypatch.setenv("KAM_DATA_DIR", str(demo_dir))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["lang"] = lang
    at.switch_page("pages/meeting.py")
    at.run()
    t = translator(lang)
    seen = []
    for number in range(1, len(screens.SCREENS) + 1):
        assert not at.exception
        seen.append(at.title[0].value)
        assert any(f"{number} / {len(screens.SCREENS)}" in c.value or f"{number} of {len(screens.SCREENS)}" in c.value
                   for c in at.caption)
        if number < len(screens.SCREENS):
            at.button(key="meeting_next").click().run()
    assert seen == [t(f"meeting.screen.{key}") for key in ("actions", "headline", "abc", "revisits", "complaints",
                                                           "churn", "at_risk", "receivables", "changes")]
    assert at.button(key="meeting_next").disabled  # the last screen
