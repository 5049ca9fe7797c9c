import streamlit as st

from kam import access
from kam import formatting as fmt
from kam.accounts import account_file, marked_changes, profile
from kam.i18n import value_name
from kam.risk import health
from kam.sales import receivables
from kam.store.records import InvalidRecords
from ui import charts, forms, signin
import ui

ctx = ui.context()
t, lang, filters, today = ctx.t, ctx.lang, ctx.filters, ui.today()
CHANGES_SHOWN = 20  # the newest; the timeline below has every one
CONTACT_FIELDS = [("name", "role"), ("title", "phone"), ("email", "birthday"), "interests"]
PROFILE_FIELDS = [("name", "industry"), ("region", "size"), ("tier", "account_manager"),
                  ("credit_limit", "payment_terms_days"), "profile"]

st.title(t("accounts.title"))
if signin.allowed(ctx, access.RECORD):
    with st.expander(t("accounts.new_customer")):
        st.caption(t("accounts.new_customer_help"))
        made = forms.record_form(ctx, "customers", [("customer_id", "name"), ("region", "industry"),
                                                    ("account_manager", "tier"), ("size", "credit_limit"),
                                                    "payment_terms_days", "profile"],
                                 lambda v: profile.add_customer(ctx.work, v),
                                 key="customer_new", submit="accounts.add_customer")
        if made:
            st.session_state["acct_search"] = ""
            st.query_params["customer"] = made
            st.success(t("accounts.customer_added", id=ui.literal(made)))

text = st.text_input(t("accounts.search"), key="acct_search")
found = account_file.search(ctx.db, text, among=access.customer_condition(ctx.person))
wanted = st.query_params.get("customer")
if not text.strip() and wanted and wanted not in set(found["customer_id"]):
    # the address names an account beyond the first matches
    found = account_file.search(ctx.db, wanted, among=access.customer_condition(ctx.person))
if found.empty:
    st.info(t("accounts.none"))
    st.stop()
ids = found["customer_id"].tolist()
names = dict(zip(found["customer_id"], found["name"]))
chosen = st.selectbox(t("accounts.pick"), ids, index=ids.index(wanted) if wanted in ids else 0,
                      format_func=lambda i: f"{names[i]} ({i})", key="acct_pick")
st.query_params["customer"] = chosen

info = account_file.profile(ctx.db, chosen)
st.header(ui.literal(f"{info['name']} · {chosen}"))

# ---- the header: who the account is and how it stands ----------------------------------------
history = account_file.classes_over_periods(ctx.db, chosen, filters)
now, before = history.iloc[0], history.iloc[1]
cols = st.columns(4)
facts = [("tier", t(f"tier.{info['tier']}")), ("status", t(f"status.{info['status']}")),
         ("account_manager", info["account_manager"]), ("region", info["region"]),
         ("industry", info["industry"]), ("size", t(f"size.{info['size']}") if info.get("size") else None),
         ("credit_limit", fmt.money(info["credit_limit"], lang) if ui.shown(info["credit_limit"]) != "–" else None),
         ("payment_terms_days", info["payment_terms_days"])]
for i, (column, value) in enumerate(facts):
    cols[i % 4].metric(t(f"col.customers.{column}"), ui.shown(value))
change = now["value"] / before["value"] - 1 if before["value"] else None
left, mid, right = st.columns([1, 1, 2])
left.metric(t("accounts.revenue_now"), fmt.money(now["value"], lang),
            None if change is None else fmt.share(change))
classes = " ← ".join(c if isinstance(c, str) else "–" for c in history["abc_class"])
mid.metric(t("accounts.abc_classes"), classes, help=t("accounts.abc_classes_help"))
mine = health.scores(ctx.db, filters, today, customer_id=chosen)
if len(mine):
    row = mine.iloc[0]
    right.metric(t("accounts.health"), f"{row['score']:.0f} · {t(f'health.status.{row.status}')}")
    right.caption(health.why(row, t, lang) or t("accounts.health_fine"))
if info.get("profile"):
    st.text(info["profile"])  # stored text shown as text, never as markdown

# ---- keeping the file current (forms only on an account the person may record on) -------------
refused = access.accounts_reason(ctx.db, ctx.person, [chosen])
if refused is not None:
    st.caption(signin.refusal_text(t, refused))
else:
    with st.expander(t("accounts.edit_profile")):
        st.caption(t("accounts.edit_profile_help"))
        edited = forms.record_form(
            ctx, "customers", PROFILE_FIELDS + ["reason"],
            lambda v: profile.edit_profile(ctx.work, chosen, {k: v[k] for k in v if k != "reason"}, v.get("reason")),
            key=f"profile_edit_{chosen}", defaults=forms.form_defaults(info), borrowed={"reason": "profile_changes"},
            submit="accounts.save_profile")
        if edited is not None:
            st.success(t("accounts.profile_saved",
                         fields=t("list.joiner").join(t(f"col.customers.{f}") for f in edited))
                       if edited else t("accounts.nothing_changed"))

