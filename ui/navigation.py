"""The one place that touches a private part of Streamlit: leaving its old pages-folder mode.

The app's pages live in a folder named pages/ (the product card fixes the name), and Streamlit
(1.67) treats a main script beside such a folder as an old-style multipage app: each run
executes the requested page file alone (script_runner._mpa_v1), until some run calls
st.navigation, which sets the class flag below to False for the rest of the process. Streamlit
offers no public option to say "this app navigates with st.navigation" from the start, and
AppTest puts the flag back to None before every run.

So the server (ui/server.py) starts in navigation mode before its first session, and the frame
and every page call leave_pages_folder_mode() first, for a process that did not (`streamlit run
app.py`, AppTest): its first run starts the old way, sets the flag and reruns, and the rerun runs
app.py, which builds the frame and opens the requested page (a page's address is its file's
name, so both modes agree on it). From then on every new PagesManager (a server session, an
AppTest run) starts in navigation mode, so no later run loses a click to that rerun.
tests/test_navigation_mode.py fails the day Streamlit renames the flag or stops reading it.
"""
from __future__ import annotations

import functools

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

FLAG = "uses_pages_directory"


def _starts_in_navigation_mode(init):
    @functools.wraps(init)
    def start(self, *args, **kwargs):
        init(self, *args, **kwargs)
        setattr(PagesManager, FLAG, False)
    start.navigation_mode = True
    return start


def start_in_navigation_mode() -> None:
    """Every PagesManager made from now on (a server session, an AppTest run) starts in navigation mode."""
    if not hasattr(PagesManager, FLAG):
        raise RuntimeError(f"Streamlit's PagesManager has no {FLAG!r} any more: see ui/navigation.py")
    if not getattr(PagesManager.__init__, "navigation_mode", False):
        PagesManager.__init__ = _starts_in_navigation_mode(PagesManager.__init__)
    setattr(PagesManager, FLAG, False)


def leave_pages_folder_mode() -> None:
    """Rerun as a st.navigation app if this run was started the old pages-folder way."""
    if not hasattr(PagesManager, FLAG):
        raise RuntimeError(f"Streamlit's PagesManager has no {FLAG!r} any more: see ui/navigation.py")
    if getattr(PagesManager, FLAG):
        start_in_navigation_mode()
        setattr(PagesManager, FLAG, False)
        st.rerun()
