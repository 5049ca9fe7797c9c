"""Refusing a record: the schema's problems and the domain's, reported together."""
from __future__ import annotations

from kam.records import InvalidRecords, Problem, validate
from kam.schema import table as table_def


def refuse_unless_valid(table: str, values: dict, domain_problems: list[Problem]) -> None:
    """Raise InvalidRecords with every problem of one record; a column's schema problem
    (required, type, ...) hides a domain problem on the same column."""
    _, problems = validate(table_def(table), [values])
    flagged = {p.column for p in problems}
    problems += [p for p in domain_problems if p.column not in flagged]
    if problems:
        raise InvalidRecords(table, problems)
