import datetime as dt

import pandas as pd
import streamlit as st

from kam.revisits import revisit_policy
from kam.revisits import visit_records
from kam.revisits import coverage
from kam.store.records import InvalidRecords
from kam.store.schema import VISIT_METHODS, VISIT_OCCASIONS
from ui import forms
from ui import signin
import ui
from ui import revisit_view
from ui.revisit_view import named, shown

ctx = ui.context()
t, filters = ctx.t, ctx.filters
today = ui.today()

VISIT_FIELDS = (("date", "method", "occasion"), ("received_by", "visited_by"), "discussed",
                ("deal_stage", "satisfaction"), "progress", ("next_visit_date", "next_visit_purpose"))
PLAN_FIELDS = (("planned_date", "method"), "purpose", "content", "owner")

st.title(t("revisit.visits_title"))
ui.said()


def plan_label(plans: pd.DataFrame):
    names = {p.plan_id: f"{p.planned_date:%Y-%m-%d} · {p.customer_name} · "
                        f"{t(f'method.{p.method}') if isinstance(p.method, str) else '–'}"
                        + (f" · {p.purpose}" if isinstance(p.purpose, str) and p.purpose else "")
             for p in plans.itertuples()}
    return lambda plan_id: t("revisit.no_plan") if plan_id is None else names[plan_id]


log_tab, visit_tab, plan_tab, propose_tab, plans_tab = st.tabs([
    t("revisit.tab_log"), t("revisit.tab_record"), t("revisit.tab_plan"), t("revisit.tab_propose"),
    t("revisit.tab_plans")])

# ---- the visit log (访问履历) ------------------------------------------------
with log_tab:
    st.caption(ui.literal(filters.human_clause(t)))
    search, methods, occasions = st.columns([2, 1, 1])
    text = search.text_input(t("revisit.log_search"), key="vl_text")
    chosen_methods = methods.multiselect(t("col.visits.method"), VISIT_METHODS, key="vl_methods",
                                         format_func=lambda v: t(f"method.{v}"), placeholder=t("sidebar.all"))
    chosen_occasions = occasions.multiselect(t("col.visits.occasion"), VISIT_OCCASIONS, key="vl_occasions",
                                             format_func=lambda v: t(f"occasion.{v}"), placeholder=t("sidebar.all"))
    asked = (ctx.db, filters, text, chosen_methods, chosen_occasions)
    count = coverage.visit_log_count(*asked)
    log = coverage.visit_log(*asked, limit=ui.ROWS_ON_SCREEN)  # the newest; the download has every one
    st.markdown(t("revisit.log_count", count=count))
    if count > len(log):
        st.caption(t("common.first_rows", shown=len(log), total=count))
    columns = ["date", "customer_name", "method", "occasion", "visited_by", "received_by", "deal_stage",
               "satisfaction", "next_visit_date"]
    revisit_view.show_table(log, columns, t)

    def every_visit() -> pd.DataFrame:
        every = coverage.visit_log(*asked)
        return shown(every, [c for c in every.columns if c != "recorded_by"], t)

    ui.csv_download(every_visit, t("common.download_csv"), f"visits_{filters.period.start}_{filters.period.end}.csv",
                    key="vl_csv")

    ids = log["visit_id"].tolist()
    labels = {v.visit_id: f"{v.date:%Y-%m-%d} · {v.customer_name or v.customer_id} · {t(f'method.{v.method}')}"
              for v in log.itertuples()}
    opened = st.selectbox(t("revisit.open_visit"), [None, *ids], key="vl_open",
                          format_func=lambda v: "–" if v is None else labels[v])
    if opened:
        card = log[log["visit_id"] == opened].iloc[0]
        with st.container(border=True):
            st.markdown(f"**{ui.literal(card['customer_name'])}** {ui.literal(card['customer_id'])} · "
                        f"{card['date']:%Y-%m-%d}")
            fields = ["method", "occasion", "received_by", "visited_by", "deal_stage", "satisfaction",
                      "next_visit_date", "next_visit_purpose", "plan_id", "recorded_by"]
            row = shown(log[log["visit_id"] == opened], fields, t).iloc[0]
            cells = st.columns(4)
            for i, (label, value) in enumerate(row.items()):
                cells[i % 4].markdown(f"**{label}**  \n{ui.literal(value) if not isinstance(value, str) or value else '–'}")
            for column in ("discussed", "progress"):
                if isinstance(card[column], str) and card[column]:
                    st.markdown(f"**{t(f'col.visits.{column}')}**  \n{ui.literal(card[column])}")

# ---- record a visit (回访记录表) ---------------------------------------------
with visit_tab:
    st.caption(t("revisit.visit_form_help"))
    customer = forms.customer_picker(ctx, "vf")
    mine = coverage.open_plans(ctx.db, customer_id=customer or "")
    plan_id = st.selectbox(t("revisit.fulfils_plan"), [None, *mine["plan_id"]], key="vf_plan",
                           index=1 if len(mine) else 0, format_func=plan_label(mine),
                           help=t("revisit.fulfils_plan_help"))

    def save_visit(values):
        return visit_records.record_visit(ctx.work, {**values, "customer_id": customer, "plan_id": plan_id})

    visit_id = forms.record_form(ctx, "visits", VISIT_FIELDS, save_visit, key="vf_form",
                                 defaults={"date": today, "visited_by": ctx.user}, account=customer)
    if visit_id:
        ui.rerun_saying(t("revisit.visit_saved", id=visit_id), "vf_form")

