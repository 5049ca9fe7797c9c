import plotly.graph_objects as go
import streamlit as st

from kam import access
from kam.risk import churn
from kam.risk import retention
from kam import formatting as fmt
from kam.i18n import value_name
from kam.store.records import InvalidRecords
from ui import charts
from ui import forms
from ui import signin
import ui

SUSPECTS_SHOWN = 20
NAMED = {"tier": "tier", "abc_class": "abc.class"}  # breakdowns whose values have names

ctx = ui.context()
t, lang, filters, today = ctx.t, ctx.lang, ctx.filters, ui.today()
before = filters.previous()

st.title(t("churn.title"))
st.caption(ui.literal(filters.human_clause(t)) + " " + t("filter.compared_with", start=before.period.start,
                                                   end=before.period.end))

now, then = churn.totals(ctx.db, filters), churn.totals(ctx.db, before)
rate_now, rate_then = churn.rate(ctx.db, filters), churn.rate(ctx.db, before)
won = churn.won_back(ctx.db, filters)
cols = st.columns(4)
for place, key, kind in ((cols[0], "customers", "count"), (cols[1], "lost_revenue", "money")):
    value = fmt.count(now[key]) if kind == "count" else fmt.money(now[key], lang)
    place.metric(t(f"churn.kpi.{key}"), value, fmt.change(now[key] / then[key] - 1 if then[key] else None),
                 delta_color="inverse", border=True)
cols[2].metric(t("churn.kpi.rate"), fmt.share(rate_now),
               fmt.change(rate_now - rate_then if None not in (rate_now, rate_then) else None, "share"),
               delta_color="inverse", border=True)
cols[3].metric(t("churn.kpi.won_back"), fmt.count(won["customer_id"].nunique()), border=True)
st.caption(t("churn.rules"))

st.subheader(t("churn.per_month"))
monthly = churn.rate_by_month(ctx.db, filters)
figure = go.Figure()
figure.add_bar(x=monthly["month"], y=monthly["churned"], name=t("col.churned"))
figure.add_bar(x=monthly["month"], y=monthly["won_back"], name=t("col.won_back"))
figure.add_scatter(x=monthly["month"], y=monthly["churn_rate"], name=t("col.churn_rate"), yaxis="y2",
                   mode="lines+markers")
figure.update_layout(height=320, margin={"t": 10, "b": 10}, legend={"orientation": "h", "y": -0.2},
                     yaxis2={"overlaying": "y", "side": "right", "tickformat": ".1%", "rangemode": "tozero"})
st.plotly_chart(charts.month_axis(figure, monthly["month"], lang, t, filters.period.end), width="stretch")
ui.show_table(monthly, t, money=["lost_revenue"], shares=["churn_rate"])

st.subheader(t("churn.reasons"))
left, right = st.columns(2)
measure = left.segmented_control(t("churn.measure"), ("customers", "lost_revenue"), default="customers",
                                 format_func=lambda m: t(f"col.{m}"), key="churn_measure") or "customers"
by = right.selectbox(t("churn.by"), (None, *churn.DIMENSIONS), key="churn_by",
                     format_func=lambda d: t(f"churn.by.{d or 'reason'}"))
breakdown = churn.reasons_breakdown(ctx.db, filters, by)
if breakdown.empty:
    st.info(t("churn.none_in_period"))
else:
    breakdown = ui.named_values(breakdown, t, {"reason": "reason", **{d: NAMED[d] for d in NAMED if d == by}})
    figure = charts.bar(breakdown, x="reason", y=measure, color=by, height=340,
                        labels={"reason": t("col.reason"), measure: t(f"col.{measure}"),
                                **({by: t(f"col.{by}")} if by else {})})
    if measure == "lost_revenue":
        # stacked bars: the axis must reach each reason's total
        charts.money_axis(figure, breakdown.groupby("reason")[measure].sum(), lang)
    st.plotly_chart(figure, width="stretch")
    ui.show_table(breakdown, t, "churns", money=["lost_revenue"])

    st.subheader(t("churn.reason_trend"))
    trend = ui.named_values(churn.reason_trend(ctx.db, filters), t, ["reason"])
    figure = charts.line(trend, x="month", y="customers", color="reason", markers=True, height=300,
                         labels={"month": t("col.month"), "customers": t("col.customers"), "reason": t("col.reason")})
    st.plotly_chart(charts.month_axis(figure, trend["month"], lang, t, filters.period.end), width="stretch")

