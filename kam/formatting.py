"""Numbers as a meeting reads them: money in 万/亿 or K/M, shares as percentages."""
from __future__ import annotations

import math


def money(value: float | None, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign, size = ("-" if value < 0 else ""), abs(value)
    if lang == "zh":
        if size >= 1e8:
            return f"{sign}¥{size / 1e8:,.2f}亿"
        if size >= 1e4:
            return f"{sign}¥{size / 1e4:,.1f}万"
        return f"{sign}¥{size:,.0f}"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= limit:
            return f"{sign}¥{size / limit:,.2f}{suffix}"
    return f"{sign}¥{size:,.0f}"


def count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def share(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}%}"


def change(value: float | None, kind: str = "relative") -> str | None:
    """A KPI's change: +12.3% for relative changes, +4.5 pp for shares; None when not comparable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "share":
        return f"{value * 100:+.1f} pp"
    return f"{value:+.1%}"
