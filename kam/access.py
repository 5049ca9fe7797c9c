"""Who may see and change what: the one place the rules live.

A person has one role. The pages, the command line and the tests ask this module
whether an action is allowed, for which accounts a list query may return rows
(`customer_condition`), and a refused action raises `Refused` saying why. Every write use-case
asks it through its unit of work (kam.store.work: `work.check`, `work.check_accounts`), which
carries the person acting; the command line's is the trusted local user.

An account manager is the account_manager named in the data: they record visits,
complaints, churns and profile edits only for their own accounts, and see only
those in lists and dashboards unless the setting MANAGERS_SEE_ALL widens that.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kam.filters import Filters
    from kam.readside.database import Database

VIEW = "view_dashboards"
RECORD = "record"  # a visit, complaint, churn or profile edit on an account
IMPORT, UNDO, EXPORT = "import", "undo", "export"
DATA_PAGES, SETTINGS, MEETING_MODE, MANAGE_USERS = "data_pages", "settings", "meeting_mode", "manage_users"
ACTIONS = (VIEW, RECORD, IMPORT, UNDO, EXPORT, DATA_PAGES, SETTINGS, MEETING_MODE, MANAGE_USERS)

# The one person running the app without sign-in, and the command line (a trusted local tool),
# may do everything but manage users, of whom there are none then.
LOCAL = "local"
MAY: dict[str, frozenset[str]] = {
    "director": frozenset(ACTIONS) - {MANAGE_USERS},
    "account_manager": frozenset({VIEW, RECORD}),
    "analyst": frozenset({VIEW, IMPORT, UNDO, EXPORT, DATA_PAGES}),
    "viewer": frozenset({VIEW, MEETING_MODE}),
    "administrator": frozenset({MANAGE_USERS}),
    LOCAL: frozenset(ACTIONS) - {MANAGE_USERS},
}
# Asked of no account in particular: may the person take the action on some account (e.g. open
# the records pages)? An account manager may record, for their own accounts.
ANY_ACCOUNT = object()
# The setting (kam.store.settings) that lets account managers see every account in lists.
MANAGERS_SEE_ALL = "access.managers_see_all"


@dataclass(frozen=True)
class Person:
    identity: str  # the signed-in email or subject, or the local user's name
    role: str
    manager_name: str | None = None  # their name in the customers' account_manager column
    sees_all: bool = False  # MANAGERS_SEE_ALL, for an account manager

    @property
    def own_accounts_only(self) -> bool:
        return self.role == "account_manager"


def local(name: str) -> Person:
    return Person(name, LOCAL)


class Refused(PermissionError):
    """An action the person may not take; `key` and `params` name the reason in the catalogue."""

    def __init__(self, key: str, message: str, **params):
        super().__init__(message)
        self.key, self.params = key, params


def reason(person: Person, action: str, account_manager=ANY_ACCOUNT) -> Refused | None:
    """Why the person may not take the action (on an account of this manager, None for an account
    nobody manages), or None if they may."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}; actions are: {', '.join(ACTIONS)}")
    if action not in MAY.get(person.role, ()):
        return Refused("access.refused.role", f"{person.identity} ({person.role}) may not {action}",
                       role=person.role, action=action)
    if action != RECORD or not person.own_accounts_only:
        return None
    if not person.manager_name:
        return Refused("access.refused.no_manager_name",
                       f"{person.identity} has no account manager name in the data to record for")
    if account_manager is not ANY_ACCOUNT and account_manager != person.manager_name:
        return Refused("access.refused.not_yours",
                       f"{person.identity} records only for accounts of {person.manager_name!r}, "
                       f"not of {account_manager!r}", manager=account_manager or "–")
    return None


def allows(person: Person, action: str, account_manager=ANY_ACCOUNT) -> bool:
    return reason(person, action, account_manager) is None


def check(person: Person, action: str, account_manager=ANY_ACCOUNT) -> None:
    refused = reason(person, action, account_manager)
    if refused is not None:
        raise refused


def check_account(db: Database, person: Person, customer_id: str) -> None:
    """check() of recording on this customer's account, its manager read from the data."""
    check_accounts(db, person, [customer_id])


def check_accounts(db: Database, person: Person, customer_ids) -> None:
    refused = accounts_reason(db, person, customer_ids)
    if refused is not None:
        raise refused


def accounts_reason(db: Database, person: Person, customer_ids) -> Refused | None:
    """Why the person may not record on each of these customers' accounts (the first refused one;
    an account not in the data belongs to nobody), or None if they may."""
    refused = reason(person, RECORD)
    if refused is not None or not person.own_accounts_only:
        return refused  # a role that records at all records on every account: no need to read whose
    found = db.query("""SELECT c.account_manager FROM unnest($ids::VARCHAR[]) AS i(id)
                        LEFT JOIN customers c ON c.customer_id = i.id ORDER BY i.id""",
                     {"ids": sorted({str(i) for i in customer_ids})})
    return next((r for r in (reason(person, RECORD, m if isinstance(m, str) else None)
                             for m in found["account_manager"]) if r is not None), None)


def customer_condition(person: Person, alias: str = "c", action: str = VIEW) -> tuple[str, dict]:
    """SQL condition on the customers table (aliased) picking the accounts the person may list
    (action VIEW) or write for (action RECORD), and its parameters."""
    if not allows(person, action):
        return "FALSE", {}
    if person.own_accounts_only and (action == RECORD or not person.sees_all):
        return f"{alias}.account_manager = $access_manager", {"access_manager": person.manager_name}
    return "TRUE", {}


def scoped(filters: Filters, person: Person) -> Filters:
    """The filters narrowed to what the person may see: every dashboard's query then honours it."""
    if person.own_accounts_only and not person.sees_all:
        return replace(filters, managers=(person.manager_name or "",))
    return filters

