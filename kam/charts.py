"""How charts read everywhere (pages, presentation, meeting pack): money axes in 万/亿 or K/M as
the metric cards say it, months as 2026年1月 / Jan 2026, a month still running marked as
partial, and one colour per ABC class, tier, churn reason and complaint category.

The colours are Okabe and Ito's palette, made to stay apart for colour-blind viewers; each
value also keeps its place in a fixed order, so bars print in the same grey order in black and
white. Plotly only: kam code and the pack use it as well as the pages.
"""
from __future__ import annotations

import calendar
import datetime as dt
import html
import math
import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kam import formatting as fmt
from kam.risk.churn import DEFAULT_REASONS
from kam.risk.complaints import DEFAULT_CATEGORIES
from kam.sales.abc import CLASSES
from kam.store.schema import TIERS

# Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, grey
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")

# The values whose colour must mean the same on every chart, in the order they take colours.
COLOURED = {
    "abc_class": CLASSES,
    "tier": TIERS,
    "reason": tuple(DEFAULT_REASONS),
    "category": tuple(DEFAULT_CATEGORIES),
}
_FIXED = {"abc_class": {"A": "#0072B2", "B": "#E69F00", "C": "#999999"}}


def colour(column: str, value) -> str:
    """The one colour of this value of a coloured column; values not listed take the rest in turn."""
    fixed = _FIXED.get(column, {})
    if value in fixed:
        return fixed[value]
    known = COLOURED.get(column, ())
    index = known.index(value) if value in known else len(known) + zlib.crc32(str(value).encode()) % len(OKABE_ITO)
    return OKABE_ITO[index % len(OKABE_ITO)]


# Where plotly draws text it reads a little HTML (<b>, <br>, <a href>, <span style>): in tick
# labels, legends, hover labels and bar texts. Stored text (a customer's or manager's name, a
# reason someone typed) reaches those through the traces' data and the axes' categories.
TRACE_TEXT = ("x", "y", "z", "text", "hovertext", "customdata", "labels", "name", "ids")
AXIS_TEXT = ("categoryarray", "tickvals", "ticktext")


def _escaped(value):
    """The text escaped, or the array with its texts escaped (left as it is when none needs it)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if not isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)) or (
            isinstance(value, np.ndarray) and value.dtype.kind in "biufcmM"):  # numbers and times
        return value
    cells = np.asarray(value, dtype=object)
    texts = "".join(v for v in cells.ravel() if isinstance(v, str))
    if not any(c in texts for c in "<>&"):
        return value
    return np.array([_escaped(v) for v in cells.ravel()], dtype=object).reshape(cells.shape)


def literal(figure: go.Figure) -> go.Figure:
    """The figure with every text from data written out literally (escaped, so plotly shows
    `<a href=…>` as those characters and renders no markup from a stored name); in place."""
    for trace in figure.data:
        for name in TRACE_TEXT:
            if name in trace and trace[name] is not None:
                trace[name] = _escaped(trace[name])
    for axis in (figure.layout.xaxis, figure.layout.yaxis):  # the ones the pages give categories or ticks
        for name in AXIS_TEXT:
            if axis[name] is not None:
                axis[name] = _escaped(axis[name])
    return figure


def _nice_step(top: float, ticks: int = 5) -> float:
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def money_axis(figure: go.Figure, values, lang: str, axis: str = "yaxis") -> go.Figure:
    """Ticks on a money axis written as the cards write money (¥120万, ¥1.20亿 / ¥1.20M)."""
    numbers = pd.Series(values, dtype="float64").dropna()
    low, high = min(0.0, numbers.min()) if len(numbers) else 0.0, numbers.max() if len(numbers) else 0.0
    if high <= low:
        return figure
    step = _nice_step(high - low)
    ticks = [step * i for i in range(math.floor(low / step), math.ceil(high / step) + 1)]
    figure.update_layout({axis: {"tickvals": ticks, "ticktext": [fmt.money(v, lang) for v in ticks]}})
    return figure


def month_name(day, lang: str, with_year: bool) -> str:
    day = pd.Timestamp(day)
    if lang == "zh":
        return f"{day.year}年{day.month}月" if with_year else f"{day.month}月"
    name = calendar.month_abbr[day.month]
    return f"{name} {day.year}" if with_year else name


def running_month(months, period_end: dt.date) -> pd.Timestamp | None:
    """The last month plotted when the data stop before its end (the month is still running)."""
    if len(months) == 0:
        return None
    last = pd.Timestamp(list(months)[-1])
    month_end = last + pd.offsets.MonthEnd(0)
    return last if pd.Timestamp(period_end) < month_end else None


MONTH_TICKS = 13  # more labels than this and they run into each other on a laptop


def month_axis(figure: go.Figure, months, lang: str, t, period_end: dt.date, axis: str = "xaxis") -> go.Figure:
    """A tick a month (every second or third month over a long stretch, counted back from the last),
    the year written on the first tick and wherever it changes; a month still running says so, and
    its bars are drawn lighter."""
    months = sorted({pd.Timestamp(m) for m in months})
    partial = running_month(months, period_end)
    step = math.ceil(len(months) / MONTH_TICKS) if months else 1
    ticks = months[::-1][::step][::-1]
    texts = []
    for i, month in enumerate(ticks):
        text = month_name(month, lang, i == 0 or month.year != ticks[i - 1].year)
        texts.append(t("chart.partial_month", month=text) if month == partial else text)
    figure.update_layout({axis: {"tickvals": ticks, "ticktext": texts, "title": None}})
    if partial is not None:
        for trace in figure.data:
            if trace.type == "bar" and len(trace.x):
                opacity = [0.45 if pd.Timestamp(x) == partial else 1.0 for x in trace.x]
                trace.marker.opacity = opacity
    return figure
