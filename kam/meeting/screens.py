"""The weekly key-account meeting, one topic per screen: the same screens on the projector
(pages/meeting.py) and in the meeting pack (kam.meeting.pack).

Each screen is made from the dashboards' own functions, for the filters and the meeting's
day, and holds what a projector can show readably: a few big numbers, at most ROWS table rows,
one chart. Values are written out (money in 万/亿 or K/M, names in the reader's language), so
the page and the pack show the same text.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from kam import charts
from kam import formatting as fmt
from kam.accounts import marked_changes
from kam.filters import Filters
from kam.i18n import TEXT, value_name
from kam.meeting import actions
from kam.readside.answers import Answers
from kam.readside.database import Database
from kam.revisits import coverage, revisit_policy
from kam.risk import churn, complaints, health
from kam.sales import abc, overview, receivables

ROWS = 12  # a table row more and the back of the room cannot read it


@dataclass(frozen=True)
class Number:
    label: str
    value: str
    change: str | None = None  # "+12.3%" or "+4.5 pp"; None when there is nothing to compare
    good: bool | None = None  # whether the change is good news; None when neutral


@dataclass(frozen=True)
class Screen:
    key: str
    title: str
    numbers: tuple[Number, ...] = ()
    table: pd.DataFrame | None = None  # labelled and written out, at most ROWS rows
    chart: go.Figure | None = None
    note: str = ""
    accounts: dict[str, str] = field(default_factory=dict)  # customer_id -> name: whom an action is likely about

    def __post_init__(self):
        if self.chart is not None:
            charts.literal(self.chart)  # names and reasons from the data shown as written, on screen and in the pack


@dataclass(frozen=True)
class Meeting:
    db: Database
    filters: Filters
    t: object
    lang: str
    today: dt.date  # the meeting's day

    @property
    def before(self) -> Filters:
        return self.filters.previous()

    @property
    def as_of(self) -> dt.date:
        """The day the screens look at: the period's end, or today if it runs on."""
        return coverage.as_of(self.filters, self.today)


def _label(t, column: str) -> str:
    key = f"meeting.col.{column}" if f"meeting.col.{column}" in TEXT else f"col.{column}"
    return t(key)


def _written(value, kind: str, m: Meeting, column: str) -> str:
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if kind == "money":
        return fmt.money(float(value), m.lang)
    if kind == "share":
        return fmt.share(float(value))
    if kind == "change":
        return fmt.change(float(value)) or "–"
    if kind == "count":
        return fmt.count(float(value))
    if kind == "name":
        return value_name(m.t, column, value)
    if kind == "class":
        return m.t(f"abc.class.{value}")
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    return str(value)


def table(frame: pd.DataFrame, m: Meeting, columns: dict[str, str]) -> pd.DataFrame:
    """The first ROWS rows of these columns (column -> money, share, count, name, class or text),
    written out and labelled in the reader's language."""
    rows = frame.head(ROWS)
    out = pd.DataFrame({_label(m.t, c): [_written(v, kind, m, c) for v in rows[c]] for c, kind in columns.items()})
    return out


def number(m: Meeting, key: str, now, before=None, kind: str = "count", lower_is_better: bool = False) -> Number:
    """A big number, against the period before when given."""
    shown = {"money": lambda v: fmt.money(v, m.lang), "share": fmt.share, "count": fmt.count}[kind](now)
    if before is None or now is None or pd.isna(now) or pd.isna(before):
        return Number(m.t(key), shown)
    change = now - before if kind == "share" else (now / before - 1 if before else None)
    if change is None:
        return Number(m.t(key), shown)
    good = None if change == 0 else (change > 0) != lower_is_better
    return Number(m.t(key), shown, fmt.change(change, "share" if kind == "share" else "relative"), good)


def _accounts(frame: pd.DataFrame) -> dict[str, str]:
    rows = frame.head(ROWS)
    return dict(zip(rows["customer_id"], rows["customer_name"].fillna(rows["customer_id"])))


