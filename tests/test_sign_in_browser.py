"""Signed in through a real OpenID Connect provider (its own login form), each role finds what it
may see and do, and no more; a stranger finds only whom to ask; everyone can sign out.

One app served with sign-in configured, one browser; each person starts with no cookies, as on a
computer of their own (the browser's cache of the app's scripts is shared, to keep it quick).
"""
from __future__ import annotations


import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import ARTIFACTS, store_copy
from identity_provider import secrets
from kam import users
from kam.access import Person
from kam.i18n import translator
from kam.imports import import_log
from kam.readside.database import Database
from kam.store.delta import Store
from kam.store.work import Work
from live_app import free_port, launch, streamlit_server
from test_browser import settle

t = translator("en")
BOSS = "boss@example.com"  # the first administrator, named in the secrets
PEOPLE = {"li.na@example.com": ("account_manager", "Li Na"),  # 00017 and 00105 are hers, 00023 is Wang Wei's
          "viewer@example.com": ("viewer", None),
          "analyst@example.com": ("analyst", None)}


@pytest.fixture(scope="module")
def app(filed_book, identity_provider, tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed-in")
    store = Store(store_copy(filed_book, folder / "store"))
    for who, (role, name) in PEOPLE.items():
        users.save(Work.on(store, person=Person(BOSS, "administrator")),
                   {"user_id": who, "role": role, "manager_name": name, "active": True})
    port = free_port()
    (folder / "secrets.toml").write_text(secrets(identity_provider, port, BOSS))
    with streamlit_server(store.root, port=port, options=("--secrets.files", str(folder / "secrets.toml"))) as url:
        yield url, store


@pytest.fixture(scope="module")
def browsing():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        context = chromium.new_context(viewport={"width": 1400, "height": 1100})
        yield context
        chromium.close()


@pytest.fixture
def signed_in(app, browsing):
    """sign_in(who): a tab signed in through the provider's form, nobody's cookies left from before."""
    url, _ = app
    tabs = []

    def sign_in(who: str):
        browsing.clear_cookies()
        tab = browsing.new_page()
        tabs.append(tab)
        tab.goto(f"{url}/?lang=en")
        expect(tab.get_by_role("heading", name=t("signin.title"))).to_be_visible(timeout=60_000)
        tab.get_by_role("button", name=t("signin.button")).click()
        tab.get_by_placeholder("sub").fill(who)  # the provider's own login form
        tab.get_by_role("button", name="Authorize").click()
        tab.wait_for_url(f"{url}/**", timeout=30_000)
        return tab

    yield sign_in
    for tab in tabs:
        tab.close()


def open_page(tab, url: str, name: str, heading: str) -> None:
    tab.goto(f"{url}/{name}?lang=en")
    expect(tab.get_by_role("heading", level=1, name=heading)).to_be_visible(timeout=60_000)
    settle(tab)


def menu(tab) -> list[str]:
    """The pages in the sidebar's menu, by title (each link's text ends with it, after its icon's name)."""
    return [text.split("\n")[-1] for text in tab.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()]


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"sign-in-{name}.png"))


def test_a_stranger_signed_in_sees_only_whom_to_ask_and_signs_out(app, signed_in):
    url, _ = app
    tab = signed_in("stranger@example.com")
    tab.goto(f"{url}/?lang=en")
    expect(tab.get_by_role("heading", name=t("signin.stranger.title"))).to_be_visible(timeout=60_000)
    expect(tab.get_by_text(BOSS)).to_be_visible()
    assert tab.get_by_test_id("stSidebarNav").count() == 0
    tab.goto(f"{url}/overview?lang=en")  # an address does not open a page either
    expect(tab.get_by_role("heading", name=t("signin.stranger.title"))).to_be_visible(timeout=60_000)
    assert tab.get_by_role("heading", name=t("overview.title")).count() == 0
    shot(tab, "stranger")

    tab.get_by_role("button", name=t("signin.logout")).click()
    tab.get_by_role("button", name="End session").click()  # the provider's own sign-out
    # back on the sign-in page, in the app's default language (Chinese)
    expect(tab.get_by_role("button", name=translator("zh")("signin.button"))).to_be_visible(timeout=60_000)


def test_a_viewer_reads_the_dashboards_and_finds_no_form(app, signed_in):
    url, _ = app
    tab = signed_in("viewer@example.com")
    open_page(tab, url, "overview", t("overview.title"))
    expect(tab.get_by_text(t("signin.as", who="viewer@example.com", role=t("role.viewer")))).to_be_visible()
    assert t("page.abc") in menu(tab)
    assert not {t("page.visits"), t("page.import"), t("page.settings"), t("page.data")} & set(menu(tab))
    tab.goto(f"{url}/visits?lang=en")  # typed in, the records page is not there for a viewer
    settle(tab)
    assert tab.get_by_test_id("stForm").count() == 0
    assert tab.get_by_role("heading", name=t("revisit.visits_title")).count() == 0
    shot(tab, "viewer")


