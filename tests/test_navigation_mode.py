"""The one private part of Streamlit the app leans on (ui/navigation.py): a folder named pages/
puts Streamlit in its old one-file-per-page mode, and the app leaves it through the class flag
PagesManager.uses_pages_directory. These tests fail the day Streamlit renames or drops it."""
from __future__ import annotations

import inspect

from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from conftest import APP
from kam.i18n import translator
from ui.navigation import FLAG


def test_streamlit_still_has_the_pages_folder_flag_and_still_reads_it():
    assert FLAG in vars(PagesManager), "PagesManager lost its pages-folder flag: rework ui/navigation.py"
    assert f"if PagesManager.{FLAG}:" in inspect.getsource(script_runner.ScriptRunner), \
        "the script runner no longer decides old-style pages by this flag: rework ui/navigation.py"
    assert f"PagesManager.{FLAG} = False" in inspect.getsource(navigation.navigation), \
        "st.navigation no longer turns the flag off: rework ui/navigation.py"


def test_a_first_request_straight_to_a_page_opens_it_inside_the_frame(demo_dir, monkeypatch):
    """As the first request to a fresh server: Streamlit starts in old-style mode and runs the page
    file alone; the page leaves that mode and the frame (sidebar, filters, navigation) opens it."""
    hooked = PagesManager.__init__
    monkeypatch.setattr(PagesManager, "__init__", getattr(hooked, "__wrapped__", hooked))  # a fresh process
    monkeypatch.setenv("KAM_DATA_DIR", str(demo_dir))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["lang"] = "en"
    at.switch_page("pages/abc.py")
    at.run()
    t = translator("en")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("abc.title")
    assert [s.label for s in at.sidebar.selectbox] == [t("sidebar.period")]
    assert getattr(PagesManager, FLAG) is False
    assert getattr(PagesManager.__init__, "navigation_mode", False), "later sessions start in navigation mode"
