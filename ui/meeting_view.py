"""Presentation mode: one screen of kam.meeting.screens at a time, sized for a projector.

The chrome goes (sidebar, header, toolbar) and the text grows by a static style sheet of
ours; a static script turns the arrow and Page Up/Down keys a presenter's clicker sends into
clicks on the Previous/Next buttons. Neither ever carries data: what the store holds is shown
by Streamlit's own elements, as text.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kam.meeting import actions, pack, screens
from kam.store.records import InvalidRecords
from ui import forms
import ui

SCREEN_KEY = "meeting_screen"
FIELDS = {"customer_id": "meeting.customer", "action": "meeting.what", "owner": "meeting.owner",
          "due_date": "meeting.due"}  # the form's label of each column a problem may name

PROJECTOR_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSidebarNav"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 2.5rem 1rem 2.5rem; max-width: 100%; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] button, [data-testid="stCaptionContainer"] { font-size: 22px !important; }
[data-testid="stMain"] h1 { font-size: 44px !important; padding-top: 0; }
[data-testid="stMain"] [data-testid="stMetricLabel"] * { font-size: 24px !important; }
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * {
  font-size: 52px !important; line-height: 1.15 !important; font-weight: 600; }
[data-testid="stMain"] [data-testid="stMetricDelta"] * { font-size: 24px !important; }
[data-testid="stTable"] table { font-size: 22px !important; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 22px !important; padding: 6px 12px !important; }
.st-key-meeting_preload { position: fixed !important; left: -4000px; top: 0; width: 1100px; }
</style>"""

# Clicks the Previous/Next button (found by its key's class) on the keys a clicker sends; not
# while someone types in a field.
KEYS_JS = """<script>
(() => {
  if (window.kamMeetingKeys) return;
  window.kamMeetingKeys = true;
  const keys = {ArrowRight: "next", ArrowDown: "next", PageDown: "next",
                ArrowLeft: "previous", ArrowUp: "previous", PageUp: "previous"};
  document.addEventListener("keydown", (event) => {
    const where = event.target;
    if (where && (where.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(where.tagName))) return;
    const step = keys[event.key];
    if (!step) return;
    const button = document.querySelector(`.st-key-meeting_${step} button`);
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
})();
</script>"""


def meeting_day(t) -> dt.date:
    """The meeting's day: ?meeting=YYYY-MM-DD (to prepare next week's meeting), else today."""
    given = st.query_params.get("meeting")
    if not given:
        return ui.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        st.warning(ui.literal(t("meeting.bad_day", value=given)))  # the address's text as written
        return ui.today()


def projector() -> None:
    st.html(PROJECTOR_CSS)
    st.html(KEYS_JS, unsafe_allow_javascript=True)


def preload() -> None:
    """A card, a chart and a table drawn out of sight, once per session: the browser fetches and
    runs the code that draws each kind (Plotly's alone is 4.7 MB) while the first screen is
    discussed, not on the key press that first shows one."""
    if st.session_state.get("meeting_preloaded"):
        return
    st.session_state["meeting_preloaded"] = True
    months = pd.date_range(end=pd.Timestamp.today(), periods=12, freq="MS")  # like the headline's trend
    figure = go.Figure().add_bar(x=months, y=list(range(1, 13))).add_scatter(
        x=months, y=list(range(12, 0, -1)), mode="lines+markers", line={"dash": "dot"})
    with st.container(key="meeting_preload"):
        st.metric("·", "1", "+1", border=True)
        st.plotly_chart(figure.update_layout(height=410, font={"size": 20}, legend={"orientation": "h", "y": -0.2}),
                        theme=None, config={"displayModeBar": False})
        st.table(pd.DataFrame({"·": ["·"]}).set_index("·"))


def turn(step: int) -> None:
    """Button callback: the next or previous screen."""
    st.session_state[SCREEN_KEY] = min(max(st.session_state.get(SCREEN_KEY, 0) + step, 0), len(screens.SCREENS) - 1)


def current() -> int:
    if SCREEN_KEY not in st.session_state:
        asked = st.query_params.get("screen", "1")
        st.session_state[SCREEN_KEY] = int(asked) - 1 if asked.isdigit() and 0 < int(asked) <= len(
            screens.SCREENS) else 0
    return st.session_state[SCREEN_KEY]


