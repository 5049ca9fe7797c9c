"""An administrator keeps the list of people who may sign in; every change is kept with who and when."""
from __future__ import annotations

import pytest

from kam import users
from kam.access import Person, Refused
from kam.readside.database import Database
from kam.store import batches
from kam.store.records import InvalidRecords
from kam.store.work import Work

BOSS = "boss@example.com"  # the first administrator, named by configuration


@pytest.fixture
def db(store) -> Database:
    return Database(store)


def admin() -> Person:
    return Person(BOSS, "administrator")


def as_(store, person: Person) -> Work:
    """The unit of work of a write this person makes."""
    return Work.on(store, person=person)


def test_the_configured_first_administrator_is_an_administrator_without_being_in_the_table(db):
    assert users.person(db, "Boss@Example.com ", first_administrator=BOSS).role == "administrator"
    assert users.person(db, BOSS) is None  # not configured: a stranger like any other


def test_an_administrator_adds_an_account_manager_who_then_signs_in_with_their_name_in_the_data(store, db):
    users.save(as_(store, admin()), {"user_id": " Li.Na@Example.com", "role": "account_manager",
                                     "manager_name": "Li Na", "active": True})
    li = users.person(db, "li.na@example.com", first_administrator=BOSS)
    assert (li.role, li.manager_name, li.sees_all) == ("account_manager", "Li Na", False)
    row = users.listing(db).iloc[0]
    assert (row.user_id, row.recorded_by) == ("li.na@example.com", BOSS)


def test_a_stranger_and_a_deactivated_person_are_nobody(store, db):
    assert users.person(db, "stranger@example.com", first_administrator=BOSS) is None
    users.save(as_(store, admin()), {"user_id": "gone@example.com", "role": "analyst", "active": True})
    assert users.person(db, "gone@example.com").role == "analyst"
    users.save(as_(store, admin()), {"user_id": "gone@example.com", "role": "analyst", "active": False})
    assert users.person(db, "gone@example.com") is None
    assert len(users.listing(db)) == 1  # the same person changed, not a second row


def test_every_change_is_kept_with_who_and_when(store):
    users.save(as_(store, admin()), {"user_id": "wang@example.com", "role": "viewer", "active": True})
    users.save(as_(store, Person("second.admin@example.com", "administrator")),
               {"user_id": "wang@example.com", "role": "director", "active": True})
    log = users.changes(store)
    assert log["by"].tolist() == ["second.admin@example.com", BOSS]
    assert log["change"].tolist() == ["wang@example.com: director, –, active", "wang@example.com: viewer, –, active"]
    assert log["when"].notna().all()


def test_a_change_of_users_is_a_batch_of_the_store_like_every_other_write(store, db):
    batch_id = users.save(as_(store, admin()), {"user_id": "wang@example.com", "role": "viewer", "active": True})
    stored = db.query("SELECT batch_id, recorded_by FROM users").iloc[0]
    assert (stored.batch_id, stored.recorded_by) == (batch_id, BOSS)
    assert not list((store.root / batches.JOURNAL).glob("*.json"))  # finished: nothing left to recover


def test_only_an_administrator_changes_users_and_says_why_not(store):
    with pytest.raises(Refused) as refused:
        users.save(as_(store, Person("ambitious@example.com", "director")),
                   {"user_id": "me@example.com", "role": "director", "active": True})
    assert refused.value.params == {"role": "director", "action": "manage_users"}
    with pytest.raises(Refused):  # nor the command line, a trusted tool but no administrator
        users.save(Work.on(store, "alice"), {"user_id": "me@example.com", "role": "director", "active": True})
    assert store.count("users") == 0


def test_an_account_manager_needs_their_name_in_the_data_and_a_role_must_be_known(store):
    with pytest.raises(InvalidRecords) as missing:
        users.save(as_(store, admin()), {"user_id": "li@example.com", "role": "account_manager", "active": True})
    assert [(p.column, p.code) for p in missing.value.problems] == [("manager_name", "required")]
    with pytest.raises(InvalidRecords) as unknown:
        users.save(as_(store, admin()), {"user_id": "li@example.com", "role": "king", "active": True})
    assert [(p.column, p.code) for p in unknown.value.problems] == [("role", "allowed")]
    assert store.count("users") == 0


def test_a_director_widens_what_account_managers_see_in_lists(store, db):
    users.save(as_(store, admin()), {"user_id": "li@example.com", "role": "account_manager",
                                     "manager_name": "Li Na", "active": True})
    users.widen_lists(as_(store, Person("director@example.com", "director")), True)
    assert users.person(db, "li@example.com").sees_all
    with pytest.raises(Refused):
        users.widen_lists(as_(store, users.person(db, "li@example.com")), False)
