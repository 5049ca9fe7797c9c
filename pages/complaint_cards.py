import streamlit as st

from kam import access
from kam.risk import complaints
from kam.i18n import value_name
from ui import forms
import ui

ctx = ui.context()
t = ctx.t

FIELDS = [("received", "channel"), ("category", "subcategory"), ("severity", "owner"), "description",
          ("status", "resolved_date"), "cause", "resolution", "satisfied"]
listed = complaints.categories(ctx.db)
choices = {
    "category": {c: value_name(t, "category", c) for c in listed},
    "subcategory": {s: f"{value_name(t, 'category', c)} · {value_name(t, 'subcategory', s)}"
                    for c, subs in listed.items() for s in subs},
}


def save(customer_id: str, complaint_id: str | None = None):
    def run(values: dict) -> str:
        values = {**values, "customer_id": customer_id, "complaint_id": complaint_id}
        return complaints.record_complaint(ctx.work, values)
    return run


st.title(t("complaint.cards_title"))
st.caption(t("complaint.cards_help"))
new, update = st.tabs([t("complaint.new"), t("complaint.update")])

with new:
    customer = forms.customer_picker(ctx, "complaint_new")
    if customer:
        saved = forms.record_form(ctx, "complaints", FIELDS, save(customer), key="complaint_new_form",
                                  defaults={"received": ui.today(), "owner": ctx.user, "status": "open"},
                                  choices=choices, account=customer)
        if saved:
            st.success(t("complaint.saved", id=saved))

with update:
    text = st.text_input(t("complaint.find"), key="complaint_find")
    found = complaints.editable(ctx.db, text, among=access.customer_condition(ctx.person, "c", access.RECORD))
    if found.empty:
        st.info(t("complaint.none_to_update"))
    else:
        names = {row.complaint_id: f"{row.complaint_id} · {row.customer_name} · {row.received:%Y-%m-%d} · "
                                   f"{value_name(t, 'status', row.status)}" for row in found.itertuples()}
        chosen = st.selectbox(t("complaint.pick"), list(names), format_func=names.get, key="complaint_edit_pick")
        record = complaints.complaint(ctx.db, chosen, ui.today())
        saved = forms.record_form(ctx, "complaints", FIELDS, save(record["customer_id"], chosen),
                                  key=f"complaint_edit_{chosen}", defaults=forms.form_defaults(record),
                                  choices=choices, account=record["customer_id"])
        if saved:
            st.success(t("complaint.saved", id=saved))
