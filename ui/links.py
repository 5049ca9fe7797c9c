"""Every customer a page names leads to its account file: links in tables, and the sidebar's search."""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from kam import access
from kam.accounts import account_file


def plain_label(text: str) -> str:
    """Stored text as a widget's label, its markdown characters escaped: shown as written."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!<>|~$:" else c for c in str(text))


def account_search(ctx, accounts_page) -> None:
    """The sidebar's search: an account found by name, id or contact, one click to its file."""
    t = ctx.t
    text = st.sidebar.text_input(t("sidebar.find_account"), key="find_account", placeholder=t("sidebar.find_hint"))
    if not text.strip():
        return
    found = account_file.find(ctx.db, text, among=access.customer_condition(ctx.person), limit=8)
    if found.empty:
        st.sidebar.caption(t("accounts.none"))
    for row in found.itertuples():
        st.sidebar.page_link(accounts_page, label=plain_label(f"{row.name} ({row.customer_id})"),
                             query_params={"customer": row.customer_id, "lang": ctx.lang})


def account_link(customer_id: str, name, lang: str) -> str:
    """The address of a customer's account file, its name after the # for the link's text."""
    shown_name = name if isinstance(name, str) and name else customer_id
    return f"accounts?customer={quote(str(customer_id), safe='')}&lang={lang}#{shown_name}"


def customer_links(frame: pd.DataFrame, t, column: str = "customer_name") -> tuple[pd.DataFrame, dict]:
    """The frame with its customer name (or id) column made a link to the account file, and the
    column's config: every table that names a customer leads to its file. Built column-wise (an
    ABC table has a row per customer: 100,000 at a large company, on every rerun)."""
    if "customer_id" not in frame.columns:
        return frame, {}
    column = column if column in frame.columns else "customer_id"
    out = frame.copy()
    ids = out["customer_id"].astype(str)
    plain = ids.str.fullmatch(r"[A-Za-z0-9_.~-]*")  # what quote() leaves as it is
    quoted = ids.where(plain, ids[~plain].map(lambda i: quote(str(i), safe="")))
    names = out[column]
    shown = names.where(names.notna() & (names.astype(str) != ""), ids).astype(str)
    out[column] = "accounts?customer=" + quoted + f"&lang={t.lang}#" + shown
    return out, {column: st.column_config.LinkColumn(display_text=r"#(.*)$")}
