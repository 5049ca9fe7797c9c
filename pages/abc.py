import numpy as np
import plotly.graph_objects as go
import streamlit as st

from kam import charts
from kam.sales import abc
from kam import formatting as fmt
import ui

CHART_BARS = 2_000

ctx = ui.context()
t, lang, filters = ctx.t, ctx.lang, ctx.filters

st.title(t("abc.title"))
st.caption(ui.literal(filters.human_clause(t)))

left, mid, right = st.columns([2, 1, 1])
measure = left.segmented_control(t("abc.measure"), abc.MEASURES, default="revenue", key="abc_measure",
                                 format_func=lambda m: t(f"abc.measure.{m}")) or "revenue"
cut_a = mid.number_input(t("abc.cut_a"), 1, 99, 80, step=1, key="abc_cut_a")
cut_b = right.number_input(t("abc.cut_b"), 2, 100, 95, step=1, key="abc_cut_b")
if cut_a >= cut_b:
    st.error(t("abc.bad_cuts"))
    st.stop()
cuts = (cut_a / 100, cut_b / 100)
measure_name = t(f"abc.measure.{measure}")
measure_word = t(f"abc.measure_word.{measure}")  # as it reads inside a sentence

if not ui.period_guard(ctx):
    st.stop()
table = abc.abc_table(ctx.db, filters, measure, cuts)
if table.empty:
    st.info(t("abc.no_sales"))
    st.stop()

customer_share, value_share = abc.headline(table)
count_a = int((table["abc_class"] == "A").sum())
st.subheader(t("abc.headline", customers=customer_share, count=count_a, value=value_share, measure=measure_word))

# Pareto chart: bars per customer coloured by class, the cumulative share, the cut lines.
# A big book is drawn at evenly spaced ranks: a chart is narrower than 100,000 bars, and
# drawing them all costs seconds on the server and in the browser for the same picture.
drawn = table.iloc[np.unique(np.linspace(0, len(table) - 1, min(len(table), CHART_BARS)).round().astype(int))]
figure = go.Figure()
for cls in abc.CLASSES:
    part = drawn[drawn["abc_class"] == cls]
    figure.add_bar(x=part["rank"], y=part["value"], name=cls, marker_color=charts.colour("abc_class", cls),
                   customdata=part[["customer_name", "customer_id"]],
                   hovertemplate="%{customdata[0]} (%{customdata[1]})<br>%{y:,.0f}<extra>" + cls + "</extra>")
figure.add_scatter(x=drawn["rank"], y=drawn["cumulative_share"], name=t("abc.cumulative"), yaxis="y2",
                   mode="lines", line={"color": "#d62728", "width": 3})
for cls, cut in zip("AB", cuts):
    figure.add_hline(y=cut, yref="y2", line_dash="dash", line_color="#555",
                     annotation_text=t("abc.cut_line", cls=cls, cut=cut), annotation_position="bottom right")
figure.update_layout(height=460, bargap=0, margin={"t": 10, "b": 10}, legend={"orientation": "h", "y": -0.15},
                     xaxis_title=t("col.rank"), yaxis_title=measure_name,
                     yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.02], "tickformat": ".0%",
                             "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0], "showgrid": False})
st.plotly_chart(charts.literal(figure), width="stretch")  # the customers' names in the hover as written
st.caption(t("abc.rule", measure=measure_word, a=cuts[0], b=cuts[1]))

st.subheader(t("abc.summary"))
summary = abc.summary(table)
summary = summary.assign(
    customers=summary["customers"].map(fmt.count), customer_share=summary["customer_share"].map(fmt.share),
    value=[fmt.money(v, lang) for v in summary["value"]], value_share=summary["value_share"].map(fmt.share))
st.table(ui.labelled(summary, t, labels={"customers": t("abc.customers_col"), "value": measure_name,
                                         "customer_share": t("abc.customer_share_col"),
                                         "value_share": t("abc.value_share_col")}).set_index(t("col.abc_class")))

st.subheader(t("abc.table"))
query = st.text_input(t("abc.search"), key="abc_search")
shown = table
if query:
    hit = (table["customer_id"].str.contains(query, case=False, regex=False)
           | table["customer_name"].fillna("").str.contains(query, case=False, regex=False))
    shown = table[hit]
columns = ["customer_name", "rank", "customer_id", "value", "share", "cumulative_share", "abc_class",
           "account_manager", "region"]  # the name first: a click on it opens the account file
labels = {"customer_name": t("col.customer"), "value": measure_name}
ui.show_table(shown[columns], t, labels=labels, money=["value"], shares=["share", "cumulative_share"], height=420)
ui.csv_download(ui.labelled(shown[columns], t, labels=labels), t("abc.download"),
                f"abc_{measure}_{filters.period.start}_{filters.period.end}.csv", key="abc_download")

st.subheader(t("abc.migration"))
previous = abc.abc_table(ctx.db, filters.previous(), measure, cuts)
moves = abc.migration(table, previous)
cell = moves.assign(text=[f"{int(n):,} ({fmt.money(v, lang)})" if n else "–"
                          for n, v in zip(moves["customers"], moves["value"])])
matrix = cell.pivot(index="from", columns="to", values="text").reindex(
    index=list(abc.MIGRATION_FROM), columns=list(abc.MIGRATION_TO)).fillna("")
matrix.index = [t(f"abc.class.{c}") for c in matrix.index]
matrix.columns = [t(f"abc.class.{c}") for c in matrix.columns]
matrix.index.name = f"{t('abc.from')} \\ {t('abc.to')}"
st.table(matrix)
st.caption(t("abc.migration_help"))

st.subheader(t("abc.fell_from_a"))
st.caption(t("abc.fell_from_a_help"))
fell = abc.fell_from_a(table, previous)
if fell.empty:
    st.success(t("abc.none_fell"))
else:
    ui.show_table(fell, t, labels={"customer_name": t("col.customer"), "abc_class_now": t("col.class_now")},
                  money=["value_before", "value_now"], shares=["change"])
