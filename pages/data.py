import streamlit as st

from kam.store import inventory
from kam.store.schema import TABLES
import ui

ctx = ui.context()
t = ctx.t

st.title(t("data.title"))
st.caption(t("data.where", path=ctx.store.root))

st.subheader(t("data.tables"))
status = inventory.status(ctx.store)
status["table"] = [t(f"table.{name}") + f" ({name})" for name in status["table"]]
status["version"] = [str(v) if v >= 0 else "–" for v in status["version"]]  # never written yet
st.dataframe(status.rename(columns={"table": t("col.table"), "rows": t("col.rows"), "version": t("col.version")}),
             hide_index=True, width="stretch")

st.subheader(t("data.history"))
name = st.selectbox(t("data.history_table"), list(TABLES), format_func=lambda n: t(f"table.{n}"), key="data_table")
log = inventory.history(ctx.store, name)
st.dataframe(log.rename(columns={"version": t("col.version"), "when": t("data.when"),
                                 "operation": t("data.operation"), "user": t("data.user"),
                                 "rows": t("col.rows"), "batch_id": t("col.batch_id")}),
             hide_index=True, width="stretch")
