"""The pages' charts, stated with plotly's graph objects, the data's text in them escaped
(kam.charts.literal: a chart written with graph objects on a page passes through it too).

The same calls as plotly.express for what the pages draw (bars, lines, a doughnut), at a
fraction of the cost: express takes about 80 ms a chart to work out what graph objects
state in 5 ms, and the revisit dashboard draws six charts on every rerun. Axes read as the cards
do (kam.charts: months as 2026年1月, money in 万/亿), so those come from here too.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kam.charts import colour, literal, money_axis, month_axis  # noqa: F401  (the pages' one import for charts)


def _split(frame: pd.DataFrame, color: str | None):
    """(name, rows) for each value of the colour column in order of appearance, or the whole frame."""
    if color is None:
        return [(None, frame)]
    return [(str(value), frame[frame[color] == value]) for value in pd.unique(frame[color])]


def _layout(figure: go.Figure, x: str, y: str, labels: dict | None, height: int | None, title: str | None,
            legend: str | None) -> go.Figure:
    labels = labels or {}
    figure.update_layout(height=height, title=title, legend_title_text=labels.get(legend, legend) if legend else None,
                         xaxis_title=labels.get(x, x), yaxis_title=labels.get(y, y),
                         showlegend=legend is not None)
    return literal(figure)  # the data's text shown as written, never as markup


def bar(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, text=None, text_auto: str | None = None,
        labels: dict | None = None, height: int | None = None, title: str | None = None,
        category_orders: dict | None = None) -> go.Figure:
    """Bars of y by x, stacked by the colour column if given."""
    figure = go.Figure()
    for name, rows in _split(frame, color):
        # a class, tier, reason or category keeps its one colour on every chart (kam.charts)
        figure.add_bar(x=rows[x], y=rows[y], name=name, text=text, marker_color=colour(color, name) if color else None,
                       texttemplate=f"%{{y:{text_auto}}}" if text_auto else None)
    figure.update_layout(barmode="relative")
    for axis, order in (category_orders or {}).items():
        if axis == x:
            figure.update_xaxes(categoryorder="array", categoryarray=list(order))
    return _layout(figure, x, y, labels, height, title, color)


def line(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, markers: bool = False,
         labels: dict | None = None, height: int | None = None, title: str | None = None) -> go.Figure:
    """A line of y over x, one per value of the colour column if given."""
    figure = go.Figure()
    for name, rows in _split(frame, color):
        figure.add_scatter(x=rows[x], y=rows[y], name=name, mode="lines+markers" if markers else "lines",
                           line={"color": colour(color, name)} if color else None)
    return _layout(figure, x, y, labels, height, title, color)


def pie(frame: pd.DataFrame, names: str, values: str, *, hole: float = 0, height: int | None = None,
        title: str | None = None) -> go.Figure:
    figure = go.Figure(go.Pie(labels=frame[names], values=frame[values], hole=hole))
    figure.update_layout(height=height, title=title)
    return literal(figure)