# ---- the screens -------------------------------------------------------------------------
def last_actions(m: Meeting) -> Screen:
    """The actions decided at the meeting before this one, and whether each was done."""
    t, last = m.t, actions.previous_meeting(m.db, m.today)
    if last is None:
        return Screen("actions", t("meeting.screen.actions"), note=t("meeting.actions.none_before"))
    decided = actions.decided_at(m.db, m.filters, last, m.today)
    states = decided["state"].value_counts()
    numbers = tuple(number(m, f"meeting.actions.{s}", int(states.get(s, 0))) for s in ("done", "open", "late"))
    shown = decided.assign(state=[t(f"meeting.state.{s}") for s in decided["state"]])
    return Screen("actions", t("meeting.screen.actions"), numbers,
                  table(shown, m, {"customer_name": "text", "action": "text", "owner": "text", "due_date": "text",
                                   "state": "text"}),
                  note=t("meeting.actions.of_meeting", day=last), accounts=_accounts(decided))


def trend_chart(m: Meeting) -> go.Figure:
    """Revenue per month, the same months of the period before as a dotted line."""
    t = m.t
    now, prev = overview.monthly_trend(m.db, m.filters)
    figure = go.Figure()
    figure.add_bar(x=now["month"], y=now["revenue"], name=t("overview.this_period"), marker_color=charts.OKABE_ITO[4])
    if len(prev) == len(now) and len(prev):
        figure.add_scatter(x=now["month"], y=prev["revenue"], mode="lines+markers", name=t("overview.previous_period"),
                           line={"dash": "dot", "color": charts.OKABE_ITO[0], "width": 3})
    charts.money_axis(figure, pd.concat([now["revenue"], prev["revenue"]]), m.lang)
    return charts.month_axis(figure, now["month"], m.lang, t, m.filters.period.end)


def headline(m: Meeting) -> Screen:
    numbers = tuple(number(m, k.key, k.value, k.previous, k.kind, k.lower_is_better)
                    for k in overview.kpis(m.db, m.filters, today=m.today))
    return Screen("headline", m.t("meeting.screen.headline"), numbers, chart=trend_chart(m))


def abc_classes(m: Meeting) -> Screen:
    t = m.t
    now, before = abc.abc_table(m.db, m.filters), abc.abc_table(m.db, m.before)
    count_now, count_before = (int((x["abc_class"] == "A").sum()) for x in (now, before))
    share_now, share_before = abc.headline(now)[1] if len(now) else None, abc.headline(before)[1] if len(before) else None
    moved = abc.class_changes(now, before)
    summary = abc.summary(now)
    figure = go.Figure(go.Bar(x=[t(f"abc.class.{c}") for c in summary["abc_class"]], y=summary["value"],
                              marker_color=[charts.colour("abc_class", c) for c in summary["abc_class"]],
                              text=[f"{fmt.share(s)} · {fmt.count(n)}" for s, n in
                                    zip(summary["value_share"], summary["customers"])], textposition="outside",
                              cliponaxis=False))
    charts.money_axis(figure, summary["value"], m.lang)
    return Screen("abc", t("meeting.screen.abc"), (
        number(m, "kpi.a_accounts", count_now, count_before),
        number(m, "kpi.a_share", share_now, share_before, "share"),
        number(m, "meeting.abc.moved", len(moved))),
        table(moved, m, {"customer_name": "text", "class_before": "class", "class_now": "class", "value_before": "money",
                         "value_now": "money", "account_manager": "text"}),
        figure, t("meeting.abc.moved_note"), _accounts(moved))


def revisits(m: Meeting) -> Screen:
    t, policy = m.t, revisit_policy.load(m.db)
    accounts = coverage.accounts(m.db, m.filters, m.as_of, policy)
    before = coverage.coverage_share(m.db, m.before, coverage.as_of(m.before, m.today), policy)
    late = coverage.overdue(accounts)
    late_a = late[late["abc_class"] == "A"]
    return Screen("revisits", t("meeting.screen.revisits"), (
        number(m, "kpi.revisit_coverage", coverage.coverage(accounts), before, "share"),
        number(m, "meeting.revisits.overdue_a", len(late_a)),
        number(m, "meeting.revisits.overdue_all", len(late))),
        table(late_a, m, {"customer_name": "text", "account_manager": "text", "last_visit": "text",
                          "days_overdue": "count", "revenue_12m": "money"}),
        note=t("meeting.revisits.note", day=m.as_of), accounts=_accounts(late_a))