st.subheader(t("churn.list"))
lost = ui.named_values(churn.churned(ctx.db, filters), t, ["tier", "reason"])
ui.show_table(lost, t, "churns", money=["lost_revenue"])
ui.csv_download(lost, t("common.download_csv"), "churned.csv", key="dl_churned")

st.subheader(t("churn.won_back_title"))
if won.empty:
    st.info(t("churn.none_won_back"))
else:
    ui.show_table(won, t, "churns", names=["reason"], money=["lost_revenue"])

st.subheader(t("churn.suspected"))
days = churn.silent_days(ctx.db)
st.caption(t("churn.suspected_rule", days=days))
ui.said()
suspects = churn.suspected(ctx.db, filters, today, days)
if suspects.empty:
    st.success(t("churn.none_suspected"))
else:
    st.write(t("churn.suspected_count", count=len(suspects), shown=min(len(suspects), SUSPECTS_SHOWN)))
    reasons = churn.reasons(ctx.db)
    records = signin.allowed(ctx, access.RECORD)  # on some account; each click is checked for its own
    for row in suspects.head(SUSPECTS_SHOWN).itertuples():
        who, money, reason, confirm, dismiss = st.columns([3, 2, 2.2, 1.5, 1.2], vertical_alignment="center")
        who.markdown(f"**{ui.literal(row.customer_name)}** {ui.literal(row.customer_id)}  \n"
                     + t("churn.silent_for", days=row.days_silent, last=f"{row.last_purchase:%Y-%m-%d}"))
        money.write(t("churn.at_stake", amount=fmt.money(row.revenue_12m, lang)))
        chosen = reason.selectbox(t("col.reason"), reasons, index=None, key=f"suspect_reason_{row.customer_id}",
                                  format_func=lambda r: value_name(t, "reason", r),
                                  placeholder=t("churn.choose_reason"), label_visibility="collapsed")
        if records and confirm.button(t("churn.confirm"), key=f"suspect_confirm_{row.customer_id}", type="primary") \
                and signin.may_record(ctx, row.customer_id, reason):
            try:
                churn.record_churn(ctx.work, {"customer_id": row.customer_id, "churn_date": today, "reason": chosen})
            except InvalidRecords as error:
                reason.error("; ".join(forms.problem_text(t, p) for p in error.problems))
            else:
                ui.rerun_saying(t("churn.confirmed", name=row.customer_name))
        if records and dismiss.button(t("churn.dismiss"), key=f"suspect_dismiss_{row.customer_id}") \
                and signin.may_record(ctx, row.customer_id, reason):
            churn.dismiss(ctx.work, row.customer_id)
            ui.rerun_saying(t("churn.dismissed", name=row.customer_name))
    ui.csv_download(suspects, t("common.download_csv"), "churn_suspected.csv", key="dl_suspected")

st.subheader(t("churn.overdue_actions"))
late = retention.overdue(ctx.db, filters, today)
if late.empty:
    st.success(t("churn.none_overdue"))
else:
    ui.show_table(late, t, "retention_actions", names={"status": "status", "customer_status": "status"})

st.subheader(t("churn.review_due"))
review = retention.due_for_review(ctx.db, filters, today)
if review.empty:
    st.success(t("churn.none_review_due"))
else:
    ui.show_table(review, t, "retention_actions", names={"status": "status", "customer_status": "status"})
