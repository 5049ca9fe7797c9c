"""Who may see and change what (kam.access): each role against each action, on an account of
their own and on another manager's, and the accounts each may list."""
from __future__ import annotations

import datetime as dt

import pytest

from kam import access
from kam.access import Person, Refused
from kam.accounts import account_file
from kam.filters import Filters
from kam.periods import Period
from kam.readside.database import Database
from kam.store.schema import ROLES

OWN, OTHER = "Li Na", "Wang Wei"
LI = Person("li.na@example.com", "account_manager", manager_name=OWN)

# What each role may do, as the issue words it; RECORD for an account manager: own accounts only.
EXPECTED = {
    "director": set(access.ACTIONS) - {"manage_users"},
    "account_manager": {"view_dashboards", "record"},
    "analyst": {"view_dashboards", "import", "undo", "export", "data_pages"},
    "viewer": {"view_dashboards", "meeting_mode"},
    "administrator": {"manage_users"},
}


def person(role: str) -> Person:
    return Person(f"{role}@example.com", role, manager_name=OWN if role == "account_manager" else None)


def test_every_role_has_rules_and_the_table_declares_them():
    assert set(ROLES) == set(EXPECTED) == set(access.MAY) - {access.LOCAL}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", access.ACTIONS)
@pytest.mark.parametrize("account_manager", [OWN, OTHER])
def test_each_role_against_each_action_on_own_and_other_accounts(role, action, account_manager):
    allowed = action in EXPECTED[role] and not (role == "account_manager" and action == "record"
                                                and account_manager == OTHER)
    assert access.allows(person(role), action, account_manager) is allowed
    if allowed:
        access.check(person(role), action, account_manager)
    else:
        with pytest.raises(Refused) as refused:
            access.check(person(role), action, account_manager)
        assert refused.value.key.startswith("access.refused.")
        assert person(role).identity in str(refused.value)


def test_a_refusal_says_why():
    with pytest.raises(Refused) as refused:
        access.check(LI, "record", OTHER)
    assert refused.value.key == "access.refused.not_yours" and refused.value.params == {"manager": OTHER}
    with pytest.raises(Refused) as refused:
        access.check(person("viewer"), "import")
    assert refused.value.key == "access.refused.role"
    assert refused.value.params == {"role": "viewer", "action": "import"}


def test_an_account_manager_without_a_name_in_the_data_records_for_nobody():
    nameless = Person("new@example.com", "account_manager")
    assert not access.allows(nameless, "record")
    assert not access.allows(nameless, "record", OWN)
    assert access.reason(nameless, "record").key == "access.refused.no_manager_name"


def test_asked_of_no_account_in_particular_an_account_manager_may_record():
    assert access.allows(LI, "record")  # the records pages are theirs too
    assert not access.allows(LI, "record", None)  # but not on an account nobody manages


def test_the_local_user_and_the_command_line_may_do_all_but_manage_users():
    me = access.local("alice")
    assert all(access.allows(me, a, OTHER) for a in access.ACTIONS if a != "manage_users")
    assert not access.allows(me, "manage_users")


def test_an_unknown_action_is_a_mistake_not_a_refusal():
    with pytest.raises(KeyError):
        access.allows(LI, "delete_everything")


@pytest.fixture
def db(store) -> Database:
    day = dt.date(2020, 1, 1)
    store.append("customers", [
        dict(customer_id="K1", name="华东精密机械", tier="important", status="active", account_manager=OWN, created=day),
        dict(customer_id="K2", name="申江物流", tier="ordinary", status="active", account_manager=OTHER, created=day),
        dict(customer_id="K3", name="北方重工", tier="ordinary", status="active", account_manager=OWN, created=day),
    ], user="tester")
    return Database(store)


def listed(db, who: Person, action: str = "view_dashboards") -> list[str]:
    where, params = access.customer_condition(who, "c", action)
    return db.query(f"SELECT customer_id FROM customers c WHERE {where} ORDER BY 1", params)["customer_id"].tolist()


def test_lists_show_a_manager_their_own_accounts_unless_the_setting_widens_them(db):
    assert listed(db, LI) == ["K1", "K3"]
    widened = Person(LI.identity, LI.role, OWN, sees_all=True)
    assert listed(db, widened) == ["K1", "K2", "K3"]
    # widening the lists never widens what they may write for
    assert listed(db, widened, "record") == ["K1", "K3"]


def test_lists_show_other_roles_every_account_they_may_see(db):
    assert listed(db, person("director")) == listed(db, person("viewer")) == ["K1", "K2", "K3"]
    assert listed(db, person("administrator")) == []
    assert listed(db, person("analyst"), "record") == []
    assert listed(db, person("director"), "record") == ["K1", "K2", "K3"]


def test_the_dashboards_filters_are_narrowed_to_the_managers_own_accounts(db):
    chosen = Filters(Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), managers=(OTHER,))
    narrowed = access.scoped(chosen, LI)
    where, params = narrowed.customer_condition("c")
    assert db.query(f"SELECT customer_id FROM customers c WHERE {where} ORDER BY 1", params)["customer_id"].tolist() \
        == ["K1", "K3"]
    assert access.scoped(chosen, person("director")) is chosen


def test_recording_on_an_account_is_checked_against_its_manager_in_the_data(db):
    access.check_account(db, LI, "K1")
    with pytest.raises(Refused):
        access.check_account(db, LI, "K2")
    with pytest.raises(Refused):  # an unknown account belongs to nobody
        access.check_account(db, LI, "K9")
    access.check_account(db, person("director"), "K2")


def test_the_sidebar_search_finds_only_the_accounts_a_manager_may_see(book_db):
    def found(who: Person) -> list[str]:
        return sorted(account_file.find(book_db, "0", among=access.customer_condition(who))["customer_id"])
    assert found(LI) == ["00017", "00105"]  # "0" is in every id: only hers are found
    assert found(Person(LI.identity, LI.role, OWN, sees_all=True)) == ["00017", "00023", "00105", "00200",
                                                                       "00301", "00404"]
    assert found(person("viewer")) == found(person("director")) == found(Person(LI.identity, LI.role, OWN,
                                                                                 sees_all=True))
    assert account_file.find(book_db, "13800000002", among=access.customer_condition(person("analyst"))
                             )["customer_id"].tolist() == ["00017"]  # by a contact's phone
    assert account_file.find(book_db, "0", among=access.customer_condition(person("administrator"))).empty
