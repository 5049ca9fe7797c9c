"""The explore page's widgets and chart: the widgets' state and the address are two writings of one
question (Question.to_params / from_params), so that opening an address gives the same table."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kam.explore import question as q
from kam.explore import subjects
from kam.export import to_xlsx_bytes
from kam.i18n import value_name
from ui import charts
import ui

DEFAULT = q.Question("sales", ("region",), (q.Measure("sum", "amount"),))
NUMBER_MARK = "#"  # a filter on a number is told from a field of the same name (coverage's `covered`)


def measure_options(about: subjects.Subject) -> list[str]:
    """Every measure of the subject, written as in the address."""
    counts = ["count", "customers", "change"]
    numbered = [f"{kind}:{number}" for number in about.numbers for kind in ("sum", "avg", "share", "change")]
    return counts + numbered


def _state_of(question: q.Question) -> dict:
    state = {"ex_subject": question.subject, "ex_by": list(question.by), "ex_chart": question.chart,
             "ex_sort": question.sort, "ex_top": question.top or 0,
             "ex_m1": str(question.measures[0]), "ex_m2": str(question.measures[1]) if len(question.measures) > 1 else "",
             "ex_filter": []}
    for c in question.where:
        if c.op == "in":
            state["ex_filter"].append(c.field)
            state[f"ex_in_{c.field}"] = list(c.values)
        else:
            state["ex_filter"].append(NUMBER_MARK + c.field)
            state[f"ex_{c.op}_{c.field}"] = float(c.values[0])
    return state


def _params_of_state() -> dict[str, str]:
    s = st.session_state
    where = []
    for chosen in s.get("ex_filter", []):
        if chosen.startswith(NUMBER_MARK):
            number = chosen[len(NUMBER_MARK):]
            where += [f"{number}:{op}:{s[key]:g}" for op in ("min", "max")
                      if (key := f"ex_{op}_{number}") in s and s[key] is not None]
        elif s.get(f"ex_in_{chosen}"):
            where.append(f"{chosen}:in:{'|'.join(s[f'ex_in_{chosen}'])}")
    params = {"subject": s["ex_subject"], "by": ",".join(s["ex_by"]),
              "measure": ",".join(m for m in (s["ex_m1"], s["ex_m2"]) if m),
              "where": ";".join(where), "chart": s["ex_chart"], "sort": s["ex_sort"],
              "top": str(int(s["ex_top"])) if s["ex_top"] else ""}
    return {k: v for k, v in params.items() if v}


def seed(t) -> None:
    """On the session's first run, the widgets take the question the address holds."""
    if "ex_subject" in st.session_state:
        return
    try:
        question = q.Question.from_params(st.query_params) if "subject" in st.query_params else DEFAULT
    except q.QuestionError as error:
        st.warning(ui.literal(t("explore.bad_question", error=str(error))))  # the address's text as written
        question = DEFAULT
    st.session_state.update(_state_of(question))


def _keep_known(key: str, options) -> None:
    """A choice the new subject does not offer is dropped (the widgets outlive a change of subject)."""
    value = st.session_state.get(key)
    if isinstance(value, list):
        st.session_state[key] = [v for v in value if v in options]
    elif value not in options:
        st.session_state[key] = options[0]


def widgets(ctx) -> q.Question | None:
    """The question the widgets state, or None after saying why it cannot be asked."""
    t = ctx.t
    top = st.columns([1, 2, 2, 2])
    top[0].selectbox(t("explore.pick_subject"), list(subjects.SUBJECTS), key="ex_subject",
                     format_func=lambda s: t(f"explore.subject.{s}"))
    about = subjects.subject(st.session_state["ex_subject"])
    fields, measures = list(about.fields), measure_options(about)
    _keep_known("ex_by", fields)
    _keep_known("ex_m1", measures)
    _keep_known("ex_m2", ["", *measures])
    field_name = lambda f: t(f"explore.field.{f}")  # noqa: E731
    measure_name = lambda m: q.Question.measure_label(t, q.Measure.parse(m)) if m else t("explore.none")  # noqa: E731
    top[1].multiselect(t("explore.group_by"), fields, key="ex_by", max_selections=q.MAX_BY, format_func=field_name)
    top[2].selectbox(t("explore.measure_n", n=1), measures, key="ex_m1", format_func=measure_name)
    top[3].selectbox(t("explore.measure_n", n=2), ["", *measures], key="ex_m2", format_func=measure_name)
    _filter_widgets(ctx, about, field_name)
    below = st.columns(3)
    below[0].selectbox(t("explore.chart_type"), q.CHARTS, key="ex_chart", format_func=lambda c: t(f"explore.chart.{c}"))
    below[1].selectbox(t("explore.sort_by"), q.SORTS, key="ex_sort", format_func=lambda s: t(f"explore.sort.{s}"))
    below[2].number_input(t("explore.top_n"), min_value=0, step=1, key="ex_top")
    try:
        return q.Question.from_params(_params_of_state())
    except q.QuestionError as error:
        st.warning(ui.literal(t("explore.bad_question", error=str(error))))  # the address's text as written
        return None