marked = marked_changes.judged(ctx.db, filters).set_index("customer_id")
if chosen in marked.index and marked.at[chosen, "marked"]:
    figures = marked.loc[chosen]
    said = figures["reason_recorded"]
    st.warning(t("accounts.marked", before=fmt.money(figures["value_before"], lang),
                 now=fmt.money(figures["value_now"], lang),
                 classes=f"{ui.shown(figures['class_before'])} → {ui.shown(figures['class_now'])}"))
    if isinstance(said, str):
        st.caption(t("accounts.marked_reason", reason=ui.literal(said)))
    if refused is None:
        with st.form(f"marked_{chosen}"):
            reason = st.text_area(t("accounts.marked_reason_input"), height=80)
            if st.form_submit_button(t("accounts.record_reason"), type="primary"):
                try:
                    marked_changes.record_reason(ctx.work, chosen, filters, reason)
                    st.success(t("accounts.reason_recorded"))
                except InvalidRecords as error:
                    for problem in error.problems:
                        st.error(forms.problem_text(t, problem))

st.subheader(t("accounts.contacts"))
people = account_file.contacts(ctx.db, chosen)
ui.show_table(people.drop(columns="contact_id"), t, "contacts", names=["role"])
add, edit = st.columns(2)
if refused is None:
    with add.expander(t("accounts.add_contact")):
        if forms.record_form(ctx, "contacts", CONTACT_FIELDS,
                             lambda v: profile.add_contact(ctx.work, chosen, v),
                             key=f"contact_new_{chosen}"):
            st.success(t("accounts.contact_saved"))
if refused is None and len(people):
    with edit.expander(t("accounts.edit_contact")):
        who = dict(zip(people["contact_id"], people["name"]))
        which = st.selectbox(t("accounts.pick_contact"), list(who), format_func=who.get, key=f"contact_pick_{chosen}")
        current = people.set_index("contact_id").loc[which].to_dict()
        if forms.record_form(ctx, "contacts", CONTACT_FIELDS,
                             lambda v: profile.edit_contact(ctx.work, which, v),
                             key=f"contact_edit_{which}", defaults=forms.form_defaults(current)) is not None:
            st.success(t("accounts.contact_saved"))

st.subheader(t("accounts.trade"))
trade = account_file.trade_by_month(ctx.db, chosen)
if not trade.empty:
    figure = charts.bar(trade, x="month", y="amount", labels={"month": t("overview.month"),
                                                              "amount": t("kpi.revenue")}, height=300)
    charts.money_axis(figure, trade["amount"], lang)
    st.plotly_chart(charts.month_axis(figure, trade["month"], lang, t, today), width="stretch")

st.subheader(t("accounts.receivables"))
open_items = receivables.open_invoices(ctx.db, chosen, today)
overdue = open_items.loc[open_items["days_overdue"] > 0, "open_amount"].sum()
(st.error if overdue > 0 else st.success)(t("accounts.overdue", amount=fmt.money(overdue, lang)))
ui.show_table(open_items, t, "payments", money=["amount", "paid_amount", "open_amount"])

st.subheader(t("accounts.changes"))
history = account_file.changes(ctx.db, chosen)
if history.empty:
    st.caption(t("accounts.no_changes"))
else:  # a short list read line by line: a plain table, each change with its reason
    st.table(ui.labelled(history.head(CHANGES_SHOWN).assign(changed_on=history["changed_on"].dt.date,
                                                            field=[ui.label(t, "customers", f) for f in
                                                                   history["field"].head(CHANGES_SHOWN)]),
                         t, "profile_changes").fillna(""))

st.subheader(t("accounts.timeline"))
events = account_file.timeline(ctx.db, chosen)
CODE_COLUMN = {"visit": "method", "plan": "method", "complaint": "category", "churn": "reason", "import": "table",
               "profile_change": "col.customers"}
STATE_COLUMN = {"visit": "deal_stage", "plan": "status", "complaint": "status", "retention": "status",
                "import": "import.state"}
events["what"] = [value_name(t, CODE_COLUMN.get(kind, ""), code) for kind, code in zip(events["kind"], events["code"])]
events["state"] = [value_name(t, STATE_COLUMN.get(kind, ""), state) for kind, state in zip(events["kind"],
                                                                                        events["state"])]
events["kind"] = [t(f"accounts.event.{k}") for k in events["kind"]]
ui.show_table(events[["day", "kind", "what", "text", "state", "who"]], t, "timeline")
