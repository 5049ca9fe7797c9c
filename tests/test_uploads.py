"""ui/uploads.py: a refused upload is dropped by the server at once, its reason shown above an empty
uploader. It leans on a private part of Streamlit (the uploaded-file manager's remove_file): these
tests fail the day Streamlit renames it or keeps uploads elsewhere."""
from __future__ import annotations

import inspect

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette import starlette_app, starlette_routes


def page_refusing_empty_files():
    """A page that refuses an empty file, and says how many uploaded bytes the server holds for it; it
    keeps the file it was given, as a page's variables outlive its run (until a garbage collection)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from ui import uploads

    held = get_script_run_ctx().uploaded_file_mgr.get_stats().values()
    st.text(f"held: {sum(stat.byte_length for stats in held for stat in stats)} bytes")
    upload = uploads.file_uploader("File", ["csv"], key="file")
    if upload is not None:
        st.session_state["given"] = upload
    if upload is not None and not upload.getvalue().strip():
        uploads.refuse(upload, "file", f"{upload.name} is empty")
    if upload is not None:
        st.text(f"read {upload.name}")


def test_a_refused_file_is_dropped_by_the_server_and_a_corrected_one_is_taken_at_once():
    at = AppTest.from_function(page_refusing_empty_files).run()
    at.file_uploader(key="file").set_value(("blank.csv", b" " * 1000, "text/csv")).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["blank.csv is empty"]
    assert at.text[0].value == "held: 0 bytes"  # without the drop: 1000, until the session ends
    assert at.session_state["given"].closed  # the page's copy lets go of its bytes too
    assert [(u.key, u.value) for u in at.file_uploader] == [("file_1", None)]
    at.file_uploader(key="file_1").set_value(("sales.csv", b"id\n1\n", "text/csv")).run()
    assert [t.value for t in at.text] == ["held: 5 bytes", "read sales.csv"]
    assert at.session_state["given"].getvalue() == b"id\n1\n"
    assert not at.error


def test_streamlit_still_keeps_uploads_in_the_manager_ui_uploads_drops_them_from():
    assert "remove_file" in vars(MemoryUploadedFileManager), "rework ui/uploads.py"
    assert "MemoryUploadedFileManager(" in inspect.getsource(starlette_app), \
        "the server no longer keeps uploads in MemoryUploadedFileManager: rework ui/uploads.py"
    assert "upload_mgr.remove_file(session_id=session_id, file_id=file_id)" in inspect.getsource(starlette_routes), \
        "the uploader's ✕ no longer drops a file through remove_file: rework ui/uploads.py"
