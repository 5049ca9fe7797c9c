"""The settings page's sections for complaints, churn and the health score.

Lists are edited by their names in the user's language; a name that belongs to
a known value is stored as that value, a new name is stored as typed.
"""
import pandas as pd
import streamlit as st

from kam.risk import churn
from kam.risk import complaints
from kam.risk import health
from kam.i18n import value_from_name, value_name
from kam.store.records import InvalidRecords
from ui.forms import show_problems
from ui.messages import rerun_saying
from ui.tables import show_table


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def complaint_categories(ctx) -> None:
    t = ctx.t
    st.header(t("complaint.categories"))
    st.caption(t("complaint.categories_help"))
    listed = complaints.categories(ctx.db)
    rows = [{"category": value_name(t, "category", c), "subcategory": value_name(t, "subcategory", s)}
            for c, subs in listed.items() for s in (subs or [None])]
    edited = st.data_editor(pd.DataFrame(rows, columns=["category", "subcategory"]), key="set_complaint_categories",
                            hide_index=True, width="stretch", num_rows="dynamic",
                            column_config={"category": t("col.complaints.category"),
                                           "subcategory": t("col.complaints.subcategory")})
    if st.button(t("form.save"), type="primary", key="set_complaint_categories_save"):
        known_categories = list(dict.fromkeys([*listed, *complaints.DEFAULT_CATEGORIES]))
        known_subs = list(dict.fromkeys([s for subs in [*listed.values(), *complaints.DEFAULT_CATEGORIES.values()]
                                         for s in subs]))
        value: dict[str, list[str]] = {}
        for category, sub in zip(edited["category"], edited["subcategory"]):
            if not _text(category):
                continue
            subs = value.setdefault(value_from_name(t, "category", _text(category), known_categories), [])
            if _text(sub):
                subs.append(value_from_name(t, "subcategory", _text(sub), known_subs))
        try:
            complaints.save_categories(ctx.work, value)
        except InvalidRecords as error:
            show_problems(t, error, {complaints.CATEGORIES_KEY: t("complaint.categories")})
        else:
            rerun_saying(t("settings.risk_saved"), "set_complaint_categories")


def churn_lists(ctx) -> None:
    t = ctx.t
    st.header(t("churn.reason_list"))
    st.caption(t("churn.reason_list_help"))
    listed = churn.reasons(ctx.db)
    edited = st.data_editor(pd.DataFrame({"reason": [value_name(t, "reason", r) for r in listed]}),
                            key="set_churn_reasons", hide_index=True, width="stretch", num_rows="dynamic",
                            column_config={"reason": t("col.churns.reason")})
    days = st.number_input(t("churn.silent_days"), min_value=1, max_value=3650, value=churn.silent_days(ctx.db),
                           step=1, key="set_silent_days")
    if st.button(t("form.save"), type="primary", key="set_churn_save"):
        known = list(dict.fromkeys([*listed, *churn.DEFAULT_REASONS]))
        names = [value_from_name(t, "reason", _text(r), known) for r in edited["reason"] if _text(r)]
        try:
            churn.save_reasons(ctx.work, names)
            churn.save_silent_days(ctx.work, int(days))
        except InvalidRecords as error:
            show_problems(t, error, {churn.REASONS_KEY: t("churn.reason_list"),
                                  churn.SILENT_DAYS_KEY: t("churn.silent_days")})
        else:
            rerun_saying(t("settings.risk_saved"), "set_churn_reasons")


def health_score(ctx) -> None:
    t = ctx.t
    st.header(t("health.settings"))
    st.caption(t("health.settings_help"))
    scoring = health.load(ctx.db)
    show_table(health.rules(t, scoring), t)
    weights = {}
    for place, part in zip(st.columns(len(health.PARTS)), health.PARTS):
        weights[part] = place.number_input(t(f"health.part.{part}") + " · " + t("col.weight"), min_value=0.0,
                                           value=float(scoring.weights[part]), step=5.0, key=f"set_weight_{part}")
    bands = pd.DataFrame([{"part": part, "limit": limit, "points": points}
                          for part in health.PARTS for limit, points in scoring.bands[part]])
    edited = st.data_editor(bands, key="set_health_bands", hide_index=True, width="stretch", num_rows="dynamic",
                            column_config={
                                "part": st.column_config.SelectboxColumn(
                                    t("col.part"), options=health.PARTS, required=True,
                                    format_func=lambda p: t(f"health.part.{p}")),
                                "limit": st.column_config.NumberColumn(t("health.limit"), required=True),
                                "points": st.column_config.NumberColumn(t("health.points"), min_value=0,
                                                                        max_value=100, required=True)})
    left, right = st.columns(2)
    at_risk = left.number_input(t("health.at_risk_below"), 0.0, 100.0, float(scoring.at_risk_below), step=5.0,
                                key="set_at_risk_below")
    watch = right.number_input(t("health.watch_below"), 0.0, 100.0, float(scoring.watch_below), step=5.0,
                               key="set_watch_below")
    if st.button(t("form.save"), type="primary", key="set_health_save"):
        rows = edited.dropna()
        # the bands are read in order, so they are put in it: floors from high to low, ceilings from low to high
        given = {part: sorted(([float(r.limit), float(r.points)] for r in rows[rows["part"] == part].itertuples()),
                              reverse=part in health.AT_LEAST) for part in health.PARTS}
        labels = {f"weight.{p}": t(f"health.part.{p}") for p in health.PARTS}
        labels |= {f"bands.{p}": t(f"health.part.{p}") for p in health.PARTS}
        labels["at_risk_below"] = t("health.at_risk_below")
        try:
            health.save(ctx.work, health.build(weights, given, at_risk, watch))
        except InvalidRecords as error:
            show_problems(t, error, labels)
        else:
            rerun_saying(t("settings.risk_saved"), "set_health_bands")


def show(ctx) -> None:
    """All three sections."""
    complaint_categories(ctx)
    churn_lists(ctx)
    health_score(ctx)
