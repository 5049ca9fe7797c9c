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
ui.show_table(status, t)

st.subheader(t("data.history"))
name = st.selectbox(t("data.history_table"), list(TABLES), format_func=lambda n: t(f"table.{n}"), key="data_table")
log = inventory.history(ctx.store, name)
ui.show_table(log, t, labels={"when": t("data.when"), "operation": t("data.operation"), "user": t("data.user")},
              moments=["when"])
