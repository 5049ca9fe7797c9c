import streamlit as st

from kam.explore import sql_console
from kam.export import to_xlsx_bytes
from kam.store.schema import TABLES
from ui import charts
import ui

ctx = ui.context()
t = ctx.t

st.title(t("sql.title"))
# the role rule (kam.explore.sql_console.allowed): analysts and directors, once sign-in gives roles
if not sql_console.allowed(getattr(ctx, "role", None)):
    st.warning(t("sql.not_allowed"))
    st.stop()
st.caption(t("sql.intro", rows=sql_console.ROW_CAP, seconds=sql_console.TIME_LIMIT))
with st.expander(t("sql.tables")):
    for name, table in TABLES.items():
        st.markdown(f"**{name}** · {t(f'table.{name}')}: " + ", ".join(f"`{c.name}`" for c in table.all_columns))

if "sql_query" not in st.session_state:  # the address holds the query, so a query can be sent as a link
    st.session_state["sql_query"] = st.query_params.get("sql", "")
with st.form("sql_form", border=False):
    st.text_area(t("sql.query"), key="sql_query", height=160, placeholder="SELECT region, COUNT(*) FROM customers GROUP BY 1")
    st.form_submit_button(t("sql.run"), type="primary")
query = st.session_state["sql_query"].strip()
if not query:
    st.stop()
st.query_params["sql"] = query
try:
    answer = sql_console.run(ctx.store, query)
except sql_console.Refused as refused:
    st.error(t("sql.refused", reason=t(f"sql.refused.{refused.reason}")))
    if refused.detail:
        st.code(t("sql.detail", detail=refused.detail), language=None)
    st.stop()

frame = answer.frame
if answer.cut:
    st.caption(t("sql.cut", rows=sql_console.ROW_CAP))
if len(frame.columns) >= 2 and frame.iloc[:, 1].dtype.kind in "iuf" and len(frame):
    with st.expander(t("sql.chart"), expanded=True):
        x, y = frame.columns[:2]
        st.plotly_chart(charts.bar(frame.assign(**{x: frame[x].astype("string")}), x, y), width="stretch")
st.dataframe(ui.first_rows(frame, t), hide_index=True, width="stretch")
left, right = st.columns(2)
with left:
    ui.csv_download(frame, t("common.download_csv"), "query.csv", key="sql_dl_csv")
right.download_button(t("explore.download_xlsx"), lambda: to_xlsx_bytes(frame, "query"), file_name="query.xlsx",
                      key="sql_dl_xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
