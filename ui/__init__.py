"""What every page shares: the store, the language, the user and the sidebar filters.

This is the only module besides the pages that imports streamlit. The filters
and the language live in the URL, so any view can be bookmarked and shared.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kam.sales import overview
from kam.readside.database import Database
from kam.filters import Filters
from kam.i18n import DEFAULT_LANGUAGE, LANGUAGES, TEXT
from kam.periods import PRESETS
from kam import access
from kam.access import Person
from kam.store import batches
from kam.store.delta import Store, data_dir
from kam.store.work import Work

FILTER_KEYS = ("period", "start", "end", "region", "manager", "tier")


@dataclass
class Context:
    store: Store
    db: Database
    t: object
    lang: str
    user: str  # who writes: the signed-in identity, or the local user's name
    filters: Filters | None = None
    person: Person | None = None  # and what they may do (kam.access)

    @property
    def work(self) -> Work:
        """A write's unit of work: this store, the signed-in user, today."""
        return Work(self.store, self.db, self.user, today())


@st.cache_resource
def _database(root: str) -> Database:
    store = Store(root)
    batches.on_start(store)
    return Database(store)


def database() -> Database:
    return _database(str(data_dir()))


def today() -> dt.date:
    return dt.date.today()


def language_switch() -> str:
    """The 中文 / English switch; the first run of a session takes the language from the URL."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    st.sidebar.radio("语言 / Language", LANGUAGES, key="lang", horizontal=True,
                     format_func={"zh": "中文", "en": "English"}.get)
    return st.session_state["lang"]


def _seed_filter_state() -> None:
    """On the first run of a session, the filters come from the URL."""
    if "f_period" in st.session_state:
        return
    f = Filters.from_params(dict(st.query_params), today())
    st.session_state.update(f_period=f.preset, f_start=f.period.start, f_end=f.period.end,
                            f_region=list(f.regions), f_manager=list(f.managers), f_tier=list(f.tiers))


def sidebar_filters(ctx: Context) -> Filters:
    t = ctx.t
    _seed_filter_state()
    options = overview.filter_options(ctx.db)
    side = st.sidebar
    side.subheader(t("sidebar.filters"))
    side.selectbox(t("sidebar.period"), PRESETS, key="f_period", format_func=lambda p: t(f"period.{p}"))
    if st.session_state["f_period"] == "custom":
        side.date_input(t("sidebar.start"), key="f_start")
        side.date_input(t("sidebar.end"), key="f_end")
    for key, column, label in (("f_region", "region", "sidebar.region"),
                               ("f_manager", "account_manager", "sidebar.manager"),
                               ("f_tier", "tier", "sidebar.tier")):
        choices = sorted(set(options[column]) | set(st.session_state.get(key, [])))
        fmt = (lambda v: t(f"tier.{v}")) if column == "tier" else str
        side.multiselect(t(label), choices, key=key, format_func=fmt, placeholder=t("sidebar.all"))
    params = {"period": st.session_state["f_period"],
              "start": str(st.session_state["f_start"]), "end": str(st.session_state["f_end"]),
              "region": ",".join(st.session_state["f_region"]),
              "manager": ",".join(st.session_state["f_manager"]),
              "tier": ",".join(st.session_state["f_tier"])}
    filters = Filters.from_params(params, today())
    side.caption(t("sidebar.share_hint"))
    return filters


def plain_label(text: str) -> str:
    """Stored text as a widget's label, its markdown characters escaped: shown as written."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!<>|~$:" else c for c in str(text))


def account_search(ctx: Context, accounts_page) -> None:
    """The sidebar's search: an account found by name, id or contact, one click to its file."""
    from kam.accounts import account_file

    t = ctx.t
    text = st.sidebar.text_input(t("sidebar.find_account"), key="find_account", placeholder=t("sidebar.find_hint"))
    if not text.strip():
        return
    found = account_file.find(ctx.db, text, limit=8)
    if found.empty:
        st.sidebar.caption(t("accounts.none"))
    for row in found.itertuples():
        st.sidebar.page_link(accounts_page, label=plain_label(f"{row.name} ({row.customer_id})"),
                             query_params={"customer": row.customer_id, "lang": ctx.lang})


def bind_url(ctx: Context) -> None:
    """Write the view's state back to the address bar, keeping what a page put there (e.g. ?customer=)."""
    owned = {"lang", *FILTER_KEYS}
    wanted = {k: v for k, v in st.query_params.items() if k not in owned}
    wanted |= {"lang": ctx.lang, **(ctx.filters.to_params() if ctx.filters else {})}
    current = {k: st.query_params.get(k) for k in set(st.query_params) | set(wanted)}
    if current != wanted:
        st.query_params.from_dict(wanted)


def use_period(start: dt.date, end: dt.date) -> None:
    """Button callback: switch the sidebar to a custom period."""
    st.session_state.update(f_period="custom", f_start=start, f_end=end)


