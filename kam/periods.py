"""Reporting periods: the presets a meeting asks for, and the period before."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

PRESETS = ("this_month", "last_month", "this_quarter", "last_quarter", "year_to_date",
           "last_12_months", "last_year", "custom")
DEFAULT_PRESET = "last_12_months"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    step_months: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period to compare with.

        A preset period is compared with the same calendar stretch one step
        earlier (a month with the month before, this quarter so far with the
        same days of the quarter before, a year with the year before); a custom
        period with the same number of days ending the day before it starts.
        """
        if self.step_months:
            return Period(_shift(self.start, -self.step_months), _shift(self.end, -self.step_months),
                          self.step_months)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def whole_months(self) -> "Period | None":
        """The calendar months that lie entirely inside the period, as one period; None if none does."""
        try:
            first = self.start if self.start.day == 1 else _add_months(self.start.replace(day=1), 1)
        except ValueError:  # past the last month there is
            return None
        month_end = calendar.monthrange(self.end.year, self.end.month)[1]
        last = self.end if self.end.day == month_end else self.end.replace(day=1) - dt.timedelta(days=1)
        return Period(first, last) if first <= last else None

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _month_end(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _shift(day: dt.date, months: int) -> dt.date:
    """The same day so many months away; a month end stays a month end."""
    first = _add_months(day.replace(day=1), months)
    if day == _month_end(day):
        return _month_end(first)
    return min(first + dt.timedelta(days=day.day - 1), _month_end(first))


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def resolve(preset: str, today: dt.date, start: dt.date | None = None,
            end: dt.date | None = None) -> Period:
    if preset == "this_month":
        return Period(today.replace(day=1), today, 1)
    if preset == "last_month":
        first = _add_months(today.replace(day=1), -1)
        return Period(first, today.replace(day=1) - dt.timedelta(days=1), 1)
    if preset == "this_quarter":
        return Period(_quarter_start(today), today, 3)
    if preset == "last_quarter":
        this_q = _quarter_start(today)
        return Period(_add_months(this_q, -3), this_q - dt.timedelta(days=1), 3)
    if preset == "year_to_date":
        return Period(dt.date(today.year, 1, 1), today, 12)
    if preset == "last_12_months":
        return Period(_add_months(today.replace(day=1), -11), today, 12)
    if preset == "last_year":
        return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31), 12)
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs a start and an end")
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        return Period(start, end)
    raise ValueError(f"unknown period {preset!r}; choose one of {', '.join(PRESETS)}")
