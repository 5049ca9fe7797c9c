"""The frame: page setup, language, user, shared filters, navigation."""
import streamlit as st

from kam.i18n import translator
from pages import ui

st.set_page_config(page_title="大客户管理 · Key Accounts", page_icon=":material/monitoring:", layout="wide")

lang = ui.language_switch()
t = translator(lang)
db = ui.database()
ctx = ui.Context(store=db.store, db=db, t=t, lang=lang, user=ui.user_field(t))
st.session_state["ctx"] = ctx


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
    right.info(t("empty.import_cli"))


if ctx.store.is_empty():
    ui.bind_url(ctx)
    st.navigation([st.Page(empty_store, title=t("empty.title"), icon=":material/rocket_launch:")]).run()
else:
    ctx.filters = ui.sidebar_filters(ctx)
    ui.bind_url(ctx)
    pages = {
        t("nav.dashboards"): [
            st.Page("pages/overview.py", title=t("page.overview"), icon=":material/monitoring:", url_path="overview", default=True),
            st.Page("pages/abc.py", title=t("page.abc"), icon=":material/stacked_bar_chart:", url_path="abc"),
        ],
        t("nav.records"): [
            st.Page("pages/accounts.py", title=t("page.accounts"), icon=":material/contact_page:", url_path="accounts"),
        ],
        t("nav.data"): [
            st.Page("pages/data.py", title=t("page.data"), icon=":material/database:", url_path="data"),
        ],
    }
    st.navigation(pages).run()