def complaint_screen(m: Meeting) -> Screen:
    t = m.t
    now = complaints.summary(m.db, m.filters, m.as_of)
    then = complaints.summary(m.db, m.before, m.before.period.end)
    slow = complaints.open_by_age(m.db, m.filters, m.as_of).sort_values(["age_days", "complaint_id"],
                                                                        ascending=[False, True])
    return Screen("complaints", t("meeting.screen.complaints"), (
        number(m, "complaint.received", now["received"], then["received"], lower_is_better=True),
        number(m, "complaint.open_now", now["open"], then["open"], lower_is_better=True),
        Number(t("complaint.mean_days"), "–" if now["mean_days"] is None else f"{now['mean_days']:.1f}")),
        table(slow, m, {"customer_name": "text", "category": "name", "severity": "name", "owner": "text",
                        "age_days": "count"}),
        note=t("meeting.complaints.note", day=m.as_of), accounts=_accounts(slow))


def churn_screen(m: Meeting) -> Screen:
    t = m.t
    now, then = churn.totals(m.db, m.filters), churn.totals(m.db, m.before)
    reasons = churn.reasons_breakdown(m.db, m.filters).sort_values("lost_revenue", ascending=False)
    # bars across, the reasons' names beside them in one line each (below the bars they were turned
    # and cut short), each bar's amount written on it, the largest loss on top as in the table
    figure = go.Figure(go.Bar(y=[value_name(t, "reason", r) for r in reasons["reason"]], x=reasons["lost_revenue"],
                              orientation="h", marker_color=[charts.colour("reason", r) for r in reasons["reason"]],
                              text=[fmt.money(v, m.lang) for v in reasons["lost_revenue"]], textposition="auto"))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(showticklabels=False)
    lost = churn.churned(m.db, m.filters).sort_values("lost_revenue", ascending=False)
    return Screen("churn", t("meeting.screen.churn"), (
        number(m, "kpi.churned_customers", now["customers"], then["customers"], lower_is_better=True),
        number(m, "kpi.lost_revenue", now["lost_revenue"], then["lost_revenue"], "money", lower_is_better=True)),
        table(reasons, m, {"reason": "name", "customers": "count", "lost_revenue": "money"}),
        figure, accounts=_accounts(lost))


def at_risk(m: Meeting) -> Screen:
    t = m.t
    listed = health.at_risk(m.db, m.filters, m.today, t, m.lang)
    return Screen("at_risk", t("meeting.screen.at_risk"), (
        number(m, "health.kpi.at_risk", len(listed)),
        number(m, "health.kpi.at_stake", float(listed["revenue_12m"].sum()), kind="money")),
        table(listed, m, {"customer_name": "text", "reasons": "text", "revenue_12m": "money",
                          "account_manager": "text"}),
        accounts=_accounts(listed))


def receivables_screen(m: Meeting) -> Screen:
    t = m.t
    where, params = m.filters.customer_condition()
    chosen = set(m.db.query(f"SELECT customer_id FROM customers c WHERE {where}", params)["customer_id"])
    aged = receivables.aging(m.db, m.as_of)
    aged = aged[aged["customer_id"].isin(chosen)]
    overdue = aged[aged["overdue_amount"] > 0]
    return Screen("receivables", t("meeting.screen.receivables"), (
        number(m, "meeting.receivables.overdue", float(overdue["overdue_amount"].sum()), kind="money"),
        number(m, "meeting.receivables.open", float(aged["open_amount"].sum()), kind="money"),
        number(m, "meeting.receivables.accounts", len(overdue))),
        table(overdue, m, {"customer_name": "text", "overdue_amount": "money", "max_days_overdue": "count",
                           "account_manager": "text"}),
        note=t("meeting.receivables.note", day=m.as_of), accounts=_accounts(overdue))


