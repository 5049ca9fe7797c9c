"""Users and roles: who may sign in and as what; every change kept with who and when."""
import streamlit as st

from kam import users
from kam.store.records import InvalidRecords
import ui
from ui import forms

ctx = ui.context()
t = ctx.t

st.title(t("users.title"))
st.caption(t("users.intro"))
ui.said()
ui.show_table(users.listing(ctx.db), t, "users", names=["role"])

st.subheader(t("users.edit"))


def save(values: dict) -> str:
    users.save(ctx.work, values)
    ui.rerun_saying(t("users.saved", who=users.user_id(values["user_id"])))


forms.record_form(ctx, "users", (("user_id", "role"), ("manager_name", "active")), save, key="users_form",
                  defaults={"active": True})

st.subheader(t("users.changes"))
log = users.changes(ctx.store)
st.dataframe(log.rename(columns={c: t(f"users.col.{c}") for c in log.columns}), hide_index=True, width="stretch")
