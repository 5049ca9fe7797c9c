"""What every run shares: the store and its read side, the language, the user, today."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from kam.filters import Filters
from kam.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from kam.readside.database import Database
from kam.store import batches
from kam.access import Person
from kam.store.delta import Store, data_dir
from kam.store.work import Work
from ui.navigation import leave_pages_folder_mode


@dataclass
class Context:
    store: Store
    db: Database
    t: object
    lang: str
    user: str  # who writes: the signed-in identity, or the local user's name
    filters: Filters | None = None
    person: Person | None = None  # and what they may do (kam.access)

    @property
    def work(self) -> Work:
        """A write's unit of work: this store, the signed-in person, today."""
        import ui  # ui.today, as the tests set it
        return Work(self.store, self.db, self.user, ui.today(), self.person)


@st.cache_resource
def _database(root: str) -> Database:
    store = Store(root)
    batches.on_start(store)
    return Database(store)


def database() -> Database:
    return _database(str(data_dir()))


# A number card's value shrinks with the window, so that ¥1,028.7万 fits five cards to a row
# on a laptop as on a 1920 screen (Streamlit cuts it short with an ellipsis otherwise); the
# projector's own larger size (ui.meeting_view) still wins on the meeting's screens.
CARDS_CSS = """<style>
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * {
  font-size: clamp(1.3rem, 2vw, 2.25rem); }
</style>"""


def page_style() -> None:
    st.html(CARDS_CSS)


def today() -> dt.date:
    return dt.date.today()


def language_switch() -> str:
    """The 中文 / English switch; the first run of a session takes the language from the URL."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    t = translator(st.session_state["lang"])  # the switch reads the same in both languages
    st.sidebar.radio(t("sidebar.language"), LANGUAGES, key="lang", horizontal=True,
                     format_func=lambda lang: t(f"language.{lang}"))
    return st.session_state["lang"]


def context() -> Context:
    """The context app.py made for this run (a page's first line)."""
    leave_pages_folder_mode()
    return st.session_state["ctx"]
