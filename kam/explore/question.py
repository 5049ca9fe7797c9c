"""A question asked of a subject, as a value: what it groups by, what it measures, which rows it
keeps, how it is drawn, sorted and cut. Like a Filters value it has three faces and runs nothing
itself: the SQL (fields and numbers from the subject's whitelist, every value a bound
parameter), the sentence a person reads, and the URL parameters that hold the whole question, so
that an address opens the same table.

Measures: count (rows), customers (distinct), sum and avg of a number, share (a group's sum of the
total over all groups, before any top N), change (a group's sum, or its rows, against the same
group in the previous period: kam.periods' rule; -0.25 is a quarter less).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kam.explore.subjects import SUBJECTS, Subject, subject
from kam.filters import Filters
from kam.i18n import value_name
from kam.readside.database import Database

KINDS = ("sum", "count", "customers", "avg", "share", "change")
NEEDS_NUMBER = ("sum", "avg", "share")  # change takes a number or counts rows
CHARTS = ("bar", "stacked_bar", "line", "heat_map", "table")
SORTS = ("desc", "asc", "label")
OPS = ("in", "min", "max")  # a field's value is one of; a number at least; at most
MAX_BY, MAX_MEASURES = 2, 2


class QuestionError(ValueError):
    """A question that cannot be asked, saying which part of it and why."""


@dataclass(frozen=True)
class Measure:
    kind: str
    number: str | None = None

    @property
    def name(self) -> str:
        """Its column in the answer, e.g. sum_amount, customers."""
        return f"{self.kind}_{self.number}" if self.number else self.kind

    def __str__(self) -> str:
        return f"{self.kind}:{self.number}" if self.number else self.kind

    @classmethod
    def parse(cls, text: str) -> "Measure":
        kind, _, number = text.strip().partition(":")
        return cls(kind, number or None)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.field}:{self.op}:{'|'.join(self.values)}"

    @classmethod
    def parse(cls, text: str) -> "Condition":
        parts = text.split(":", 2)
        if len(parts) != 3:
            raise QuestionError(f"filter {text!r} is not FIELD:OP:VALUE[|VALUE] (OP one of {', '.join(OPS)})")
        name, op, values = parts
        return cls(name.strip(), op.strip(), tuple(v for v in values.split("|") if v != ""))


@dataclass(frozen=True)
class Question:
    subject: str
    by: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = (Measure("count"),)
    where: tuple[Condition, ...] = ()
    chart: str = "bar"
    sort: str = "desc"
    top: int | None = None

    def __post_init__(self):
        self._check()

    # ---- checking: only names from the whitelist get near the SQL ----------------
    def _check(self) -> None:
        if self.subject not in SUBJECTS:
            raise QuestionError(f"unknown subject {self.subject!r}; subjects are: {', '.join(SUBJECTS)}")
        about = SUBJECTS[self.subject]
        if len(self.by) > MAX_BY or len(set(self.by)) != len(self.by):
            raise QuestionError(f"group by at most {MAX_BY} different fields, got {', '.join(self.by)}")
        for name in self.by:
            self._field(about, name, "group by")
        if not 1 <= len(self.measures) <= MAX_MEASURES or len(set(self.measures)) != len(self.measures):
            raise QuestionError(f"ask for one or two different measures, got {', '.join(map(str, self.measures))}")
        for measure in self.measures:
            self._check_measure(about, measure)
        for condition in self.where:
            self._check_condition(about, condition)
        for value, allowed, what in ((self.chart, CHARTS, "chart"), (self.sort, SORTS, "sort")):
            if value not in allowed:
                raise QuestionError(f"{what} {value!r} is not one of {', '.join(allowed)}")
        if self.top is not None and not (isinstance(self.top, int) and self.top > 0):
            raise QuestionError(f"top must be a whole number above 0, got {self.top!r}")

    @staticmethod
    def _field(about: Subject, name: str, where: str) -> None:
        if name not in about.fields:
            raise QuestionError(f"{where}: {about.name} has no field {name!r}; "
                                f"fields are: {', '.join(about.fields)}")

    @staticmethod
    def _check_measure(about: Subject, measure: Measure) -> None:
        if measure.kind not in KINDS:
            raise QuestionError(f"measure {str(measure)!r}: kind must be one of {', '.join(KINDS)}")
        if measure.kind in NEEDS_NUMBER and measure.number is None:
            raise QuestionError(f"measure {measure.kind!r} needs a number, e.g. {measure.kind}:{about.numbers[0]}")
        if measure.kind in ("count", "customers") and measure.number is not None:
            raise QuestionError(f"measure {measure.kind!r} counts rows and takes no number")
        if measure.number is not None and measure.number not in about.numbers:
            raise QuestionError(f"measure {str(measure)!r}: {about.name} has no number {measure.number!r}; "
                                f"numbers are: {', '.join(about.numbers)}")

    @staticmethod
    def _check_condition(about: Subject, condition: Condition) -> None:
        if condition.op == "in":
            Question._field(about, condition.field, "filter")
            if not condition.values:
                raise QuestionError(f"filter on {condition.field!r} names no value")
            return
        if condition.op not in OPS:
            raise QuestionError(f"filter {str(condition)!r}: OP must be one of {', '.join(OPS)}")
        if condition.field not in about.numbers:
            raise QuestionError(f"filter {str(condition)!r}: {about.name} has no number {condition.field!r}; "
                                f"numbers are: {', '.join(about.numbers)}")
        if len(condition.values) != 1 or not _is_number(condition.values[0]):
            raise QuestionError(f"filter {str(condition)!r}: give one number")

    # ---- the SQL -------------------------------------------------------------------
    @property
    def about(self) -> Subject:
        return subject(self.subject)

    @property
    def compares(self) -> bool:
        return any(m.kind == "change" for m in self.measures)

    def _aggregate(self, measure: Measure) -> str:
        if measure.kind == "customers":
            return "COUNT(DISTINCT r.customer_id)"
        if measure.kind == "avg":
            return f"AVG(r.{measure.number})"
        if measure.number is None:  # count, or change of rows
            return "COUNT(*)"
        return f"SUM(r.{measure.number})"

    @staticmethod
    def _final(measure: Measure, i: int) -> str:
        if measure.kind == "share":
            return f"n.m{i} / NULLIF(SUM(n.m{i}) OVER (), 0)"
        if measure.kind == "change":
            return f"n.m{i} / NULLIF(b.m{i}, 0) - 1"
        return f"n.m{i}"

    def _where(self, filters: Filters) -> tuple[str, dict]:
        where, params = filters.customer_condition("r")
        parts = [where]
        for i, condition in enumerate(self.where):
            if condition.op == "in":
                names = [f"$w{i}_{j}" for j in range(len(condition.values))]
                params |= {name[1:]: value for name, value in zip(names, condition.values)}
                parts.append(f"CAST({self.about.fields[condition.field]} AS VARCHAR) IN ({', '.join(names)})")
            else:
                params[f"w{i}"] = float(condition.values[0])
                parts.append(f"r.{condition.field} {'>=' if condition.op == 'min' else '<='} $w{i}")
        return " AND ".join(parts), params

    def sql(self, db: Database, filters: Filters, today: dt.date) -> tuple[str, dict, dict]:
        """(SQL, parameters, parts) of the answer: Database.query's arguments."""
        about = self.about
        keys = [f'{about.fields[name]} AS "{name}"' for name in self.by]
        aggregates = [f"{self._aggregate(m)} AS m{i}" for i, m in enumerate(self.measures)]
        where, params = self._where(filters)
        periods = [("now_", filters)] + ([("before_", filters.previous())] if self.compares else [])
        steps, using = [], {}
        for prefix, chosen in periods:
            rows, rows_params, parts = about.rows(db, chosen, today, prefix)
            if chosen is not filters and "month" in about.fields:
                rows = _dated_as_now(rows, filters)
            params |= rows_params
            using |= parts
            steps.append(f"{prefix}g AS (SELECT {', '.join(keys + aggregates)} FROM ({rows}) r "
                         f"WHERE {where} GROUP BY ALL)")
        joined = "now_g n"
        if self.compares:
            on = " AND ".join(f'b."{name}" IS NOT DISTINCT FROM n."{name}"' for name in self.by) or "TRUE"
            joined += f" LEFT JOIN before_g b ON {on}"
        columns = [f'n."{name}"' for name in self.by] + [f"{self._final(m, i)} AS {m.name}"
                                                       for i, m in enumerate(self.measures)]
        sql = f"WITH {', '.join(steps)} SELECT {', '.join(columns)} FROM {joined} ORDER BY {self._order()}"
        if self.top:
            sql += " LIMIT $top"
            params["top"] = self.top
        return sql, params, using

    def _order(self) -> str:
        labels = [f'"{name}" NULLS LAST' for name in self.by]
        first = f"{self.measures[0].name} {'ASC' if self.sort == 'asc' else 'DESC'} NULLS LAST"
        return ", ".join(labels if self.sort == "label" else [first] + labels) or "1"

    def answer(self, db: Database, filters: Filters, today: dt.date) -> pd.DataFrame:
        sql, params, using = self.sql(db, filters, today)
        return db.query(sql, params, using=using)

    # ---- the sentence --------------------------------------------------------------
    def sentence(self, t) -> str:
        """What the table shows, in the language of the catalogue function t, e.g.
        "Sales: sum of amount and share of amount by region and month; industry is Food; top 10"."""
        measures = t("explore.and").join(self.measure_label(t, m) for m in self.measures)
        parts = [t(f"explore.subject.{self.subject}") + ": " + measures]
        if self.by:
            parts[0] += t("explore.by", fields=t("explore.and").join(t(f"explore.field.{f}") for f in self.by))
        for condition in self.where:
            name = t(f"explore.field.{condition.field}") if condition.op == "in" else t(f"explore.number.{condition.field}")
            values = (value_name(t, condition.field, v) for v in condition.values)
            parts.append(t(f"explore.op.{condition.op}", field=name, values=t("explore.or").join(values)))
        if self.top:
            parts.append(t("explore.top", n=self.top))
        return t("filter.joiner").join(parts)

    @staticmethod
    def measure_label(t, measure: Measure) -> str:
        number = t(f"explore.number.{measure.number}") if measure.number else t("explore.rows")
        return t(f"explore.kind.{measure.kind}", number=number)

    # ---- the address ---------------------------------------------------------------
    def to_params(self) -> dict[str, str]:
        params = {"subject": self.subject, "measure": ",".join(map(str, self.measures)), "chart": self.chart,
                  "sort": self.sort}
        if self.by:
            params["by"] = ",".join(self.by)
        if self.where:
            params["where"] = ";".join(map(str, self.where))
        if self.top:
            params["top"] = str(self.top)
        return params

    @classmethod
    def from_params(cls, params) -> "Question":
        """The question an address holds; QuestionError names what in it cannot be read."""
        top = params.get("top") or None
        if top is not None:
            try:
                top = int(top)
            except ValueError:
                raise QuestionError(f"top must be a whole number above 0, got {top!r}") from None
        return cls(
            subject=params.get("subject", ""),
            by=tuple(f for f in params.get("by", "").split(",") if f),
            measures=tuple(Measure.parse(m) for m in params.get("measure", "count").split(",") if m.strip()),
            where=tuple(Condition.parse(c) for c in params.get("where", "").split(";") if c.strip()),
            chart=params.get("chart", "bar"), sort=params.get("sort", "desc"), top=top)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _dated_as_now(rows: str, filters: Filters) -> str:
    """The previous period's rows dated as the days they are compared with (kam.periods' rule:
    a preset moves by its months, a custom period by its days), so that a group by month or
    quarter meets its own month or quarter the period before."""
    period, before = filters.period, filters.previous().period
    step = (f"INTERVAL {int(period.step_months)} MONTH" if period.step_months
            else f"INTERVAL {int((period.start - before.start).days)} DAY")
    return f"SELECT * REPLACE ((p.date + {step})::DATE AS date) FROM ({rows}) p"


QUESTION_KEYS = ("subject", "by", "measure", "where", "chart", "sort", "top")
