"""Settings people edit: one section per policy or list, each saved on its own."""
import pandas as pd
import streamlit as st

from kam.accounts import marked_changes
from kam.revisits import holidays
from kam.revisits import revisit_policy
from kam.sales.abc import CLASSES
from kam.store.records import InvalidRecords
from kam.store.schema import TIERS, VISIT_METHODS
from ui import forms
from ui import risk_settings
from ui import signin
import ui
from ui.revisit_view import policy_sentence

ctx = ui.context()
t = ctx.t

st.title(t("settings.title"))
ui.said()


def revisit_policy_section() -> None:
    st.header(t("settings.revisit_policy"))
    policy = revisit_policy.load(ctx.db)
    st.caption(policy_sentence(policy, t) + " " + t("settings.revisit_policy_help"))
    rules = policy.frame()
    rules["applies_to"] = [f"{t('col.abc_class')} {n}" if k == "class" else t(f"tier.{n}")
                           for k, n in zip(rules["kind"], rules["name"])]
    labels = {"applies_to": t("settings.applies_to"), "interval_days": t("col.revisit.interval_days"),
              "method": t("col.revisit_plans.method")}
    edited = st.data_editor(
        rules[["applies_to", "interval_days", "method"]], key="set_policy_rules", hide_index=True, width="stretch",
        placeholder="–", disabled=["applies_to"],
        column_config={"applies_to": labels["applies_to"],
                       "interval_days": st.column_config.NumberColumn(labels["interval_days"], min_value=1,
                                                                      max_value=revisit_policy.MAX_INTERVAL, step=1),
                       "method": st.column_config.SelectboxColumn(labels["method"], options=VISIT_METHODS,
                                                                  format_func=lambda v: t(f"method.{v}"))})
    left, mid, right = st.columns(3)
    grace = left.number_input(t("settings.grace_days"), 0, revisit_policy.MAX_GRACE, policy.grace_days, step=1,
                              key="set_policy_grace", help=t("settings.grace_days_help"))
    classes = mid.multiselect(t("settings.holiday_classes"), CLASSES, default=list(policy.holiday_classes),
                              key="set_policy_classes", format_func=lambda c: t(f"abc.class.{c}"))
    tiers = right.multiselect(t("settings.holiday_tiers"), TIERS, default=list(policy.holiday_tiers),
                              key="set_policy_tiers", format_func=lambda x: t(f"tier.{x}"))
    if st.button(t("settings.save_policy"), type="primary", key="set_policy_save"):
        given = rules[["kind", "name"]].assign(interval_days=edited["interval_days"].to_numpy(),
                                               method=edited["method"].to_numpy())
        try:
            new = revisit_policy.build(given.to_dict("records"), grace, classes, tiers)
        except InvalidRecords as error:
            forms.show_problems(t, error, labels | {"name": labels["applies_to"], "grace_days": t("settings.grace_days")})
        else:
            revisit_policy.save(ctx.work, new)
            ui.rerun_saying(t("settings.policy_saved"), "set_policy_rules")


def holidays_section() -> None:
    st.header(t("settings.holidays"))
    st.caption(t("settings.holidays_help"))
    table = holidays.load(ctx.db)
    table["date"] = table["date"].dt.date
    labels = {"date": t("settings.holiday_date"), "name_zh": t("settings.holiday_name_zh"),
              "name_en": t("settings.holiday_name_en")}
    edited = st.data_editor(
        table, key="set_holidays", hide_index=True, width="stretch", num_rows="dynamic", height=360,
        column_config={"date": st.column_config.DateColumn(labels["date"], required=True),
                       "name_zh": labels["name_zh"], "name_en": labels["name_en"]})
    if st.button(t("settings.save_holidays"), type="primary", key="set_holidays_save"):
        rows = edited.astype(object).where(pd.notna(edited), None).to_dict("records")
        try:
            kept = holidays.save(ctx.work, rows)
        except InvalidRecords as error:
            forms.show_problems(t, error, labels)
        else:
            ui.rerun_saying(t("settings.holidays_saved", count=len(kept)), "set_holidays")


def marked_changes_section() -> None:
    st.header(t("marked.setting"))
    st.caption(t("marked.setting_help"))
    now = marked_changes.threshold(ctx.db)
    percent = st.number_input(t("marked.setting_share"), 1, 500, int(round(now * 100)), step=5, key="set_marked")
    if st.button(t("marked.setting_save"), type="primary", key="set_marked_save"):
        marked_changes.save_threshold(ctx.work, percent / 100)
        ui.rerun_saying(t("marked.setting_saved", share=percent / 100))


revisit_policy_section()
holidays_section()
marked_changes_section()
risk_settings.show(ctx)
signin.managers_see_all_section(ctx)
