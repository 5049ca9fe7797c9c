"""Every write on an account goes through kam.access, whoever calls it (a page, the command line,
a test): each role records on its own account and on another manager's, and a refused write says
why and writes nothing."""
from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from conftest import TODAY, store_copy
from kam import users
from kam.access import Person, Refused
from kam.accounts import profile
from kam.i18n import translator
from kam.readside.database import Database
from kam.revisits import visit_records
from kam.risk import churn, complaints, retention
from kam.store.delta import Store
from kam.store.schema import ROLES
from kam.store.work import Work
from test_pages import APP

t = translator("en")

OWN, OTHER = "00017", "00023"  # Li Na's account and Wang Wei's, in the book (tests/conftest.py)


def person(role: str) -> Person:
    return Person(f"{role}@example.com", role, manager_name="Li Na" if role == "account_manager" else None)


# Each write use-case on an account, as a page calls it.
WRITES = {
    "edit profile": lambda work, c: profile.edit_profile(work, c, {"industry": "Shipbuilding"}, ""),
    "add contact": lambda work, c: profile.add_contact(work, c, {"name": "王敏", "role": "buyer"}),
    "record visit": lambda work, c: visit_records.record_visit(work, {"customer_id": c, "date": TODAY,
                                                                      "method": "phone"}),
    "record complaint": lambda work, c: complaints.record_complaint(
        work, {"customer_id": c, "received": TODAY, "category": "delivery"}),
    "record churn": lambda work, c: churn.record_churn(work, {"customer_id": c, "churn_date": TODAY,
                                                              "reason": "price"}),
    "dismiss churn suspicion": lambda work, c: churn.dismiss(work, c, "seasonal buyer"),
    "plan a retention action": lambda work, c: retention.record_action(
        work, {"customer_id": c, "action": "call the buyer", "owner": "Li Na", "due_date": TODAY}),
}
MAY_RECORD = {("director", OWN), ("director", OTHER), ("account_manager", OWN)}  # written below
REFUSED = [(role, account) for role in ROLES for account in (OWN, OTHER) if (role, account) not in MAY_RECORD]


@pytest.fixture(scope="module")
def untouched(filed_book, tmp_path_factory):
    """One copy of the book for the refusals, which write nothing."""
    return Database(Store(store_copy(filed_book, tmp_path_factory.mktemp("refusals") / "book")))


def versions(store) -> dict[str, int]:
    return {name: store.version(name) for name in ("customers", "contacts", "visits", "revisit_plans",
                                                   "complaints", "churns", "churn_dismissals",
                                                   "retention_actions", "profile_changes")}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role, account", REFUSED)
def test_a_role_may_not_write_on_an_account_not_its_own_and_is_told_why(untouched, role, account, write):
    db = untouched
    before = versions(db.store)
    with pytest.raises(Refused) as refused:
        WRITES[write](Work.on(db.store, db=db, today=TODAY, person=person(role)), account)
    assert refused.value.key == ("access.refused.not_yours" if role == "account_manager"
                                 else "access.refused.role")
    assert versions(db.store) == before


@pytest.mark.parametrize("write", WRITES)
def test_a_manager_writes_on_her_own_account_and_a_director_on_anyones(db, write):
    for role, account in [("account_manager", OWN), ("director", OTHER)]:
        before = versions(db.store)
        WRITES[write](Work.on(db.store, db=db, today=TODAY, person=person(role)), account)
        assert versions(db.store) != before, (role, account)


def test_the_command_line_a_trusted_local_tool_writes_on_any_account(db):
    before = db.store.version("contacts")
    profile.add_contact(Work.on(db.store, "alice", db=db, today=TODAY), OTHER, {"name": "王敏", "role": "buyer"})
    assert db.store.version("contacts") == before + 1


