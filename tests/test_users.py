"""An administrator keeps the list of people who may sign in; every change is kept with who and when."""
from __future__ import annotations

import pytest

from kam import users
from kam.access import Person, Refused
from kam.readside.database import Database
from kam.store.records import InvalidRecords

BOSS = "boss@example.com"  # the first administrator, named by configuration


@pytest.fixture
def db(store) -> Database:
    return Database(store)


def admin() -> Person:
    return Person(BOSS, "administrator")


def test_the_configured_first_administrator_is_an_administrator_without_being_in_the_table(db):
    assert users.person(db, "Boss@Example.com ", first_administrator=BOSS).role == "administrator"
    assert users.person(db, BOSS) is None  # not configured: a stranger like any other


def test_an_administrator_adds_an_account_manager_who_then_signs_in_with_their_name_in_the_data(store, db):
    users.save(store, {"user_id": " Li.Na@Example.com", "role": "account_manager", "manager_name": "Li Na",
                       "active": True}, by=admin())
    li = users.person(db, "li.na@example.com", first_administrator=BOSS)
    assert (li.role, li.manager_name, li.sees_all) == ("account_manager", "Li Na", False)
    row = users.listing(db).iloc[0]
    assert (row.user_id, row.recorded_by) == ("li.na@example.com", BOSS)


def test_a_stranger_and_a_deactivated_person_are_nobody(store, db):
    assert users.person(db, "stranger@example.com", first_administrator=BOSS) is None
    users.save(store, {"user_id": "gone@example.com", "role": "analyst", "active": True}, by=admin())
    assert users.person(db, "gone@example.com").role == "analyst"
    users.save(store, {"user_id": "gone@example.com", "role": "analyst", "active": False}, by=admin())
    assert users.person(db, "gone@example.com") is None
    assert len(users.listing(db)) == 1  # the same person changed, not a second row


def test_every_change_is_kept_with_who_and_when(store):
    users.save(store, {"user_id": "wang@example.com", "role": "viewer", "active": True}, by=admin())
    users.save(store, {"user_id": "wang@example.com", "role": "director", "active": True},
               by=Person("second.admin@example.com", "administrator"))
    log = users.changes(store)
    assert log["by"].tolist() == ["second.admin@example.com", BOSS]
    assert log["change"].tolist() == ["wang@example.com: director, –, active", "wang@example.com: viewer, –, active"]
    assert log["when"].notna().all()


def test_only_an_administrator_changes_users_and_says_why_not(store):
    with pytest.raises(Refused) as refused:
        users.save(store, {"user_id": "me@example.com", "role": "director", "active": True},
                   by=Person("ambitious@example.com", "director"))
    assert refused.value.params == {"role": "director", "action": "manage_users"}
    assert store.count("users") == 0


def test_an_account_manager_needs_their_name_in_the_data_and_a_role_must_be_known(store):
    with pytest.raises(InvalidRecords) as missing:
        users.save(store, {"user_id": "li@example.com", "role": "account_manager", "active": True}, by=admin())
    assert [(p.column, p.code) for p in missing.value.problems] == [("manager_name", "required")]
    with pytest.raises(InvalidRecords) as unknown:
        users.save(store, {"user_id": "li@example.com", "role": "king", "active": True}, by=admin())
    assert [(p.column, p.code) for p in unknown.value.problems] == [("role", "allowed")]
    assert store.count("users") == 0


def test_a_director_widens_what_account_managers_see_in_lists(store, db):
    users.save(store, {"user_id": "li@example.com", "role": "account_manager", "manager_name": "Li Na",
                       "active": True}, by=admin())
    users.widen_lists(store, True, by=Person("director@example.com", "director"))
    assert users.person(db, "li@example.com").sees_all
    with pytest.raises(Refused):
        users.widen_lists(store, False, by=users.person(db, "li@example.com"))
