"""A message that outlives a rerun: a page saves, reruns so every table shows the change, and
the next run says what was saved."""
from __future__ import annotations

import streamlit as st

_KEY = "ui_saved_message"


def rerun_saying(message: str, *forget: str) -> None:
    """Rerun, saying `message` where the page calls said(); the widgets keyed `name` or `name_…`
    for each name in `forget` start empty again (a saved form or editor)."""
    st.session_state[_KEY] = message
    for key in [k for k in st.session_state
                if any(str(k) == name or str(k).startswith(name + "_") for name in forget)]:
        del st.session_state[key]
    st.rerun()


def said() -> None:
    """Show, once, what the last run saved."""
    if _KEY in st.session_state:
        st.success(st.session_state.pop(_KEY))
