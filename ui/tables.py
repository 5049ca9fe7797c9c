"""Tables on screen: columns labelled in the user's language, coded values named, days without a
time, money in yuan, shares as percentages, and no more rows than a person reads."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from kam.i18n import TEXT, value_name
from ui.links import customer_links

ROWS_ON_SCREEN = 500  # a table on screen shows this many rows at most; its download has them all


def first_rows(frame: pd.DataFrame, t) -> pd.DataFrame:
    """The rows a table shows: the first ROWS_ON_SCREEN, saying so when there are more. Sending
    tens of thousands of rows to a browser costs seconds and nobody reads them there."""
    if len(frame) <= ROWS_ON_SCREEN:
        return frame
    st.caption(t("common.first_rows", shown=ROWS_ON_SCREEN, total=len(frame)))
    return frame.head(ROWS_ON_SCREEN)


def label(t, table: str | None, column: str, labels: dict | None = None) -> str:
    """A column's name in the user's language: as `labels` (column -> text) gives it, else as the
    table names it if it does, else the column's common name."""
    if labels and column in labels:
        return labels[column]
    key = f"col.{table}.{column}"
    return t(key) if table and key in TEXT else t(f"col.{column}")


def labelled(frame: pd.DataFrame, t, table: str | None = None, labels: dict | None = None) -> pd.DataFrame:
    """The frame with its columns named in the user's language (see label)."""
    return frame.rename(columns={c: label(t, table, c, labels) for c in frame.columns})


def named_values(frame: pd.DataFrame, t, columns) -> pd.DataFrame:
    """The frame with the values of these columns named in the user's language.

    `columns` lists columns, or maps a column to the name its values go by
    (e.g. {"customer_status": "status"}).
    """
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


def show_table(frame: pd.DataFrame, t, table: str | None = None, *, labels: dict | None = None, names=(),
               money=(), shares=(), moments=(), **options) -> None:
    """A frame as a table: values named (see named_values), days without a time (but the `moments`
    keep theirs), money in yuan, shares as percentages, columns labelled (see label), the customer
    leading to its account file."""
    out, links = customer_links(named_values(frame, t, names) if names else frame.copy(), t)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            if column not in moments:
                out[column] = out[column].dt.date
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].fillna(options.get("placeholder", ""))  # not the word "None"
    out = labelled(out, t, table, labels)
    formats = {**{c: "yen" for c in money}, **{c: "percent" for c in shares}}
    config = {label(t, table, c, labels): st.column_config.NumberColumn(format=f) for c, f in formats.items()}
    config |= {label(t, table, c, labels): link for c, link in links.items()}
    options["column_config"] = {**config, **options.get("column_config", {})}
    st.dataframe(out, hide_index=True, width="stretch", **options)


# Every sign Streamlit's markdown acts on: markdown itself, HTML and entities, :emoji: and :colour[...],
# LaTeX. Written as a character reference (&#58;) each is shown as it is.
MARKDOWN_SIGNS = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$:&=\"'@/]")
# Where the markdown's link finder sees an address in the text itself (http://, www., a@b.c), whatever
# the escapes: an invisible word joiner there leaves the text as it looks and makes no link.
LINK_STARTS = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=www)(?=\.)|(?<=@)")


def literal(value) -> str:
    """Stored text for st.markdown, st.caption, st.header...: shown exactly as written (a name holding
    ![x](http://host/beacon) shows those characters and loads nothing), its line breaks kept."""
    text = LINK_STARTS.sub("\u2060", shown(value))
    return MARKDOWN_SIGNS.sub(lambda sign: f"&#{ord(sign.group())};", text).replace("\n", "  \n")