def changes_needing_reason(m: Meeting) -> Screen:
    """The account file's marked changes (sales moved markedly, or the class changed) that still
    need a reason for the period."""
    t = m.t
    listed = marked_changes.needing_reason(m.db, m.filters)
    return Screen("changes", t("meeting.screen.changes"), (number(m, "meeting.changes.count", len(listed)),),
                  table(listed, m, {"customer_name": "text", "value_before": "money", "value_now": "money",
                                    "change_share": "change", "class_before": "class", "class_now": "class",
                                    "account_manager": "text"}),
                  note=t("meeting.changes.note", share=marked_changes.threshold(m.db)), accounts=_accounts(listed))


# The meeting's order: what was promised last time first, then the numbers, then the problems.
SCREENS = (last_actions, headline, abc_classes, revisits, complaint_screen, churn_screen, at_risk,
           receivables_screen, changes_needing_reason)


# ---- made once, and ahead -----------------------------------------------------------------
# A screen stays the same while the store's tables, the filters, the language and the day do:
# the last KEPT screens made are kept, so stepping back and forth shows them at once, and the
# screens after the one shown, then those before it, are made in the background while the
# presenter speaks.
KEPT = 64
_kept: OrderedDict = OrderedDict()  # key -> Screen, least recently shown first
_making = Answers()  # a screen is made by one thread at a time; another asking waits for it
_ahead: dict = {}  # the meeting's key (without a screen) -> the thread making its screens ahead


def _meeting(m: Meeting) -> tuple:
    """What every screen of the meeting depends on."""
    store = m.db.store
    return str(store.root), tuple(sorted(store.versions().items())), m.filters, m.lang, m.today


def _shown(key) -> Screen | None:
    """The kept screen for the key (called under _making's lock)."""
    if key in _kept:
        _kept.move_to_end(key)
    return _kept.get(key)


def _keep(key, made: Screen) -> Screen:
    with _making.lock:
        _kept[key] = made
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made


def screen(m: Meeting, index: int) -> Screen:
    """Screen `index` of the meeting; made only if the same one was not made before."""
    key = (index, *_meeting(m))
    return _making.once(key, lambda: _keep(key, SCREENS[index](m)), ready=lambda: _shown(key))


def made(m: Meeting, index: int) -> Screen | None:
    """Screen `index` of the meeting if it is made already (None: not yet; nothing is made here)."""
    key = (index, *_meeting(m))
    with _making.lock:
        return _shown(key)


def ahead(index: int) -> list[int]:
    """The order screens are made in while `index` is shown: the next ones first, as the
    presenter goes, then the ones before, nearest first."""
    return [*range(index + 1, len(SCREENS)), *range(index - 1, -1, -1)]


def prepare(m: Meeting, index: int) -> threading.Thread | None:
    """Make the meeting's screens not yet made in a background thread, in the order of ahead(),
    so that the presenter's next key press finds its screen made; None when all are made. One
    thread per meeting (the store's versions, filters, language and day): a key press while it
    runs starts no other."""
    def run() -> None:
        for near in missing:
            try:
                screen(m, near)
            except Exception:  # noqa: BLE001 - the page makes it again when asked, and shows what fails
                continue

    key = _meeting(m)
    with _making.lock:
        missing = [near for near in ahead(index) if (near, *key) not in _kept]
        running = _ahead.get(key)
        if not missing or (running is not None and running.is_alive()):
            return running if missing else None
        # not a daemon: a process ending while the thread is inside a DuckDB query would be
        # aborted there (C++ "terminate called"); the thread ends when the screens are made
        for gone in [k for k, t in _ahead.items() if not t.is_alive()]:
            del _ahead[gone]
        thread = _ahead[key] = threading.Thread(target=run, name="kam-meeting-ahead", daemon=False)
        thread.start()
    return thread


def all_screens(m: Meeting) -> list[Screen]:
    return [screen(m, index) for index in range(len(SCREENS))]


def footer(m: Meeting, index: int) -> str:
    """What every screen and page says at its foot: where we are, the period and the filters."""
    return m.t("meeting.footer", number=index + 1, total=len(SCREENS), day=m.today,
               filters=m.filters.human_clause(m.t))
