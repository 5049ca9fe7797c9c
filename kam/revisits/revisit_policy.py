"""The revisit policy (回访计划): how often, and how, each kind of account is revisited.

Stored as a setting, so a sales director changes it on the settings page and
every number follows. An account's interval comes from its ABC class and from
its manual tier; when both have a rule, the shorter interval wins (a tie goes
to the class); an account with neither uses the C interval.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kam.store import settings
from kam.sales.abc import CLASSES
from kam.readside.database import Database, on_frames
from kam.store.records import InvalidRecords, Problem
from kam.store.schema import TIERS, VISIT_METHODS
from kam.store.work import Work

KEY = "revisit.policy"
KINDS = ("class", "tier")
MAX_INTERVAL = 3650
MAX_GRACE = 60


@dataclass(frozen=True)
class Rule:
    kind: str  # class | tier
    name: str  # A, B, C or a tier
    interval_days: int | None  # None: this tier has no rule of its own
    method: str


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    # a plan done this many days after its date still counts as on time
    grace_days: int = 3
    # who gets a revisit for a holiday
    holiday_classes: tuple[str, ...] = ("A",)
    holiday_tiers: tuple[str, ...] = ("important",)

    def rule(self, kind: str, name: str) -> Rule | None:
        return next((r for r in self.rules if r.kind == kind and r.name == name), None)

    def days(self, kind: str, name: str) -> int | None:
        found = self.rule(kind, name)
        return None if found is None else found.interval_days

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(r) for r in self.rules], columns=["kind", "name", "interval_days", "method"])

    def to_json(self) -> dict:
        return {"rules": [vars(r) for r in self.rules], "grace_days": self.grace_days,
                "holiday_classes": list(self.holiday_classes), "holiday_tiers": list(self.holiday_tiers)}


DEFAULT = Policy(rules=(
    Rule("class", "A", 30, "in_person"),
    Rule("class", "B", 90, "phone"),
    Rule("class", "C", 180, "phone"),
    Rule("tier", "important", None, "in_person"),
    Rule("tier", "ordinary", None, "phone"),
    Rule("tier", "potential", 60, "phone"),
))


def _whole(value) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value == "":
        return None
    number = float(value)
    if not number.is_integer():
        raise ValueError(value)
    return int(number)


def build(rules, grace_days=3, holiday_classes=("A",), holiday_tiers=("important",)) -> Policy:
    """A checked policy from edited rows (dicts with kind, name, interval_days, method).

    Raises InvalidRecords naming the row and column of every problem: each class
    needs an interval, tiers may leave it blank, intervals are whole days from 1
    to 3650, the method is one of the visit methods.
    """
    problems, found = [], {}
    for row, given in enumerate(rules, start=1):
        kind, name, method = given.get("kind"), given.get("name"), given.get("method") or "phone"
        if kind not in KINDS or name not in (CLASSES if kind == "class" else TIERS):
            problems.append(Problem(row, "name", name, "allowed", "a class A/B/C or a tier"))
            continue
        try:
            days = _whole(given.get("interval_days"))
        except (TypeError, ValueError):
            problems.append(Problem(row, "interval_days", given.get("interval_days"), "type", "whole days"))
            continue
        if days is None and kind == "class":
            problems.append(Problem(row, "interval_days", None, "required"))
        elif days is not None and not 1 <= days <= MAX_INTERVAL:
            problems.append(Problem(row, "interval_days", days, "minimum" if days < 1 else "maximum"))
        if method not in VISIT_METHODS:
            problems.append(Problem(row, "method", method, "allowed"))
        found[(kind, name)] = Rule(kind, name, days, method)
    try:
        grace = _whole(grace_days)
    except (TypeError, ValueError):
        grace = -1
    if grace is None or not 0 <= grace <= MAX_GRACE:
        problems.append(Problem(None, "grace_days", grace_days, "allowed", f"0 to {MAX_GRACE} days"))
    if problems:
        raise InvalidRecords("revisit.policy", problems)
    # every class and tier keeps a row, in the usual order, so the page always shows all of them
    rules = tuple(found.get((r.kind, r.name), replace(r, interval_days=None) if r.kind == "tier" else r)
                  for r in DEFAULT.rules)
    return Policy(rules, grace, tuple(c for c in holiday_classes if c in CLASSES),
                  tuple(t for t in holiday_tiers if t in TIERS))


def from_json(value: dict) -> Policy:
    return build(value.get("rules", []), value.get("grace_days", DEFAULT.grace_days),
                 value.get("holiday_classes", DEFAULT.holiday_classes),
                 value.get("holiday_tiers", DEFAULT.holiday_tiers))


def load(db: Database) -> Policy:
    stored = settings.load(db, KEY, None)
    return DEFAULT if stored is None else from_json(stored)


def save(work: Work, policy: Policy) -> str:
    return settings.save(work, KEY, policy.to_json())


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def rules_sql(policy: Policy) -> str:
    """The policy's rules as a relation policy_rules(kind, name, interval_days, method), for a WITH list."""
    rows = ", ".join(f"({_literal(r.kind)}, {_literal(r.name)}, "
                     f"{'NULL' if r.interval_days is None else int(r.interval_days)}, {_literal(r.method)})"
                     for r in policy.rules)
    return f"policy_rules(kind, name, interval_days, method) AS (VALUES {rows})"