_PROJECTED: OrderedDict = OrderedDict()  # id(screen) -> (screen, its chart as projected), the last KEPT


def _label_room(chart: go.Figure) -> int:
    """Pixels left of the plot for its labels at 20 px: money ticks, or the names beside bars across."""
    bars = [trace for trace in chart.data if trace.type == "bar" and trace.orientation == "h"]
    names = [str(name) for trace in bars for name in (trace.y if trace.y is not None else ())]
    widest = max((sum(20 if ord(c) >= 0x2E80 else 11 for c in name) for name in names), default=0)
    return int(min(440, max(120, widest + 30)))


def projected(screen: screens.Screen) -> go.Figure | None:
    """The screen's chart in our projector fonts, in what the screen's last row of cards leaves
    of 1080 pixels: a copy, as the screen is kept for whoever shows it next, made once a screen."""
    if screen.chart is None:
        return None
    found = _PROJECTED.get(id(screen))
    if found is None or found[0] is not screen:
        rows_of_numbers = -(-len(screen.numbers) // per_row_of(screen))
        # margins with room for the axes' labels and the legend below: plotly's automargin (kept, for a
        # label longer than these) then finds nothing to make room for, and draws the chart once, not twice
        figure = go.Figure(screen.chart).update_layout(
            height=max(300, 560 - 150 * rows_of_numbers), font={"size": 20},
            margin={"l": _label_room(screen.chart), "r": 20, "t": 20, "b": 80 if len(screen.chart.data) > 1 else 45},
            legend={"orientation": "h", "y": -0.2})
        found = _PROJECTED[id(screen)] = (screen, figure)
        while len(_PROJECTED) > screens.KEPT:
            _PROJECTED.popitem(last=False)
    return found[1]


def per_row_of(screen: screens.Screen) -> int:
    return 6 if len(screen.numbers) > 10 else 5  # the headline's dozen cards in two rows


def show(screen: screens.Screen) -> None:
    st.title(screen.title)
    per_row = per_row_of(screen)
    if screen.numbers:
        for start in range(0, len(screen.numbers), per_row):
            row = screen.numbers[start:start + per_row]
            for place, n in zip(st.columns(per_row), row):
                colour = "off" if n.good is None else "normal" if n.change.startswith("+") == n.good else "inverse"
                place.metric(n.label, n.value, n.change, delta_color=colour, border=True)
    chart, rows = projected(screen), screen.table is not None and len(screen.table)
    if chart is not None and rows:
        left, right = st.columns([2, 3])
        left.plotly_chart(chart, width="stretch", theme=None, config={"displayModeBar": False})
        right.table(screen.table.set_index(screen.table.columns[0]))
    elif chart is not None:
        st.plotly_chart(chart, width="stretch", theme=None, config={"displayModeBar": False})
    elif rows:
        st.table(screen.table.set_index(screen.table.columns[0]))
    if screen.note:
        st.caption(screen.note)


def _save_action(ctx: ui.Context, m: screens.Meeting, customer_key: str) -> None:
    """The Save button's callback: store the action, then empty the words for the next one."""
    t, state = ctx.t, st.session_state
    values = {"customer_id": state.get(customer_key), "action": (state.get("meeting_what") or "").strip() or None,
              "owner": (state.get("meeting_owner") or "").strip() or None, "due_date": state.get("meeting_due"),
              "meeting_date": m.today}
    try:
        saved = actions.record(ctx.store, ctx.db, values, ctx.user, ui.today())
    except InvalidRecords as error:
        state["meeting_problem"] = "; ".join(f"{t(FIELDS.get(p.column, f'col.meeting_actions.{p.column}'))}: "
                                             f"{forms.problem_text(t, p)}" for p in error.problems)
        return
    state.pop("meeting_problem", None)
    state["meeting_what"] = ""
    st.toast(t("meeting.saved", id=saved, what=ui.literal(values["action"]), owner=ui.literal(values["owner"]),
               due=values["due_date"]))


def action_form(ctx: ui.Context, m: screens.Meeting, screen: screens.Screen) -> None:
    """Record an action on an account: the popover's button and Save are the two clicks; the
    account the screen puts first is already chosen."""
    t = ctx.t
    with st.popover(t("meeting.record"), icon=":material/add_task:", key="meeting_record"):
        st.markdown(f"**{t('meeting.record_title')}**")
        names = screen.accounts
        if names:
            customer_key = f"meeting_customer_{screen.key}"
            st.selectbox(t("meeting.customer"), list(names), format_func=lambda i: f"{names[i]} ({i})",
                         key=customer_key)
        else:
            customer_key = "meeting_customer"
            forms.customer_picker(ctx, "meeting")
        st.text_input(t("meeting.what"), key="meeting_what")
        st.text_input(t("meeting.owner"), value=ctx.user, key="meeting_owner")
        st.date_input(t("meeting.due"), value=m.today + dt.timedelta(days=7), key="meeting_due")
        st.button(t("meeting.save"), type="primary", key="meeting_save", on_click=_save_action,
                  args=(ctx, m, customer_key))
        if "meeting_problem" in st.session_state:
            st.error(st.session_state["meeting_problem"])


def mark_done(ctx: ui.Context, m: screens.Meeting) -> None:
    """On the actions screen: the open actions of the last meeting, one marked done at a time."""
    last = actions.previous_meeting(ctx.db, m.today)
    if last is None:
        return
    pending = actions.decided_at(ctx.db, m.filters, last, m.today)
    pending = pending[pending["state"].isin(("open", "late"))]
    if pending.empty:
        return
    labels = dict(zip(pending["action_id"], pending["customer_name"].fillna("") + " · " + pending["action"]))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(ctx.t("meeting.mark_done"), list(labels), format_func=labels.get, key="meeting_done_pick")
    if right.button(ctx.t("meeting.mark_done"), key="meeting_done"):
        actions.mark_done(ctx.store, ctx.db, chosen, ctx.user, ui.today())
        st.toast(ctx.t("meeting.marked_done", id=chosen))
        st.rerun()


def controls(ctx: ui.Context, m: screens.Meeting, index: int, screen: screens.Screen) -> None:
    t = ctx.t
    cells = st.columns([1, 1, 1.6, 1.6, 1.6, 1.2], vertical_alignment="center")
    cells[0].button(t("meeting.previous"), key="meeting_previous", on_click=turn, args=(-1,), disabled=index == 0,
                    icon=":material/arrow_back:", width="stretch")
    cells[1].button(t("meeting.next"), key="meeting_next", on_click=turn, args=(1,),
                    disabled=index == len(screens.SCREENS) - 1, icon=":material/arrow_forward:", width="stretch")
    with cells[2]:
        action_form(ctx, m, screen)
    day = m.today.isoformat()
    for place, form, label, mime in ((cells[3], "pdf", "meeting.pack", "application/pdf"),
                                     (cells[4], "html", "meeting.pack_html", "text/html")):
        missing = form == "pdf" and not pack.CHROMIUM.exists()
        place.download_button(t(label), lambda form=form: pack.pack_bytes(m, form), file_name=f"meeting_{day}.{form}",
                              mime=mime, key=f"meeting_pack_{form}", icon=":material/download:", disabled=missing,
                              help=t("meeting.no_chromium") if missing else None)
    cells[5].page_link("pages/overview.py", label=t("meeting.leave"), icon=":material/close:")
    st.caption(screens.footer(m, index) + " · " + t("meeting.keys_hint"))


@st.fragment
def present(ctx: ui.Context) -> None:
    """The screen shown and its controls. A fragment: Next and Previous run this again, not the
    app's frame around it (navigation, the hidden sidebar's filters), so the next screen comes
    sooner; a change of filters or language runs the whole page, as ever."""
    index = current()
    st.query_params["screen"] = str(index + 1)
    m = screens.Meeting(ctx.db, ctx.filters, ctx.t, ctx.lang, meeting_day(ctx.t))
    screen = screens.screen(m, index)
    show(screen)
    if screen.key == "actions":
        mark_done(ctx, m)
    controls(ctx, m, index, screen)
    screens.prepare(m, index)  # last, so that it does not hold up this screen
    for near in (index + 1, index - 1):  # and their charts in projector fonts, once they are made
        if 0 <= near < len(screens.SCREENS) and (ahead := screens.made(m, near)) is not None:
            projected(ahead)
