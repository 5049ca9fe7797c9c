"""Downloads of what a page shows."""
from __future__ import annotations

import streamlit as st

from kam import access
from kam.export import to_csv_bytes
from ui.context import context


def csv_download(frame, label: str, file_name: str, key: str) -> None:
    """A download of the frame as CSV, for those who may export; `frame` may be a function that makes it."""
    if not access.allows(context().person, access.EXPORT):
        return
    # the file is made when someone clicks, not on every rerun: a big table's CSV takes a second
    st.download_button(label, lambda: to_csv_bytes(frame() if callable(frame) else frame), file_name=file_name,
                       mime="text/csv", key=key)
