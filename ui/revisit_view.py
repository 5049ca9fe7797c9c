"""How the revisit pages show codes and columns: in the user's words, never as stored codes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kam.sales.abc import CLASSES
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


def shown(frame: pd.DataFrame, columns, t) -> pd.DataFrame:
    """The chosen columns, codes named and headers in the user's language."""
    out = frame[list(columns)].copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.date  # a day, not midnight
        else:
            out[column] = named(out, column, t)
    return labelled(out, t, "revisit")


def policy_sentence(policy, t) -> str:
    """The policy in one sentence: each rule's interval, and which wins."""
    items = [t("revisit.class_rule", name=r.name, days=r.interval_days) if r.kind == "class"
             else t("revisit.tier_rule", name=t(f"tier.{r.name}"), days=r.interval_days)
             for r in policy.rules if r.interval_days is not None]
    return t("revisit.policy_sentence", rules=t("list.joiner").join(items))
