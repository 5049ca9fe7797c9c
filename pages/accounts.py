import streamlit as st

from kam.accounts import account_file
from kam.sales import receivables
from kam import formatting as fmt
from ui import charts
import ui

ctx = ui.context()
t, lang = ctx.t, ctx.lang

st.title(t("accounts.title"))
text = st.text_input(t("accounts.search"), key="acct_search")
found = account_file.search(ctx.db, text)
if found.empty:
    st.info(t("accounts.none"))
    st.stop()
ids = found["customer_id"].tolist()
names = dict(zip(found["customer_id"], found["name"]))
wanted = st.query_params.get("customer")
chosen = st.selectbox(t("accounts.pick"), ids, index=ids.index(wanted) if wanted in ids else 0,
                      format_func=lambda i: f"{names[i]} ({i})", key="acct_pick")
st.query_params["customer"] = chosen

info = account_file.profile(ctx.db, chosen)
st.header(f"{info['name']} · {chosen}")
st.subheader(t("accounts.profile"))
cols = st.columns(4)
facts = [("tier", t(f"tier.{info['tier']}")), ("status", t(f"status.{info['status']}")),
         ("region", info["region"]), ("industry", info["industry"]),
         ("size", t(f"size.{info['size']}") if info.get("size") else "–"),
         ("account_manager", info["account_manager"]),
         ("credit_limit", fmt.money(info["credit_limit"], lang)),
         ("payment_terms_days", info["payment_terms_days"])]
for i, (column, value) in enumerate(facts):
    cols[i % 4].metric(t(f"col.customers.{column}"), "–" if value is None else str(value))
if info.get("profile"):
    st.write(info["profile"])

st.subheader(t("accounts.contacts"))
ui.show_table(account_file.contacts(ctx.db, chosen), t, "contacts", names=["role"])

st.subheader(t("accounts.trade"))
trade = account_file.trade_by_month(ctx.db, chosen)
if not trade.empty:
    st.plotly_chart(charts.bar(trade, x="month", y="amount", labels={"month": t("overview.month"),
                                                                 "amount": t("kpi.revenue")}, height=300),
                    width="stretch")

st.subheader(t("accounts.receivables"))
open_items = receivables.open_invoices(ctx.db, chosen, ui.today())
overdue = open_items.loc[open_items["days_overdue"] > 0, "open_amount"].sum()
(st.error if overdue > 0 else st.success)(t("accounts.overdue", amount=fmt.money(overdue, lang)))
ui.show_table(open_items, t, "payments", money=["amount", "paid_amount", "open_amount"])

st.subheader(t("accounts.visits"))
ui.show_table(account_file.visits(ctx.db, chosen), t, "visits", names=["method", "occasion", "deal_stage"])

st.subheader(t("accounts.changes"))
ui.show_table(account_file.changes(ctx.db, chosen), t, "profile_changes")
