"""The shared filters: what every dashboard is looking at.

A Filters value has two faces, like a Datasette filter: the SQL condition the
queries use, and the sentence a person reads. It also round-trips through the
URL's query string, so a filtered view can be bookmarked and opened in a
meeting exactly as it was.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from kam.periods import DEFAULT_PRESET, PRESETS, Period, resolve
from kam.store.schema import TIERS

LIST_PARAMS = {"region": "regions", "manager": "managers", "tier": "tiers"}


@dataclass(frozen=True)
class Filters:
    period: Period
    preset: str = DEFAULT_PRESET
    regions: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()

    def customer_condition(self, alias: str = "c") -> tuple[str, dict]:
        """SQL condition on the customers table (aliased), and its parameters."""
        parts, params = [], {}
        for column, values in (("region", self.regions), ("account_manager", self.managers),
                               ("tier", self.tiers)):
            if values:
                names = []
                for i, value in enumerate(values):
                    params[f"{column}_{i}"] = value
                    names.append(f"${column}_{i}")
                parts.append(f"{alias}.{column} IN ({', '.join(names)})")
        return (" AND ".join(parts) or "TRUE"), params

    def condition(self, date_column: str, alias: str = "c") -> tuple[str, dict]:
        """The period on a dated table plus the customer condition."""
        where, params = self.customer_condition(alias)
        return (f"{date_column} BETWEEN $start AND $end AND {where}",
                {**params, "start": self.period.start, "end": self.period.end})

    def customers_in(self, customer_column: str) -> tuple[str, dict]:
        """The customer filter as a semi-join on a customer_id column ("TRUE" when none is set):
        a scan of millions of lines then needs no join with the customers."""
        where, params = self.customer_condition("c")
        if where == "TRUE":
            return where, params
        return f"{customer_column} IN (SELECT c.customer_id FROM customers c WHERE {where})", params

    def lines_condition(self, date_column: str, customer_column: str) -> tuple[str, dict]:
        """The period and the customer filter on a dated table, without joining customers."""
        chosen, params = self.customers_in(customer_column)
        return (f"{date_column} BETWEEN $start AND $end AND {chosen}",
                {**params, "start": self.period.start, "end": self.period.end})

    @classmethod
    def everyone(cls, day: dt.date) -> "Filters":
        """No customer filter, the period of one day (for questions asked as of a day)."""
        return cls(Period(day, day), preset="custom")

    def previous(self) -> "Filters":
        return replace(self, period=self.period.previous())

    def with_period(self, period: Period, preset: str = "custom") -> "Filters":
        return replace(self, period=period, preset=preset)

    def human_clause(self, t) -> str:
        """One sentence naming what is shown, in the language of the catalogue function t."""
        parts = [t("filter.period_is", start=self.period.start.isoformat(), end=self.period.end.isoformat())]
        if self.regions:
            parts.append(t("filter.regions_are", values=t("list.joiner").join(self.regions)))
        if self.managers:
            parts.append(t("filter.managers_are", values=t("list.joiner").join(self.managers)))
        if self.tiers:
            parts.append(t("filter.tiers_are", values=t("list.joiner").join(t(f"tier.{x}") for x in self.tiers)))
        return t("filter.sentence", parts=t("filter.joiner").join(parts))

    # ---- the URL ---------------------------------------------------------
    def to_params(self) -> dict[str, str]:
        params = {"period": self.preset}
        if self.preset == "custom":
            params |= {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        for key, attr in LIST_PARAMS.items():
            if getattr(self, attr):
                params[key] = ",".join(getattr(self, attr))
        return params

    @classmethod
    def from_params(cls, params, today: dt.date) -> "Filters":
        """Filters from a query string; anything unreadable falls back to the default."""
        preset = params.get("period") if params.get("period") in PRESETS else DEFAULT_PRESET
        try:
            start = dt.date.fromisoformat(params["start"]) if params.get("start") else None
            end = dt.date.fromisoformat(params["end"]) if params.get("end") else None
            period = resolve(preset, today, start, end)
        except ValueError:
            preset, period = DEFAULT_PRESET, resolve(DEFAULT_PRESET, today)
        lists = {attr: tuple(v for v in params.get(key, "").split(",") if v)
                 for key, attr in LIST_PARAMS.items()}
        lists["tiers"] = tuple(x for x in lists["tiers"] if x in TIERS)
        return cls(period=period, preset=preset, **lists)

    @classmethod
    def ignored(cls, params, today: dt.date) -> list[str]:
        """The parts of a query string that from_params could not use (a typo, an old or a made-up
        link), as key=value, for a short note."""
        used = cls.from_params(params, today).to_params()
        out = [f"{key}={params[key]}" for key in ("period", "start", "end")
               if params.get(key) and params[key] != used.get(key)]
        tiers = [x for x in params.get("tier", "").split(",") if x and x not in TIERS]
        return out + [f"tier={x}" for x in tiers]