def test_a_manager_neither_files_a_customer_for_another_manager_nor_hands_their_own_away(db):
    li = Work.on(db.store, db=db, today=TODAY, person=person("account_manager"))
    basics = {"name": "江南重工", "tier": "important", "region": "East", "industry": "Machinery"}
    with pytest.raises(Refused):
        profile.add_customer(li, basics | {"account_manager": "Wang Wei"})
    profile.add_customer(li, basics | {"account_manager": "Li Na"})
    with pytest.raises(Refused) as refused:
        profile.edit_profile(li, OWN, {"account_manager": "Wang Wei"}, "moving house")
    assert refused.value.params == {"manager": "Wang Wei"}
    assert profile.edit_profile(li, OWN, {"account_manager": "Li Na", "tier": "important"}, "") == []


def test_a_manager_corrects_a_contact_only_on_their_own_account(db):
    director = Work.on(db.store, db=db, today=TODAY, person=person("director"))
    theirs = profile.add_contact(director, OTHER, {"name": "赵强", "role": "buyer"})
    li = Work.on(db.store, db=db, today=TODAY, person=person("account_manager"))
    with pytest.raises(Refused):
        profile.edit_contact(li, theirs, {"phone": "139"})
    profile.edit_contact(li, "P1", {"phone": "13900000009"})
    assert db.query("SELECT phone FROM contacts WHERE contact_id = 'P1'").iat[0, 0] == "13900000009"


def signed_in_app(root, monkeypatch, who: str, **params) -> AppTest:
    """The app with sign-in configured, `who` signed in (AppTest's st.user), after its first run."""
    monkeypatch.setenv("KAM_DATA_DIR", str(root))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"email": who, "is_logged_in": True}
    at.query_params.update(params)
    at.switch_page("pages/accounts.py")
    return at.run()


def test_a_manager_opening_another_managers_account_finds_no_form_only_why(book, monkeypatch):
    boss = Work.on(book, person=Person("boss@example.com", "administrator"))
    users.save(boss, {"user_id": "li.na@example.com", "role": "account_manager", "manager_name": "Li Na",
                      "active": True})
    users.widen_lists(Work.on(book, person=person("director")), True)  # so she can open Wang Wei's account

    theirs = signed_in_app(book.root, monkeypatch, "li.na@example.com", lang="en", customer=OTHER)
    assert not theirs.exception
    assert [h.value for h in theirs.header] == ["申江物流 · 00023"]  # she reads the account
    # no form on his account (filing a new customer of her own is still there), and a line saying why
    assert forms(theirs) == ["customer_new"] and "Edit the file" not in [e.label for e in theirs.expander]
    assert t("access.refused.not_yours", manager="Wang Wei") in [c.value for c in theirs.caption]

    own = signed_in_app(book.root, monkeypatch, "li.na@example.com", lang="en", customer=OWN)
    assert {"profile_edit_00017", "marked_00017", "contact_new_00017"} <= set(forms(own))


def forms(at: AppTest) -> list[str]:
    return [b.proto.form_id for b in at.button if b.key and b.key.startswith("FormSubmitter:")]


def test_the_sidebar_search_of_a_manager_finds_her_accounts_unless_the_lists_are_widened(book, monkeypatch):
    users.save(Work.on(book, person=Person("boss@example.com", "administrator")),
               {"user_id": "li.na@example.com", "role": "account_manager", "manager_name": "Li Na", "active": True})

    def links(at: AppTest) -> list[str]:
        at.sidebar.text_input(key="find_account").input("0").run()  # "0" is in every account's id
        return sorted(link.proto.query_string.split("customer=")[1].split("&")[0]
                      for link in at.sidebar.get("page_link"))
    assert links(signed_in_app(book.root, monkeypatch, "li.na@example.com", lang="en")) == ["00017", "00105"]
    users.widen_lists(Work.on(book, person=person("director")), True)
    assert links(signed_in_app(book.root, monkeypatch, "li.na@example.com", lang="en")) == [
        "00017", "00023", "00105", "00200", "00301", "00404"]