def _filter_widgets(ctx, about: subjects.Subject, field_name) -> None:
    t = ctx.t
    options = list(about.fields) + [NUMBER_MARK + n for n in about.numbers]
    _keep_known("ex_filter", options)
    chosen = st.multiselect(t("explore.filter_on"), options, key="ex_filter",
                            format_func=lambda o: t(f"explore.number.{o[1:]}") if o.startswith(NUMBER_MARK)
                            else field_name(o))
    for option in chosen:
        if option.startswith(NUMBER_MARK):
            number = option[len(NUMBER_MARK):]
            low, high = st.columns(2)
            label = t(f"explore.number.{number}")
            low.number_input(t("explore.op.min", field=label, values=""), value=None, key=f"ex_min_{number}")
            high.number_input(t("explore.op.max", field=label, values=""), value=None, key=f"ex_max_{number}")
        else:
            values = subjects.field_values(ctx.db, about, option, ctx.filters, ui.today())
            _keep_known(f"ex_in_{option}", values)
            st.multiselect(t("explore.values_of", field=field_name(option)), values, key=f"ex_in_{option}",
                           format_func=lambda v, f=option: value_name(t, f, v))


def bind(question: q.Question) -> None:
    """The address holds the question the page shows."""
    wanted = question.to_params()
    for key in q.QUESTION_KEYS:
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def open_saved(params: dict[str, str]) -> None:
    """Button callback: the saved address becomes this page's, its question and filters seeded afresh."""
    for key in [k for k in st.session_state if k.startswith(("ex_", "f_"))]:
        del st.session_state[key]
    st.query_params.from_dict(params)  # the frame adds the language back (ui.bind_url)


def labelled(frame: pd.DataFrame, question: q.Question, t) -> pd.DataFrame:
    """The answer as people read it: coded values (tier, method, category...) and columns named."""
    frame = ui.named_values(frame, t, list(question.by))
    names = {f: t(f"explore.field.{f}") for f in question.by}
    names |= {m.name: q.Question.measure_label(t, m) for m in question.measures}
    return frame.rename(columns=names)


def show(frame: pd.DataFrame, question: q.Question, t) -> None:
    """The answer as a table, shares and changes as percentages."""
    shown = labelled(ui.first_rows(frame, t), question, t)
    config = {q.Question.measure_label(t, m): st.column_config.NumberColumn(format="percent")
              for m in question.measures if m.kind in ("share", "change")}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def downloads(frame: pd.DataFrame, question: q.Question, t) -> None:
    left, right = st.columns(2)
    with left:
        ui.csv_download(lambda: labelled(frame, question, t), t("common.download_csv"), "explore.csv", key="ex_dl_csv")
    right.download_button(t("explore.download_xlsx"), lambda: to_xlsx_bytes(labelled(frame, question, t), "explore"),
                          file_name="explore.xlsx", key="ex_dl_xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def chart(frame: pd.DataFrame, question: q.Question, t) -> go.Figure | None:
    """The first measure drawn by the first field (across) and the second (as colours or rows)."""
    if question.chart == "table" or frame.empty:
        return None
    y = question.measures[0].name
    keys = list(question.by) or ["_all"]
    data = ui.named_values(frame, t, list(question.by)).assign(_all=q.Question.measure_label(t, question.measures[0]))
    data[keys] = data[keys].replace("", "–")
    labels = {f: t(f"explore.field.{f}") for f in question.by} | {y: q.Question.measure_label(t, question.measures[0])}
    x, color = keys[0], (keys[1] if len(keys) > 1 else None)
    if question.chart == "heat_map":
        grid = data.pivot_table(index=color or "_all", columns=x, values=y, aggfunc="sum", sort=False)
        return charts.literal(go.Figure(go.Heatmap(z=grid.values, x=list(grid.columns), y=list(grid.index),
                                                   colorbar_title=labels[y])))
    if question.chart == "line":
        return charts.line(data.sort_values(keys), x, y, color=color, markers=True, labels=labels)
    figure = charts.bar(data, x, y, color=color, labels=labels)
    return figure.update_layout(barmode="relative" if question.chart == "stacked_bar" else "group")