def context() -> Context:
    """The context app.py made for this run.

    Streamlit treats a folder named pages/ as old-style pages until the first
    run of app.py calls st.navigation; a first request straight to a page's
    address runs that page alone. Then we leave old-style mode and rerun, so
    app.py builds the frame and opens the same page.
    """
    if "ctx" not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state["ctx"]


def period_guard(ctx: Context) -> bool:
    """Say so when the chosen period holds no sales but the store does; offer the data's own range."""
    if overview.period_has_data(ctx.db, ctx.filters):
        return True
    span = overview.data_range(ctx.db)
    if span is None:
        return True
    p, t = ctx.filters.period, ctx.t
    st.warning(t("outside.warning", start=p.start, end=p.end, first=span.start, last=span.end))
    st.button(t("outside.use_range", first=span.start, last=span.end), on_click=use_period,
              args=(span.start, span.end), type="primary")
    return False


def csv_download(frame, label: str, file_name: str, key: str) -> None:
    """A download of the frame as CSV, for those who may export; `frame` may be a function that makes it."""
    from kam.export import to_csv_bytes
    if not access.allows(context().person, access.EXPORT):
        return
    # the file is made when someone clicks, not on every rerun: a big table's CSV takes a second
    st.download_button(label, lambda: to_csv_bytes(frame() if callable(frame) else frame), file_name=file_name,
                       mime="text/csv", key=key)


ROWS_ON_SCREEN = 500  # a table on screen shows this many rows at most; its download has them all


def first_rows(frame: pd.DataFrame, t) -> pd.DataFrame:
    """The rows a table shows: the first ROWS_ON_SCREEN, saying so when there are more. Sending
    tens of thousands of rows to a browser costs seconds and nobody reads them there."""
    if len(frame) <= ROWS_ON_SCREEN:
        return frame
    st.caption(t("common.first_rows", shown=ROWS_ON_SCREEN, total=len(frame)))
    return frame.head(ROWS_ON_SCREEN)


def label(t, table: str | None, column: str) -> str:
    """A column's name in the user's language, as the table names it if it does."""
    key = f"col.{table}.{column}"
    return t(key) if table and key in TEXT else t(f"col.{column}")


def labelled(frame: pd.DataFrame, t, table: str | None = None) -> pd.DataFrame:
    """The frame with its columns named in the user's language."""
    return frame.rename(columns={c: label(t, table, c) for c in frame.columns})


def named_values(frame: pd.DataFrame, t, columns) -> pd.DataFrame:
    """The frame with the values of these columns named in the user's language.

    `columns` lists columns, or maps a column to the name its values go by
    (e.g. {"customer_status": "status"}).
    """
    from kam.i18n import value_name
    names = columns if isinstance(columns, dict) else {c: c for c in columns}
    out = frame.copy()
    for column, name in names.items():
        out[column] = [value_name(t, name, v) for v in out[column]]
    return out


def shown(value) -> str:
    """One value as a card shows it: '–' when missing, a day without its time."""
    if value is None or value is pd.NA or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def form_defaults(record: dict) -> dict:
    """A stored record as a form's defaults: missing values None, days as dates, plain Python values."""
    def plain(value):
        if shown(value) == "–":
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
        return value.item() if hasattr(value, "item") else value
    return {k: plain(v) for k, v in record.items()}


def account_link(customer_id: str, name, lang: str) -> str:
    """The address of a customer's account file, its name after the # for the link's text."""
    from urllib.parse import quote
    shown_name = name if isinstance(name, str) and name else customer_id
    return f"accounts?customer={quote(str(customer_id), safe='')}&lang={lang}#{shown_name}"


def customer_links(frame: pd.DataFrame, t, column: str = "customer_name") -> tuple[pd.DataFrame, dict]:
    """The frame with its customer name (or id) column made a link to the account file, and the
    column's config: every table that names a customer leads to its file."""
    if "customer_id" not in frame.columns:
        return frame, {}
    column = column if column in frame.columns else "customer_id"
    out = frame.copy()
    out[column] = [account_link(i, n, t.lang) for i, n in zip(out["customer_id"], out[column])]
    return out, {column: st.column_config.LinkColumn(display_text=r"#(.*)$")}


def show_table(frame: pd.DataFrame, t, table: str | None = None, *, names=(), money=(), shares=(),
               **options) -> None:
    """A frame as a table: values named (see named_values), days without a time, money in yuan,
    shares as percentages, columns labelled, the customer leading to its account file."""
    out, links = customer_links(named_values(frame, t, names) if names else frame, t)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.date
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].fillna("")  # not the word "None"
    out = labelled(out, t, table)
    formats = {**{c: "yen" for c in money}, **{c: "percent" for c in shares}}
    config = {label(t, table, c): st.column_config.NumberColumn(format=f) for c, f in formats.items()}
    config |= {label(t, table, c): link for c, link in links.items()}
    options["column_config"] = {**config, **options.get("column_config", {})}
    st.dataframe(out, hide_index=True, width="stretch", **options)
