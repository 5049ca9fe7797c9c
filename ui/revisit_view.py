"""How the revisit pages show codes and columns: in the user's words, never as stored codes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kam.sales.abc import CLASSES
from ui import tables
from ui.links import customer_links
from ui.tables import labelled

CODED = ("method", "occasion", "deal_stage", "role", "status")


def named(frame: pd.DataFrame, column: str, t) -> pd.Series:
    """A column of codes (class, tier, method, occasion, deal stage, role, plan status) as names;
    any other column as it is."""
    if column not in ("abc_class", "tier", *CODED):
        return frame[column]

    def one(value):
        if column == "abc_class":
            return t(f"abc.class.{value}") if value in CLASSES else t("revisit.class.none")
        if not isinstance(value, str) or not value:
            return t("revisit.unspecified")
        return t(f"tier.{value}") if column == "tier" else t(f"{column}.{value}")
    # each distinct code is named once: a column of a hundred thousand accounts holds a handful
    codes, distinct = pd.factorize(frame[column].astype(object), use_na_sentinel=True)
    names = np.array([one(value) for value in distinct] + [one(None)], dtype=object)
    return pd.Series(names[codes], index=frame.index, name=column)


def coded(frame: pd.DataFrame, columns, t) -> pd.DataFrame:
    """The chosen columns with their codes named and days without a time."""
    out = frame[list(columns)].copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.date  # a day, not midnight
        else:
            out[column] = named(out, column, t)
    return out


def shown(frame: pd.DataFrame, columns, t) -> pd.DataFrame:
    """coded(), headers in the user's language: for a download or a card."""
    return labelled(coded(frame, columns, t), t, "revisit")


def show_table(frame: pd.DataFrame, columns, t, *, linked: bool = False, **options) -> None:
    """coded() as a table on screen (ui.show_table: money, shares, labels); `linked`: the customer's
    name leads to the account file."""
    links = {}
    if linked:
        frame, links = customer_links(frame, t)
    config = {tables.label(t, "revisit", c): link for c, link in links.items() if c in columns}
    tables.show_table(coded(frame, columns, t), t, "revisit", placeholder="–",
                      column_config={**config, **options.pop("column_config", {})}, **options)


def policy_sentence(policy, t) -> str:
    """The policy in one sentence: each rule's interval, and which wins."""
    items = [t("revisit.class_rule", name=r.name, days=r.interval_days) if r.kind == "class"
             else t("revisit.tier_rule", name=t(f"tier.{r.name}"), days=r.interval_days)
             for r in policy.rules if r.interval_days is not None]
    return t("revisit.policy_sentence", rules=t("list.joiner").join(items))
