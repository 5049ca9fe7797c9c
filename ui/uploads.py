"""A file uploader that lets go of a file the page refuses: the refusal stays above an empty
uploader, and the server drops the file's bytes at once.

Streamlit (1.67) keeps every uploaded file in its MemoryUploadedFileManager until the user clicks
the uploader's ✕ (the browser then asks the server's upload route to delete it) or the session
ends. Nothing public drops one from a script: a new widget key shows an empty uploader, but the
old widget's file stays held, orphaned, for the rest of the session (a refused 150 MB CSV kept
150 MB). So `_drop` calls the manager's remove_file, as that delete route and st.chat_input (once
it has read its attachments) do: the second private part of Streamlit the app leans on, after
ui/navigation.py. tests/test_uploads.py fails the day Streamlit changes it.
"""
from __future__ import annotations

from typing import NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile


def file_uploader(label: str, types: list[str], key: str) -> UploadedFile | None:
    """st.file_uploader under `key`, below the reason its last file was refused, if it was."""
    state = st.session_state
    if f"{key}_refused" in state:
        st.error(state.pop(f"{key}_refused"))
    refusals = state.get(f"{key}_refusals", 0)  # a new, empty uploader after each refused file
    return st.file_uploader(label, type=types, key=f"{key}_{refusals}" if refusals else key)


def refuse(upload: UploadedFile, key: str, reason: str) -> NoReturn:
    """Let go of a refused file and show `reason` above a new, empty uploader (the user sees no
    file name there any more, so the reason names the file)."""
    _drop(upload)
    state = st.session_state
    state.update({f"{key}_refused": reason, f"{key}_refusals": state.get(f"{key}_refusals", 0) + 1})
    st.rerun()


def _drop(upload: UploadedFile) -> None:
    """The server lets go of the file's bytes: its manager's copy, as after a click on the uploader's
    ✕, and the buffer of the file the page was given. That one is closed because the page's own
    variables outlive the run: a page runs in a fresh namespace whose functions refer back to it, a
    cycle only the garbage collector frees, and .streamlit/config.toml turns off its full pass
    after every run, so a 150 MB file stayed until some later collection."""
    run = get_script_run_ctx()
    run.uploaded_file_mgr.remove_file(session_id=run.session_id, file_id=upload.file_id)
    upload.close()
