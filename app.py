"""The frame: page setup, language, user, shared filters, navigation."""
import streamlit as st

from kam.i18n import DEFAULT_LANGUAGE, translator
import ui

ui.leave_pages_folder_mode()
# the icon an emoji: a material icon would be fetched from Google
st.set_page_config(page_title=translator(DEFAULT_LANGUAGE)("app.tab_title"), page_icon="📊", layout="wide")


def frame() -> None:
    lang = ui.language_switch()
    t = translator(lang)
    db = ui.database()
    ctx = ui.Context(store=db.store, db=db, t=t, lang=lang, user=ui.user_field(t))
    st.session_state["ctx"] = ctx

    def page(name: str, icon: str) -> st.Page:
        # The address is the file's name: Streamlit serves a first request to an
        # address from the pages/ folder by file name (see ui/navigation.py).
        return st.Page(f"pages/{name}.py", title=t(f"page.{name}"), icon=f":material/{icon}:", url_path=name)

    import_page = page("import", "upload_file")

    def empty_store() -> None:
        st.title(t("app.title"))
        st.subheader(t("empty.title"))
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
        st.navigation([st.Page(empty_store, title=t("empty.title"), icon=":material/rocket_launch:"), import_page]).run()
    else:
        ctx.filters = ui.sidebar_filters(ctx, ui.today())
        ui.bind_url(ctx)
        overview = page("overview", "monitoring")
        accounts = page("accounts", "contact_page")
        ui.account_search(ctx, accounts)
        meeting = page("meeting", "co_present")

        def home() -> None:
            # Streamlit serves the default page at / only; the overview keeps its own
            # address so that /overview?region=… links work, and / leads to it.
            st.switch_page(overview, query_params=dict(st.query_params))

        pages = {
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
                page("visits", "edit_calendar"),
                page("complaint_cards", "feedback"),
                page("churn_records", "handshake"),
            ],
            t("nav.reporting"): [page("explore", "query_stats"), page("sql", "terminal")],
            t("nav.data"): [
                page("data", "database"),
                import_page,
                page("settings", "settings"),
            ],
        }
        chosen = st.navigation(pages, expanded=True)
        if st.query_params.get("present") == "1":  # presentation mode, entered from any page's address
            st.switch_page(meeting, query_params={k: v for k, v in st.query_params.items() if k != "present"})
        chosen.run()


try:
    frame()
except Exception as error:  # Streamlit's own reruns and stops are not Exceptions
    ui.failure(error)