def test_an_account_manager_records_for_her_own_account_only(app, signed_in):
    url, store = app
    tab = signed_in("li.na@example.com")
    open_page(tab, url, "visits", t("revisit.visits_title"))
    assert t("page.import") not in menu(tab)
    tab.get_by_role("tab", name=t("revisit.tab_record")).click()
    search = tab.get_by_label(t("form.customer_search")).first
    search.fill("申江物流")  # Wang Wei's account: not there to write for
    search.press("Enter")
    expect(tab.get_by_text(t("accounts.none")).first).to_be_visible(timeout=30_000)
    shot(tab, "manager-other-account")

    search.fill("00017")
    search.press("Enter")
    expect(tab.get_by_role("combobox", name="Customer ID *").first).to_have_value("华东精密机械 (00017)",
                                                                                   timeout=30_000)
    tab.get_by_role("combobox", name="Method *").first.click()
    tab.get_by_role("option", name=t("method.phone")).click()
    tab.get_by_test_id("stForm").first.get_by_role("button", name=t("form.save")).click()
    expect(tab.get_by_text("Visit V", exact=False).first).to_be_visible(timeout=60_000)
    tab.goto(f"{url}/accounts?customer=00023&lang=en")  # Wang Wei's account file, its address typed in
    settle(tab)
    expect(tab.get_by_text(t("accounts.none")).first).to_be_visible(timeout=60_000)
    assert tab.get_by_text("申江物流").count() == 0  # not hers to see, let alone edit (AppTest: widened lists)
    visits = store.read("visits").to_pandas()
    mine = visits[visits["recorded_by"] == "li.na@example.com"]
    assert mine["customer_id"].tolist() == ["00017"]
    assert mine["visited_by"].tolist() == ["li.na@example.com"]  # the form's default: who is signed in


def test_an_analyst_imports_and_the_import_is_stamped_with_her_identity(app, signed_in, tmp_path):
    url, store = app
    tab = signed_in("analyst@example.com")
    open_page(tab, url, "import", t("import.title"))
    assert t("page.visits") not in menu(tab)
    export = tmp_path / "sales.csv"
    export.write_text("customer_id,date,amount\n00017,2026-03-01,1000\n00105,2026-03-02,2000\n")
    before = store.count("sales")
    tab.locator("input[type=file]").set_input_files(str(export))
    tab.get_by_role("button", name=t("import.go", rows="2")).click()
    expect(tab.get_by_text("Imported 2 rows", exact=False)).to_be_visible(timeout=60_000)
    shot(tab, "analyst-import")
    assert store.count("sales") == before + 2
    assert import_log.history(store).iloc[0]["user"] == "analyst@example.com"


def test_the_first_administrator_adds_a_user_and_sees_nothing_else(app, signed_in):
    url, store = app
    tab = signed_in(BOSS)
    open_page(tab, url, "users", t("users.title"))
    cells = tab.get_by_test_id("stDataFrame").first.locator("td[role=gridcell]")
    for who in PEOPLE:  # the grid fills its cells a moment after the page has settled
        expect(cells.filter(has_text=who)).not_to_have_count(0, timeout=30_000)
    assert set(PEOPLE) <= set(cells.all_text_contents())

    form = tab.get_by_test_id("stForm").first
    form.get_by_label(t("col.users.user_id") + " *").fill("Wang.Wei@Example.com")
    form.get_by_role("combobox", name=t("col.users.role") + " *").click()
    tab.get_by_role("option", name=t("role.account_manager")).click()
    form.get_by_label(t("col.users.manager_name")).fill("Wang Wei")
    form.get_by_role("button", name=t("form.save")).click()
    expect(tab.get_by_text(t("users.saved", who="wang.wei@example.com"))).to_be_visible(timeout=60_000)
    shot(tab, "administrator")
    added = users.person(Database(store), "wang.wei@example.com")
    assert (added.role, added.manager_name) == ("account_manager", "Wang Wei")
    assert users.changes(store).iloc[0]["by"] == BOSS
    assert menu(tab) == []  # one page only: Streamlit shows no menu for it
    open_page(tab, url, "overview", t("users.title"))  # the dashboards are not there for an administrator
    assert tab.get_by_role("heading", name=t("overview.title")).count() == 0
