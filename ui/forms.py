"""Forms built from the schema: one widget per declared column, problems shown beside the field.

A page names the table, the fields (a tuple puts fields side by side) and a
`save` function from kam that validates and writes; `save` raises
InvalidRecords with problems keyed by column, and each problem is shown under
its own field. Nothing is written unless `save` succeeds.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from kam import access
from kam.accounts import account_file
from kam.store.records import InvalidRecords, Problem
from kam.store.schema import Column, table as table_def
from ui import signin
from ui.tables import shown

# Free-text columns that deserve several lines.
LONG_TEXT = {"discussed", "progress", "content", "description", "resolution", "cause", "note", "profile",
             "purpose", "next_visit_purpose", "reason"}


def form_defaults(record: dict) -> dict:
    """A stored record as a form's defaults: missing values None, days as dates, plain Python values."""
    def plain(value):
        if shown(value) == "–":
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
        return value.item() if hasattr(value, "item") else value
    return {k: plain(v) for k, v in record.items()}


def problem_text(t, problem: Problem) -> str:
    text = t(f"problem.{problem.code}")
    if problem.value not in (None, ""):
        text += f" ({problem.value})"
    return text


def show_problems(t, error: InvalidRecords, labels: dict[str, str]) -> None:
    """Why a list or table was not saved: each problem with its row, when it has one, and its column."""
    st.error(t("form.not_saved", count=len(error.problems)))
    for problem in error.problems:
        where = labels.get(problem.column, problem.column)
        text = problem_text(t, problem)
        st.error(t("revisit.problem_row", row=problem.row, column=where, text=text) if problem.row
                 else f"{where}: {text}")


def customer_picker(ctx, key: str) -> str | None:
    """Search by id or name, then choose; returns the customer id (None when nothing matches)."""
    t = ctx.t
    text = st.text_input(t("form.customer_search"), key=f"{key}_search")
    found = account_file.search(ctx.db, text, among=access.customer_condition(ctx.person, "c", access.RECORD))
    if found.empty:
        st.warning(t("accounts.none"))
        return None
    names = dict(zip(found["customer_id"], found["name"]))
    return st.selectbox(t("col.customer_id") + " *", list(names), key=f"{key}_customer",
                        format_func=lambda i: f"{names[i]} ({i})")


def _label(t, table: str, col: Column) -> str:
    return t(f"col.{table}.{col.name}") + (" *" if col.required else "")


def widget(t, table: str, col: Column, key: str, default=None, choices: dict | None = None):
    """choices ({value: label}) replace the schema's allowed values, e.g. for an editable list."""
    label, key = _label(t, table, col), f"{key}_{col.name}"
    names = choices if choices is not None else {v: t(f"{col.name}.{v}") for v in col.allowed}
    if names:
        # a required choice starts empty, so nobody saves the first option without choosing it
        options = list(names) if col.required else [None, *names]
        index = options.index(default) if default in options else (None if col.required else 0)
        return st.selectbox(label, options, index=index, key=key, placeholder=t("form.choose"),
                            format_func=lambda v: "–" if v is None else names.get(v, str(v)))
    if col.type == "date":
        return st.date_input(label, value=default, key=key)
    if col.type == "bool":
        return st.selectbox(label, [None, True, False], index=[None, True, False].index(default), key=key,
                            format_func=lambda v: "–" if v is None else t(f"common.{str(v).lower()}"))
    if col.type == "int" and col.minimum is not None and col.maximum is not None:
        options = [None, *range(int(col.minimum), int(col.maximum) + 1)]
        return st.selectbox(label, options, index=options.index(default), key=key,
                            format_func=lambda v: "–" if v is None else str(v))
    if col.type in ("int", "float"):
        kind = int if col.type == "int" else float  # streamlit wants one numeric type throughout
        number = lambda v: None if v is None else kind(v)  # noqa: E731
        return st.number_input(label, value=number(default), min_value=number(col.minimum),
                               max_value=number(col.maximum), step=1 if col.type == "int" else None, key=key)
    if col.name in LONG_TEXT:
        return st.text_area(label, value=default or "", key=key, height=90)
    return st.text_input(label, value=default or "", key=key)


def record_form(ctx, table: str, fields, save, *, key: str, defaults: dict | None = None,
                submit: str = "form.save", choices: dict[str, dict] | None = None, borrowed: dict | None = None,
                account: str | None = None):
    """Render the form; on submit call save(values). Returns save's result, or None. `borrowed`
    names fields of another table the form also asks, {field: table} (e.g. a change's reason).

    A record on an account (`account`: its customer id) is saved only if the person may record
    for it (kam.access); otherwise the form says why."""
    t, defaults, borrowed = ctx.t, defaults or {}, borrowed or {}
    values, slots = {}, {}
    with st.form(key):
        for row in fields:
            names = row if isinstance(row, tuple) else (row,)
            places = st.columns(len(names)) if len(names) > 1 else [st.container()]
            for name, place in zip(names, places):
                with place:
                    home = borrowed.get(name, table)
                    values[name] = widget(t, home, table_def(home).column(name), key, defaults.get(name),
                                          (choices or {}).get(name))
                    slots[name] = st.empty()
        submitted = st.form_submit_button(t(submit), type="primary")
    if not submitted:
        return None
    try:
        if account is not None:
            access.check_account(ctx.db, ctx.person, account)
        return save({k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()})
    except access.Refused as refused:
        st.error(signin.refusal_text(t, refused))
        return None
    except InvalidRecords as error:
        st.error(t("form.not_saved", count=len(error.problems)))
        for problem in error.problems:
            (slots.get(problem.column) or st).error(problem_text(t, problem))
        return None