# ---- plan a revisit (回访计划表) ---------------------------------------------
with plan_tab:
    st.caption(t("revisit.plan_form_help"))
    customer = forms.customer_picker(ctx, "pf")

    def save_plan(values):
        return visit_records.add_plan(ctx.work, {**values, "customer_id": customer, "status": "planned"})

    plan_id = forms.record_form(ctx, "revisit_plans", PLAN_FIELDS, save_plan, key="pf_form",
                                defaults={"planned_date": today + dt.timedelta(days=7), "owner": ctx.user},
                                account=customer)
    if plan_id:
        ui.rerun_saying(t("revisit.plan_saved", id=plan_id), "pf_form")

# ---- propose plans for everyone due under the policy -----------------------
with propose_tab:
    policy = revisit_policy.load(ctx.db)
    weeks = st.columns(4)[0].number_input(t("revisit.propose_weeks"), 1, 52, 4, step=1, key="pp_weeks")
    every_proposal = coverage.proposals(coverage.accounts(ctx.db, filters, today, policy), today, weeks)
    st.caption(t("revisit.propose_help", count=len(every_proposal), weeks=weeks, day=today))
    proposed = ui.first_rows(every_proposal, t)  # the soonest; save them and the next ones come up
    if proposed.empty:
        st.success(t("revisit.propose_none"))
    else:
        draft = proposed.assign(
            save=True, customer=[f"{n} ({c})" for n, c in zip(proposed["customer_name"], proposed["customer_id"])],
            abc_class=named(proposed, "abc_class", t),
            purpose=[t("revisit.propose_purpose", days=d) for d in proposed["interval_days"]])
        draft["planned_date"] = draft["planned_date"].dt.date
        editor_key = f"pp_editor_{st.session_state.get('pp_round', 0)}"
        edited = st.data_editor(
            draft[["save", "customer", "abc_class", "last_visit", "due_date", "planned_date", "method", "purpose",
                   "owner"]],
            key=editor_key, hide_index=True, width="stretch", placeholder="–",
            disabled=["customer", "abc_class", "last_visit", "due_date"],
            column_config={
                "save": st.column_config.CheckboxColumn(t("revisit.propose_keep")),
                "customer": t("col.customer"), "abc_class": t("col.abc_class"),
                "last_visit": st.column_config.DateColumn(t("col.revisit.last_visit")),
                "due_date": st.column_config.DateColumn(t("col.revisit.due_date")),
                "planned_date": st.column_config.DateColumn(t("col.revisit_plans.planned_date"), min_value=today,
                                                            required=True),
                "method": st.column_config.SelectboxColumn(t("col.revisit_plans.method"), options=VISIT_METHODS,
                                                           format_func=lambda v: t(f"method.{v}")),
                "purpose": t("col.revisit_plans.purpose"), "owner": t("col.revisit_plans.owner")})
        keep = edited["save"].fillna(False).astype(bool)
        if st.button(t("revisit.propose_save", count=int(keep.sum())), type="primary", disabled=not keep.any(),
                     key="pp_save") and all(signin.may_record(ctx, customer)
                                            for customer in proposed.loc[keep[keep].index, "customer_id"].unique()):
            rows = edited[keep].assign(customer_id=proposed.loc[keep[keep].index, "customer_id"])
            try:
                ids = visit_records.add_plans(ctx.work, rows[["customer_id", "planned_date", "method", "purpose",
                                                              "owner"]])
            except InvalidRecords as error:
                forms.show_problems(t, error, {c: t(f"col.revisit_plans.{c}") for c in rows.columns})
            else:
                st.session_state["pp_round"] = st.session_state.get("pp_round", 0) + 1
                ui.rerun_saying(t("revisit.propose_saved", count=len(ids)))

# ---- open plans, and cancelling one ----------------------------------------
with plans_tab:
    plans = coverage.open_plans(ctx.db, filters)
    st.caption(t("revisit.plans_help", count=len(plans), late=int((plans["planned_date"] < pd.Timestamp(today)).sum())))
    plans = ui.first_rows(plans, t)  # the earliest; cancelled or done, they make room for the next
    revisit_view.show_table(plans, ["planned_date", "customer_name", "account_manager", "method", "purpose", "owner",
                                    "plan_id"], t, height=320)
    if len(plans):
        with st.form("pc_form"):
            chosen = st.selectbox(t("revisit.cancel_which"), plans["plan_id"].tolist(), key="pc_plan",
                                  format_func=plan_label(plans))
            reason = st.text_input(t("col.revisit_plans.cancel_reason") + " *", key="pc_reason")
            slot = st.empty()
            if st.form_submit_button(t("revisit.cancel_plan")) and \
                    signin.may_record(ctx, plans.set_index("plan_id").at[chosen, "customer_id"], slot):
                try:
                    visit_records.cancel_plan(ctx.work, chosen, reason)
                except InvalidRecords as error:
                    slot.error("; ".join(forms.problem_text(t, p) for p in error.problems))
                else:
                    ui.rerun_saying(t("revisit.plan_cancelled", id=chosen), "pc")
