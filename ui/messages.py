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


def failure(error: Exception) -> None:
    """What a person sees when a page fails: the store's damage in one sentence, or an error id to
    quote (the traceback goes to the server's console and the store's log, never to the page)."""
    from kam import errors
    from kam.i18n import DEFAULT_LANGUAGE, translator
    from kam.store import damage
    from kam.store.delta import data_dir
    from ui.tables import literal

    t = translator(st.session_state.get("lang", DEFAULT_LANGUAGE))
    root = data_dir()
    known = error if isinstance(error, (damage.DamagedTable, damage.NoStore)) else (
        damage.first_damage(root))
    if known is not None:
        st.error(t("app.store_problem", what=literal(str(known))))
        return
    error_id, _ = errors.record(error, root, console=True)
    st.error(t("app.unexpected", id=error_id))
