"""The sidebar's filters, the address bar that holds them, and the guard for an empty period.

The filters and the language live in the URL, so any view can be bookmarked and shared.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from kam.filters import Filters
from kam.periods import PRESETS
from kam.readside.choices import data_range, filter_options, period_has_data
from ui.context import Context
from ui.tables import literal

FILTER_KEYS = ("period", "start", "end", "region", "manager", "tier")


def _seed_filter_state(today: dt.date) -> None:
    """On the first run of a session, the filters come from the URL."""
    if "f_period" in st.session_state:
        return
    f = Filters.from_params(dict(st.query_params), today)
    st.session_state.update(f_period=f.preset, f_start=f.period.start, f_end=f.period.end,
                            f_region=list(f.regions), f_manager=list(f.managers), f_tier=list(f.tiers),
                            f_ignored=Filters.ignored(dict(st.query_params), today))


def sidebar_filters(ctx: Context, today: dt.date) -> Filters:
    t = ctx.t
    _seed_filter_state(today)
    options = filter_options(ctx.db)
    side = st.sidebar
    side.subheader(t("sidebar.filters"))
    if st.session_state.get("f_ignored"):  # said once, on the run that read the address
        side.caption(t("url.ignored", what=literal(", ".join(st.session_state.pop("f_ignored")))))
    side.selectbox(t("sidebar.period"), PRESETS, key="f_period", format_func=lambda p: t(f"period.{p}"))
    if st.session_state["f_period"] == "custom":
        side.date_input(t("sidebar.start"), key="f_start")
        side.date_input(t("sidebar.end"), key="f_end")
    for key, column, label in (("f_region", "region", "sidebar.region"),
                               ("f_manager", "account_manager", "sidebar.manager"),
                               ("f_tier", "tier", "sidebar.tier")):
        choices = sorted(set(options[column]) | set(st.session_state.get(key, [])))
        fmt = (lambda v: t(f"tier.{v}")) if column == "tier" else str
        side.multiselect(t(label), choices, key=key, format_func=fmt, placeholder=t("sidebar.all"))
    params = {"period": st.session_state["f_period"],
              "start": str(st.session_state["f_start"]), "end": str(st.session_state["f_end"]),
              "region": ",".join(st.session_state["f_region"]),
              "manager": ",".join(st.session_state["f_manager"]),
              "tier": ",".join(st.session_state["f_tier"])}
    filters = Filters.from_params(params, today)
    side.caption(t("sidebar.share_hint"))
    return filters


def bind_url(ctx: Context) -> None:
    """Write the view's state back to the address bar, keeping what a page put there (e.g. ?customer=)."""
    owned = {"lang", *FILTER_KEYS}
    wanted = {k: v for k, v in st.query_params.items() if k not in owned}
    wanted |= {"lang": ctx.lang, **(ctx.filters.to_params() if ctx.filters else {})}
    current = {k: st.query_params.get(k) for k in set(st.query_params) | set(wanted)}
    if current != wanted:
        st.query_params.from_dict(wanted)


def use_period(start: dt.date, end: dt.date) -> None:
    """Button callback: switch the sidebar to a custom period."""
    st.session_state.update(f_period="custom", f_start=start, f_end=end)


def period_guard(ctx: Context) -> bool:
    """Say so when the chosen period holds no sales but the store does; offer the data's own range."""
    if period_has_data(ctx.db, ctx.filters):
        return True
    span = data_range(ctx.db)
    if span is None:
        return True
    p, t = ctx.filters.period, ctx.t
    st.warning(t("outside.warning", start=p.start, end=p.end, first=span.start, last=span.end))
    st.button(t("outside.use_range", first=span.start, last=span.end), on_click=use_period,
              args=(span.start, span.end), type="primary")
    return False
