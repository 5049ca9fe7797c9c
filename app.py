"""The frame: page setup, language, user, shared filters, navigation."""
import streamlit as st

from kam import access
from kam.i18n import DEFAULT_LANGUAGE, translator
import ui
from ui import signin

ui.leave_pages_folder_mode()
# the icon an emoji: a material icon would be fetched from Google
st.set_page_config(page_title=translator(DEFAULT_LANGUAGE)("app.tab_title"), page_icon="📊", layout="wide")
ui.page_style()


def menu(groups: dict) -> dict:
    """The navigation's groups without the pages left out, and without a group left empty."""
    return {group: [p for p in pages if p] for group, pages in groups.items() if any(pages)}


def frame() -> None:
    lang = ui.language_switch()
    t = translator(lang)
    db = ui.database()
    person = signin.person(db, t)
    ctx = ui.Context(store=db.store, db=db, t=t, lang=lang, user=person.identity, person=person)
    st.session_state["ctx"] = ctx

    def page(name: str, icon: str, action: str = access.VIEW) -> st.Page | None:
        """The page, if the person may take the action it is for: a page they may not use is not there."""
        if not access.allows(person, action):
            return None
        # The address is the file's name: Streamlit serves a first request to an
        # address from the pages/ folder by file name (see ui/navigation.py).
        return st.Page(f"pages/{name}.py", title=t(f"page.{name}"), icon=f":material/{icon}:", url_path=name)

    import_page = page("import", "upload_file", access.IMPORT)
    users_page = page("users", "manage_accounts", access.MANAGE_USERS)

    def empty_store() -> None:
        st.title(t("app.title"))
        st.subheader(t("empty.title"))
        if import_page is None:
            st.write(t("signin.no_data"))
            return
        st.write(t("empty.body"))
        left, right = st.columns(2)
        if left.button(t("empty.load_demo"), type="primary", width="stretch"):
            from kam import demo  # only needed once, on an empty store

            with st.spinner(t("empty.loading")):
                written = demo.generate(ctx.store, user=ctx.user)
            st.success(t("empty.loaded", rows=f"{sum(written.values()):,}"))
            st.rerun()
        if right.button(t("empty.import_own"), width="stretch"):
            st.switch_page(import_page)

    if ctx.store.is_empty():
        ui.bind_url(ctx)
        start = st.Page(empty_store, title=t("empty.title"), icon=":material/rocket_launch:")
        st.navigation([p for p in (start, import_page, users_page) if p]).run()
    else:
        if access.allows(person, access.VIEW):
            ctx.filters = access.scoped(ui.sidebar_filters(ctx, ui.today()), person)
        ui.bind_url(ctx)
        overview = page("overview", "monitoring")
        accounts = page("accounts", "contact_page")
        if accounts:
            ui.account_search(ctx, accounts)
        meeting = page("meeting", "co_present", access.MEETING_MODE)

        def home() -> None:
            # Streamlit serves the default page at / only; the overview keeps its own
            # address so that /overview?region=… links work, and / leads to it.
            st.switch_page(overview or users_page, query_params=dict(st.query_params))

        pages = menu({
            "": [st.Page(home, title=t("page.overview"), url_path="home", default=True, visibility="hidden")],
            t("nav.dashboards"): [
                overview,
                page("abc", "stacked_bar_chart"),
                page("revisits", "event_repeat"),
                page("complaints", "report"),
                page("churn", "person_remove"),
                page("at_risk", "warning"),
                page("receivables", "account_balance"),
                page("marked_changes", "rule"),
                meeting,
            ],
            t("nav.records"): [
                accounts,
                page("visits", "edit_calendar", access.RECORD),
                page("complaint_cards", "feedback", access.RECORD),
                page("churn_records", "handshake", access.RECORD),
            ],
            t("nav.reporting"): [page("explore", "query_stats"), page("sql", "terminal")],
            t("nav.data"): [
                page("data", "database", access.DATA_PAGES),
                import_page,
                page("settings", "settings", access.SETTINGS),
                users_page,
            ],
        })
        chosen = st.navigation(pages, expanded=True)
        if meeting and st.query_params.get("present") == "1":  # presentation mode, entered from any page's address
            st.switch_page(meeting, query_params={k: v for k, v in st.query_params.items() if k != "present"})
        chosen.run()


try:
    frame()
except Exception as error:  # Streamlit's own reruns and stops are not Exceptions
    ui.failure(error)
