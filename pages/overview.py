import plotly.graph_objects as go
import streamlit as st

from kam import charts
from kam import formatting as fmt
from kam.sales import overview
import ui

ctx = ui.context()
t, lang, filters = ctx.t, ctx.lang, ctx.filters

st.title(t("overview.title"))
before = filters.previous().period
st.caption(ui.literal(filters.human_clause(t)) + " " + t("filter.compared_with", start=before.start, end=before.end))

if ui.period_guard(ctx):
    figures = overview.kpis(ctx.db, filters, today=ui.today())
    # five to a row, each row lined up under the one above
    columns = [column for _ in range(0, len(figures), 5) for column in st.columns(5)]
    for column, kpi in zip(columns, figures):
        if kpi.kind == "money":
            shown = fmt.money(kpi.value, lang)
        elif kpi.kind == "share":
            shown = fmt.share(kpi.value)
        else:
            shown = fmt.count(kpi.value)
        delta = fmt.change(kpi.change, "share" if kpi.kind == "share" else "relative")
        column.metric(t(kpi.key), shown, delta if delta is not None else t("kpi.no_previous"),
                      delta_color="off" if delta is None else "inverse" if kpi.lower_is_better else "normal",
                      border=True)

    st.subheader(t("overview.trend"))
    now, prev = overview.monthly_trend(ctx.db, filters)
    figure = go.Figure()
    figure.add_bar(x=now["month"], y=now["revenue"], name=t("kpi.revenue") + " · " + t("overview.this_period"))
    figure.add_scatter(x=now["month"], y=now["profit"], name=t("kpi.profit") + " · " + t("overview.this_period"),
                       mode="lines+markers")
    if len(prev) == len(now) and len(prev):
        # drawn on this period's months so the two years sit on top of each other
        figure.add_scatter(x=now["month"], y=prev["revenue"], mode="lines", line={"dash": "dot"},
                           name=t("kpi.revenue") + " · " + t("overview.previous_period"))
    figure.update_layout(height=420, margin={"t": 10, "b": 10}, legend={"orientation": "h", "y": -0.15})
    # money in 万/亿 or K/M as on the cards, months as 2026年1月, a running month marked partial
    charts.money_axis(figure, [*now["revenue"], *now["profit"], *prev["revenue"]], lang)
    charts.month_axis(figure, now["month"], lang, t, filters.period.end)
    st.plotly_chart(figure, width="stretch")
