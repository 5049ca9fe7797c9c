import streamlit as st

from kam import access
from kam.risk import churn
from kam.risk import retention
from kam import formatting as fmt
from kam.i18n import value_name
from ui import forms
import ui

ctx = ui.context()
t, lang, today = ctx.t, ctx.lang, ui.today()

ACTION_FIELDS = ["action", ("owner", "due_date"), ("status", "review_date"), "done_date", "evaluation"]

st.title(t("churn.records_title"))
record, win_back, plan = st.tabs([t("churn.record"), t("churn.win_back"), t("churn.retention")])

with record:
    st.caption(t("churn.record_help"))
    customer = forms.customer_picker(ctx, "churn_new")
    if customer:
        preview = churn.lost_revenue(ctx.db, customer, today)
        st.info(t("churn.lost_preview", amount=fmt.money(preview, lang)))
        reasons = {r: value_name(t, "reason", r) for r in churn.reasons(ctx.db)}
        saved = forms.record_form(
            ctx, "churns", [("churn_date", "reason"), "note"],
            lambda v: churn.record_churn(ctx.work, {**v, "customer_id": customer}),
            key="churn_new_form", defaults={"churn_date": today}, choices={"reason": reasons}, account=customer)
        if saved:
            st.success(t("churn.saved", id=saved))

with win_back:
    gone = churn.churned_now(ctx.db, among=access.customer_condition(ctx.person, "c", access.RECORD))
    if gone.empty:
        st.info(t("churn.none_churned"))
    else:
        names = {row.customer_id: f"{row.customer_name} ({row.customer_id})" for row in gone.itertuples()}
        chosen = st.selectbox(t("churn.pick_churned"), list(names), format_func=names.get, key="winback_pick")
        done = forms.record_form(
            ctx, "churns", ["reactivated_date", "note"],
            lambda v: churn.reactivate(ctx.work, chosen, v),
            key=f"winback_{chosen}", defaults={"reactivated_date": today}, submit="churn.win_back_save",
            account=chosen)
        if done:
            st.success(t("churn.won_back", name=ui.literal(names[chosen])))

with plan:
    st.caption(t("churn.retention_help"))
    customer = forms.customer_picker(ctx, "retention")
    if customer:
        actions = retention.plan(ctx.db, customer_id=customer)
        ui.show_table(actions, t, "retention_actions", names={"status": "status", "customer_status": "status"})

        def save(action_id=None):
            def run(values):
                return retention.record_action(ctx.work, {**values, "customer_id": customer, "action_id": action_id})
            return run

        st.markdown(f"**{t('churn.new_action')}**")
        saved = forms.record_form(ctx, "retention_actions", ACTION_FIELDS, save(), key=f"action_new_{customer}",
                                  defaults={"owner": ctx.user, "status": "planned"}, account=customer)
        if saved:
            st.success(t("churn.action_saved", id=saved))
        if not actions.empty:
            st.markdown(f"**{t('churn.update_action')}**")
            labels = dict(zip(actions["action_id"], actions["action_id"] + " · " + actions["action"]))
            which = st.selectbox(t("churn.pick_action"), list(labels), format_func=labels.get,
                                 key=f"action_pick_{customer}")
            saved = forms.record_form(ctx, "retention_actions", ACTION_FIELDS, save(which),
                                      key=f"action_edit_{which}",
                                      defaults=forms.form_defaults(retention.action(ctx.db, which)), account=customer)
            if saved:
                st.success(t("churn.action_saved", id=saved))
