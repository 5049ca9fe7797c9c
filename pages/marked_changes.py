"""Marked changes: accounts whose results moved markedly, and the reasons recorded for them."""
import streamlit as st

from kam.accounts import marked_changes
import ui

ctx = ui.context()
t, filters = ctx.t, ctx.filters
before = filters.previous().period

st.title(t("marked.title"))
st.caption(ui.literal(filters.human_clause(t)) + " " + t("filter.compared_with", start=before.start, end=before.end))
share = marked_changes.threshold(ctx.db)
st.caption(t("marked.rule", share=share))

if ui.period_guard(ctx):
    table = marked_changes.marked(ctx.db, filters, share)
    waiting = table[table["reason_recorded"].isna()]
    st.metric(t("marked.waiting"), f"{len(waiting):,}", help=t("marked.waiting_help"))
    shown = table.assign(needs_reason=table["reason_recorded"].isna())
    columns = ["customer_id", "customer_name", "account_manager", "value_before", "value_now", "change_share",
               "class_before", "class_now", "reason_recorded"]
    if shown.empty:
        st.success(t("marked.none"))
    else:
        ui.show_table(ui.first_rows(shown.sort_values(["needs_reason", "customer_id"], ascending=[False, True])[
            columns], t), t, money=["value_before", "value_now"], shares=["change_share"])
        ui.csv_download(lambda: table, t("marked.download"),
                        f"marked_changes_{filters.period.start}_{filters.period.end}.csv", key="marked_download")
    st.caption(t("marked.how_to"))
