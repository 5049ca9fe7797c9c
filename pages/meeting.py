"""Presentation mode for the weekly key-account meeting: one topic per screen."""
from ui import meeting_view as view
import ui

ctx = ui.context()
view.projector()
view.present(ctx)
view.preload()
