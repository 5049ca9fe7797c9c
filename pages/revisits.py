import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from kam import formatting as fmt
from kam.revisits import holidays
from kam.revisits import revisit_policy
from kam.revisits import coverage
from ui import charts
import ui
from ui import revisit_view
from ui.revisit_view import named, policy_sentence, shown

ctx = ui.context()
t, lang, filters = ctx.t, ctx.lang, ctx.filters
today = ui.today()
policy = revisit_policy.load(ctx.db)
day = coverage.as_of(filters, today)
before_day = coverage.as_of(filters.previous(), today)

st.title(t("revisit.dashboard_title"))
st.caption(ui.literal(filters.human_clause(t)) + " " + t("revisit.as_of", day=day, before=before_day))

table = coverage.accounts(ctx.db, filters, day, policy)
if table.empty:
    st.info(t("revisit.no_accounts"))
    st.stop()
visits = coverage.visit_summary(ctx.db, filters)
late = coverage.overdue(table)
soon = coverage.due_soon(table, day, 14)


# ---- the headline numbers -------------------------------------------------
now_share = coverage.coverage(table)
before_share = coverage.coverage_share(ctx.db, filters, before_day, policy)  # the overview's, kept
cells = st.columns(5)
cells[0].metric(t("revisit.kpi_coverage"), fmt.share(now_share),
                fmt.change(now_share - before_share, "share") if before_share is not None else None, border=True,
                help=t("revisit.kpi_coverage_help"))
cells[1].metric(t("revisit.kpi_overdue"), fmt.count(len(late)), border=True, help=t("revisit.kpi_overdue_help"))
cells[2].metric(t("revisit.kpi_due_soon"), fmt.count(len(soon)), border=True, help=t("revisit.kpi_due_soon_help"))
cells[3].metric(t("revisit.kpi_visits"), fmt.count(visits["visits"]), border=True, help=t("revisit.kpi_visits_help"))
score = visits["satisfaction"]
cells[4].metric(t("revisit.kpi_satisfaction"), "–" if score is None else f"{score:.2f} / 5",
                border=True, help=t("revisit.kpi_satisfaction_help"))
st.caption(t("revisit.rule", policy=policy_sentence(policy, t), day=day))

# ---- coverage by group and over time --------------------------------------
left, right = st.columns(2)
with left:
    st.subheader(t("revisit.coverage_by"))
    groups = ("abc_class", "tier", "account_manager", "region")
    group = st.segmented_control(t("revisit.group_by"), groups, default="abc_class", key="rv_group",
                                 format_func=lambda g: t(f"col.{g}"))
    by = coverage.coverage_by(table, group or "abc_class")
    by["label"] = named(by, group or "abc_class", t)
    figure = charts.bar(by, x="label", y="coverage", text=[f"{c:.0%} ({n}/{m})" for c, n, m in
                                                       zip(by["coverage"], by["covered"], by["accounts"])],
                    labels={"label": "", "coverage": t("col.revisit.coverage")}, height=340)
    figure.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1.05]}, margin={"t": 10, "b": 10})
    st.plotly_chart(figure, width="stretch")
with right:
    st.subheader(t("revisit.trend"))
    trend = coverage.coverage_trend(ctx.db, filters, policy, today)
    figure = charts.line(trend, x="month", y="coverage", markers=True, height=340,
                     labels={"month": t("overview.month"), "coverage": t("col.revisit.coverage")})
    figure.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1.05]}, margin={"t": 10, "b": 10})
    st.plotly_chart(charts.month_axis(figure, trend["month"], lang, t, filters.period.end), width="stretch")
    st.caption(t("revisit.trend_help"))

# ---- who is overdue, who is due soon --------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader(t("revisit.overdue_title", count=len(late)))
    st.caption(t("revisit.overdue_help"))
    columns = ["customer_name", "abc_class", "account_manager", "last_visit", "days_overdue", "revenue_12m",
               "next_plan"]
    revisit_view.show_table(ui.first_rows(late, t), columns, t, money=["revenue_12m"], linked=True)
    ui.csv_download(lambda: shown(late, coverage.OVERDUE_COLUMNS, t), t("common.download_csv"),
                    f"overdue_{day}.csv", key="rv_overdue_csv")
with right:
    st.subheader(t("revisit.due_soon_title", count=len(soon)))
    st.caption(t("revisit.due_soon_help"))
    revisit_view.show_table(ui.first_rows(soon, t), ["customer_name", "abc_class", "account_manager", "due_date",
                                                     "days_left"], t, linked=True)

# ---- plan adherence ---------------------------------------------------------
st.subheader(t("revisit.adherence"))
st.caption(t("revisit.adherence_help", grace=policy.grace_days))
plans = coverage.adherence(ctx.db, filters, day, policy.grace_days)
if plans.empty:
    st.info(t("revisit.no_plans"))
