"""A part of a question, answered into a table of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Part:
    """SQL whose answer a question reads under a name (Database.query's `using`): answered into
    a table of the read side's database and kept there under what it read, so every question
    sharing it (every filter on a period, say) reads the table rather than the tables under it.

    params: the SQL's parameters. parts: parts of its own, by the names its SQL reads them under.
    windows: {table: (first day, last day)}, either None for no end: the part reads only those
    days of the table, so it depends on the data files holding them, not on the whole table."""
    sql: str
    params: Mapping | None = None
    parts: Mapping[str, "Part"] = field(default_factory=dict)
    windows: Mapping[str, tuple] = field(default_factory=dict)
