"""Presentation mode for the weekly key-account meeting: one topic per screen."""
import streamlit as st

from kam.meeting import screens
from ui import meeting_view as view
import ui

ctx = ui.context()
view.projector()
index = view.current()
st.query_params["screen"] = str(index + 1)
m = screens.Meeting(ctx.db, ctx.filters, ctx.t, ctx.lang, view.meeting_day(ctx.t))
screen = screens.screen(m, index)
view.show(screen)
if screen.key == "actions":
    view.mark_done(ctx, m)
view.controls(ctx, m, index, screen)
view.preload()
screens.prepare(m, index)  # last, so that it does not hold up this screen