else:
    left, right = st.columns([3, 2])
    colours = {"on_time": "#2e7d32", "late": "#f9a825", "missed": "#c62828", "open": "#90a4ae",
               "cancelled": "#cfd8dc"}
    figure = go.Figure()
    for result in coverage.OUTCOMES:
        figure.add_bar(y=plans["account_manager"], x=plans[result], name=t(f"col.revisit.{result}"),
                       orientation="h", marker_color=colours[result])
    figure.update_layout(barmode="stack", height=80 + 36 * len(plans), margin={"t": 10, "b": 10},
                         legend={"orientation": "h", "y": -0.2, "traceorder": "normal"})
    left.plotly_chart(charts.literal(figure), width="stretch")  # the managers' names as written
    with right:
        revisit_view.show_table(plans, ["account_manager", "plans", *coverage.OUTCOMES, "on_time_share"], t,
                                shares=["on_time_share"])

# ---- how we revisit, and how satisfied they are --------------------------
st.subheader(t("revisit.mix"))
st.caption(t("revisit.mix_help"))
cells = st.columns(4)
for cell, column in zip(cells[:2], ("method", "occasion")):
    counts = coverage.mix(ctx.db, filters, column)
    counts["label"] = named(counts, column, t)
    cell.plotly_chart(charts.pie(counts, names="label", values="visits", hole=0.45, height=300,
                             title=t(f"col.visits.{column}")).update_layout(margin={"t": 40, "b": 10}),
                      width="stretch")
by_class = coverage.satisfaction_by_class(ctx.db, filters, day)
by_class["label"] = named(by_class, "abc_class", t)
cells[2].plotly_chart(charts.bar(by_class, x="label", y="satisfaction", text_auto=".2f", height=300,
                             title=t("revisit.satisfaction_by_class"),
                             labels={"label": "", "satisfaction": t("col.satisfaction")})
                      .update_layout(yaxis={"range": [1, 5]}, margin={"t": 40, "b": 10}), width="stretch")
by_month = coverage.satisfaction_by_month(ctx.db, filters)
figure = charts.line(by_month, x="month", y="satisfaction", markers=True, height=300,
                     title=t("revisit.satisfaction_by_month"), labels={"month": "", "satisfaction": t("col.satisfaction")})
figure.update_layout(yaxis={"range": [1, 5]}, margin={"t": 40, "b": 10})
cells[3].plotly_chart(charts.month_axis(figure, by_month["month"], lang, t, filters.period.end), width="stretch")

# ---- reminders ---------------------------------------------------------------
st.subheader(t("revisit.reminders"))
ahead = st.columns(4)[0].number_input(t("revisit.reminder_days"), 1, 366, 30, step=1, key="rv_ahead")
st.caption(t("revisit.reminders_help", start=today, days=ahead))
left, right = st.columns(2)
with left:
    people = coverage.birthdays(ctx.db, filters, today, ahead)
    st.markdown(f"**{t('revisit.birthdays', count=len(people))}**")
    revisit_view.show_table(ui.first_rows(people, t), ["next_birthday", "days_left", "contact", "role", "customer_name",
                                                       "account_manager", "phone"], t, height=300)
with right:
    listed = holidays.load(ctx.db)
    window = holidays.between(listed, today, today + dt.timedelta(days=ahead))
    joiner = t("list.joiner")
    if window.empty:
        later = listed[listed["date"].dt.date > today].head(1)
        st.markdown(f"**{t('revisit.no_holidays')}**")
        if len(later):
            st.caption(t("revisit.next_holiday", name=ui.literal(holidays.name(later.iloc[0], lang)),
                         day=later.iloc[0]["date"].date()))
    else:
        names = joiner.join(f"{ui.literal(holidays.name(h, lang))} ({h['date']:%Y-%m-%d})" for _, h in window.iterrows())
        who = joiner.join([t(f"abc.class.{c}") for c in policy.holiday_classes]
                          + [t(f"tier.{x}") for x in policy.holiday_tiers])
        window = window.assign(holiday=[holidays.name(h, lang) for _, h in window.iterrows()])
        coming = coverage.holiday_visits(coverage.accounts(ctx.db, filters, today, policy), window, policy, today,
                                         ahead)
        st.markdown(f"**{t('revisit.holidays', names=names, who=who)}**")
        revisit_view.show_table(ui.first_rows(coming, t).rename(columns={"date": "holiday_date"}),
                                ["holiday_date", "holiday", "customer_name", "abc_class", "account_manager",
                                 "next_plan"], t, height=300)

# ---- the calendar file -------------------------------------------------------
st.subheader(t("revisit.calendar"))
planned = coverage.planned_for_calendar(ctx.db, filters, today)
st.caption(t("revisit.calendar_help", count=len(planned)))
# the file is made when someone clicks: a large company's open plans take seconds to write out
st.download_button(t("revisit.calendar_download"), lambda: coverage.calendar_file(planned, t),
                   file_name=f"revisits_{today}.ics", mime="text/calendar", key="rv_ics",
                   disabled=planned.empty)
