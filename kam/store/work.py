"""The unit of work every write use-case takes: the store it writes, the read side its checks
ask, who writes and which day it is. Its batches (kam.store.batches) make a use-case's checks
and writes one critical section, whole across tables and crashes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kam import access
from kam.access import Person
from kam.readside.database import Database
from kam.store.batches import Batch
from kam.store.delta import Store, default_user


@dataclass(frozen=True)
class Work:
    store: Store
    db: Database
    user: str
    today: dt.date
    # who acts, as kam.access knows them; None: the command line, a trusted local tool (access.local)
    person: Person | None = None

    @classmethod
    def on(cls, store: Store, user: str | None = None, today: dt.date | None = None,
           db: Database | None = None, person: Person | None = None) -> "Work":
        return cls(store, db or Database(store), user or (person and person.identity) or default_user(),
                   today or dt.date.today(), person)

    @property
    def acting(self) -> Person:
        return self.person or access.local(self.user)

    def check(self, action: str, account_manager=access.ANY_ACCOUNT) -> None:
        """access.Refused, saying why, unless the person acting may take the action (on an account
        of this manager)."""
        access.check(self.acting, action, account_manager)

    def check_accounts(self, *customer_ids: str) -> None:
        """access.Refused, saying why, unless the person acting may record on each of these accounts."""
        access.check_accounts(self.db, self.acting, customer_ids)

    def batch(self, *tables: str, operation: str, removes: bool = False) -> Batch:
        """Writes to these tables (their turns held from now on), whole or not at all:
        `with work.batch("visits", "revisit_plans", operation="record visits") as batch: ...`.
        removes: it removes records (an undo), and says so before its checks."""
        return Batch(self.store, self.user, operation, tables, removes=removes)