def chosen_sql(policy: Policy, class_column: str, tier_column: str) -> tuple[str, str]:
    """The rule in SQL: the joins to policy_rules (rules_sql) for a class and a tier column, and
    the select items interval_days, method and rule. The shorter interval wins, a tie goes to
    the class, and an account with neither rule takes the C interval."""
    joins = f"""
        LEFT JOIN policy_rules _by_class ON _by_class.kind = 'class' AND _by_class.name = {class_column}
        LEFT JOIN policy_rules _by_tier ON _by_tier.kind = 'tier' AND _by_tier.name = {tier_column}
                                         AND _by_tier.interval_days IS NOT NULL"""
    choice = """CASE WHEN _by_tier.name IS NOT NULL
                          AND NOT COALESCE(_by_class.interval_days <= _by_tier.interval_days, FALSE) THEN 'tier'
                     WHEN _by_class.name IS NOT NULL THEN 'class' END"""
    fallback = policy.rule("class", "C")
    items = f"""
        CASE {choice} WHEN 'tier' THEN _by_tier.interval_days WHEN 'class' THEN _by_class.interval_days
                      ELSE {int(fallback.interval_days)} END AS interval_days,
        CASE {choice} WHEN 'tier' THEN _by_tier.method WHEN 'class' THEN _by_class.method
                      ELSE {_literal(fallback.method)} END AS method,
        CASE {choice} WHEN 'tier' THEN 'tier:' || _by_tier.name WHEN 'class' THEN 'class:' || _by_class.name
                      ELSE 'fallback:C' END AS rule"""
    return joins, items


def assign(accounts: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Each account's interval_days, method and the rule that set them ("class:A", "tier:potential"),
    by the same SQL the account tables use (chosen_sql).

    `accounts` has abc_class (missing when the account had no sales) and tier.
    """
    joins, items = chosen_sql(policy, "a.abc_class", "a.tier")
    out = on_frames(f"""WITH {rules_sql(policy)}
                        SELECT a.* EXCLUDE (_row), {items} FROM accounts_ a {joins} ORDER BY a._row""",
                    accounts_=accounts.assign(_row=np.arange(len(accounts))))
    return with_rule_types(out.set_axis(accounts.index))


def with_rule_types(frame: pd.DataFrame) -> pd.DataFrame:
    frame["interval_days"] = frame["interval_days"].astype("Int64")
    frame["method"] = frame["method"].astype("string")
    frame["rule"] = frame["rule"].astype("string")
    return frame
