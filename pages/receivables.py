"""Receivables for credit control: do sales and collections balance, what is overdue, who is over their limit."""
import streamlit as st

from kam import formatting as fmt
from kam.revisits import coverage
from kam.sales import receivables
from ui import charts
import ui

ctx = ui.context()
t, lang, filters, today = ctx.t, ctx.lang, ctx.filters, ui.today()
day = coverage.as_of(filters, today)

st.title(t("receivables.title"))
st.caption(ui.literal(filters.human_clause(t)) + " " + t("receivables.as_of", day=day))
st.caption(t("receivables.rule"))

balance = receivables.balance(ctx.db, filters, day)
for column, key in zip(st.columns(4), ("invoiced", "collected", "open", "overdue")):
    column.metric(t(f"receivables.{key}"), fmt.money(balance[key], lang), border=True)

table = receivables.aging(ctx.db, day, filters)
st.subheader(t("receivables.aging"))
buckets = receivables.bucket_totals(table)
buckets["bucket"] = [t(f"col.{b}") for b in buckets["bucket"]]
left, right = st.columns([3, 2])
figure = charts.bar(buckets, x="bucket", y="amount", labels={"bucket": t("receivables.bucket"),
                                                            "amount": t("receivables.amount")}, height=320)
left.plotly_chart(charts.money_axis(figure, buckets["amount"], lang), width="stretch")
with right:
    ui.show_table(buckets.rename(columns={"bucket": "receivables_bucket", "amount": "receivables_amount"}), t,
                  money=["receivables_amount"])

st.subheader(t("receivables.overdue_list"))
overdue = table[table["overdue_amount"] > 0]
columns = ["customer_id", "customer_name", "overdue_amount", "oldest_due_date", "max_days_overdue",
           "account_manager", "region"]
if overdue.empty:
    st.success(t("receivables.none_overdue"))
else:
    ui.show_table(ui.first_rows(overdue[columns], t), t, money=["overdue_amount"])
ui.csv_download(lambda: table, t("receivables.download"), f"receivables_{day}.csv", key="receivables_download")

st.subheader(t("receivables.over_limit"))
over = table[table["over_credit_limit"]].assign(excess=lambda f: f["open_amount"] - f["credit_limit"])
if over.empty:
    st.success(t("receivables.none_over_limit"))
else:
    ui.show_table(ui.first_rows(over.sort_values("excess", ascending=False)[
        ["customer_id", "customer_name", "open_amount", "credit_limit", "excess", "account_manager"]], t), t,
        money=["open_amount", "credit_limit", "excess"])
